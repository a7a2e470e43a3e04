"""torch.utils.dlpack: from_dlpack and to_dlpack (a tensor's DLPack capsule)."""
from __future__ import annotations

from .._C import Tensor
from .._dlpack import from_dlpack

__all__ = ["from_dlpack", "to_dlpack"]


def to_dlpack(tensor: Tensor):
    """Returns a DLPack capsule sharing tensor's memory (consumable once, as every DLPack capsule)."""
    return tensor.__dlpack__()
