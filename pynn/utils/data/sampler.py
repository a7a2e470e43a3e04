"""Samplers (torch.utils.data.sampler): the order in which a DataLoader visits a map-style dataset.

Random samplers draw lazily: RandomSampler(replacement=True, num_samples=10**10) yields indices 32 at a time,
as torch does, instead of materialising 10**10 of them."""
from __future__ import annotations

from typing import Generic, Iterator, List, Optional, Sequence, TypeVar

import numpy as np

from ... import _C
from ..._generator import Generator, _seed_from_global

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]

T_co = TypeVar("T_co", covariant=True)
_CHUNK = 32  # indices drawn per call when sampling with replacement


class Sampler(Generic[T_co]):
    """Iterates over dataset indices (or lists of indices, for a batch sampler); subclasses define __iter__."""

    def __init__(self, data_source=None) -> None:
        pass


def _generator_for_epoch(generator: Optional[Generator]) -> Generator:
    if generator is not None:
        return generator
    return Generator().manual_seed(_seed_from_global())


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value}")


class SequentialSampler(Sampler[int]):
    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A random permutation each epoch (or num_samples draws with replacement)."""

    def __init__(self, data_source, replacement: bool = False, num_samples: Optional[int] = None,
                 generator: Optional[Generator] = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        _check_positive_int("num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        # Without an explicit generator each epoch seeds a fresh one from the global stream (as torch does),
        # so pynn.manual_seed makes the whole run reproducible.
        gen = _generator_for_epoch(self.generator)
        if self.replacement:
            for _ in range(self.num_samples // _CHUNK):
                yield from gen._rng.integers(0, n, size=_CHUNK).tolist()
            yield from gen._rng.integers(0, n, size=self.num_samples % _CHUNK).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from gen._randperm(n)
        yield from gen._randperm(n)[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator: Optional[Generator] = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _generator_for_epoch(self.generator)._randperm(len(self.indices)):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


def _multinomial_probabilities(weights):
    """weights -> (weights as float64, probabilities), with torch.multinomial's checks and wording."""
    w = np.asarray(weights.tolist() if hasattr(weights, "tolist") else weights, dtype=np.float64)
    if w.ndim != 1:
        raise ValueError("weights should be a 1d sequence but given weights have shape "
                         f"{tuple(w.shape)}")
    if w.size == 0:
        raise RuntimeError("cannot sample from an empty probability distribution")
    if np.isinf(w).any():
        raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity)")
    if not (w >= 0).all():  # NaN fails the comparison too, as in torch's check
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    total = w.sum()
    if total <= 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return w, w / total


class WeightedRandomSampler(Sampler[int]):
    """num_samples indices drawn with probabilities proportional to weights (with or without replacement)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Optional[Generator] = None) -> None:
        _check_positive_int("num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w, self._p = _multinomial_probabilities(weights)
        if not replacement and num_samples > len(self._p):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        self.weights = _C.from_numpy(np.ascontiguousarray(w))  # torch keeps them as a float64 tensor
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        rng = _generator_for_epoch(self.generator)._rng
        if self.replacement:
            cdf = np.cumsum(self._p)
            cdf[-1] = 1.0
            # Drawn in chunks: num_samples can be far larger than what one draw should allocate.
            left = self.num_samples
            while left > 0:
                k = min(left, 1 << 16)
                yield from np.searchsorted(cdf, rng.random(k), side="right").clip(max=len(cdf) - 1).tolist()
                left -= k
            return
        # Without replacement: the smallest Exp(1) / p keys (torch's method); zero weights come last.
        with np.errstate(divide="ignore"):
            keys = rng.exponential(size=len(self._p)) / self._p
        yield from np.argsort(keys, kind="stable")[: self.num_samples].tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[List[int]]):
    """Groups the indices of `sampler` into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        _check_positive_int("batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[List[int]]:
        batch: List[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size
