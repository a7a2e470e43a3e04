"""Train an LSTM to continue sine waves with pynn (synthetic data, no download needed).

    python examples/train_lstm.py [--epochs 20]

Each sample is a sine wave with a random frequency, phase and amplitude, seen for 24 steps; the model reads it
with a 2-layer nn.LSTM (batch_first) and a Linear head predicts the next 4 values. Shows the torch-style
sequence workflow with `import pynn as torch`: DataLoader over a TensorDataset, nn.LSTM with dropout between
layers, MSELoss, Adam, nn.utils.clip_grad_norm_, evaluation under no_grad, and
variable-length batches through pack_padded_sequence at the end. A constant "repeat the last value"
predictor is printed as the baseline to beat.
"""
from __future__ import annotations

import argparse
import math

import numpy as np
from tqdm import tqdm

import pynn as torch
import pynn.nn as nn
from pynn.nn.utils.rnn import pack_padded_sequence
from pynn.utils.data import DataLoader, TensorDataset

SEEN, AHEAD = 24, 4


def make_waves(n: int, seed: int):
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0.1, 0.4, (n, 1))
    phase = rng.uniform(0, 2 * math.pi, (n, 1))
    amp = rng.uniform(0.5, 1.5, (n, 1))
    t = np.arange(SEEN + AHEAD)[None, :]
    waves = (amp * np.sin(freq * t + phase)).astype(np.float32)
    return torch.tensor(waves[:, :SEEN, None]), torch.tensor(waves[:, SEEN:])


class Forecaster(nn.Module):
    def __init__(self, hidden: int = 32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, AHEAD)

    def forward(self, x):
        out, (h_n, c_n) = self.lstm(x)
        # a PackedSequence input ends at each sample's own last step: h_n of the top layer
        return self.head(h_n[-1])


def evaluate(model: nn.Module, x, y) -> float:
    model.eval()
    with torch.no_grad():
        loss = nn.functional.mse_loss(model(x), y).item()
    model.train()
    return loss


def main(epochs: int = 20, quiet: bool = False, seed: int = 0, n_train: int = 2048):
    """Trains and returns (test loss before training, test loss after)."""
    torch.manual_seed(seed)
    x_train, y_train = make_waves(n_train, seed)
    x_test, y_test = make_waves(512, seed + 1)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    first = evaluate(model, x_test, y_test)
    baseline = nn.functional.mse_loss(x_test[:, -1].expand(-1, AHEAD), y_test).item()
    bar = tqdm(range(epochs), desc="train", disable=quiet)
    for _ in bar:
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        bar.set_postfix(test_mse=f"{evaluate(model, x_test, y_test):.4f}")
    last = evaluate(model, x_test, y_test)
    if not quiet:
        print(f"test MSE: untrained {first:.4f}, repeat-last baseline {baseline:.4f}, trained {last:.4f}")
        # Variable-length inputs: the same model on the last 24, 20, 16 and 12 steps of four waves, packed.
        lengths = [24, 20, 16, 12]
        xs = torch.zeros(4, SEEN, 1)
        for i, n in enumerate(lengths):
            xs[i, :n] = x_test[i, SEEN - n:]
        model.eval()
        with torch.no_grad():
            pred = model(pack_padded_sequence(xs, lengths, batch_first=True))
        err = ((pred - y_test[:4]) ** 2).mean(1)
        print("packed, per-sample MSE for lengths", lengths, ":", [round(v, 4) for v in err.tolist()])
    return first, last


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(epochs=args.epochs, seed=args.seed)
