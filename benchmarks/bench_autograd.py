"""Forward + backward of a small graph, pynn vs torch in one run.

The tutorial's two-layer network written with plain tensors (no nn.Module):
    h = x.mm(w1).clamp(min=0); y_pred = h.mm(w2); loss = (y_pred - y).pow(2).sum(); loss.backward()
at batch 64 (D_in 784, H 256, D_out 10) and a tiny one (batch 64, 64-32-10) where per-op overhead dominates.
Both libraries get the same inputs and 1 thread. Writes benchmarks/results/autograd.json.
Run: python benchmarks/bench_autograd.py
"""
from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np


def step_us(lib, x, y, w1, w2, iters: int) -> float:
    """Median over 5 rounds of the per-step time in microseconds."""

    def one():
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
        w1.grad = None
        w2.grad = None

    for _ in range(max(iters // 10, 3)):
        one()
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(iters):
            one()
        rounds.append((time.perf_counter() - t0) / iters * 1e6)
    return statistics.median(rounds)


def tensors(lib, arrays):
    x, y, w1, w2 = (lib.tensor(a) for a in arrays)
    w1.requires_grad_(True)
    w2.requires_grad_(True)
    return x, y, w1, w2


def main() -> None:
    import pynn
    import torch

    pynn.set_num_threads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    results = {}
    for name, (n, d_in, h, d_out, iters) in {
        "mlp_784_256_10_b64": (64, 784, 256, 10, 300),
        "mlp_64_32_10_b64": (64, 64, 32, 10, 3000),
    }.items():
        arrays = [rng.standard_normal(s).astype(np.float32) for s in [(n, d_in), (n, d_out), (d_in, h), (h, d_out)]]
        p = step_us(pynn, *tensors(pynn, arrays), iters)
        t = step_us(torch, *tensors(torch, arrays), iters)
        results[name] = {"pynn_us": round(p, 2), "torch_us": round(t, 2), "ratio_pynn_over_torch": round(p / t, 3)}
        print(f"{name:22s} pynn {p:9.2f} us   torch {t:9.2f} us   ratio {p / t:.3f}")
    out = os.path.join(os.path.dirname(__file__), "results", "autograd.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
