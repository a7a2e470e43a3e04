"""Attention, pynn vs torch in one run, at 1 and 2 threads (issue #13's done-when):

- F.scaled_dot_product_attention forward + backward at (B, H, T, D) = (8, 8, 256, 64) float32, not causal and
  causal                                                                          target: pynn <= 0.8x torch
- one training step (forward, backward, AdamW) of examples/train_gpt.py's GPT, 4 blocks, width 256, 4 heads,
  on (16, 128) tokens                                                             target: pynn <= 0.9x torch
- peak memory of one SDPA forward (no grad) at (1, 8, T, 64), T = 1024, 2048, 4096, each in a fresh process:
  the rise of peak RSS (VmHWM, reset through /proc/self/clear_refs) over the RSS once the inputs exist. Linear
  in T means no (T, T) matrix was held.

Timing: timing.interleaved (pynn, torch, pynn, ... rounds; median of the round medians). Writes
benchmarks/results/attention.json. Run: python benchmarks/bench_attention.py [--rounds N] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "examples"))
from timing import interleaved  # noqa: E402

SDPA_SHAPE = (8, 8, 256, 64)
GPT = dict(vocab=65, context=128, width=256, layers=4, heads=4, batch=16)
MEM_T = (1024, 2048, 4096)
TARGETS = {"sdpa_fwd_bwd": 0.8, "sdpa_causal_fwd_bwd": 0.8, "gpt_train_step": 0.9}


def sdpa_step(lib, causal: bool):
    rng = np.random.default_rng(0)
    q, k, v, g = (lib.tensor(rng.standard_normal(SDPA_SHAPE).astype(np.float32)) for _ in range(4))
    for t in (q, k, v):
        t.requires_grad_(True)

    def run():
        for t in (q, k, v):
            t.grad = None
        lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(g)

    return run


def gpt_step(lib):
    from train_gpt import make_model
    lib.manual_seed(0)
    model = make_model(lib, GPT["vocab"], GPT["context"], GPT["width"], GPT["layers"], GPT["heads"], 0.0)
    opt = lib.optim.AdamW(model.parameters(), lr=1e-4)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.integers(0, GPT["vocab"], (GPT["batch"], GPT["context"])))
    y = lib.tensor(rng.integers(0, GPT["vocab"], (GPT["batch"], GPT["context"])))

    def run():
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return run


MEM_CHILD = """
import sys
lib = __import__(sys.argv[1])
T = int(sys.argv[2])


def status(key):  # kB
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))


# Inputs made by the library itself: freed numpy temporaries would leave resident heap for the output to reuse.
lib.manual_seed(0)
q, k, v = (lib.randn(1, 8, T, 64) for _ in range(3))
with lib.no_grad():
    lib.nn.functional.scaled_dot_product_attention(q[:, :, :8], k[:, :, :8], v[:, :, :8])  # warm the code path
    with open("/proc/self/clear_refs", "w") as f:  # resets the peak (VmHWM) to the current RSS
        f.write("5")
    base = status("VmRSS:")
    out = lib.nn.functional.scaled_dot_product_attention(q, k, v)
    peak = status("VmHWM:")
print((peak - base) / 1024.0)
"""


def peak_rise_mib(lib_name: str, T: int, threads: int) -> float:
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."), PYNN_NUM_THREADS=str(threads),
               OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", MEM_CHILD, lib_name, str(T)], capture_output=True, text=True,
                         env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="shorter timings (a smoke run)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--memory-only", action="store_true", help="redo the memory section, keep the timings")
    args = ap.parse_args()
    min_time = 0.1 if args.quick else 0.3

    import pynn
    import torch

    load = os.getloadavg()[0]
    results: dict = {
        "unit": "ms (median over interleaved rounds); memory: MiB of peak-RSS rise during one forward",
        "rounds": args.rounds,
        "load_average_1min_at_start": round(load, 2),
        "note": "taken on a shared 2-core machine with other jobs running (loaded machine numbers)",
        "targets": TARGETS,
        "sdpa_shape": SDPA_SHAPE,
        "gpt": GPT,
    }
    if args.memory_only:
        with open(os.path.join(HERE, "results", "attention.json")) as f:
            results = json.load(f)
    for threads in ([] if args.memory_only else (int(t) for t in args.threads.split(","))):
        pynn.set_num_threads(threads)
        torch.set_num_threads(threads)
        per = {}
        for name, make in (("sdpa_fwd_bwd", lambda lib: sdpa_step(lib, False)),
                           ("sdpa_causal_fwd_bwd", lambda lib: sdpa_step(lib, True)),
                           ("gpt_train_step", gpt_step)):
            # A GPT step takes ~0.1-1 s: fewer repeats per round keep the run short.
            res = interleaved({"pynn": make(pynn), "torch": make(torch)}, rounds=args.rounds, min_time=min_time,
                              repeats=5 if name == "gpt_train_step" else 15)
            p, t = res["pynn"].median, res["torch"].median
            per[name] = {"pynn_ms": round(p, 3), "torch_ms": round(t, 3), "ratio_pynn_over_torch": round(p / t, 3)}
            mark = "  ok" if p / t <= TARGETS[name] else f"  MISS (target {TARGETS[name]})"
            print(f"[{threads}t] {name:22s} pynn {p:9.3f} ms  torch {t:9.3f} ms  ratio {p / t:5.2f}{mark}", flush=True)
        results[f"threads_{threads}"] = per
        write(results)
    mem = {}
    for T in MEM_T:
        mem[str(T)] = {"pynn_MiB": round(peak_rise_mib("pynn", T, 1), 1),
                       "torch_MiB": round(peak_rise_mib("torch", T, 1), 1),
                       "output_MiB": round(8 * T * 64 * 4 / 2 ** 20, 1), "TxT_scores_MiB": round(8 * T * T * 4 / 2 ** 20, 1)}
        print(f"[mem] T={T:5d} peak RSS rise pynn {mem[str(T)]['pynn_MiB']:7.1f} MiB  torch "
              f"{mem[str(T)]['torch_MiB']:7.1f} MiB  (output {mem[str(T)]['output_MiB']} MiB, a (T, T) score matrix "
              f"would be {mem[str(T)]['TxT_scores_MiB']} MiB)", flush=True)
    results["forward_peak_rss_rise"] = mem
    results["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    print("wrote", write(results))


def write(results: dict) -> str:
    """Written after each section, so that a run cut short keeps what it measured."""
    out = os.path.join(HERE, "results", "attention.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    return out


if __name__ == "__main__":
    main()
