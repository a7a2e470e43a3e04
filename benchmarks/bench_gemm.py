"""float32 GEMM: pynn.mm vs a direct ctypes call to OpenBLAS's scipy_cblas_sgemm vs torch.mm.

The direct call uses the very library pynn loads (scipy-openblas32), the same input buffers and a
preallocated output, so the ratio pynn/direct measures pynn's own overhead (checks, allocation of the
result, dispatch). Target: >= 0.90 at n = 512 and 1024. Each variant runs in blocks; the blocks alternate in
rounds (pynn, direct, torch, pynn, ...) with a pause before each, and the median per variant is kept, so
load from other processes hits all three alike and no library's spinning threads slow the next one.

Writes benchmarks/results/gemm.json.
Run: python benchmarks/bench_gemm.py [--sizes 256 512 1024] [--reps N] [--threads T] [--rounds R] [--out F]
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import time

CblasRowMajor, CblasNoTrans = 101, 111


def load_sgemm():
    import scipy_openblas32 as sob

    lib = ctypes.CDLL(os.path.join(sob.get_lib_dir(), "lib" + sob.get_library() + ".so"), mode=ctypes.RTLD_GLOBAL)
    f = lib.scipy_cblas_sgemm
    f.restype = None
    i, fl, p = ctypes.c_int, ctypes.c_float, ctypes.c_void_p
    f.argtypes = [i, i, i, i, i, i, fl, p, i, p, i, fl, p, i]
    return lib, f


def openblas_config(lib) -> str:
    try:
        f = lib.scipy_openblas_get_config
    except AttributeError:
        return ""
    f.restype = ctypes.c_char_p
    return f().decode()


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[64, 128, 256, 512, 1024, 2048])
    ap.add_argument("--reps", type=int, default=0, help="timed runs per variant (default: by size)")
    ap.add_argument("--threads", type=int, default=0, help="pynn/OpenBLAS/torch threads (default: pynn's default)")
    ap.add_argument("--out", default="gemm.json", help="file name under benchmarks/results")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of (pynn, direct, torch) blocks")
    ap.add_argument("--pause", type=float, default=0.3, help="seconds of idle time before each block")
    args = ap.parse_args()

    import pynn

    if args.threads:
        pynn.set_num_threads(args.threads)  # also sets OpenBLAS's thread count

    lib, sgemm = load_sgemm()
    try:
        import torch

        torch.set_num_threads(pynn.get_num_threads())
    except ImportError:
        torch = None

    results = {
        "machine": platform.processor() or platform.machine(),
        "threads": pynn.get_num_threads(),
        "openblas_config": openblas_config(lib),
        "sizes": {},
    }
    print(f"threads={results['threads']}  {results['openblas_config']}")
    print(f"{'n':>6} {'pynn GF/s':>10} {'direct GF/s':>12} {'torch GF/s':>11} {'pynn/direct':>12} {'pynn/torch':>11}")
    for n in args.sizes:
        pynn.manual_seed(0)
        a, b = pynn.randn(n, n), pynn.randn(n, n)
        c = pynn.empty(n, n)
        pa, pb, pc = a.data_ptr(), b.data_ptr(), c.data_ptr()
        flop = 2.0 * n * n * n
        reps = args.reps or max(15, min(300, int(6e10 / flop)))

        variants = {
            "pynn": lambda: pynn.mm(a, b),
            "direct": lambda: sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, pa, n, pb, n, 0.0, pc, n),
        }
        if torch is not None:
            ta, tb = torch.randn(n, n), torch.randn(n, n)
            variants["torch"] = lambda: torch.mm(ta, tb)
        # Blocks of runs per variant, in rounds, with a pause between blocks: the libraries' worker threads
        # keep spinning for a while after a call (torch's OpenMP up to 200 ms) and would steal the core of
        # whatever runs next if the variants were interleaved call by call.
        times = {k: [] for k in variants}
        per_block = max(1, reps // args.rounds)
        for _ in range(args.rounds):
            for k, fn in variants.items():
                time.sleep(args.pause)
                fn()  # warm-up call of the block
                times[k].extend(timed(fn) for _ in range(per_block))
        row = {"reps": reps}
        for k, ts in times.items():
            med = statistics.median(ts)
            row[f"{k}_ms"] = med * 1e3
            row[f"{k}_gflops"] = flop / med / 1e9
        row["ratio_pynn_over_direct"] = row["pynn_gflops"] / row["direct_gflops"]
        if "torch_gflops" in row:
            row["ratio_pynn_over_torch"] = row["pynn_gflops"] / row["torch_gflops"]
        results["sizes"][str(n)] = row
        print(f"{n:6d} {row['pynn_gflops']:10.1f} {row['direct_gflops']:12.1f} {row.get('torch_gflops', float('nan')):11.1f}"
              f" {row['ratio_pynn_over_direct']:12.3f} {row.get('ratio_pynn_over_torch', float('nan')):11.3f}")

    results["target"] = "pynn/direct >= 0.90 at n=512 and n=1024"
    results["target_met"] = all(
        results["sizes"][s]["ratio_pynn_over_direct"] >= 0.9 for s in ("512", "1024") if s in results["sizes"])
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"target met: {results['target_met']}  -> {out}")


if __name__ == "__main__":
    main()
