"""Convolution and pooling, pynn vs torch (oneDNN) in one run, 1 thread by default.

- conv2d 64->64 3x3 padding 1 forward on (64, 64, 32, 32): GFLOP/s (2 * N * Cout * Cin * 9 * H * W per call)
- max_pool2d 2x2 on (32, 64, 56, 56) forward: ms
- depthwise conv2d 3x3 padding 1 (groups 64) on (16, 64, 28, 28), forward and backward: ms
- conv3d 16->16 3x3x3 padding 1 forward on (4, 16, 16, 16, 16): GFLOP/s
- avg_pool2d 2x2, bilinear 2x upsampling and reflect padding by 2 on (16, 64, 28, 28) forward: ms
- one Adam training step of the CIFAR-style CNN (Conv 3->32->64->128 3x3 padding 1, ReLU, MaxPool 2 after each,
  Linear 2048->512->10, CrossEntropyLoss) at batch 32 and 128: ms
The libraries alternate (interleaved rounds) and each figure is a median; at 1 and 2 threads (or --threads N);
writes benchmarks/results/conv.json.
Run: python benchmarks/bench_conv.py [--threads N]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics

import numpy as np

from bench_train_step import median_ms  # warm-up, self-sized repeats, median


def interleaved(make, libs, rounds: int = 3) -> dict:
    """Median over rounds, the libraries taking turns within each round."""
    fns = {name: make(lib) for name, lib in libs.items()}
    runs: dict = {name: [] for name in libs}
    for _ in range(rounds):
        for name, fn in fns.items():
            runs[name].append(median_ms(fn))
    return {name: statistics.median(v) for name, v in runs.items()}


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2048, 512), nn.ReLU(), nn.Linear(512, 10))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args()
    # OpenBLAS reads OPENBLAS_CORETYPE at load: Haswell there means AVX2 GEMM kernels even on an AVX-512 core.
    results = {"load_average_start": os.getloadavg()[0], "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    for threads in args.threads:
        results[f"threads_{threads}"] = run(threads)
    results["load_average_end"] = os.getloadavg()[0]
    print(json.dumps(results, indent=2))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "conv.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


def run(threads: int) -> dict:
    import pynn
    import torch

    pynn.set_num_threads(threads)
    torch.set_num_threads(threads)
    libs = {"pynn": pynn, "torch": torch}
    rng = np.random.default_rng(0)
    results: dict = {}

    x = rng.standard_normal((64, 64, 32, 32)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    flops = 2 * 64 * 64 * 64 * 9 * 32 * 32

    def make_conv(lib):
        xt, wt = lib.tensor(x), lib.tensor(w)
        fn = lib.nn.functional.conv2d
        return lambda: fn(xt, wt, None, 1, 1)

    with pynn.no_grad(), torch.no_grad():
        ms = interleaved(make_conv, libs)
    results["conv2d_64x64x32x32_3x3"] = {
        "ms": ms, "gflops": {k: flops / (v * 1e-3) / 1e9 for k, v in ms.items()}, "pynn_over_torch_time": ms["pynn"] / ms["torch"]}

    xp = rng.standard_normal((32, 64, 56, 56)).astype(np.float32)

    def make_pool(lib):
        xt = lib.tensor(xp)
        fn = lib.nn.functional.max_pool2d
        return lambda: fn(xt, 2, 2)

    with pynn.no_grad(), torch.no_grad():
        ms = interleaved(make_pool, libs)
    results["max_pool2d_32x64x56x56_2x2"] = {"ms": ms, "pynn_over_torch_time": ms["pynn"] / ms["torch"]}

    xd = rng.standard_normal((16, 64, 28, 28)).astype(np.float32)
    wd = rng.standard_normal((64, 1, 3, 3)).astype(np.float32)

    def make_depthwise(lib):
        xt, wt = lib.tensor(xd).requires_grad_(True), lib.tensor(wd).requires_grad_(True)
        fn = lib.nn.functional.conv2d
        grad = lib.ones(16, 64, 28, 28)
        return lambda: lib.autograd.grad(fn(xt, wt, None, 1, 1, 1, 64), (xt, wt), grad)

    ms = interleaved(make_depthwise, libs)
    results["depthwise3x3_fwd_bwd_16x64x28x28"] = {"ms": ms, "pynn_over_torch_time": ms["pynn"] / ms["torch"]}

    x3 = rng.standard_normal((4, 16, 16, 16, 16)).astype(np.float32)
    w3 = rng.standard_normal((16, 16, 3, 3, 3)).astype(np.float32)
    flops3 = 2 * 4 * 16 * 16 * 27 * 16 ** 3

    def make_conv3d(lib):
        xt, wt = lib.tensor(x3), lib.tensor(w3)
        fn = lib.nn.functional.conv3d
        return lambda: fn(xt, wt, None, 1, 1)

    with pynn.no_grad(), torch.no_grad():
        ms = interleaved(make_conv3d, libs)
    results["conv3d_4x16x16x16x16_3x3x3"] = {
        "ms": ms, "gflops": {k: flops3 / (v * 1e-3) / 1e9 for k, v in ms.items()},
        "pynn_over_torch_time": ms["pynn"] / ms["torch"]}

    for name, call in [("avg_pool2d_2x2", lambda F, t: F.avg_pool2d(t, 2)),
                       ("bilinear_upsample_2x", lambda F, t: F.interpolate(t, scale_factor=2, mode="bilinear")),
                       ("pad_reflect_2", lambda F, t: F.pad(t, (2, 2, 2, 2), mode="reflect"))]:
        def make(lib, call=call):
            xt = lib.tensor(xd)
            return lambda: call(lib.nn.functional, xt)

        with pynn.no_grad(), torch.no_grad():
            ms = interleaved(make, libs)
        results[f"{name}_16x64x28x28"] = {"ms": ms, "pynn_over_torch_time": ms["pynn"] / ms["torch"]}

    ref = cnn(torch)
    weights = {k: v.detach().numpy().copy() for k, v in ref.state_dict().items()}
    for batch in (32, 128):
        xb = rng.standard_normal((batch, 3, 32, 32)).astype(np.float32)
        yb = rng.integers(0, 10, batch)

        def make_step(lib, xb=xb, yb=yb):
            model = cnn(lib)
            model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
            opt = lib.optim.Adam(model.parameters(), lr=1e-3)
            crit = lib.nn.CrossEntropyLoss()
            xt, yt = lib.tensor(xb), lib.tensor(yb)

            def step():
                opt.zero_grad()
                crit(model(xt), yt).backward()
                opt.step()

            return step

        ms = interleaved(make_step, libs)
        results[f"cnn_adam_step_b{batch}"] = {"ms": ms, "pynn_over_torch_time": ms["pynn"] / ms["torch"]}
    return results


if __name__ == "__main__":
    main()
