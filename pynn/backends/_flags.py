"""A backend module whose boolean flags can be read, set, and set for the duration of a with block."""
from __future__ import annotations

import contextlib
import sys
import types


class FlagModule(types.ModuleType):
    """A module object with typed, settable flags (torch.backends.cudnn's behaviour)."""

    def __init__(self, name: str, doc: str, flags: dict) -> None:
        super().__init__(name, doc)
        object.__setattr__(self, "_flags", dict(flags))

    def __getattr__(self, name):
        flags = object.__getattribute__(self, "_flags")
        if name in flags:
            return flags[name]
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __setattr__(self, name, value) -> None:
        flags = object.__getattribute__(self, "_flags")
        if name in flags:
            flags[name] = type(flags[name])(value)
        else:
            super().__setattr__(name, value)

    @contextlib.contextmanager
    def flags(self, **values):
        """with backend.flags(enabled=False, ...): sets flags for the block, then restores them."""
        saved = dict(self._flags)
        try:
            for k, v in values.items():
                if v is not None:
                    setattr(self, k, v)
            yield
        finally:
            self._flags.update(saved)


def install(module_name: str, doc: str, flags: dict, functions: dict) -> None:
    """Replaces sys.modules[module_name] by a FlagModule holding `flags` and `functions`."""
    mod = FlagModule(module_name, doc, flags)
    for k, v in functions.items():
        object.__setattr__(mod, k, v)
    sys.modules[module_name] = mod
