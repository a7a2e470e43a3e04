"""torch.autograd.Function: user-defined forward/backward pairs.

`apply` runs `forward` with grad mode off and records one C++ node per differentiable output; the node calls
back into `backward` with that output's gradient (zeros for the others, as torch materializes them). For a
correct backward the split is exact: backward is linear in its incoming gradients.
"""
from __future__ import annotations

import functools
from typing import Any, Tuple

from .. import _C
from . import no_grad


def _tensor_class():
    from .. import Tensor

    return Tensor


def _zeros(shape, dtype, device):
    from .. import zeros

    return zeros(shape, dtype=dtype, device=device)


class FunctionCtx:
    """The `ctx` handed to forward and backward: save_for_backward / saved_tensors, needs_input_grad,
    mark_non_differentiable, set_materialize_grads, and any attribute the function stores on it."""

    def __init__(self) -> None:
        self._saved: Tuple = ()
        self._saved_versions: Tuple = ()
        self._non_differentiable: set = set()
        self._materialize_grads = True
        self._dirty: Tuple = ()
        self.needs_input_grad: Tuple[bool, ...] = ()

    def save_for_backward(self, *tensors) -> None:
        Tensor = _tensor_class()
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._saved = tensors
        self._saved_versions = tuple(None if t is None else t._version for t in tensors)

    @property
    def saved_tensors(self) -> Tuple:
        for i, (t, v) in enumerate(zip(self._saved, self._saved_versions)):
            if t is not None and t._version != v:
                raise RuntimeError("one of the variables needed for gradient computation has been modified by an "
                                   f"inplace operation: [{t.type()} {list(t.shape)}], which is output {i} of "
                                   f"saved_tensors, is at version {t._version}; expected version {v} instead.")
        return self._saved

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize_grads = bool(value)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_name = name + "Backward"


class Function(metaclass=_FunctionMeta):
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)` (or `forward(*args)` plus
    `setup_context(ctx, inputs, output)`), then call `MyFunction.apply(*args)`."""

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: Tuple[Any, ...], output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        Tensor = _tensor_class()
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        uses_setup_context = cls.setup_context is not Function.setup_context
        with no_grad():
            if uses_setup_context:
                output = cls.forward(*args, **kwargs)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if uses_setup_context:
            cls.setup_context(ctx, args, output)
        if not (_C.is_grad_enabled() and any(ctx.needs_input_grad)):
            return output

        is_tuple = isinstance(output, tuple)
        outputs = list(output) if is_tuple else [output]
        tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensor_inputs = [args[i] for i in tensor_pos]
        input_ids = {id(t) for t in tensor_inputs}
        dirty = {id(t) for t in ctx._dirty}
        for i, out in enumerate(outputs):
            if isinstance(out, Tensor) and id(out) in input_ids and id(out) not in dirty:
                outputs[i] = out.view_as(out)  # an input returned as is: a new tensor that carries the history
        shapes = [(tuple(o.shape), o.dtype) if isinstance(o, Tensor) else None for o in outputs]

        def run_backward(index: int, grad):
            grads = []
            for j, s in enumerate(shapes):
                if j == index:
                    grads.append(grad)
                elif s is None:
                    grads.append(None)
                else:
                    grads.append(_zeros(s[0], s[1], grad.device) if ctx._materialize_grads else None)
            result = cls.backward(ctx, *grads)
            if not isinstance(result, tuple):
                result = (result,)
            if len(result) < len(args):
                raise RuntimeError(f"function {cls._backward_name} returned an incorrect number of gradients "
                                   f"(expected {len(args)}, got {len(result)})")
            if len(result) > len(args) and any(r is not None for r in result[len(args):]):
                raise RuntimeError(f"function {cls._backward_name} returned an incorrect number of gradients "
                                   f"(expected {len(args)}, got {len(result)})")
            picked = []
            for p in tensor_pos:
                g = result[p]
                if g is not None:
                    if not isinstance(g, Tensor):
                        raise TypeError(f"function {cls._backward_name} returned a gradient of type "
                                        f"{type(g).__name__} for input {p}; expected a Tensor or None")
                    if tuple(g.shape) != tuple(args[p].shape):
                        raise RuntimeError(f"Function {cls._backward_name} returned an invalid gradient at index {p} "
                                           f"- got {list(g.shape)} but expected shape compatible with "
                                           f"{list(args[p].shape)}")
                picked.append(g)
            return picked

        for i, out in enumerate(outputs):
            if not isinstance(out, Tensor) or id(out) in ctx._non_differentiable or not out.is_floating_point():
                continue
            _C._record_function(run_backward, tensor_inputs, out, i, cls._backward_name)
        return tuple(outputs) if is_tuple else outputs[0]


def once_differentiable(fn):
    """Runs backward with grad mode off: its result carries no history, so a double backward through it finds
    no graph (torch raises there; here the gradients are simply not differentiable)."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    return wrapper


__all__ = ["Function", "FunctionCtx", "once_differentiable"]
