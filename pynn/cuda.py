"""pynn.cuda: device queries and the caching allocator's counters. Without a GPU (or without the CUDA backend in
this build) nothing here raises except what needs a device: is_available() is False and the counters are 0."""
from __future__ import annotations

from . import _C


def is_available() -> bool:
    return _C._cuda_is_available()


def device_count() -> int:
    return _C._cuda_device_count()


_initialized = False


def _lazy_check() -> None:
    """Raises torch's kind of error when there is no usable GPU; on first use points cuBLAS at its wheel."""
    global _initialized
    if not _C._cuda_compiled:
        raise RuntimeError("[cuda] CUDA is not available: pynn was built without CUDA support; keep tensors on 'cpu'")
    if not is_available():
        raise RuntimeError(f"[cuda] CUDA is not available: {_C._cuda_unavailable_reason()}; keep tensors on 'cpu'")
    if not _initialized:
        from ._cuda_libs import cublas_dir

        _C._cuda_set_cublas_path(cublas_dir() or "")
        _initialized = True




def manual_seed(seed: int) -> None:
    """Seeds the CUDA generators: nothing to seed without a CUDA device."""
    return None


def manual_seed_all(seed: int) -> None:
    return None


def synchronize(device=None) -> None:
    if is_available():
        _C._cuda_synchronize(device)
