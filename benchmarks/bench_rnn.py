"""Recurrent layers, pynn vs torch in one run, at 1 and 2 threads (issue #12's done-when):

- LSTM(10, 20, 2) forward + backward on (5, 32, 10)       overhead-bound        target: pynn <= 0.4x torch
- LSTM(256, 512, 2) forward + backward on (50, 32, 256)   compute-bound         target: pynn <= 0.9x torch
- GRU(256, 512) forward + backward on (50, 32, 256)       compute-bound         target: pynn <= 0.9x torch

Each step: zero the parameter grads, forward from zero initial states, backward of a fixed random output
gradient (the input needs no grad, as a training batch). GFLOP/s counts the matrix products only: forward
2 * rows * gates * H * (in + H) per layer, backward twice that (weight gradients, state and input gradients),
so 3x the forward in all.

Timing: timing.measure in interleaved rounds pynn, torch, pynn, ...; the figure is the median over rounds. The
compute-bound steps take about a second, so they get one warm-up call and three timed blocks per round (the whole
run stays near two minutes). Writes benchmarks/results/rnn.json.
Run: python benchmarks/bench_rnn.py [--rounds N] [--quick] [--threads 1,2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import measure  # noqa: E402

WORKLOADS = {
    # name: (mode, input_size, hidden, layers, (T, B, I))
    "lstm_10_20_2_fwd_bwd": ("LSTM", 10, 20, 2, (5, 32, 10)),
    "lstm_256_512_2_fwd_bwd": ("LSTM", 256, 512, 2, (50, 32, 256)),
    "gru_256_512_fwd_bwd": ("GRU", 256, 512, 1, (50, 32, 256)),
}
TARGETS = {"lstm_10_20_2_fwd_bwd": 0.4, "lstm_256_512_2_fwd_bwd": 0.9, "gru_256_512_fwd_bwd": 0.9}
GATES = {"LSTM": 4, "GRU": 3}


def gflop(name: str) -> float:
    mode, inp, hidden, layers, (T, B, _) = WORKLOADS[name]
    fwd = 0
    for layer in range(layers):
        fwd += 2 * T * B * GATES[mode] * hidden * ((inp if layer == 0 else hidden) + hidden)
    return 3 * fwd / 1e9


def workloads(lib) -> dict:
    out = {}
    for name, (mode, inp, hidden, layers, shape) in WORKLOADS.items():
        rng = np.random.default_rng(0)
        lib.manual_seed(0)
        m = getattr(lib.nn, mode)(inp, hidden, layers)
        x = lib.tensor(rng.standard_normal(shape).astype(np.float32))
        g = lib.tensor(rng.standard_normal(shape[:2] + (hidden,)).astype(np.float32))
        params = list(m.parameters())

        def step(m=m, x=x, g=g, params=params):
            for p in params:
                p.grad = None
            out, _ = m(x)
            out.backward(g)

        out[name] = step
    return out


def interleaved_ms(step_p, step_t, rounds: int, min_time: float, heavy: bool) -> tuple:
    """Median ms over rounds of pynn then torch; heavy steps are timed in fewer, shorter blocks."""
    kw = dict(repeats=3, warmup=1) if heavy else dict(repeats=15, warmup=5)
    ps, ts, contended = [], [], 0
    for _ in range(rounds):
        for step, acc in ((step_p, ps), (step_t, ts)):
            st = measure(step, min_time=min_time, **kw)
            acc.append(st.median)
            contended += st.contended_blocks
    return statistics.median(ps), statistics.median(ts), contended


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="shorter timings (a smoke run)")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    min_time = 0.15 if args.quick else 0.4

    import pynn
    import torch

    load0 = os.getloadavg()[0]
    results: dict = {
        "unit": "ms (median over interleaved rounds); GFLOPps = matrix-product work / time",
        "note": "taken on a loaded shared 2-core machine (other builds and tests running); see load_average_1min",
        "rounds": args.rounds,
        "pynn_cpu_capability": pynn._C._cpu_capability(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "targets": TARGETS,
        "gflop": {n: round(gflop(n), 4) for n in WORKLOADS},
    }
    for threads in (int(t) for t in args.threads.split(",")):
        pynn.set_num_threads(threads)
        torch.set_num_threads(threads)
        wp, wt = workloads(pynn), workloads(torch)
        per = {}
        for name in wp:
            p, t, contended = interleaved_ms(wp[name], wt[name], args.rounds, min_time, heavy=gflop(name) > 1)
            fp, ft = gflop(name) / p * 1e3, gflop(name) / t * 1e3
            per[name] = {"pynn_ms": round(p, 4), "torch_ms": round(t, 4), "ratio_pynn_over_torch": round(p / t, 3),
                         "pynn_GFLOPps": round(fp, 2), "torch_GFLOPps": round(ft, 2),
                         "contended_blocks": contended}
            target = TARGETS[name]
            mark = "  ok" if p / t <= target else f"  MISS (target {target})"
            print(f"[{threads}t] {name:24s} pynn {p:9.3f} ms ({fp:6.1f} GFLOP/s)  torch {t:9.3f} ms "
                  f"({ft:6.1f} GFLOP/s)  ratio {p / t:5.2f}{mark}", flush=True)
        results[f"threads_{threads}"] = per
    results["load_average_1min"] = {"start": round(load0, 2), "end": round(os.getloadavg()[0], 2)}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "rnn.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("wrote", out)


if __name__ == "__main__":
    main()
