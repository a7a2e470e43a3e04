"""What runs inside a DataLoader worker process, and the objects exchanged with the main process.

Each worker has its own index queue; all send (task id, batch) on one result queue. Batches travel pickled:
a tensor pickles as its dtype, shape and raw bytes (one buffer copy, no per-element work)."""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any, Optional

# How often a blocked worker or main process looks up from its queue to check the other side is alive.
STATUS_CHECK_INTERVAL = 5.0

_worker_info: Optional["WorkerInfo"] = None


@dataclass(frozen=True)
class WorkerInfo:
    """What get_worker_info() returns inside a worker: id, num_workers, seed and the worker's dataset copy."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


def get_worker_info() -> Optional[WorkerInfo]:
    """The current worker's WorkerInfo, or None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with the worker's formatted traceback."""

    def __init__(self, exc_info, where: str) -> None:
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyError(msg)  # KeyError's str() would quote the message
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception type whose constructor takes other arguments
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class IterableStopped:
    """A worker's iterable dataset copy is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Sent to persistent workers at the start of each epoch after the first: restart the dataset stream."""

    epoch: int


class _MapFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        from .dataloader import fetch_map

        return fetch_map(self.dataset, index, self.auto_collation, self.collate_fn)


class _IterableFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.dataset, self.auto_collation, self.collate_fn, self.drop_last = (dataset, auto_collation, collate_fn,
                                                                              drop_last)
        self.it = iter(dataset)
        self.ended = False

    def fetch(self, batch_size):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.it))
        batch = []
        for _ in range(batch_size):
            try:
                batch.append(next(self.it))
            except StopIteration:
                self.ended = True
                break
        if not batch or (self.drop_last and len(batch) < batch_size):
            raise StopIteration
        return self.collate_fn(batch)


def worker_loop(iterable: bool, dataset, index_queue, result_queue, auto_collation: bool, collate_fn,
                drop_last: bool, base_seed: int, init_fn, worker_id: int, num_workers: int) -> None:
    global _worker_info
    from ... import manual_seed

    # Python's and pynn's global generators get a per-worker seed (torch's rule: base_seed + worker_id).
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    parent = os.getppid()
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = (_IterableFetcher if iterable else _MapFetcher)(dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
    try:
        while True:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # the main process died: nobody will read what we make
                    return
                continue
            if task is None:  # shutdown
                return
            if isinstance(task, ResumeIteration):
                if init_error is None and iterable:
                    fetcher = _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
                continue
            task_id, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    data = IterableStopped(worker_id) if iterable else ExceptionWrapper(
                        sys.exc_info(), f"in DataLoader worker process {worker_id}")
                except Exception:
                    data = ExceptionWrapper(sys.exc_info(), f"in DataLoader worker process {worker_id}")
            try:
                result_queue.put((task_id, data))
            except Exception:  # the batch does not pickle: report that instead
                result_queue.put((task_id, ExceptionWrapper(sys.exc_info(),
                                                            f"in DataLoader worker process {worker_id}")))
            del data
    except KeyboardInterrupt:
        return
