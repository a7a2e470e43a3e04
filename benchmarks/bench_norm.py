"""Normalization and embedding layers, pynn vs torch in one run, at 1 and 2 threads (issue #11's done-when):

- BatchNorm2d(64) training forward + backward on (32, 64, 56, 56) float32      target: pynn <= 0.4x torch
- LayerNorm(1024) forward + backward on (256, 1024)                             target: pynn <= 0.9x torch
- GroupNorm(8, 64) forward + backward on (32, 64, 56, 56)                       target: pynn <= 0.5x torch
- Embedding(10000, 300) lookup of (64, 50) indices + backward                   target: pynn <= 0.2x torch

GB/s counts the least traffic each step needs: a norm's forward reads x and writes y, its backward reads dy and
x and writes dx (5 tensors of the input's size); the embedding reads and writes the looked-up rows, then fills
the (10000, 300) gradient and reads dy and adds it into the rows (the fill plus three row-sized streams).

Timing: bench_train_step.median_ms in interleaved rounds pynn, torch, pynn, ...; the figure is the median over
rounds. Writes benchmarks/results/norm.json. Run: python benchmarks/bench_norm.py [--rounds N] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train_step import interleaved_medians  # noqa: E402

BN_SHAPE = (32, 64, 56, 56)
LN_SHAPE = (256, 1024)
EMB = (10000, 300)
EMB_IDX = (64, 50)
TARGETS = {"batchnorm2d_train_fwd_bwd": 0.4, "layernorm_fwd_bwd": 0.9, "groupnorm_fwd_bwd": 0.5,
           "embedding_lookup_bwd": 0.2}


def _bytes() -> dict:
    bn = 5 * int(np.prod(BN_SHAPE)) * 4
    ln = 5 * int(np.prod(LN_SHAPE)) * 4
    rows = int(np.prod(EMB_IDX)) * EMB[1] * 4
    return {"batchnorm2d_train_fwd_bwd": bn, "layernorm_fwd_bwd": ln, "groupnorm_fwd_bwd": bn,
            "embedding_lookup_bwd": 2 * rows + EMB[0] * EMB[1] * 4 + 3 * rows}


def workloads(lib) -> dict:
    """name -> zero-argument callable, built on the same numpy inputs for both libraries."""
    nn = lib.nn
    rng = np.random.default_rng(0)
    out = {}

    def fwd_bwd(module, x_np):
        x = lib.tensor(x_np).requires_grad_(True)
        g = lib.tensor(rng.standard_normal(x_np.shape).astype(np.float32))

        def run():
            x.grad = None
            for p in module.parameters():
                p.grad = None
            module(x).backward(g)

        return run

    x4 = rng.standard_normal(BN_SHAPE).astype(np.float32)
    out["batchnorm2d_train_fwd_bwd"] = fwd_bwd(nn.BatchNorm2d(64).train(), x4)
    out["layernorm_fwd_bwd"] = fwd_bwd(nn.LayerNorm(1024), rng.standard_normal(LN_SHAPE).astype(np.float32))
    out["groupnorm_fwd_bwd"] = fwd_bwd(nn.GroupNorm(8, 64), x4)

    emb = nn.Embedding(*EMB)
    idx = lib.tensor(rng.integers(0, EMB[0], EMB_IDX))
    ge = lib.tensor(rng.standard_normal(EMB_IDX + (EMB[1],)).astype(np.float32))

    def embedding():
        emb.weight.grad = None
        emb(idx).backward(ge)

    out["embedding_lookup_bwd"] = embedding
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="shorter timings (a smoke run)")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    min_time = 0.1 if args.quick else 0.3

    import pynn
    import torch

    nbytes = _bytes()
    results: dict = {
        "unit": "ms (median over interleaved rounds of bench_train_step.median_ms); GBps = least traffic / time",
        "rounds": args.rounds,
        "pynn_cpu_capability": pynn._C._cpu_capability() if hasattr(pynn._C, "_cpu_capability") else None,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "targets": TARGETS,
        "bytes": nbytes,
    }
    for threads in (int(t) for t in args.threads.split(",")):
        pynn.set_num_threads(threads)
        torch.set_num_threads(threads)
        wp, wt = workloads(pynn), workloads(torch)
        per = {}
        for name in wp:
            p, t = interleaved_medians(wp[name], wt[name], args.rounds, min_time)
            gp, gt = nbytes[name] / p / 1e6, nbytes[name] / t / 1e6
            per[name] = {"pynn_ms": round(p, 4), "torch_ms": round(t, 4), "ratio_pynn_over_torch": round(p / t, 3),
                         "pynn_GBps": round(gp, 2), "torch_GBps": round(gt, 2)}
            target = TARGETS[name]
            mark = "  ok" if p / t <= target else f"  MISS (target {target})"
            print(f"[{threads}t] {name:28s} pynn {p:8.3f} ms ({gp:5.1f} GB/s)  torch {t:8.3f} ms ({gt:5.1f} GB/s)"
                  f"  ratio {p / t:5.2f}{mark}")
        results[f"threads_{threads}"] = per
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "norm.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote", out)


if __name__ == "__main__":
    main()
