"""pynn.autograd: backward()/grad(), grad-mode context managers, autograd.Function, and float64
finite-difference gradcheck/gradgradcheck."""
from __future__ import annotations

import functools

import numpy as np

from .. import _C


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    retain = create_graph if retain_graph is None else retain_graph
    if grad_tensors is None:
        grad_tensors = grad_variables
    _C._autograd_backward(tensors, grad_tensors, retain, create_graph, inputs)


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


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise AssertionError(msg)
    return False


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """Compares autograd's vector-Jacobian products of func with central differences, for every output and
    every input that requires grad (those must be float64). Raises AssertionError with the worst mismatch,
    or returns False when raise_exception=False."""
    inputs = _as_tuple(inputs)
    outs = [o for o in _as_tuple(func(*inputs)) if getattr(o, "requires_grad", False) or _is_float_tensor(o)]
    rng = np.random.default_rng(0)
    projs = [_C.from_numpy(rng.standard_normal(tuple(o.shape)).astype(np.float64)).to(o.dtype) for o in outs]
    diff = [x for x in inputs if getattr(x, "requires_grad", False)]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for x in diff:
        if str(x.dtype) != "pynn.float64":
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating point. This check will "
                          "likely fail if all the inputs are not of double precision floating point. ")

    def scalar(values) -> float:
        return float(sum(float((o * p).sum().item()) for o, p in zip(_as_tuple(values), projs)))

    def project(values):
        terms = [(o * p).sum() for o, p in zip(values, projs) if o.requires_grad]
        return sum(terms[1:], terms[0]) if terms else None

    total = project([o for o in _as_tuple(func(*inputs)) if _is_float_tensor(o)])
    analytic = grad((total,), tuple(diff), allow_unused=True) if total is not None else [None] * len(diff)
    for k, (x, g) in enumerate(zip(diff, analytic)):
        a = x.detach().numpy()  # shares memory with x: perturb in place
        num = np.zeros(a.shape)
        flat, num_flat = a.reshape(-1), num.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            with no_grad():
                hi = scalar([o for o in _as_tuple(func(*inputs)) if _is_float_tensor(o)])
            flat[i] = orig - eps
            with no_grad():
                lo = scalar([o for o in _as_tuple(func(*inputs)) if _is_float_tensor(o)])
            flat[i] = orig
            num_flat[i] = (hi - lo) / (2 * eps)
        got = np.zeros(a.shape) if g is None else g.detach().numpy()
        if not np.allclose(got, num, atol=atol, rtol=rtol):
            worst = np.max(np.abs(got - num))
            return _fail(f"Jacobian mismatch for input {k} (max abs difference {worst:.3g}):\n"
                         f"analytical={got}\nnumerical={num}", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, **_ignored) -> bool:
    """gradcheck of the first derivative: the vector-Jacobian product of func, taken with create_graph=True,
    differentiated again with respect to the inputs and the output gradients."""
    inputs = _as_tuple(inputs)
    outs = [o for o in _as_tuple(func(*inputs)) if _is_float_tensor(o)]
    if grad_outputs is None:
        rng = np.random.default_rng(1)
        grad_outputs = tuple(_C.from_numpy(rng.standard_normal(tuple(o.shape)).astype(np.float64)).to(o.dtype)
                             .requires_grad_() for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    diff = [x for x in inputs if getattr(x, "requires_grad", False)]
    n = len(inputs)

    def first_derivative(*args):
        xs, gos = args[:n], args[n:]
        with enable_grad():  # gradcheck evaluates it under no_grad for the finite differences
            ys = [o for o in _as_tuple(func(*xs)) if _is_float_tensor(o)]
            d = [x for x in xs if getattr(x, "requires_grad", False)]
            gs = grad(tuple(ys), tuple(d), grad_outputs=tuple(gos), create_graph=True, allow_unused=True)
        return tuple(g if g is not None else _zeros_like(x) for g, x in zip(gs, d))

    if not diff:
        raise ValueError("gradgradcheck expects at least one input tensor to require gradient")
    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _zeros_like(x):
    from .. import zeros_like

    return zeros_like(x)


def _is_float_tensor(x) -> bool:
    return hasattr(x, "is_floating_point") and x.is_floating_point()


from .function import Function, FunctionCtx, once_differentiable  # noqa: E402,F401
from . import function  # noqa: E402,F401
