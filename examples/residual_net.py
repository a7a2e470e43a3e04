"""The tutorial's ResidualBlock (two 3x3 convolutions plus a shortcut, `out += residual`) stacked into a small
ResNet and trained on scikit-learn's bundled 8x8 digits.

    python examples/residual_net.py

Shows Conv2d, the 1x1 projection shortcut, in-place addition inside forward, AdaptiveAvgPool2d and a training loop
with a progress bar; prints the test accuracy (about 97-98%).
"""
from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import pynn as torch
import pynn.nn as nn
from pynn.utils.data import DataLoader, TensorDataset


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.relu = nn.ReLU()
        # a 1x1 projection when the channel count changes
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x):
        residual = self.shortcut(x)
        out = self.relu(self.conv1(x))
        out = self.conv2(out)
        out += residual
        out = self.relu(out)
        return out


def make_model() -> nn.Module:
    return nn.Sequential(ResidualBlock(1, 16), ResidualBlock(16, 16), nn.MaxPool2d(2), ResidualBlock(16, 32),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25, random_state=args.seed,
                                                        stratify=digits.target)
    train = DataLoader(TensorDataset(torch.tensor(x_train), torch.tensor(y_train)), batch_size=args.batch_size,
                       shuffle=True, generator=torch.Generator().manual_seed(args.seed))
    model = make_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        bar = tqdm(train, desc=f"epoch {epoch + 1}/{args.epochs}", leave=False)
        for xb, yb in bar:
            loss = criterion(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()
    with torch.no_grad():
        accuracy = (model(torch.tensor(x_test)).argmax(1) == torch.tensor(y_test)).float().mean().item()
    print(f"test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
