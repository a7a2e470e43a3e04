"""Linear regression on y = 2x + 1 plus noise: nn.Linear(1, 1), MSELoss, SGD, and a PNG of the fit.

    python examples/linear_regression.py

The tutorial's first model, written as plain torch code with `import pynn as torch`: the learned weight and bias
come out near 2 and 1.
"""
from __future__ import annotations

import argparse
import os

import matplotlib

matplotlib.use("Agg")  # write files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
from tqdm import tqdm  # noqa: E402

import pynn as torch  # noqa: E402
import pynn.nn as nn  # noqa: E402


def main(argv=None) -> tuple:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--out", default="linear_regression_out", help="folder for the plot")
    args = parser.parse_args(argv)

    torch.manual_seed(42)
    x = torch.linspace(0, 1, 100).reshape(-1, 1)
    y = 2 * x + 1 + torch.randn(x.size()) * 0.1

    model = nn.Linear(1, 1)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    bar = tqdm(range(args.epochs), desc="training")
    for _ in bar:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        bar.set_postfix(loss=f"{loss.item():.4f}")

    w, b = model.weight.item(), model.bias.item()
    print(f"learned y = {w:.3f} x + {b:.3f}   (data: y = 2x + 1 + noise)")
    os.makedirs(args.out, exist_ok=True)
    with torch.no_grad():
        fit = model(x)
    plt.scatter(x.numpy(), y.numpy(), s=8, color="tab:blue", label="data")
    plt.plot(x.numpy(), fit.numpy(), color="tab:red", label=f"fit: y = {w:.2f}x + {b:.2f}")
    plt.xlabel("x")
    plt.ylabel("y")
    plt.legend()
    path = os.path.join(args.out, "linear_regression.png")
    plt.savefig(path, dpi=100)
    plt.close()
    print(f"plot written to {path}")
    return w, b


if __name__ == "__main__":
    main()
