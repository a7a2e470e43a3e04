"""nn.Parameter: a Tensor subclass that Modules register automatically."""
from __future__ import annotations

from .. import _C
from .._C import Tensor


def _detached(data) -> Tensor:
    if data is None:
        return _C._empty([0], _C._get_default_dtype())
    if not isinstance(data, Tensor):
        raise TypeError(f"Parameter(): expected a Tensor as data, got {type(data).__name__}")
    return data.detach()


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning one to a Module attribute registers it.

    Parameter(data) shares data's storage and is a leaf with requires_grad=True by default.
    """

    # No per-instance slots: the object must keep Tensor's exact layout, because it is made by
    # re-classing a detached Tensor (the C++ Tensor has no Python-side constructor to call).
    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        t = _detached(data)
        t.requires_grad_(requires_grad)
        t.__class__ = cls
        return t

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        """Everything happened in __new__ (Tensor itself has no Python-side __init__ to chain to)."""

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__  # Tensor defines __str__ too; print(param) shows the Parameter header like torch

    def __reduce_ex__(self, protocol):
        # The data travels as a plain Tensor (pickled by Tensor's own reduce); the class is restored here.
        return (_rebuild_parameter, (self.detach(), self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)
