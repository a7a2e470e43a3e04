"""Train an MLP on scikit-learn's bundled 8x8 handwritten digits with pynn (no download needed).

    pip install ".[examples]" && python examples/train_digits.py

Shows the whole torch-style workflow with `import pynn as torch`: Dataset/DataLoader, nn.Sequential,
CrossEntropyLoss, Adam with a learning-rate schedule, evaluation under no_grad, saving and reloading the
model, and a PNG of the training curves.
"""
from __future__ import annotations

import argparse
import os

import matplotlib

matplotlib.use("Agg")  # write files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from tqdm import tqdm  # noqa: E402

import pynn as torch  # noqa: E402
import pynn.nn as nn  # noqa: E402
from pynn.utils.data import DataLoader, TensorDataset  # noqa: E402


def load_data(seed: int):
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # pixel values 0..16 -> 0..1
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    return [torch.tensor(a) for a in ((x_train - mean) / std, y_train, (x_test - mean) / std, y_test)]


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(64, 10),
    )


@torch.no_grad()
def evaluate(model: nn.Module, x, y) -> tuple[float, "torch.Tensor"]:
    model.eval()
    pred = model(x).argmax(dim=1)
    return (pred == y).float().mean().item(), pred


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="digits_out", help="folder for the model and the plot")
    parser.add_argument("--min-accuracy", type=float, default=0.95, help="fail below this test accuracy")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load_data(args.seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    model = make_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    losses, train_accs, test_accs = [], [], []
    bar = tqdm(range(args.epochs), desc="training", unit="epoch")
    for _ in bar:
        model.train()
        total, count = 0.0, 0
        for inputs, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            count += len(labels)
        scheduler.step()
        losses.append(total / count)
        train_accs.append(evaluate(model, x_train, y_train)[0])
        test_accs.append(evaluate(model, x_test, y_test)[0])
        bar.set_postfix(loss=f"{losses[-1]:.4f}", test_acc=f"{test_accs[-1]:.4f}")

    accuracy, predictions = evaluate(model, x_test, y_test)
    print(f"test accuracy: {accuracy:.4f} ({len(y_test)} held-out digits)")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "digits_mlp.pth")
    torch.save(model.state_dict(), path)
    reloaded = make_model()
    reloaded.load_state_dict(torch.load(path))
    same = torch.equal(evaluate(reloaded, x_test, y_test)[1], predictions)
    print(f"saved to {path}; reloaded model gives identical predictions: {same}")

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(range(1, args.epochs + 1), losses)
    ax_loss.set(title="training loss (cross-entropy)", xlabel="epoch", ylabel="loss")
    ax_acc.plot(range(1, args.epochs + 1), train_accs, label="train")
    ax_acc.plot(range(1, args.epochs + 1), test_accs, label="test")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0.8, 1.0))
    ax_acc.legend()
    fig.tight_layout()
    plot = os.path.join(args.out, "digits_curves.png")
    fig.savefig(plot, dpi=100)
    print(f"curves written to {plot}")
    if not same or accuracy < args.min_accuracy:
        raise SystemExit("demo failed: " + ("reloaded predictions differ" if not same else
                                            f"accuracy below {args.min_accuracy:.0%}"))
    return accuracy


if __name__ == "__main__":
    main()
