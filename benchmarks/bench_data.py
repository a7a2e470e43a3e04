"""DataLoader throughput, pynn vs torch in one run (issue #17's done-when: at most torch's time).

Workload: TensorDataset of (60000, 784) float32 images and int64 labels, batch_size=64, shuffle=True, one full
epoch (938 batches, every batch touched), with num_workers=0 and num_workers=2. pynn gathers a TensorDataset
batch with one index op per tensor; torch indexes each sample and stacks them (its default path).

Timing: benchmarks/timing.measure per epoch (one warm-up epoch, `--repeats` timed), pynn and torch alternating
within each round; the figure is the median over rounds. Writes benchmarks/results/data.json.
Run: python benchmarks/bench_data.py [--rounds N] [--repeats N]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import measure  # noqa: E402

N, D, BATCH = 60000, 784, 64


def make_epoch(lib, data, num_workers: int):
    x, y = data
    ds = lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))
    loader = lib.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=num_workers,
                                       persistent_workers=num_workers > 0)

    def epoch():
        n = 0
        for xb, yb in loader:
            n += int(yb.shape[0])
        assert n == N
        return n

    return epoch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    import torch

    import pynn

    rng = np.random.default_rng(0)
    data = (rng.standard_normal((N, D), dtype=np.float32), rng.integers(0, 10, N).astype(np.int64))
    load = os.getloadavg()[0]
    results = {}
    for workers in (0, 2):
        steps = {"pynn": make_epoch(pynn, data, workers), "torch": make_epoch(torch, data, workers)}
        runs = {name: [] for name in steps}
        for _ in range(args.rounds):
            for name, step in steps.items():
                runs[name].append(measure(step, min_time=0.0, repeats=args.repeats, warmup=1, retries=0).median)
        p, t = statistics.median(runs["pynn"]), statistics.median(runs["torch"])
        key = f"epoch_num_workers_{workers}"
        results[key] = {"pynn_ms": round(p, 1), "torch_ms": round(t, 1), "ratio": round(p / t, 3), "target": 1.0}
        print(f"{key}: pynn {p:8.1f} ms   torch {t:8.1f} ms   pynn/torch {p / t:.3f}")
    out = {"workload": f"TensorDataset({N}x{D} float32 + int64 labels), batch {BATCH}, shuffle, one epoch",
           "rounds": args.rounds, "repeats": args.repeats, "load_avg_1min_start": round(load, 2),
           "load_avg_1min_end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
           "python": platform.python_version(), "torch": torch.__version__,
           "note": "loaded machine: other agents were building and testing on the same 2 cores", "results": results}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "data.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print("wrote", path)


if __name__ == "__main__":
    main()
