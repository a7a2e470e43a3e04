"""torch.nn.utils.rnn: PackedSequence and the functions that pack, pad and unpack variable-length batches.

A PackedSequence holds the sequences of a batch sorted by decreasing length and interleaved by time step:
`data` has sum(lengths) rows, time t's `batch_sizes[t]` rows after time t-1's. nn.RNN / LSTM / GRU run that
layout directly (csrc/ops/rnn.cpp). Packing and padding are one row gather each (index_select), so they are
differentiable and cost one op whatever the batch.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import List, NamedTuple, Optional, Union

import numpy as np

from ... import _C
from ..._C import Tensor

__all__ = [
    "PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
    "unpad_sequence", "pack_sequence", "unpack_sequence",
]


def _pynn():
    import pynn  # the package imports this module while it initialises

    return pynn


def _int64(values) -> Tensor:
    return _pynn().tensor(np.asarray(values, dtype=np.int64))


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


class PackedSequence(PackedSequence_):
    """A packed batch of variable-length sequences (see the module docstring). Build it with
    pack_padded_sequence or pack_sequence, not by hand."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never be created manually. "
                "They should be instantiated by functions like pack_sequence and pack_padded_sequences in "
                "nn.utils.rnn. https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t):
            return None if t is None else t.to(data.device)

        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def cuda(self, device=None) -> "PackedSequence":
        return self.to("cuda" if device is None else device)

    def double(self) -> "PackedSequence":
        return self.to(dtype=_C.float64)

    def float(self) -> "PackedSequence":
        return self.to(dtype=_C.float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    if permutation is None:
        return None
    p = np.asarray(permutation.tolist(), dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return _int64(inv).to(permutation.device)


def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many of the (decreasing) lengths exceed t."""
    return (lengths[None, :] > np.arange(int(lengths[0]))[:, None]).sum(1).astype(np.int64)


def _pack_rows(lengths: np.ndarray, batch: int) -> np.ndarray:
    """The (time-major) padded rows t * batch + b that a packing keeps, in packed order."""
    bs = _batch_sizes(lengths)
    return np.concatenate([t * batch + np.arange(n) for t, n in enumerate(bs)]).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded (T, B, *) batch ((B, T, *) if batch_first) of sequences of the given lengths."""
    if isinstance(lengths, Tensor):
        lengths = lengths.tolist()
    lens = np.asarray(lengths, dtype=np.int64).reshape(-1)
    batch_dim = 0 if batch_first else 1
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = _int64(order).to(input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if input.dim() < 2:
        raise RuntimeError(f"Expected a padded batch of at least 2 dimensions, got {input.dim()}")
    x = input.transpose(0, 1) if batch_first else input
    T, B = x.shape[0], x.shape[1]
    if lens.size != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
                           f"(batch_size={B})")
    if lens.size and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if np.any(lens[1:] > lens[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if "
            "you do not need ONNX exportability.")
    if lens.size and lens[0] > T:
        raise RuntimeError(f"Expected all lengths to be at most the padded sequence length {T}, but found a length "
                           f"of {int(lens[0])}")
    rows = x.reshape([T * B] + list(x.shape[2:]))
    data = rows.index_select(0, _int64(_pack_rows(lens, B)).to(input.device))
    return PackedSequence(data, _int64(_batch_sizes(lens)), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: Optional[int] = None):
    """Inverse of pack_padded_sequence: (padded batch, lengths as an int64 tensor)."""
    bs = np.asarray(sequence.batch_sizes.tolist(), dtype=np.int64)
    max_len = bs.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_len}")
        max_len = total_length
    B = int(bs[0])
    data = sequence.data
    lengths = (bs[None, :] > np.arange(B)[:, None]).sum(1).astype(np.int64)
    # Each padded slot takes its packed row, or the padding row appended after the data.
    total = int(bs.sum())
    src = np.full((max_len, B), total, dtype=np.int64)
    src.reshape(-1)[_pack_rows(lengths, B)] = np.arange(total)
    if batch_first:
        src = src.T
    pynn = _pynn()
    pad_row = pynn.full([1] + list(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = pynn.cat([data, pad_row], 0).index_select(0, _int64(src.reshape(-1)).to(data.device))
    padded = padded.reshape(list(src.shape) + list(data.shape[1:]))
    lengths_t = _int64(lengths)
    if sequence.unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        padded = padded.index_select(batch_dim, sequence.unsorted_indices)
        lengths_t = _int64(lengths[np.asarray(sequence.unsorted_indices.tolist(), dtype=np.int64)])
    return padded, lengths_t


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stacks sequences of shape (L_i, *) into (max L, B, *) ((B, max L, *) if batch_first), padding each."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = list(sequences[0].shape[1:])
    for s in sequences[1:]:
        if list(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: all sequences must have the same trailing shape, got {trailing} and "
                               f"{list(s.shape[1:])}")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    B, T = len(sequences), int(lens.max())
    total = int(lens.sum())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    src = np.full((T, B), total, dtype=np.int64)
    for b in range(B):
        first = 0 if padding_side == "right" else T - lens[b]
        src[first:first + lens[b], b] = starts[b] + np.arange(lens[b])
    if batch_first:
        src = src.T
    pynn = _pynn()
    ref = sequences[0]
    pad_row = pynn.full([1] + trailing, padding_value, dtype=ref.dtype, device=ref.device)
    rows = pynn.cat(list(sequences) + [pad_row], 0)
    return rows.index_select(0, _int64(src.reshape(-1)).to(ref.device)).reshape(list(src.shape) + trailing)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> List[Tensor]:
    """The sequences of a padded batch, each cut to its length."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[b, :int(n)] for b, n in enumerate(lengths.tolist())]


def pack_sequence(sequences: List[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    lengths = [v.size(0) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> List[Tensor]:
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
