"""pynn.jit: TorchScript does not exist in pynn. script() and trace() refuse clearly instead of returning
something that only looks compiled; plain eager code runs unchanged (pynn.compile returns the callable)."""
from __future__ import annotations

__all__ = ["script", "trace", "is_scripting", "is_tracing", "ignore", "unused", "export", "annotate"]


def _refuse(what: str):
    raise RuntimeError(f"pynn.jit.{what}: TorchScript is not supported by pynn; run the module eagerly (drop the "
                       f"pynn.jit.{what} call) or use pynn.compile(model), which returns it unchanged")


def script(obj=None, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    _refuse("script")


def trace(func, example_inputs=None, *args, **kwargs):
    _refuse("trace")


def is_scripting() -> bool:
    """False: code never runs under TorchScript in pynn (scripts branch on this)."""
    return False


def is_tracing() -> bool:
    return False


def ignore(drop=False, **kwargs):
    """@ignore / @ignore(drop=...) leave the function as it is (there is no compiler to hide it from)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def annotate(the_type, the_value):
    return the_value
