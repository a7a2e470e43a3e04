"""SIMD kernels, pynn vs torch in one run, at 1 and 2 threads (issue #9's done-when):

- cross_entropy and softmax on (4096, 1000) float32, forward + backward      target: pynn <= 0.5x torch
- exp, tanh, sigmoid, gelu, silu on 4M float32                                target: pynn <= 0.8x torch
- a + b on 4M contiguous float32 in GB/s (12 bytes per element moved), against a plain copy's GB/s (numpy
  copyto into a preallocated array, 8 bytes per element)                     target: >= 80% of the copy
- x.sum(1) on (4096, 4096) float32                                            target: pynn <= 1x torch

Beside softmax the JSON gives a memory floor (5 arrays of 16 MB at the copy's bandwidth) as a fraction of
torch's time: the kernels are memory bound there, so that fraction says how far the 0.5x target is reachable.

Timing: bench_train_step.median_ms (the house helper: calibrated repeat count, median of repeats), run in
interleaved rounds pynn, torch, pynn, torch, ... so background load on the shared machine hits both alike;
the figure reported is the median over rounds. Also records the CPU capability each library ran at.

Writes benchmarks/results/simd.json. Run: python benchmarks/bench_simd.py [--rounds N] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_train_step import interleaved_medians, median_ms  # noqa: E402

N_ELEM = 4 * 1024 * 1024
UNARY = ("exp", "tanh", "sigmoid", "gelu", "silu")


def workloads(lib) -> dict:
    """name -> zero-argument callable, built on the same numpy inputs for both libraries."""
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    out = {}

    logits_np = rng.standard_normal((4096, 1000)).astype(np.float32)
    target = lib.tensor(rng.integers(0, 1000, 4096))
    logits = lib.tensor(logits_np).requires_grad_(True)
    grad_y = lib.tensor(rng.standard_normal((4096, 1000)).astype(np.float32))

    def cross_entropy():
        logits.grad = None
        F.cross_entropy(logits, target).backward()

    def softmax():
        logits.grad = None
        F.softmax(logits, dim=1).backward(grad_y)

    out["cross_entropy_4096x1000_fwd_bwd"] = cross_entropy
    out["softmax_4096x1000_fwd_bwd"] = softmax

    x = lib.tensor((rng.standard_normal(N_ELEM) * 3).astype(np.float32))
    fns = {"exp": lib.exp, "tanh": lib.tanh, "sigmoid": lib.sigmoid, "gelu": F.gelu, "silu": F.silu}
    for name in UNARY:
        out[f"{name}_4M"] = (lambda f: lambda: f(x))(fns[name])

    a = lib.tensor(rng.standard_normal(N_ELEM).astype(np.float32))
    b = lib.tensor(rng.standard_normal(N_ELEM).astype(np.float32))
    out["add_4M"] = lambda: a + b

    m = lib.tensor(rng.standard_normal((4096, 4096)).astype(np.float32))
    out["sum_dim1_4096x4096"] = lambda: m.sum(1)
    return out


def copy_ms(min_time: float) -> float:
    src = np.random.default_rng(1).standard_normal(N_ELEM).astype(np.float32)
    dst = np.empty_like(src)
    return median_ms(lambda: np.copyto(dst, src), min_time=min_time)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="shorter timings (a smoke run)")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    min_time = 0.1 if args.quick else 0.3

    import pynn
    import torch

    results: dict = {
        "unit": "ms (median over interleaved rounds of bench_train_step.median_ms)",
        "rounds": args.rounds,
        "pynn_cpu_capability": pynn._C._cpu_capability() if hasattr(pynn._C, "_cpu_capability") else None,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "loadavg_1min_at_start": os.getloadavg()[0],  # the machine is shared: > 0.5 means the run had company
        "targets": {"cross_entropy_4096x1000_fwd_bwd": 0.5, "softmax_4096x1000_fwd_bwd": 0.5,
                    **{f"{u}_4M": 0.8 for u in UNARY}, "sum_dim1_4096x4096": 1.0,
                    "add_4M_fraction_of_copy_bandwidth": 0.8},
    }
    for threads in (int(t) for t in args.threads.split(",")):
        pynn.set_num_threads(threads)
        torch.set_num_threads(threads)
        wp, wt = workloads(pynn), workloads(torch)
        per = {}
        for name in wp:
            p, t = interleaved_medians(wp[name], wt[name], args.rounds, min_time)
            per[name] = {"pynn_ms": round(p, 4), "torch_ms": round(t, 4), "ratio_pynn_over_torch": round(p / t, 3)}
            target = results["targets"].get(name)
            mark = "" if target is None else ("  ok" if p / t <= target else f"  MISS (target {target})")
            print(f"[{threads}t] {name:34s} pynn {p:8.3f} ms  torch {t:8.3f} ms  ratio {p / t:5.2f}{mark}")
        c = statistics.median(copy_ms(min_time) for _ in range(args.rounds))
        gb = N_ELEM * 4 / 1e6  # MB per array -> GB/s from ms
        copy_gbps = 2 * gb / c
        add = per["add_4M"]
        add["pynn_GBps"] = round(3 * gb / add["pynn_ms"], 2)
        add["torch_GBps"] = round(3 * gb / add["torch_ms"], 2)
        per["copy_4M_numpy"] = {"ms": round(c, 4), "GBps": round(copy_gbps, 2)}
        per["add_4M_fraction_of_copy_bandwidth"] = round(add["pynn_GBps"] / copy_gbps, 3)
        # softmax fwd+bwd moves at least x, y (written, read back), grad_y and grad_x: 5 arrays of 16 MB. At the
        # copy's bandwidth (an optimistic one: the copy's 32 MB fit the L3, these 64 MB do not) that is a floor
        # on any implementation; where half of torch's time is below it the 0.5x target cannot be met here.
        sm = per["softmax_4096x1000_fwd_bwd"]
        floor = 5 * 4096 * 1000 * 4 / 1e6 / copy_gbps
        sm["memory_floor_ms_at_copy_bandwidth"] = round(floor, 4)
        sm["floor_over_torch"] = round(floor / sm["torch_ms"], 3)
        print(f"[{threads}t] softmax fwd+bwd memory floor {floor:.3f} ms = {floor / sm['torch_ms']:.2f}x torch")
        print(f"[{threads}t] add GB/s pynn {add['pynn_GBps']:.1f} torch {add['torch_GBps']:.1f}, copy {copy_gbps:.1f}"
              f" -> pynn add at {per['add_4M_fraction_of_copy_bandwidth']:.0%} of copy")
        results[f"threads_{threads}"] = per
    results["loadavg_1min_at_end"] = os.getloadavg()[0]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "simd.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote", out)


if __name__ == "__main__":
    main()
