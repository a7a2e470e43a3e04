"""DataLoader (torch.utils.data.dataloader): batches from a dataset, in this process or in worker processes.

num_workers > 0 starts that many worker processes (fork by default on Linux, or `multiprocessing_context`).
The main process runs the sampler and hands out batches of indices (prefetch_factor per worker in flight);
workers fetch and collate and send batches back, which are yielded in sampler order. An exception in a worker
is re-raised here with the worker's traceback; a worker that dies makes the iteration fail with the pids.
A TensorDataset batch is gathered with one index operation per tensor rather than one per sample.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing
import queue
import warnings
from typing import Any, Callable, Generic, Iterator, List, Optional, TypeVar

import numpy as np

from ..._C import Tensor
from ..._generator import Generator, _seed_from_global
from . import _worker
from ._collate import default_collate, default_convert
from ._worker import ExceptionWrapper, IterableStopped, ResumeIteration, get_worker_info
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

T_co = TypeVar("T_co", covariant=True)


def fetch_map(dataset, index, auto_collation: bool, collate_fn):
    """One batch (or one sample, without auto-collation) of a map-style dataset."""
    if not auto_collation:
        return collate_fn(dataset[index])
    if collate_fn is default_collate:
        # A TensorDataset, or Subsets of one (random_split's), is gathered with one index op per tensor.
        base, rows = dataset, index
        while type(base).__getitem__ is Subset.__getitem__:
            rows = [int(base.indices[i]) for i in rows]
            base = base.dataset
        if type(base).__getitem__ is TensorDataset.__getitem__:
            return base._gather(rows)
    getitems = getattr(dataset, "__getitems__", None)
    samples = getitems(index) if getitems is not None else [dataset[i] for i in index]
    return collate_fn(samples)


class DataLoader(Generic[T_co]):
    """Iterates over a dataset in batches (torch.utils.data.DataLoader's arguments and behaviour)."""

    def __init__(self, dataset, batch_size: Optional[int] = 1, shuffle: Optional[bool] = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn: Optional[Callable] = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator: Optional[Generator] = None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"generator must be a pynn.Generator, got {type(generator).__name__}")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._iterator = None

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        else:
            if not hasattr(dataset, "__getitem__"):
                raise TypeError(f"DataLoader needs a dataset with __getitem__ (a map-style Dataset) or an "
                                f"IterableDataset, got {type(dataset).__name__}")
            if shuffle not in (None, False) and sampler is not None:
                raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")

        if sampler is None and not self._is_iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._is_iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and self._is_iterable and (
                isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None else default_convert)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator[Any]:
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", UserWarning, stacklevel=2)
        if self.num_workers == 0:
            return self._iter_single()
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessIter(self)
            else:
                self._iterator._reset()
            return self._iterator
        return _MultiProcessIter(self)

    def _iter_single(self) -> Iterator[Any]:
        # Like torch, every epoch draws the workers' base seed first (unused here), so the sampler's draws are
        # the same with and without workers.
        _base_seed(self.generator)
        if self._is_iterable:
            yield from self._iter_stream()
            return
        for index in self._index_sampler:
            yield fetch_map(self.dataset, index, self._auto_collation, self.collate_fn)

    def _iter_stream(self) -> Iterator[Any]:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self) -> int:
        if self._is_iterable:
            n = len(self.dataset)  # TypeError when the stream has no length, as in torch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)




def _base_seed(generator: Optional[Generator]) -> int:
    if generator is not None:
        return int(generator._rng.integers(0, 2 ** 62))
    return int(_seed_from_global())


