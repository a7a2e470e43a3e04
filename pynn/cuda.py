"""pynn.cuda: device queries. CUDA kernels are not part of this build yet, so tensors stay on the CPU."""
from __future__ import annotations

from . import _C


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def _lazy_check() -> None:
    reason = "pynn was built without CUDA support" if not _C._cuda_compiled else "pynn has no CUDA kernels yet"
    raise RuntimeError(f"[cuda] CUDA is not available: {reason}; keep tensors on 'cpu'")


def manual_seed(seed: int) -> None:
    """Seeds the CUDA generators: nothing to seed without a CUDA device."""
    return None


def manual_seed_all(seed: int) -> None:
    return None


def synchronize(device=None) -> None:
    return None
