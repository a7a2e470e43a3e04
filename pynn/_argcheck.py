"""Argument checks the Python layer applies in one place rather than in every function.

pynn.functional's functions take their tensor first, named `input` as in torch. Given None or another
non-Tensor they would fail somewhere inside with an AttributeError ('NoneType' object has no attribute 'dim');
torch's parser raises TypeError before any work. `wrap_tensor_inputs` gives every such function that check
once, at import, so functions added later get it too.
"""
from __future__ import annotations

import functools
import inspect

from ._C import Tensor


def _checked(fn):
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return fn(input, *args, **kwargs)

    wrapper._pynn_checked = True
    return wrapper


def wrap_tensor_inputs(module) -> None:
    """Rebinds every public function of `module` whose first parameter is `input` to its checked version."""
    for name, fn in list(vars(module).items()):
        if name.startswith("_") or not inspect.isfunction(fn) or getattr(fn, "_pynn_checked", False):
            continue
        if fn.__module__ != module.__name__:
            continue
        params = list(inspect.signature(fn).parameters.values())
        if params and params[0].name == "input" and params[0].kind == params[0].POSITIONAL_OR_KEYWORD:
            setattr(module, name, _checked(fn))


def dim_required(fn):
    """torch.softmax / torch.log_softmax: unlike their nn.functional twins, dim has no implicit default."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(input, dim=None, dtype=None, **kwargs):
        if dim is None:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        return fn(input, dim, dtype=dtype, **kwargs)

    return wrapper
