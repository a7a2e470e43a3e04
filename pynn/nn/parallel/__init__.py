"""pynn.nn.parallel: DataParallel. pynn has no GPUs, so DataParallel does what torch's does without CUDA: it
holds the module (state_dict keys gain the "module." prefix) and calls it on the whole batch."""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids = []  # no accelerator: nothing to replicate onto
        self.dim = dim
        self.output_device = None
        self.src_device_obj = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
