"""nn workloads, pynn vs torch in one run, with 1 and 2 threads:

- MLP 784-256-256-10 (ReLU, Dropout 0.2, CrossEntropyLoss): forward + backward (+ zero_grad) at batch 64 and 512
- nn.Linear(10, 5) forward on one sample under no_grad, input shaped (10,) and (1, 10)

Each figure is the median over repeats of the mean time per iteration, in microseconds.
Writes benchmarks/results/nn.json. Run: python benchmarks/bench_nn.py
"""
from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np


def median_us(fn, number: int, repeat: int) -> float:
    fn()  # warm-up (allocator caches, lazy init)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number * 1e6)
    return statistics.median(times)


def build_mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(256, 10))


def mlp_step(lib, batch: int):
    model = build_mlp(lib)
    model.train()
    crit = lib.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch))

    def step():
        model.zero_grad()
        crit(model(x), y).backward()

    return step


def linear_forward(lib, shape):
    layer = lib.nn.Linear(10, 5)
    x = lib.randn(*shape)

    # the caller times the bare call with grad mode already off, as in an inference loop
    def call():
        layer(x)

    return call, lib.no_grad


def measure(lib, threads: int) -> dict:
    lib.set_num_threads(threads)
    out = {}
    for batch, number in ((64, 200), (512, 40)):
        out[f"mlp_fwd_bwd_b{batch}_us"] = median_us(mlp_step(lib, batch), number, 7)
    for name, shape in (("linear10x5_1d_nograd_us", (10,)), ("linear10x5_1x10_nograd_us", (1, 10))):
        call, no_grad = linear_forward(lib, shape)
        with no_grad():
            out[name] = median_us(call, 20000, 9)
    return out


def main() -> None:
    import pynn

    try:
        import torch
    except ImportError:
        torch = None
    results: dict = {"unit": "microseconds per iteration (median of repeats)"}
    for threads in (1, 2):
        block = {"pynn": measure(pynn, threads)}
        if torch is not None:
            block["torch"] = measure(torch, threads)
            block["ratio_pynn_over_torch"] = {k: block["pynn"][k] / block["torch"][k] for k in block["pynn"]}
        results[f"threads_{threads}"] = block
    results["target"] = "ratio <= 1.0 for every workload"
    for key, block in results.items():
        if not isinstance(block, dict):
            continue
        print(f"[{key}]")
        for name in block["pynn"]:
            line = f"  {name:30s} pynn {block['pynn'][name]:10.2f}"
            if "torch" in block:
                line += f"  torch {block['torch'][name]:10.2f}  ratio {block['ratio_pynn_over_torch'][name]:.2f}"
            print(line)
    out = os.path.join(os.path.dirname(__file__), "results", "nn.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
