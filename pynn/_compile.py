"""pynn.compile: accepted for torch.compile's call sites, but compiles nothing."""
from __future__ import annotations

_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs")


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor", mode=None, options=None,
            disable: bool = False):
    """Returns `model` itself: pynn has no graph capture yet, so the "compiled" callable is the eager one and
    gives the same results. Works as `compile(fn)`, `compile(fn, mode=...)` and the `@compile(...)` decorator."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode not in (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"):
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: default, reduce-overhead, max-autotune, "
                           "max-autotune-no-cudagraphs")
    if isinstance(backend, str) and backend not in _BACKENDS:
        raise RuntimeError(f"Invalid backend: {backend!r}, see pynn.compile's docs for the accepted names")
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError("compile() expects a callable (a module or a function)")
    return model
