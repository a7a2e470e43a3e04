"""Load a state_dict saved by real torch (`torch.save(model.state_dict(), path)`) into the same model built with
pynn, and check that both give the same predictions.

    python examples/load_torch_weights.py        # needs torch installed, to write the checkpoint

pynn.load reads torch's zip checkpoint format itself (weights only, through an allowlist unpickler that never runs
code from the file), so the pynn side of this script needs no torch: only writing the checkpoint does.
"""
from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

import pynn


def make_model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 4 * 4, 32), nn.ReLU(), nn.Linear(32, 10))


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=None, help="where torch writes the checkpoint (default: a temp file)")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        raise SystemExit("this example needs torch installed to write the checkpoint (pip install torch)")

    torch.manual_seed(0)
    reference = make_model(torch)
    reference(torch.randn(16, 1, 8, 8))  # one training-mode pass, so BatchNorm's running statistics are not trivial
    reference.eval()
    path = args.path or os.path.join(tempfile.mkdtemp(), "model_state.pth")
    torch.save(reference.state_dict(), path)
    print(f"torch wrote {path} ({os.path.getsize(path)} bytes)")

    model = make_model(pynn)
    model.load_state_dict(pynn.load(path))  # weights_only=True by default, as in torch
    model.eval()
    x = np.random.default_rng(1).standard_normal((4, 1, 8, 8)).astype(np.float32)
    with torch.no_grad(), pynn.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
        got = model(pynn.from_numpy(x)).numpy()
    diff = float(np.abs(got - expected).max())
    print(f"largest difference between torch's and pynn's outputs: {diff:.2e}")
    print("predictions agree:", bool((got.argmax(1) == expected.argmax(1)).all()))
    return diff


if __name__ == "__main__":
    main()
