"""Per-op overhead: `a + b` on 1-element tensors, pynn vs torch vs NumPy in one run.

Writes benchmarks/results/overhead.json with microseconds per op and the pynn/torch ratio.
Run: python benchmarks/bench_overhead.py
"""
from __future__ import annotations

import json
import os
import timeit

import numpy as np


def per_op_us(stmt, setup_globals, number=200_000, repeat=7) -> float:
    times = timeit.repeat(stmt, globals=setup_globals, number=number, repeat=repeat)
    return min(times) / number * 1e6


def main() -> None:
    import pynn

    results = {}
    a, b = pynn.ones(1), pynn.ones(1)
    results["pynn_add_us"] = per_op_us("a + b", {"a": a, "b": b})
    results["pynn_add_scalar_us"] = per_op_us("a + 1.0", {"a": a})
    na, nb = np.ones(1, dtype=np.float32), np.ones(1, dtype=np.float32)
    results["numpy_add_us"] = per_op_us("a + b", {"a": na, "b": nb})
    try:
        import torch

        torch.set_num_threads(1)
        ta, tb = torch.ones(1), torch.ones(1)
        results["torch_add_us"] = per_op_us("a + b", {"a": ta, "b": tb})
        results["torch_add_scalar_us"] = per_op_us("a + 1.0", {"a": ta})
        results["ratio_pynn_over_torch"] = results["pynn_add_us"] / results["torch_add_us"]
        results["target_ratio"] = 0.5
    except ImportError:
        pass
    for k, v in results.items():
        print(f"{k:28s} {v:.3f}")
    out = os.path.join(os.path.dirname(__file__), "results", "overhead.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
