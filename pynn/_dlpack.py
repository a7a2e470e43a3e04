"""DLPack exchange (torch.from_dlpack, Tensor.__dlpack__): zero-copy sharing of CPU memory with torch, numpy,
JAX and any other DLPack producer or consumer.

pynn's CPU tensors already convert to and from numpy without a copy (numpy() and from_numpy share the storage and
keep it alive), and numpy implements the DLPack protocol, including the versioned capsules and the strides, so the
exchange goes through numpy rather than a second capsule implementation here.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _C
from ._C import Tensor

_KDL_CPU = 1  # DLDeviceType.kDLCPU


class _Capsule:
    """A bare DLPack capsule (the pre-protocol form, e.g. torch.utils.dlpack.to_dlpack's) presented to numpy."""

    __slots__ = ("_capsule",)

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __dlpack__(self, **_kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (_KDL_CPU, 0)


def from_dlpack(ext_tensor: Any) -> Tensor:
    """Returns a pynn tensor sharing the memory of ext_tensor (an object with __dlpack__, or a DLPack capsule)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor.detach()
    if type(ext_tensor).__name__ == "PyCapsule":
        ext_tensor = _Capsule(ext_tensor)
    elif not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(f"from_dlpack expects an object with __dlpack__ or a DLPack capsule, "
                        f"but got {type(ext_tensor).__name__}")
    if hasattr(ext_tensor, "__dlpack_device__"):
        device_type = int(ext_tensor.__dlpack_device__()[0])
        if device_type != _KDL_CPU:
            raise RuntimeError(f"from_dlpack: pynn imports only CPU memory through DLPack, but the tensor is on "
                               f"DLPack device type {device_type}")
    array = np.from_dlpack(ext_tensor)
    with warnings.catch_warnings():
        # numpy marks arrays from unversioned capsules read-only although DLPack shares writable memory (torch's
        # from_dlpack gives a writable tensor too): from_numpy's warning about that flag does not apply here
        warnings.simplefilter("ignore", UserWarning)
        return _C.from_numpy(array)


def _tensor_dlpack(self: Tensor, *, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None):
    """Exports the tensor as a DLPack capsule sharing its memory (CPU tensors that do not require grad)."""
    if self.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if self.device.type != "cpu":
        raise BufferError(f"pynn exports only CPU tensors through DLPack, not {self.device.type} ones")
    return self.numpy().__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)


def _tensor_dlpack_device(self: Tensor):
    """(device type, device index) as DLPack numbers them: (1, 0) for the CPU."""
    if self.device.type != "cpu":
        raise BufferError(f"pynn exports only CPU tensors through DLPack, not {self.device.type} ones")
    return (_KDL_CPU, 0)


def _install() -> None:
    Tensor.__dlpack__ = _tensor_dlpack
    Tensor.__dlpack_device__ = _tensor_dlpack_device
