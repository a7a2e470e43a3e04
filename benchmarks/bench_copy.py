"""Layout-changing copies, pynn vs torch in one run, interleaved: dst.copy_(x.permute(...)) into a preallocated
contiguous dst, so both libraries do the same work (no allocation, no page faults) and only the copy kernel is
timed. The layouts are the ones models make: attention's head split and merge, a batched matrix transpose, NCHW to
NHWC, a plain 2-D transpose.

Timing: timing.interleaved (pynn and torch alternating; medians). Writes benchmarks/results/copy.json.
Run: python benchmarks/bench_copy.py [--rounds N] [--threads T]
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import interleaved, library_pair  # noqa: E402

LAYOUTS = [  # (key, what it is, shape, permutation)
    ("head_split", "head split (32,128,8,64).permute(0,2,1,3)", (32, 128, 8, 64), (0, 2, 1, 3)),
    ("head_merge", "head merge (64,4,256,32).permute(0,2,1,3)", (64, 4, 256, 32), (0, 2, 1, 3)),
    ("batched_mT", "batched mT (8,64,64,64).permute(0,1,3,2)", (8, 64, 64, 64), (0, 1, 3, 2)),
    ("nchw_to_nhwc", "NCHW->NHWC (32,64,28,28).permute(0,2,3,1)", (32, 64, 28, 28), (0, 2, 3, 1)),
    ("t_2d", "2-D t (1024,1024)", (1024, 1024), (1, 0)),
]


def case(lib, shape, perm):
    src = lib.tensor(np.random.default_rng(0).standard_normal(shape).astype("float32")).permute(*perm)
    dst = lib.empty(*src.shape)
    return lambda: dst.copy_(src)


def workloads(lib):
    """The table the full run (benchmarks/run.py) draws from: layout key -> step."""
    return {key: case(lib, shape, perm) for key, _, shape, perm in LAYOUTS}


def main() -> None:
    args, pynn, torch, load0 = library_pair(default_rounds=5)
    rows = []
    for _, name, shape, perm in LAYOUTS:
        res = interleaved({"pynn": case(pynn, shape, perm), "torch": case(torch, shape, perm)},
                          rounds=args.rounds, min_time=args.min_time)
        row = {"layout": name, "pynn_ms": round(res["pynn"].median, 5), "torch_ms": round(res["torch"].median, 5),
               "pynn_over_torch": round(res["pynn"].median / res["torch"].median, 3),
               "contended_blocks": res["pynn"].contended_blocks + res["torch"].contended_blocks}
        rows.append(row)
        print(f"{name:44s} pynn {row['pynn_ms']:.4f} ms  torch {row['torch_ms']:.4f} ms  = {row['pynn_over_torch']:.2f}x")
    load1 = os.getloadavg()[0]
    out = {"threads": args.threads, "rounds": args.rounds, "load_avg_1min": [load0, load1],
           "note": "loaded machine" if max(load0, load1) > 1.5 else "quiet machine", "results": rows}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                        "copy.json" if args.threads == 1 else f"copy_{args.threads}t.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print("wrote", path)


if __name__ == "__main__":
    main()
