"""pynn.nn.init: in-place parameter initialisation (torch.nn.init), all under no_grad."""
from __future__ import annotations

import math
import statistics
import warnings

import numpy as np

from .. import _C
from .._C import Tensor
from ..autograd import no_grad

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """Recommended gain for the given nonlinearity (torch.nn.init.calculate_gain)."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.shape[1]
    num_output_fmaps = tensor.shape[0]
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _float64_draw(generator, numpy_method: str, global_draw):
    """n -> n float64 draws as a numpy array: from the Generator's own stream when one is given, else pynn's."""
    if generator is None:
        return lambda n: global_draw([n], _C.float64).numpy()
    from .._generator import Generator

    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a pynn.Generator, not {type(generator).__name__}")
    return lambda n: getattr(generator._rng, numpy_method)(n)


def _no_grad_fill(tensor: Tensor, fill) -> Tensor:
    with no_grad():
        fill(tensor)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    return _no_grad_fill(tensor, lambda t: t.uniform_(a, b, generator=generator))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    return _no_grad_fill(tensor, lambda t: t.normal_(mean, std, generator=generator))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Normal(mean, std) restricted to [a, b] (rejection sampling: exact, and driven by pynn's generator)."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)

    if not a <= b:  # torch's check (its uniform_ draw on [cdf(a), cdf(b)) refuses the empty range)
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")

    normal = _float64_draw(generator, "standard_normal", _C._randn)
    uniform = _float64_draw(generator, "random", _C._rand)

    def fill(t: Tensor) -> None:
        vals = normal(t.numel()) * std + mean
        bad = (vals < a) | (vals > b)
        # Rejection is exact but never ends when [a, b] holds (almost) no mass: a few rounds, then the rest by
        # the inverse CDF of uniforms drawn in [cdf(a), cdf(b)], clipped (a == b gives a).
        for _ in range(8):
            if not bad.any():
                break
            vals[bad] = normal(int(bad.sum())) * std + mean
            bad = (vals < a) | (vals > b)
        if bad.any():
            dist = statistics.NormalDist(mean, std)
            lo, hi = dist.cdf(a), dist.cdf(b)
            eps = 1e-300
            u = lo + (hi - lo) * uniform(int(bad.sum()))
            vals[bad] = [dist.inv_cdf(min(max(x, eps), 1 - 1e-16)) for x in u]
            vals = np.clip(vals, a, b)
        t.copy_(_C.from_numpy(vals.reshape(tuple(t.shape))))

    return _no_grad_fill(tensor, fill)


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _no_grad_fill(tensor, lambda t: t.fill_(val))


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    return _no_grad_fill(tensor, lambda t: t.zero_())


def eye_(tensor: Tensor) -> Tensor:
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    eye = np.eye(tensor.shape[0], tensor.shape[1])
    return _no_grad_fill(tensor, lambda t: t.copy_(_C.from_numpy(eye)))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Identity-preserving init for conv weights (out, in, *kernel)."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    w = np.zeros(tuple(sizes), dtype=np.float64)
    center = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            w[(g * out_chans_per_grp + d, d) + center] = 1
    return _no_grad_fill(tensor, lambda t: t.copy_(_C.from_numpy(w)))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """(Semi-)orthogonal matrix from the QR of a normal sample, sign-fixed so the result is uniform (Haar)."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    # The normal sample comes from pynn's generator, so manual_seed controls it.
    flat = _float64_draw(generator, "standard_normal", _C._randn)(rows * cols).reshape(rows, cols)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    q = np.ascontiguousarray(q * gain).reshape(tuple(tensor.shape))
    return _no_grad_fill(tensor, lambda t: t.copy_(_C.from_numpy(q)))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))

    def fill(t: Tensor) -> None:
        t.normal_(0, std, generator=generator)
        for col_idx in range(cols):
            zero_rows = (generator._rng.permutation(rows) if generator is not None
                         else _C._randperm(rows, _C.int64).numpy())[:num_zeros]
            for r in zero_rows:
                t[int(r), col_idx] = 0

    return _no_grad_fill(tensor, fill)


# Deprecated torch aliases (without the trailing underscore).
uniform = uniform_
normal = normal_
constant = constant_
xavier_uniform = xavier_uniform_
xavier_normal = xavier_normal_
kaiming_uniform = kaiming_uniform_
kaiming_normal = kaiming_normal_
orthogonal = orthogonal_
