"""Gradient clipping (torch.nn.utils.clip_grad): by total norm and by value, in place on .grad."""
from __future__ import annotations

import math
from typing import Iterable, Optional, Union

from ... import _C
from ..._C import Tensor
from ...autograd import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]

_TensorOrTensors = Union[Tensor, Iterable[Tensor]]


def _tensors(t) -> list:
    return [t] if isinstance(t, Tensor) else list(t)


def _vector_norm(x: Tensor, norm_type: float) -> Tensor:
    if math.isinf(norm_type):
        a = x.abs()
        return a.max() if norm_type > 0 else a.min()
    if norm_type == 0:
        return (x != 0).sum().to(x.dtype)
    if norm_type == 2:
        return x.norm()
    return x.abs().pow(norm_type).sum().pow(1.0 / norm_type)


def get_total_norm(tensors: _TensorOrTensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: Optional[bool] = None) -> Tensor:
    """The norm of the norms of the tensors: the norm of all their elements taken as one vector."""
    tensors = _tensors(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _C._full([], 0.0, _C._get_default_dtype())
    with no_grad():
        norms = [_vector_norm(t, norm_type) for t in tensors]
        dtype = norms[0].dtype
        total = _vector_norm(_C.stack([n.to(dtype) for n in norms], 0), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: _TensorOrTensors, max_norm: float, total_norm: Tensor,
                          foreach: Optional[bool] = None) -> None:
    """Scales the gradients by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        # torch evaluates max_norm / t as t.reciprocal() * max_norm (Tensor.__rdiv__): the same roundings
        coef = ((total_norm + 1e-6).reciprocal() * max_norm).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))


def clip_grad_norm_(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: Optional[bool] = None) -> Tensor:
    """Rescales the gradients so that their total norm is at most max_norm; returns the norm before clipping.
    norm_type: any p > 0, 0 or inf ('inf' as a string too). foreach is accepted: every grad is one fused op
    here anyway."""
    parameters = _tensors(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: _TensorOrTensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: Optional[bool] = None) -> Tensor:
    """Deprecated spelling of clip_grad_norm_ (torch warns the same way)."""
    import warnings

    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: _TensorOrTensors, clip_value: float, foreach: Optional[bool] = None) -> None:
    """Clamps every gradient to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _tensors(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)
