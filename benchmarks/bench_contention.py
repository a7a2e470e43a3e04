"""Training steps while another process keeps one core busy: pynn vs torch in one run.

Laptops and CI runners always have something else running. This starts a busy process itself
(`python -c "while True: pass"`), then times the MLP 784-256-256-10 SGD step (bench_train_step's model) at
batch 64 and 512 with 2 threads, next to the quiet 1-thread time of the same step, for pynn and torch (A B A B
rounds, medians). The issue's target: pynn contended at 2 threads <= 2x its quiet 1-thread time.
Writes benchmarks/results/contention.json.
Run: python benchmarks/bench_contention.py [--quick]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_train_step import build, median_ms  # noqa: E402  (one timing helper for the training steps)

BATCHES = (64, 512)


def libraries():
    import pynn

    libs = {"pynn": pynn}
    try:
        import torch

        libs["torch"] = torch
    except ImportError:
        pass
    return libs


def busy_process() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main() -> None:
    quick = "--quick" in sys.argv
    rounds = 2 if quick else 4
    libs = libraries()
    rng = np.random.default_rng(0)
    shapes = {"0.weight": (256, 784), "0.bias": (256,), "3.weight": (256, 256), "3.bias": (256,),
              "6.weight": (10, 256), "6.bias": (10,)}
    weights = {k: (rng.standard_normal(s) * 0.05).astype(np.float32) for k, s in shapes.items()}
    steps = {(name, b): build(lib, b, "sgd", weights) for name, lib in libs.items() for b in BATCHES}
    times: dict = {}

    def timed(name: str, batch: int, threads: int, tag: str) -> None:
        libs[name].set_num_threads(threads)
        times.setdefault((name, batch, tag), []).append(median_ms(steps[(name, batch)], min_time=0.3, repeats=7))

    for _ in range(rounds):
        for batch in BATCHES:
            for name in libs:  # quiet, 1 thread
                timed(name, batch, 1, "quiet_1t")
        hog = busy_process()
        try:
            time.sleep(0.2)
            for batch in BATCHES:
                for name in libs:  # contended, 2 threads
                    timed(name, batch, 2, "busy_2t")
        finally:
            hog.kill()
            hog.wait()
    results = []
    for batch in BATCHES:
        row = {"workload": f"mlp_sgd_step_b{batch}"}
        for name in libs:
            quiet = statistics.median(times[(name, batch, "quiet_1t")])
            busy = statistics.median(times[(name, batch, "busy_2t")])
            row[f"{name}_quiet_1t_ms"] = round(quiet, 3)
            row[f"{name}_busy_2t_ms"] = round(busy, 3)
            row[f"{name}_busy_over_quiet"] = round(busy / quiet, 2)
        results.append(row)
        print(row)
    out = os.path.join(os.path.dirname(__file__), "results", "contention.json")
    with open(out, "w") as f:
        json.dump({"machine": f"{os.cpu_count()} cores", "rounds": rounds, "results": results}, f, indent=2)
    print("wrote", out)


if __name__ == "__main__":
    main()
