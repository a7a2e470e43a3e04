"""einsum on the common contractions vs the equivalent bmm (issue #17's done-when: within 1.2x), pynn and torch in
one run, interleaved:

- 'bij,bjk->bik' on (32, 128, 64) x (32, 64, 128)          equivalent: bmm(a, b)
- 'bhqd,bhkd->bhqk' on (8, 8, 128, 64) x (8, 8, 128, 64)   equivalent: bmm(q.reshape(64, 128, 64), k.reshape(...).mT)
- 'ij->ji' on (1024, 1024), materialized with .contiguous() equivalent: x.t().contiguous()
  (and the view alone, where both sides are a few microseconds of call overhead)

Timing: timing.interleaved (pynn einsum, pynn bmm, torch einsum, torch bmm in alternating rounds; medians).
Writes benchmarks/results/surface.json. Run: python benchmarks/bench_surface.py [--rounds N] [--threads T]
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import interleaved, library_pair  # noqa: E402

TARGET = 1.2


def cases(lib):
    rng = np.random.default_rng(0)
    t = lambda *s: lib.tensor(rng.standard_normal(s).astype("float32"))  # noqa: E731
    a, b = t(32, 128, 64), t(32, 64, 128)
    q, k = t(8, 8, 128, 64), t(8, 8, 128, 64)
    x = t(1024, 1024)
    q3, k3 = q.reshape(64, 128, 64), k.reshape(64, 128, 64)
    return {
        "bij,bjk->bik": (lambda: lib.einsum("bij,bjk->bik", a, b), lambda: lib.bmm(a, b)),
        "bhqd,bhkd->bhqk": (lambda: lib.einsum("bhqd,bhkd->bhqk", q, k),
                            lambda: lib.bmm(q3, k3.transpose(1, 2)).reshape(8, 8, 128, 128)),
        "ij->ji (materialized)": (lambda: lib.einsum("ij->ji", x).contiguous(), lambda: x.t().contiguous()),
        "ij->ji (view)": (lambda: lib.einsum("ij->ji", x), lambda: x.t()),
    }


def main() -> None:
    args, pynn, torch, load0 = library_pair(default_rounds=5)
    pc, tc = cases(pynn), cases(torch)
    rows = []
    for name in pc:
        steps = {"pynn_einsum": pc[name][0], "pynn_equiv": pc[name][1], "torch_einsum": tc[name][0],
                 "torch_equiv": tc[name][1]}
        res = interleaved(steps, rounds=args.rounds, min_time=args.min_time)
        ms = {k: v.median for k, v in res.items()}
        row = {"contraction": name, **{f"{k}_ms": round(v, 5) for k, v in ms.items()},
               "pynn_einsum_over_pynn_equiv": round(ms["pynn_einsum"] / ms["pynn_equiv"], 3),
               "torch_einsum_over_torch_equiv": round(ms["torch_einsum"] / ms["torch_equiv"], 3),
               "pynn_einsum_over_torch_einsum": round(ms["pynn_einsum"] / ms["torch_einsum"], 3),
               "contended_blocks": sum(v.contended_blocks for v in res.values())}
        row["meets_target"] = row["pynn_einsum_over_pynn_equiv"] <= TARGET
        rows.append(row)
        print(f"{name:24s} pynn einsum {ms['pynn_einsum']:.4f} ms / bmm {ms['pynn_equiv']:.4f} ms = "
              f"{row['pynn_einsum_over_pynn_equiv']:.2f}x   torch einsum {ms['torch_einsum']:.4f} ms / "
              f"{ms['torch_equiv']:.4f} ms = {row['torch_einsum_over_torch_equiv']:.2f}x")
    out = {"threads": args.threads, "rounds": args.rounds, "target_einsum_over_bmm": TARGET,
           "load_avg_1min": [load0, os.getloadavg()[0]],
           "note": "loaded machine" if max(load0, os.getloadavg()[0]) > 1.5 else "quiet machine",
           "results": rows}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "surface.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print("wrote", path)


if __name__ == "__main__":
    main()
