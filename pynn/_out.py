"""torch's `out=` for the functions written in Python: the result is written into `out`, which is returned.

The checks and the copy are the C++ bindings' own (_C._write_out, ops' write_out): pynn has no resize_, so
`out` must have the result's shape; its dtype must be one the result can be cast to (no float -> integer, as
torch's canCast). As in torch, out= does not record autograd history.
"""
from __future__ import annotations

import functools
import inspect

from . import _C


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
            _C._write_out(r, o, name)
        return type(result)(*out) if hasattr(result, "_fields") else tuple(out)
    return _C._write_out(result, out, name)


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

    wrapper.__signature__ = _with_out_parameter(fn)
    return wrapper


def _with_out_parameter(fn) -> inspect.Signature:
    """fn's own signature (not the one it wraps) with the keyword-only out=None that the wrapper adds."""
    sig = inspect.signature(fn, follow_wrapped=False)
    params = list(sig.parameters.values())
    if "out" in sig.parameters:
        return sig
    at = len(params) - (1 if params and params[-1].kind is inspect.Parameter.VAR_KEYWORD else 0)
    params.insert(at, inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
    return sig.replace(parameters=params)
