"""Issue #17 batch 2, pynn vs torch in one run, interleaved (timing.interleaved, medians of round medians):
the new elementwise kernels (lgamma, digamma, i0, gcd) on 1M elements and the compositions most likely to be
called in a loop (scatter_reduce sum/amax/prod of 100k values into 1000 rows x 16, round(decimals=2),
masked_scatter, isin, histogram) at --threads 1 and 2.

Writes benchmarks/results/surface_batch2.json. Run: python benchmarks/bench_surface_batch2.py [--threads T]
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import interleaved, library_pair  # noqa: E402


def cases(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.random(1 << 20).astype("float32") * 20 + 0.1)
    xi = lib.tensor(rng.integers(-1000, 1000, 1 << 20))
    yi = lib.tensor(rng.integers(-1000, 1000, 1 << 20))
    src = lib.tensor(rng.standard_normal((100_000, 16)).astype("float32"))
    idx = lib.tensor(rng.integers(0, 1000, (100_000, 16)))
    base = lib.zeros(1000, 16)
    mask = lib.tensor(rng.random(1 << 20) > 0.5)
    test = lib.tensor(rng.integers(0, 5000, 500))
    return {
        "lgamma 1M": lambda: lib.lgamma(x),
        "digamma 1M": lambda: lib.digamma(x),
        "i0 1M": lambda: lib.i0(x),
        "gcd 1M int64": lambda: lib.gcd(xi, yi),
        "scatter_reduce sum 100kx16": lambda: base.scatter_reduce(0, idx, src, "sum"),
        "scatter_reduce amax 100kx16": lambda: base.scatter_reduce(0, idx, src, "amax"),
        "scatter_reduce prod 100kx16": lambda: base.scatter_reduce(0, idx, src, "prod", include_self=False),
        "round(decimals=2) 1M": lambda: lib.round(x, decimals=2),
        "masked_scatter 1M": lambda: x.masked_scatter(mask, x),
        "isin 1M in 500": lambda: lib.isin(xi, test),
        "histogram 1M 100 bins": lambda: lib.histogram(x, 100),
    }


def main() -> None:
    args, pynn, torch, load0 = library_pair(default_rounds=3)
    pc, tc = cases(pynn), cases(torch)
    rows = {}
    for name in pc:
        res = interleaved({"pynn": pc[name], "torch": tc[name]}, rounds=args.rounds, min_time=args.min_time)
        p, t = res["pynn"].median, res["torch"].median
        rows[name] = {"pynn_ms": round(p, 3), "torch_ms": round(t, 3), "ratio": round(p / t, 2)}
        print(f"{name:32s} pynn {p:9.3f} ms  torch {t:9.3f} ms  ratio {p / t:6.2f}", flush=True)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "surface_batch2.json")
    data = json.load(open(out)) if os.path.exists(out) else {}
    data[f"threads_{args.threads}"] = {"rows": rows, "load_1min": [load0, os.getloadavg()[0]],
                                       "note": "loaded machine (2 cores shared with other helpers)"}
    with open(out, "w") as f:
        json.dump(data, f, indent=1)


if __name__ == "__main__":
    main()
