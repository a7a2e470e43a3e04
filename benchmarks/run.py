"""One benchmark runner: pynn vs torch (when installed) on the same workloads, at 1 and 2 threads, in one run.

    python -m benchmarks                 # everything (about 10-15 minutes on 2 cores)
    python -m benchmarks --quick         # short timings, the slowest workloads skipped (about 2 minutes)
    python -m benchmarks --only lstm     # workloads whose name contains "lstm" (comma-separated list allowed)

Per workload and thread count: warm-up, then interleaved rounds (pynn, torch, pynn, torch, ...), each a median of
repeated blocks; reported are the median over rounds, min and max, the pynn/torch time ratio and the issue's target
ratio, plus blocks re-timed because another process used the CPU (timing.measure's contention guard). Also import
time, RSS after import and installed size of both libraries. Writes benchmarks/results/benchmarks.json, a markdown
table benchmarks/results/benchmarks.md and a bar chart of the ratios benchmarks/results/benchmarks.png.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # the per-issue scripts import each other as top-level modules

from timing import Stats, interleaved  # noqa: E402
from workloads import all_workloads  # noqa: E402

RESULTS = os.path.join(HERE, "results")


def machine() -> dict:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


# ---- import time, RSS, installed size --------------------------------------------------------------------------

_PROBE = ("import time, sys; t = time.perf_counter(); import {mod}; dt = time.perf_counter() - t\n"
          "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]\n"
          "print(dt * 1e3, int(rss) / 1024)")


def import_cost(mod: str, repeats: int = 5) -> Optional[dict]:
    ms, rss = [], []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, "-c", _PROBE.format(mod=mod)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
        if r.returncode != 0:
            return None
        a, b = r.stdout.split()
        ms.append(float(a))
        rss.append(float(b))
    return {"import_ms": statistics.median(ms), "rss_after_import_mb": statistics.median(rss)}


def _dist_size(name: str) -> Optional[int]:
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        return None
    total = 0
    for f in dist.files or []:
        p = dist.locate_file(f)
        if os.path.isfile(p):
            total += os.path.getsize(p)
    return total


def _requires(name: str) -> List[str]:
    try:
        reqs = md.requires(name) or []
    except md.PackageNotFoundError:
        return []
    return [re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0] for r in reqs if "extra ==" not in r]


def _closure(names: List[str]) -> Dict[str, int]:
    seen: Dict[str, int] = {}
    todo = list(names)
    while todo:
        n = todo.pop()
        key = n.lower().replace("_", "-")
        if key in seen:
            continue
        size = _dist_size(n)
        if size is None:
            continue
        seen[key] = size
        todo.extend(_requires(n))
    return seen


def _dir_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs
               if "__pycache__" not in d)


def installed_size(lib_name: str, module) -> dict:
    """The package alone and with its runtime dependencies (pip's view of what an install downloads)."""
    own = _dist_size(lib_name)
    if own is None:  # a development tree: the package directory itself
        own = _dir_size(os.path.dirname(module.__file__))
        deps = ["numpy", "scipy-openblas32"] if lib_name == "pynn" else []
        with_deps = own + sum(_closure(deps).values())
    else:
        with_deps = sum(_closure([lib_name]).values())
    return {"package_mb": own / 2 ** 20, "with_dependencies_mb": with_deps / 2 ** 20}


# ---- timing ---------------------------------------------------------------------------------------------------

def time_workload(wl, libs: dict, threads: int, rounds: int, min_time: float, repeats: int) -> dict:
    steps, missing = {}, {}
    for name, lib in libs.items():
        lib.set_num_threads(threads)
        lib.manual_seed(0)
        try:
            step = wl.make(lib)
            step()  # a missing layer shows up at the first call
            steps[name] = step
        except (AttributeError, NotImplementedError, TypeError) as e:  # a layer this library lacks
            missing[name] = f"{type(e).__name__}: {e}"
    out: dict = {"missing": missing} if missing else {}
    if steps:
        stats: Dict[str, Stats] = interleaved(steps, rounds=rounds, min_time=min_time, repeats=repeats)
        out.update({name: s.as_dict() for name, s in stats.items()})
        if wl.gflop:
            for name, s in stats.items():
                out[name]["gflops"] = wl.gflop / (s.median * 1e-3)
        if "pynn" in stats and "torch" in stats:
            out["ratio"] = stats["pynn"].median / stats["torch"].median
    return out


def markdown(report: dict) -> str:
    lines = [f"# pynn vs torch ({report['machine']['cpu']}, {report['machine']['cores']} cores)", "",
             "Times are medians over interleaved rounds; ratio = pynn time / torch time (lower is better).", ""]
    threads = report["threads"]
    head = "| workload | target | " + " | ".join(f"pynn {t}t ms | torch {t}t ms | ratio {t}t" for t in threads) + " |"
    lines += [head, "|" + "---|" * (2 + 3 * len(threads))]
    for name, entry in report["workloads"].items():
        cells = [name, f"{entry['target']:.2f}" if entry.get("target") else ""]
        for t in threads:
            r = entry.get(f"threads_{t}", {})
            fmt = (lambda k: f"{r[k]['median_ms']:.4g}" if k in r else "n/a")
            ratio = f"{r['ratio']:.2f}" if "ratio" in r else ""
            cells += [fmt("pynn"), fmt("torch"), ratio]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for lib, info in report.get("install", {}).items():
        if info:
            lines.append(f"- {lib}: import {info.get('import_ms', float('nan')):.0f} ms, RSS after import "
                         f"{info.get('rss_after_import_mb', float('nan')):.0f} MB, installed "
                         f"{info['package_mb']:.1f} MB ({info['with_dependencies_mb']:.1f} MB with dependencies)")
    return "\n".join(lines) + "\n"


def chart(report: dict, path: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = [n for n, e in report["workloads"].items() if any("ratio" in e.get(f"threads_{t}", {}) for t in report["threads"])]
    if not names:
        return False
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(names) + 1.5))
    height = 0.8 / len(report["threads"])
    for i, t in enumerate(report["threads"]):
        vals = [report["workloads"][n].get(f"threads_{t}", {}).get("ratio", float("nan")) for n in names]
        ax.barh([y + i * height for y in range(len(names))], vals, height=height, label=f"{t} thread(s)")
    for y, n in enumerate(names):
        target = report["workloads"][n].get("target")
        if target:
            ax.plot([target, target], [y - 0.1, y + 0.8], color="black", lw=1.5)
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(names))])
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("pynn time / torch time (log scale; black ticks: targets)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short timings, slow workloads skipped (about 2 minutes)")
    ap.add_argument("--only", default="", help="comma-separated substrings of workload names")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--no-torch", action="store_true", help="time pynn alone")
    ap.add_argument("--out", default=None, help="path prefix of .json/.md/.png (default results/benchmarks, or "
                                                 "results/benchmarks_quick for --quick/--only runs)")
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = os.path.join(RESULTS, "benchmarks_quick" if args.quick or args.only else "benchmarks")

    import pynn

    libs = {"pynn": pynn}
    if not args.no_torch:
        try:
            import torch

            libs["torch"] = torch
        except ImportError:
            print("torch is not installed: timing pynn alone")
    threads = [int(t) for t in args.threads.split(",")]
    rounds = args.rounds or (1 if args.quick else 3)
    min_time, repeats = (0.08, 5) if args.quick else (0.3, 11)
    only = [s for s in args.only.split(",") if s]
    chosen = [w for w in all_workloads() if (not only or any(s in w.name for s in only))
              and not (args.quick and "slow" in w.tags and not only)]

    report: dict = {"machine": machine(), "threads": threads, "rounds": rounds, "quick": args.quick,
                    "libraries": {n: getattr(l, "__version__", "?") for n, l in libs.items()},
                    "load_average_start": os.getloadavg()[0], "workloads": {}}
    t0 = time.perf_counter()
    for wl in chosen:
        entry: dict = {"group": wl.group, "target": wl.target, "note": wl.note}
        for t in threads:
            entry[f"threads_{t}"] = r = time_workload(wl, libs, t, rounds, min_time, repeats)
            cells = "  ".join(f"{n} {r[n]['median_ms']:9.4f} ms" for n in libs if n in r)
            ratio = f"ratio {r['ratio']:.2f}" if "ratio" in r else ", ".join(f"{n} missing" for n in r.get("missing", {}))
            print(f"{wl.name:42s} {t}t  {cells}  {ratio}", flush=True)
        report["workloads"][wl.name] = entry
    if not only:
        report["install"] = {}
        for name, lib in libs.items():
            info = installed_size(name, lib)
            info.update(import_cost(name) or {})
            report["install"][name] = info
    report["load_average_end"] = os.getloadavg()[0]
    report["seconds"] = time.perf_counter() - t0

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out + ".json", "w") as f:
        json.dump(report, f, indent=2)
    with open(args.out + ".md", "w") as f:
        f.write(markdown(report))
    drew = chart(report, args.out + ".png")
    print(f"wrote {args.out}.json, .md" + (", .png" if drew else "") + f" in {report['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
