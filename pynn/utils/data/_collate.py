"""default_collate and default_convert (torch.utils.data._utils.collate): how samples become batches."""
from __future__ import annotations

import collections.abc
import numbers
from typing import List

import numpy as np

from ... import _C
from ..._C import Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stack(tensors: List[Tensor]) -> Tensor:
    from ... import stack

    return stack(tensors, 0)


def default_collate(batch):
    """Merges a list of samples into a batch: tensors and numpy arrays are stacked along a new first
    dimension, numbers become 1-D tensors (float64 / int64 / bool), strings stay a list, and dicts, tuples
    and lists are collated field by field (tuples come back as lists, as in torch)."""
    if not isinstance(batch, collections.abc.Sequence) or len(batch) == 0:
        raise TypeError(f"default_collate expects a non-empty list of samples, got {type(batch).__name__}")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(list(batch))
    if isinstance(elem, np.ndarray) or (isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_))):
        if elem.dtype.kind not in "biuf":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stack([_C.from_numpy(np.ascontiguousarray(_numpy_for_pynn(b))) for b in batch])
    if isinstance(elem, bool):
        return _tensor(batch, _C.bool)
    if isinstance(elem, numbers.Integral):
        return _tensor(batch, _C.int64)
    if isinstance(elem, numbers.Real):
        return _tensor(batch, _C.float64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        try:
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:  # a Mapping type that cannot be built from a dict
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(samples)) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _numpy_for_pynn(a) -> np.ndarray:
    a = np.asarray(a)
    # pynn has no 8/16-bit or unsigned dtypes: widen them the way their values fit.
    if a.dtype.kind == "f" and a.dtype.itemsize < 4:
        return a.astype(np.float32)
    if a.dtype.kind in "iu" and a.dtype not in (np.int32, np.int64):
        return a.astype(np.int64)
    return a


def _tensor(values: list, dtype) -> Tensor:
    from ... import tensor

    return tensor(values, dtype=dtype)


def default_convert(data):
    """Used when batch_size is None: numpy arrays become tensors, containers are converted element-wise."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        return _C.from_numpy(np.ascontiguousarray(_numpy_for_pynn(data)))
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


