"""pynn.accelerator (torch.accelerator): which accelerator this process can use. pynn has no accelerator
backend yet (CUDA kernels are not written), so there is none: scripts fall back to the CPU."""
from __future__ import annotations

from . import cuda as _cuda

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "synchronize"]


def is_available() -> bool:
    """False: no accelerator backend is available to pynn (torch returns False on a CPU-only build)."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False):
    """The accelerator's device type as a pynn.device, or None when there is none (always None here)."""
    return None


def device_count() -> int:
    return 0


def _no_accelerator(what: str):
    raise RuntimeError(f"{what}: no accelerator is available to pynn (it runs on the CPU only)")


def current_device_index() -> int:
    _no_accelerator("current_device_index")


def set_device_index(device) -> None:
    _no_accelerator("set_device_index")


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    """Waits for the accelerator's queued work: there is none, so it returns at once."""
    return None
