"""pynn.autograd: grad(), grad-mode context managers and a float64 finite-difference gradcheck."""
from __future__ import annotations

import functools

import numpy as np

from . import _C


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    retain = create_graph if retain_graph is None else retain_graph
    _C._autograd_backward(tensors, grad_tensors, retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    retain = create_graph if retain_graph is None else retain_graph
    return _C._autograd_grad(outputs, inputs, grad_outputs, retain, create_graph, allow_unused)


class _GradMode:
    """Context manager and decorator that sets grad mode (thread-local) and restores it after."""

    def __init__(self, enabled: bool):
        self._enabled = enabled
        self._prev: list = []

    def __enter__(self):
        self._prev.append(_C.is_grad_enabled())
        _C._set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)(*self._args()):
                return fn(*args, **kwargs)

        return wrapper

    def _args(self):
        return (self._enabled,)


class no_grad(_GradMode):
    def __init__(self):
        super().__init__(False)

    def _args(self):
        return ()


class enable_grad(_GradMode):
    def __init__(self):
        super().__init__(True)

    def _args(self):
        return ()


class set_grad_enabled(_GradMode):
    """set_grad_enabled(mode) takes effect at once, and also works as a context manager."""

    def __init__(self, mode: bool):
        super().__init__(bool(mode))
        self._prev.append(_C.is_grad_enabled())
        _C._set_grad_enabled(bool(mode))

    def __enter__(self):
        return self


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Compares autograd's gradients of sum(fn(*inputs) * r) with central differences in float64.

    Inputs that require grad must be float64. Raises AssertionError with the worst mismatch."""
    inputs = tuple(inputs)
    out = fn(*inputs)
    rng = np.random.default_rng(0)
    proj = _C.from_numpy(rng.standard_normal(tuple(out.shape)).astype(np.float64))
    diff = [x for x in inputs if getattr(x, "requires_grad", False)]
    analytic = grad(((out * proj).sum(),), tuple(diff), allow_unused=True)
    for x, g in zip(diff, analytic):
        a = x.detach().numpy()  # shares memory with x: perturb in place
        num = np.zeros(a.shape)
        flat, num_flat = a.reshape(-1), num.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            with no_grad():
                hi = float((fn(*inputs) * proj).sum().item())
            flat[i] = orig - eps
            with no_grad():
                lo = float((fn(*inputs) * proj).sum().item())
            flat[i] = orig
            num_flat[i] = (hi - lo) / (2 * eps)
        got = np.zeros(a.shape) if g is None else g.numpy()
        if not np.allclose(got, num, atol=atol, rtol=rtol):
            worst = np.max(np.abs(got - num))
            raise AssertionError(f"gradcheck failed: max abs difference {worst:.3g}\nanalytic={got}\nnumeric={num}")
    return True
