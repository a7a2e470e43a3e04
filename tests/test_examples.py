"""The examples under examples/ run (shortened) and reach what their docstrings promise."""
import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")


def load(name: str):
    pytest.importorskip("tqdm")
    spec = importlib.util.spec_from_file_location(f"example_{name}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_linear_regression_recovers_slope_and_intercept(tmp_path):
    pytest.importorskip("matplotlib")
    w, b = load("linear_regression").main(["--epochs", "600", "--out", str(tmp_path)])
    assert abs(w - 2) < 0.1 and abs(b - 1) < 0.06
    assert (tmp_path / "linear_regression.png").stat().st_size > 0


def test_two_layer_net_manual_backprop_equals_autograd():
    by_hand, by_autograd = load("two_layer_net").main(["--epochs", "5"])
    assert by_hand[-1] < by_hand[0]
    for a, b in zip(by_hand, by_autograd):
        assert abs(a - b) <= 1e-9 * abs(a)


def test_train_digits_short_run(tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    acc = load("train_digits").main(["--epochs", "4", "--out", str(tmp_path), "--min-accuracy", "0.85"])
    assert acc >= 0.85
    assert (tmp_path / "digits_curves.png").exists()


def test_residual_net_short_run():
    pytest.importorskip("sklearn")
    assert load("residual_net").main(["--epochs", "6"]) > 0.6
