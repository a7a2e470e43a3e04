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


def is_initialized() -> bool:
    return _initialized


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: there is no CUDA device (torch answers the same on a CPU-only build)."""
    return False


def current_device() -> int:
    _lazy_check()
    return _C._cuda_current_device()


def get_device_name(device=None) -> str:
    _lazy_check()
    return _C._cuda_get_device_name(device)


def set_device(device) -> None:
    _lazy_check()
    _C._cuda_set_device(device if isinstance(device, int) else (_C.device(device).index or 0))


# The caching allocator's counters in bytes (csrc/cuda/runtime.cu); 0 on a machine without a GPU, as torch's.
def empty_cache() -> None:
    _C._cuda_empty_cache()


def memory_allocated(device=None) -> int:
    return _C._cuda_memory_allocated(device)


def max_memory_allocated(device=None) -> int:
    return _C._cuda_max_memory_allocated(device)


def memory_reserved(device=None) -> int:
    return _C._cuda_memory_reserved(device)


def max_memory_reserved(device=None) -> int:
    return 0


def reset_peak_memory_stats(device=None) -> None:
    _C._cuda_reset_peak_memory_stats(device)


def memory_stats(device=None) -> dict:
    return {}
