"""pynn.nn.utils: torch.nn.utils helpers (rnn: packing and padding of variable-length sequences; gradient
clipping, parameter/vector conversion, weight_norm and parametrizations)."""
from . import rnn
from . import parametrizations, parametrize  # noqa: E402
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .weight_norm import remove_weight_norm, weight_norm
from .spectral_norm import remove_spectral_norm, spectral_norm

__all__ = ["rnn", "parametrize", "parametrizations", "clip_grad_norm_", "clip_grad_norm", "clip_grad_value_",
           "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector", "vector_to_parameters",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]
