"""GPU benchmarks of issue #14: pynn on cuda against torch's CUDA build, in one run, interleaved (A B A B).

Workloads (the issue's targets): sgemm 4096 (within 10% of torch: both are cuBLAS), the MLP training step at batch
512 and the CNN training step at batch 128 (at most 1.1x torch's time), and the per-op launch overhead of a + b on
one element (at most torch's). Models, weights and data come from benchmarks/workloads.py, built on the CPU and
moved with .to('cuda'), so both libraries run the same step. Every timed call ends in a synchronize, except the
overhead one, which times 100 launches and one synchronize.

A workload pynn cannot run on cuda yet (a kernel without a CUDA version) is recorded with its error instead of a
time. Without torch's CUDA build only pynn's times are written. Writes benchmarks/results/cuda.json.
Run: python benchmarks/bench_cuda.py   (scripts/gpu_check.sh runs it on a GPU machine)
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import workloads as W  # noqa: E402
from timing import interleaved_medians, median_ms  # noqa: E402

N_GEMM = 4096
OVERHEAD_CALLS = 100


def _sync(lib):
    lib.cuda.synchronize()


def sgemm(lib):
    a = lib.tensor(W._array((N_GEMM, N_GEMM), 1)).to("cuda")
    b = lib.tensor(W._array((N_GEMM, N_GEMM), 2)).to("cuda")

    def step():
        a @ b
        _sync(lib)

    return step


def _train(lib, model, x_np, y_np, optimizer="Adam", lr=1e-3):
    W.seeded_state(lib, model)
    model.to("cuda")
    x = lib.tensor(x_np).to("cuda")
    y = lib.tensor(y_np).to("cuda")
    inner = W.train_step(lib, model, [x], y, optimizer=optimizer, lr=lr)

    def step():
        inner()
        _sync(lib)

    return step


def mlp_step(lib, batch=512):
    return _train(lib, W._mlp(lib), W._array((batch, 784), 1), np.random.default_rng(2).integers(0, 10, batch))


def cnn_step(lib, batch=128):
    return _train(lib, W.cnn(lib), W._array((batch, 3, 32, 32), 1), np.random.default_rng(2).integers(0, 10, batch))


def add_1(lib):
    a, b = lib.ones(1).to("cuda"), lib.ones(1).to("cuda")

    def step():
        for _ in range(OVERHEAD_CALLS):
            a + b
        _sync(lib)

    return step


WORKLOADS = {
    "sgemm_4096": (sgemm, 1.1, 2 * N_GEMM ** 3 / 1e9),
    "mlp_step_adam_b512": (mlp_step, 1.1, None),
    "cnn_step_adam_b128": (cnn_step, 1.1, None),
    "add_1_elem_launch": (add_1, 1.0, None),
}


def _build(lib, make):
    try:
        step = make(lib)
        step()  # warm-up (cuBLAS handle, allocator, first launches)
        return step, None
    except Exception as e:  # noqa: BLE001  a missing CUDA kernel is a result, not a crash
        return None, f"{type(e).__name__}: {e}"


def main() -> None:
    import pynn

    torch = None
    try:
        import torch as _torch

        if _torch.cuda.is_available():
            torch = _torch
    except ImportError:
        pass
    if not pynn.cuda.is_available():
        raise SystemExit("bench_cuda: pynn.cuda.is_available() is False; run on a GPU machine")

    results = {
        "device": pynn.cuda.get_device_name(),
        "torch": getattr(torch, "__version__", None) if torch else None,
        "cublas_loaded": bool(pynn._C._cuda_cublas_loaded()),
        "unit": "ms per call (median of interleaved rounds); add_1_elem_launch: us per launch",
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "workloads": {},
    }
    for name, (make, target, gflop) in WORKLOADS.items():
        p_step, p_err = _build(pynn, make)
        t_step, t_err = _build(torch, make) if torch else (None, "torch CUDA not available")
        row: dict = {"target_ratio": target}
        if p_step and t_step:
            p_ms, t_ms = interleaved_medians(p_step, t_step, rounds=3, min_time=0.3)
            row.update(pynn_ms=p_ms, torch_ms=t_ms, ratio=p_ms / t_ms, meets_target=p_ms / t_ms <= target)
        elif p_step:
            row.update(pynn_ms=median_ms(p_step, min_time=0.3), torch_error=t_err)
        else:
            row.update(pynn_error=p_err)
            if t_step:
                row.update(torch_ms=median_ms(t_step, min_time=0.3))
        if name == "add_1_elem_launch":
            for k in ("pynn_ms", "torch_ms"):
                if k in row:
                    row[k.replace("_ms", "_us_per_launch")] = row[k] * 1000 / OVERHEAD_CALLS
        if gflop:
            for k in ("pynn_ms", "torch_ms"):
                if k in row:
                    row[k.replace("_ms", "_gflops")] = gflop / (row[k] / 1000)
        results["workloads"][name] = row
        print(name, json.dumps(row))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "cuda.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote", out)


if __name__ == "__main__":
    main()
