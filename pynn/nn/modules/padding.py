"""Padding layers (ConstantPad / ZeroPad / ReflectionPad / ReplicationPad / CircularPad 1d-3d) over F.pad, with
torch's signatures, padding tuples and reprs."""
from __future__ import annotations

from ... import functional as F
from ..._C import Tensor
from .module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Constant", "Zero", "Reflection", "Replication", "Circular")
           for n in (1, 2, 3)]


def _padding_tuple(padding, n: int) -> tuple:
    """An int pads every side of the n last dims; a sequence is taken as it is (F.pad's order)."""
    if isinstance(padding, (list, tuple)):
        if len(padding) != 2 * n:
            raise ValueError(f"expected padding of length {2 * n}, got {len(padding)}")
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    __constants__ = ["padding"]
    _mode = "constant"
    _n = 1

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding_tuple(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _make(base, mode: str, n: int, name: str):
    return type(name, (base,), {"_mode": mode, "_n": n, "__module__": __name__,
                                "__doc__": f"{name}: F.pad(input, padding, {mode!r}) over the last {n} dim(s)."})


for _n in (1, 2, 3):
    for _kind, _base, _mode in (("Constant", _ConstantPadNd, "constant"), ("Zero", _ZeroPadNd, "constant"),
                                ("Reflection", _PadNd, "reflect"), ("Replication", _PadNd, "replicate"),
                                ("Circular", _PadNd, "circular")):
        globals()[f"{_kind}Pad{_n}d"] = _make(_base, _mode, _n, f"{_kind}Pad{_n}d")
del _n, _kind, _base, _mode
