"""Smoke run of examples/train_cnn.py (the CNN digits demo) on a reduced budget: it trains, beats chance by far,
saves and reloads with identical predictions, and writes both PNGs."""
import importlib.util
import os

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "train_cnn.py")


def test_train_cnn_demo_reduced(tmp_path):
    spec = importlib.util.spec_from_file_location("train_cnn", EXAMPLE)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    accuracy = demo.main(["--epochs", "3", "--limit", "300", "--min-accuracy", "0.6", "--out", str(tmp_path)])
    assert accuracy >= 0.6
    for name in ("digits_cnn.pth", "digits_cnn_curves.png", "digits_cnn_mistakes.png"):
        assert (tmp_path / name).stat().st_size > 0
