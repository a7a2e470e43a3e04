"""The dtypes' names and their bytes: one table for pickling, pynn.save/load and the host-side views.

numpy has float16 but no bfloat16, so a bfloat16 tensor reaches numpy as float32 (exact: bfloat16 is the top
half of a float32) and its bytes are those top halves.
"""
from __future__ import annotations

import numpy as np

from . import _C

NAMES = ("float32", "float64", "int64", "int32", "bool", "float16", "bfloat16")
ITEMSIZE = {"float32": 4, "float64": 8, "int64": 8, "int32": 4, "bool": 1, "float16": 2, "bfloat16": 2}
_STORED = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "int32": "<i4", "bool": "|b1", "float16": "<f2",
           "bfloat16": "<u2"}


def dtype_name(dt) -> str:
    return str(dt).split(".")[-1]


def host_array(t) -> np.ndarray:
    """t's values as a numpy array (shares memory except for bfloat16, which arrives as a float32 copy)."""
    if t.dtype == _C.bfloat16:
        t = t.float()
    return t.numpy(force=True)


def tensor_bytes(t) -> bytes:
    """The elements of t in C order, little-endian."""
    name = dtype_name(t.dtype)
    a = np.ascontiguousarray(host_array(t.detach()))
    if name == "bfloat16":
        a = (a.view(np.uint32) >> 16).astype(np.uint16)
    return a.astype(np.dtype(_STORED[name]), copy=False).tobytes()


def tensor_from_bytes(name: str, data: bytes, count: int):
    """A 1-d tensor of `count` elements of dtype `name` read from little-endian bytes (len(data) checked)."""
    stored = np.frombuffer(data, dtype=np.dtype(_STORED[name]), count=count)
    if name == "bfloat16":
        widened = (stored.astype(np.uint32) << 16).view(np.float32)
        return _C.from_numpy(np.ascontiguousarray(widened)).to(_C.bfloat16)
    return _C.from_numpy(stored.astype(stored.dtype.newbyteorder("="), copy=True))
