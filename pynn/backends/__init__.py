"""pynn.backends (torch.backends): the backend switches scripts set at start-up.

pynn runs on its own CPU kernels, so cuDNN, MPS and MKL-DNN are never available here. Their flags are still
settable, as in torch (a CPU build of torch accepts `torch.backends.cudnn.benchmark = True` and ignores it),
and read back what was set. `deterministic`: pynn's CPU kernels are deterministic whatever the flag (fixed
blockings, results independent of the thread count)."""
from __future__ import annotations

from . import cpu, cudnn, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cpu", "cudnn", "mkldnn", "mps", "openmp"]
