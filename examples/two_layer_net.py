"""The tutorial's two-layer network trained twice: once with hand-written backpropagation (mm, clamp, t()), once
with autograd (requires_grad, backward()). Both start from the same weights and must take the same steps.

    python examples/two_layer_net.py

Shows that pynn's tensors alone are enough for a from-scratch network, and that autograd computes exactly the
gradients one derives by hand.
"""
from __future__ import annotations

import argparse

from tqdm import tqdm

import pynn as torch


def manual(x, y, w1, w2, epochs: int, lr: float) -> list:
    losses = []
    for _ in tqdm(range(epochs), desc="manual backprop"):
        h1 = x.mm(w1).clamp(min=0)
        y_pred = h1.mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        grad_y_pred = 2 * (y_pred - y)
        grad_w2 = h1.t().mm(grad_y_pred)
        grad_h = grad_y_pred.mm(w2.t())
        grad_h[h1 <= 0] = 0  # the ReLU lets gradient through where it was active
        grad_w1 = x.t().mm(grad_h)
        w1 = w1 - lr * grad_w1
        w2 = w2 - lr * grad_w2
    return losses


def autograd(x, y, w1, w2, epochs: int, lr: float) -> list:
    w1, w2 = w1.clone().requires_grad_(), w2.clone().requires_grad_()
    losses = []
    for _ in tqdm(range(epochs), desc="autograd"):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


def main(argv=None) -> tuple:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-6)
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    batch_n, input_data, hidden_layer, output_data = 100, 1000, 100, 10
    x = torch.randn(batch_n, input_data, dtype=torch.float64)
    y = torch.randn(batch_n, output_data, dtype=torch.float64)
    w1 = torch.randn(input_data, hidden_layer, dtype=torch.float64)
    w2 = torch.randn(hidden_layer, output_data, dtype=torch.float64)

    by_hand = manual(x, y, w1, w2, args.epochs, args.lr)
    by_autograd = autograd(x, y, w1, w2, args.epochs, args.lr)
    for epoch in range(0, args.epochs, max(1, args.epochs // 5)):
        print(f"epoch {epoch:3d}  loss by hand {by_hand[epoch]:14.4f}   by autograd {by_autograd[epoch]:14.4f}")
    worst = max(abs(a - b) / abs(a) for a, b in zip(by_hand, by_autograd))
    print(f"largest relative difference between the two runs: {worst:.2e}")
    return by_hand, by_autograd


if __name__ == "__main__":
    main()
