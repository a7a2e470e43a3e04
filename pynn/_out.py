"""torch's `out=` for the functions written in Python: the result is written into `out`, which is returned.

pynn has no resize_, so `out` must have the result's shape; its dtype must be one the result can be cast to
(no float -> integer, as torch's canCast). As in torch, out= does not record autograd history.
"""
from __future__ import annotations

import functools

from . import _C
from .autograd import no_grad


def _check_one(result, out, name: str) -> None:
    from . import Tensor

    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if tuple(out.shape) != tuple(result.shape):
        raise RuntimeError(f"{name}(): out= has shape {list(out.shape)} but the result has shape "
                           f"{list(result.shape)}; pynn does not resize out= tensors")
    if result.is_floating_point() and not out.is_floating_point() or (
            str(out.dtype) == "pynn.bool" and str(result.dtype) != "pynn.bool"):
        raise RuntimeError(f"result type {_title(result.dtype)} can't be cast to the desired output type "
                           f"{_title(out.dtype)}")


def _title(dtype) -> str:
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
            "float16": "Half", "bfloat16": "BFloat16"}.get(str(dtype).split(".")[-1], str(dtype))


def write_out(result, out, name: str):
    """Copies `result` (a tensor or a tuple of tensors) into `out` and returns `out`; `out=None` returns result."""
    if out is None:
        return result
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        for r, o in zip(result, out):
            _check_one(r, o, name)
        with no_grad():
            for r, o in zip(result, out):
                o.copy_(r)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    _check_one(result, out, name)
    with no_grad():
        out.copy_(result)
    return out


def supports_out(fn):
    """Decorator: the wrapped function computes its result as usual and `out=` receives it."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _C.is_grad_enabled() and any(getattr(a, "requires_grad", False) for a in args):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        return write_out(fn(*args, **kwargs), out, name)

    return wrapper
