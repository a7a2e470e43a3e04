"""Small torch functions composed from the C++ ops."""
from __future__ import annotations

from . import _C
from ._C import Tensor


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    return input.numel()


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """clone(input, *, memory_format=None) -> Tensor

    A copy of input with its own storage, recorded by autograd (the gradient flows back to input), laid out
    as memory_format asks (preserve_format, the default: input's dimension order when it is dense)."""
    return input.clone(memory_format=memory_format)


def get_default_dtype():
    return _C._get_default_dtype()


def set_default_dtype(d) -> None:
    """torch.set_default_dtype: the dtype of Python floats, of float factories without a dtype, of new layers'
    parameters and of integer -> float results (float32 at start; float64, float16 and bfloat16 also allowed)."""
    if not isinstance(d, _C.dtype):
        raise TypeError(f"invalid dtype object: only floating-point types are supported as the default type")
    _C._set_default_dtype(d)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    if input.dtype != other.dtype:
        raise RuntimeError(f"[isclose] {input.dtype} did not match {other.dtype}")
    if not input.is_floating_point():
        return _C.eq(input, other)
    close = _C.le(_C.abs(_C.sub(input, other)), _C.add(_C.mul(_C.abs(other), rtol), atol))
    close = _C.logical_or(close, _C.eq(input, other))  # equal infinities
    if equal_nan:
        close = _C.logical_or(close, _C.logical_and(_C.isnan(input), _C.isnan(other)))
    return close


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input: Tensor, other: Tensor) -> bool:
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(_C.eq(input, other).all().item())


Tensor.isclose = isclose
Tensor.allclose = allclose
Tensor.equal = equal
