"""Train a small CNN on scikit-learn's bundled 8x8 handwritten digits with pynn (no download needed).

    pip install ".[examples]" && python examples/train_cnn.py

The same torch-style workflow as examples/train_digits.py, with images instead of flat vectors:
Conv2d / BatchNorm2d / ReLU / MaxPool2d / Dropout / Linear in nn.Sequential, Adam with a cosine schedule,
evaluation under no_grad, save / reload with identical predictions, a PNG of the training curves and a PNG grid
of the test digits it gets wrong.
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


def load_data(seed: int, limit: int = 0):
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8), pixel values 0..16 -> 0..1
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    mean, std = x_train.mean(), x_train.std()
    return [torch.tensor(a) for a in ((x_train - mean) / std, y_train, (x_test - mean) / std, y_test)]


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 2 * 2, 10),
    )


@torch.no_grad()
def evaluate(model: nn.Module, x, y) -> tuple[float, "torch.Tensor"]:
    model.eval()
    pred = model(x).argmax(dim=1)
    return (pred == y).float().mean().item(), pred


def plot_curves(path: str, losses, train_accs, test_accs) -> None:
    epochs = range(1, len(losses) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, losses)
    ax_loss.set(title="training loss (cross-entropy)", xlabel="epoch", ylabel="loss")
    ax_acc.plot(epochs, train_accs, label="train")
    ax_acc.plot(epochs, test_accs, label="test")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy", ylim=(0.8, 1.0))
    ax_acc.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_mistakes(path: str, images: np.ndarray, labels: np.ndarray, preds: np.ndarray) -> int:
    wrong = np.flatnonzero(preds != labels)[:40]
    cols = 10
    rows = max(1, (len(wrong) + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i, 0], cmap="gray_r")
        ax.set_title(f"{labels[i]} as {preds[i]}", fontsize=8)
    fig.suptitle(f"misclassified test digits (true as predicted): {int((preds != labels).sum())}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return len(wrong)


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="use only this many train / test digits (smoke runs)")
    parser.add_argument("--min-accuracy", type=float, default=0.98)
    parser.add_argument("--out", default="digits_out", help="folder for the model and the plots")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = load_data(args.seed, args.limit)
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
    path = os.path.join(args.out, "digits_cnn.pth")
    torch.save(model.state_dict(), path)
    reloaded = make_model()
    reloaded.load_state_dict(torch.load(path))
    same = torch.equal(evaluate(reloaded, x_test, y_test)[1], predictions)
    print(f"saved to {path}; reloaded model gives identical predictions: {same}")

    curves = os.path.join(args.out, "digits_cnn_curves.png")
    plot_curves(curves, losses, train_accs, test_accs)
    grid = os.path.join(args.out, "digits_cnn_mistakes.png")
    shown = plot_mistakes(grid, x_test.numpy(), y_test.numpy(), predictions.numpy())
    print(f"curves written to {curves}; {shown} misclassified digits drawn in {grid}")
    if not same or accuracy < args.min_accuracy:
        raise SystemExit("demo failed: " + ("reloaded predictions differ" if not same
                                            else f"accuracy below {args.min_accuracy:.0%}"))
    return accuracy


if __name__ == "__main__":
    main()
