"""torch's memory formats: the order in which a tensor's dimensions are laid out in memory.

pynn's tensors are strided, so a format is a dimension order: channels_last stores NCHW data as NHWC. A copy in
a given order is a permute, a contiguous copy and the inverse permute (all differentiable, so autograd sees one
copy); kernels read any strides, so a channels_last tensor computes the same numbers as a contiguous one.
"""
from __future__ import annotations

import builtins
from typing import Optional, Sequence, Tuple

from . import _C
from ._C import Tensor


class memory_format:
    """The type of pynn.contiguous_format, preserve_format, channels_last and channels_last_3d."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"pynn.{self._name}"

    def __reduce__(self):
        return self._name  # pickled as the module-level name, so it comes back as the same object


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

_CHANNELS_LAST_RANK = {channels_last: 4, channels_last_3d: 5}
# The C++ methods (which copy row-major), kept before _install puts the format-aware ones on Tensor.
_row_major_contiguous = Tensor.contiguous
row_major_is_contiguous = Tensor.is_contiguous
_row_major_clone = Tensor.clone


def _check(fmt, op: str, default: memory_format = preserve_format) -> memory_format:
    if fmt is None:  # torch's optional MemoryFormat arguments: None is the op's default
        return default
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be torch.memory_format, not {type(fmt).__name__}")
    return fmt


def _channels_last_order(fmt: memory_format, ndim: int) -> Tuple[int, ...]:
    rank = _CHANNELS_LAST_RANK[fmt]
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
    return (0,) + tuple(builtins.range(2, rank)) + (1,)


def _stride_order(t: Tensor) -> Optional[Tuple[int, ...]]:
    """The dimension order (outermost first) of a non-overlapping dense tensor, None for any other layout."""
    order = tuple(builtins.sorted(builtins.range(t.dim()), key=lambda d: -t.stride(d)))
    return order if row_major_is_contiguous(t.permute(order)) else None


def _is_in_order(t: Tensor, order: Sequence[int]) -> bool:
    expected = 1
    for d in builtins.reversed(order):
        size = t.shape[d]
        if size != 1:
            if t.stride(d) != expected:
                return False
            expected *= size
    return True


def dim_order(t: Tensor, fmt, op: str) -> Optional[Tuple[int, ...]]:
    """The order a result of op in format fmt is laid out in; None: plain row-major."""
    fmt = _check(fmt, op)
    if fmt is contiguous_format:
        return None
    if fmt is preserve_format:
        order = _stride_order(t)
        return None if order == tuple(builtins.range(t.dim())) else order
    return _channels_last_order(fmt, t.dim())


def _inverse(order: Sequence[int]) -> Tuple[int, ...]:
    inv = [0] * len(order)
    for i, d in enumerate(order):
        inv[d] = i
    return tuple(inv)


def laid_out(make, shape: Sequence[int], order: Optional[Sequence[int]]) -> Tensor:
    """make(shape') -> a fresh row-major tensor; the result has `shape` with its dims stored in `order`."""
    if order is None:
        return make(list(shape))
    return make([shape[d] for d in order]).permute(_inverse(order))


def copy_in_order(t: Tensor, order: Optional[Sequence[int]]) -> Tensor:
    """A differentiable copy of t stored in the given order."""
    if order is None:
        return _row_major_clone(t)
    return _row_major_clone(t.permute(order)).permute(_inverse(order))


def _contiguous(self: Tensor, memory_format=contiguous_format) -> Tensor:
    """contiguous(memory_format=pynn.contiguous_format) -> Tensor

    self when it is already laid out in memory_format (row-major, or channels_last/channels_last_3d for 4-d/5-d
    tensors), else a copy that is (recorded by autograd)."""
    if memory_format is contiguous_format:
        return _row_major_contiguous(self)
    fmt = _check(memory_format, "contiguous", contiguous_format)
    if fmt is preserve_format and not row_major_is_contiguous(self):  # torch returns a contiguous self first
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    if fmt is contiguous_format or fmt is preserve_format:
        return _row_major_contiguous(self)
    order = _channels_last_order(fmt, self.dim())
    return self if _is_in_order(self, order) else copy_in_order(self, order)


def _is_contiguous(self: Tensor, memory_format=contiguous_format) -> bool:
    """is_contiguous(memory_format=pynn.contiguous_format) -> bool

    Whether self's strides are those of a dense tensor in memory_format's dimension order (dims of size 1 are
    ignored, as torch)."""
    if memory_format is contiguous_format:
        return row_major_is_contiguous(self)
    fmt = _check(memory_format, "is_contiguous", contiguous_format)
    if fmt is preserve_format:
        raise RuntimeError("Unsupported memory format. preserve_format")
    if fmt is contiguous_format:
        return row_major_is_contiguous(self)
    return self.dim() == _CHANNELS_LAST_RANK[fmt] and _is_in_order(self, _channels_last_order(fmt, self.dim()))


def _clone(self: Tensor, memory_format=preserve_format) -> Tensor:
    """clone(memory_format=pynn.preserve_format) -> Tensor

    A copy with its own storage, recorded by autograd; preserve_format keeps self's dimension order when self
    is dense, the other formats lay the copy out as they say."""
    if row_major_is_contiguous(self) and memory_format is preserve_format:
        return _row_major_clone(self)
    return copy_in_order(self, dim_order(self, memory_format, "clone"))


def to_format(t: Tensor, fmt, op: str = "to") -> Tensor:
    """t in format fmt, t itself when it already is (Tensor.to's memory_format)."""
    fmt = _check(fmt, op)
    if fmt is preserve_format:
        return t
    return _contiguous(t, fmt)


def _dense_strides(shape: Sequence[int], order: Sequence[int]) -> Tuple[int, ...]:
    """The strides of a dense tensor of `shape` whose dims are stored in `order` (outermost first)."""
    strides = [0] * len(shape)
    step = 1
    for d in builtins.reversed(order):
        strides[d] = step
        step *= builtins.max(shape[d], 1)
    return tuple(strides)


def _resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """resize_(*sizes, memory_format=pynn.contiguous_format) -> Tensor

    self with the new sizes, dense in memory_format's order at its offset; the storage grows when it must (the
    elements it held stay at the start of it; new ones are uninitialised), views sharing it see the same block."""
    shape = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
    fmt = _check(memory_format, "resize_", contiguous_format)
    if fmt is preserve_format:
        raise RuntimeError("Unsupported memory format preserve_format")
    strides = None if fmt is contiguous_format else _dense_strides(shape, _channels_last_order(fmt, len(shape)))
    return _C._resize_(self, shape, strides)


def _resize_as_(self: Tensor, other: Tensor, memory_format=None) -> Tensor:
    """resize_as_(other, memory_format=pynn.contiguous_format) -> Tensor: self.resize_(other.shape)."""
    return _resize_(self, tuple(other.shape), memory_format=memory_format)


def _install() -> None:
    Tensor.resize_ = _resize_
    Tensor.resize_as_ = _resize_as_
    Tensor.contiguous = _contiguous
    Tensor.is_contiguous = _is_contiguous
    Tensor.clone = _clone
