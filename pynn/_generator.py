"""pynn.Generator: an explicitly seeded random stream for data pipelines (DataLoader shuffling, random_split).

Like torch.Generator(), `Generator().manual_seed(42)` makes a shuffle reproducible on its own, independent
of the global stream that pynn.manual_seed controls. The numbers differ from torch's (another algorithm).
"""
from __future__ import annotations

import os
from typing import List

import numpy as np

from . import _C

_DEFAULT_SEED = 67280421310721  # torch.Generator's default seed


class Generator:
    def __init__(self, device="cpu") -> None:
        dev = device if isinstance(device, _C.device) else _C.device(device)
        if dev.type != "cpu":
            raise RuntimeError("pynn.Generator supports only the cpu device")
        self.device = dev
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        if not -(2 ** 63) <= seed < 2 ** 64:
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} is out of range")
        self._seed = seed % (2 ** 64)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Reseeds from OS entropy and returns the new seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        return self._rng.bit_generator.state

    def set_state(self, state) -> "Generator":
        self._rng.bit_generator.state = state
        return self

    def _randperm(self, n: int) -> List[int]:
        return self._rng.permutation(n).tolist()

    def _random_seed(self) -> int:
        return int(self._rng.integers(0, 2 ** 63))


def _seed_from_global() -> int:
    """A seed drawn from pynn's global stream, so pynn.manual_seed makes unseeded shuffles reproducible."""
    return int(_C._randint(0, 2 ** 62, [], _C.int64).item())
