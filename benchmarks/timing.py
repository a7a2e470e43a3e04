"""The one timing helper every benchmark uses: calibrated repeats, medians with min/max, interleaved rounds of the
libraries under comparison (A B A B, so machine noise hits both), and a contention guard.

The guard reads the machine's busy CPU time (/proc/stat) around each timed block and subtracts this process's own
CPU time: what is left was used by other processes. A block during which others took more than `max_foreign`
of a core is timed again (a few times at most) and the result says how many blocks were contended.
"""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _busy_seconds() -> Optional[float]:
    """Busy CPU seconds summed over all cores since boot (None where /proc/stat is missing)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()[1:]
    except OSError:
        return None
    vals = [int(v) for v in fields]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)  # idle + iowait
    return (sum(vals[:8]) - idle) / _TICK


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


@dataclass
class Stats:
    """Milliseconds per call: the median of repeats, with the fastest and slowest kept."""

    median: float
    min: float
    max: float
    contended_blocks: int = 0

    def as_dict(self) -> dict:
        return {"median_ms": self.median, "min_ms": self.min, "max_ms": self.max,
                "contended_blocks": self.contended_blocks}


def _calls_per_block(step: Callable[[], object], block_s: float) -> int:
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            step()
        if time.perf_counter() - t0 > block_s or n >= 1 << 20:
            return n
        n *= 2


def measure(step: Callable[[], object], min_time: float = 0.4, repeats: int = 15, warmup: int = 5,
            max_foreign: float = 0.25, retries: int = 2) -> Stats:
    """Times `step` in `repeats` blocks of about min_time / repeats seconds each."""
    for _ in range(warmup):  # allocator caches, optimizer state, lazy initialisation
        step()
    n = _calls_per_block(step, min_time / repeats)
    times: List[float] = []
    contended = 0
    for _ in range(repeats):
        for attempt in range(retries + 1):
            busy0, own0 = _busy_seconds(), _own_cpu_seconds()
            t0 = time.perf_counter()
            for _ in range(n):
                step()
            wall = time.perf_counter() - t0
            busy1, own1 = _busy_seconds(), _own_cpu_seconds()
            foreign = 0.0 if busy0 is None else max(0.0, (busy1 - busy0) - (own1 - own0))
            # /proc/stat ticks are 10 ms: blocks shorter than a few ticks cannot be judged, so they are kept.
            if wall < 0.05 or foreign <= max_foreign * wall:
                break
            if attempt == retries:
                contended += 1
        times.append(wall / n * 1e3)
    return Stats(statistics.median(times), min(times), max(times), contended)


def median_ms(step: Callable[[], object], min_time: float = 0.4, repeats: int = 15) -> float:
    return measure(step, min_time=min_time, repeats=repeats).median


def interleaved(steps: Dict[str, Callable[[], object]], rounds: int = 3, min_time: float = 0.4,
                repeats: int = 15) -> Dict[str, Stats]:
    """Each step timed once per round, the libraries alternating; per library the median of the round medians,
    the overall min and max, and the contended blocks summed."""
    runs: Dict[str, List[Stats]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            runs[name].append(measure(step, min_time=min_time, repeats=repeats))
    return {name: Stats(statistics.median(s.median for s in rs), min(s.min for s in rs), max(s.max for s in rs),
                        sum(s.contended_blocks for s in rs))
            for name, rs in runs.items()}


def interleaved_medians(step_a: Callable[[], object], step_b: Callable[[], object], rounds: int,
                        min_time: float = 0.4) -> tuple:
    """Median ms of two libraries' steps timed in alternating rounds (A B A B)."""
    res = interleaved({"a": step_a, "b": step_b}, rounds=rounds, min_time=min_time)
    return res["a"].median, res["b"].median


@dataclass
class Workload:
    """One benchmark: `make(lib)` builds the state and returns the step to time, for pynn and torch alike (pynn's
    API is torch's). `flops(…)` (optional) turns a time into GFLOP/s; `target` is the issue's pynn/torch ratio."""

    name: str
    make: Callable[[object], Callable[[], object]]
    group: str
    target: Optional[float] = None
    gflop: Optional[float] = None  # work of one step, for GFLOP/s
    note: str = ""
    tags: List[str] = field(default_factory=list)


def library_pair(default_rounds: int):
    """The per-op scripts' shared command line (--rounds, --threads, --min-time), with pynn and torch imported
    and both set to that thread count. Returns (args, pynn, torch, 1-minute load average at start)."""
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=default_rounds)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=0.2)
    args = ap.parse_args()
    import pynn
    import torch

    pynn.set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    return args, pynn, torch, os.getloadavg()[0]
