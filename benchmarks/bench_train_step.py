"""One full training step of an MLP, pynn vs torch in one run, 1 thread.

Model 784-256-256-10 (ReLU, Dropout 0.2), CrossEntropyLoss; a step is zero_grad, forward, loss, backward and
optimizer.step(), with SGD (momentum 0.9) and with Adam, at batch 64 and 512. Both libraries start from the
same weights and data. Reports the median of repeated timings (ms per step) and pynn/torch ratios; writes
benchmarks/results/train_step.json.
Run: python benchmarks/bench_train_step.py
"""
from __future__ import annotations

import json
import os

import numpy as np

from timing import interleaved_medians, median_ms  # noqa: F401  (re-exported for older scripts)

BATCHES = (64, 512)
OPTIMIZERS = {"sgd": ("SGD", dict(lr=0.01, momentum=0.9)), "adam": ("Adam", dict(lr=1e-3))}


def build(lib, batch: int, opt_name: str, weights: dict, seed: int = 0):
    nn = lib.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(256, 10))
    model.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    rng = np.random.default_rng(seed)
    x = lib.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch))
    cls, kw = OPTIMIZERS[opt_name]
    opt = getattr(lib.optim, cls)(model.parameters(), **kw)
    criterion = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()

    return step


def main() -> None:
    import pynn
    import torch

    pynn.set_num_threads(1)
    torch.set_num_threads(1)
    ref = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                              torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                              torch.nn.Linear(256, 10))
    weights = {k: v.detach().numpy().copy() for k, v in ref.state_dict().items()}

    results: dict = {"threads": 1, "model": "784-256-256-10 ReLU Dropout(0.2) CrossEntropyLoss",
                     "unit": "ms per training step (median)"}
    for opt_name in OPTIMIZERS:
        for batch in BATCHES:
            # Interleave the libraries, best of two rounds each, so background load hits both alike.
            p_ms, t_ms = [], []
            for _ in range(2):
                p_ms.append(median_ms(build(pynn, batch, opt_name, weights)))
                t_ms.append(median_ms(build(torch, batch, opt_name, weights)))
            key = f"{opt_name}_batch{batch}"
            results[f"pynn_{key}_ms"] = min(p_ms)
            results[f"torch_{key}_ms"] = min(t_ms)
            results[f"ratio_{key}_pynn_over_torch"] = min(p_ms) / min(t_ms)
            print(f"{key:16s} pynn {min(p_ms):7.3f} ms   torch {min(t_ms):7.3f} ms   "
                  f"ratio {min(p_ms) / min(t_ms):.2f}")
    results["target_ratio"] = 1.0
    out = os.path.join(os.path.dirname(__file__), "results", "train_step.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