class _MultiProcessIter:
    """The iterator of a DataLoader with workers (reused across epochs when persistent_workers)."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing.get_context()
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self._result_queue = ctx.Queue()
        self._index_queues = []
        self._workers = []
        base_seed = _base_seed(loader.generator)
        # An iterable dataset is batched by the worker whenever batch_size is set.
        auto_collation = loader._auto_collation or (loader._is_iterable and loader.batch_size is not None)
        for i in range(self._num_workers):
            q = ctx.Queue()
            w = ctx.Process(target=_worker.worker_loop,
                            args=(loader._is_iterable, loader.dataset, q, self._result_queue, auto_collation,
                                  loader.collate_fn, loader.drop_last, base_seed, loader.worker_init_fn, i,
                                  self._num_workers), daemon=True)
            w.start()
            self._index_queues.append(q)
            self._workers.append(w)
        self._shutdown = False
        self._epoch = 0
        self._start_epoch()

    def _start_epoch(self) -> None:
        loader = self._loader
        if loader._is_iterable:
            # Every worker streams its own copy; each task asks one worker for its next batch.
            self._indices = itertools.repeat(loader.batch_size)
        else:
            self._indices = iter(loader._index_sampler)
        self._active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        self._send_idx = 0  # tasks handed out this epoch
        self._rcvd_idx = 0  # next task to yield
        self._tasks = {}  # task id -> (worker,) while pending, (worker, data) once received
        self._exhausted = False
        for _ in range(self._prefetch):
            self._put_task()

    def _reset(self) -> None:
        # A new epoch on persistent workers: results of the previous one still in flight carry its epoch
        # number and are dropped; iterable workers restart their stream.
        self._epoch += 1
        for q in self._index_queues:
            q.put(ResumeIteration(self._epoch))
        self._start_epoch()

    def _put_task(self) -> None:
        if self._exhausted or not any(self._active):
            return
        for _ in range(self._num_workers):
            w = next(self._worker_cycle)
            if self._active[w]:
                break
        else:
            return
        try:
            index = next(self._indices)
        except StopIteration:
            self._exhausted = True
            return
        self._index_queues[w].put(((self._epoch, self._send_idx), index))
        self._tasks[self._send_idx] = (w,)
        self._send_idx += 1

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._tasks[self._rcvd_idx]
                if len(info) == 2 or self._active[info[0]]:
                    break
                del self._tasks[self._rcvd_idx]  # its worker's stream ended: nothing will come
                self._rcvd_idx += 1
            else:
                if not self.persist():
                    self._shutdown_workers()
                raise StopIteration
            info = self._tasks[self._rcvd_idx]
            if len(info) == 2:
                del self._tasks[self._rcvd_idx]
                self._rcvd_idx += 1
                self._put_task()
                return self._process(info[1])
            (epoch, task), data = self._get()
            if epoch != self._epoch:
                continue
            if isinstance(data, IterableStopped):
                self._active[data.worker_id] = False  # its pending tasks are skipped above
                continue
            self._tasks[task] = (self._tasks[task][0], data)

    def persist(self) -> bool:
        return self._loader.persistent_workers

    def _process(self, data):
        if isinstance(data, ExceptionWrapper):
            self._shutdown_workers()
            data.reraise()
        return data

    def _get(self):
        """The next result from any worker; fails clearly on a timeout or when a worker has died."""
        waited = 0.0
        while True:
            step = 1.0 if self._timeout <= 0 else min(self._timeout - waited, 1.0)
            try:
                return self._result_queue.get(timeout=max(step, 0.01))
            except queue.Empty:
                waited += step
            dead = [w for w in self._workers if not w.is_alive()]
            if dead:
                self._shutdown_workers(wait=0.1)
                pids = ", ".join(str(w.pid) for w in dead)
                codes = ", ".join(str(w.exitcode) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly (exit code(s) {codes})")
            if self._timeout > 0 and waited >= self._timeout:
                self._shutdown_workers(wait=0.1)
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _shutdown_workers(self, wait: float = _worker.STATUS_CHECK_INTERVAL) -> None:
        """Stops the workers: asks them to exit, waits up to `wait` seconds each, then terminates them."""
        if self._shutdown:
            return
        self._shutdown = True
        if self._loader._iterator is self:
            self._loader._iterator = None
        for q in self._index_queues:
            try:
                q.put(None)
            except Exception:
                pass
        for w in self._workers:
            w.join(timeout=wait)
            if w.is_alive():
                w.terminate()
                w.join()
        for q in self._index_queues + [self._result_queue]:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:
            pass
