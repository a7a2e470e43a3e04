"""pynn.inference_mode: no_grad plus inference tensors, as torch.inference_mode.

Tensors made inside are marked (Tensor.is_inference()); once the mode is off, autograd refuses to save them
for backward, to update them in place or to make them require grad, with torch's errors. Clone one to get
a normal tensor."""
from __future__ import annotations

import functools

from . import _C


class inference_mode:
    """Context manager and decorator: `with pynn.inference_mode():`, `@pynn.inference_mode()`,
    `@pynn.inference_mode` and `inference_mode(mode=False)` (which changes nothing)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):
            # Used as a bare decorator: @pynn.inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        self._prev: list = []

    def __enter__(self):
        self._prev.append((_C.is_grad_enabled(), _C.is_inference_mode_enabled()))
        if self.mode:
            _C._set_grad_enabled(False)
            _C._set_inference_mode(True)
        return self

    def __exit__(self, *exc) -> bool:
        grad, inference = self._prev.pop()
        _C._set_inference_mode(inference)
        _C._set_grad_enabled(grad)
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper

    def clone(self) -> "inference_mode":
        return inference_mode(self.mode)
