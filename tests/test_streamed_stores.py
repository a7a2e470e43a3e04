"""Kernels whose operands exceed the last-level cache write their outputs with streaming stores
(cpu/vec/stream.h); the values must be exactly those of the plain-store path, which small inputs take, including
outputs that start off the vector alignment (an in-place op on a view at an odd offset)."""
import numpy as np
import pytest

import pynn

F = pynn.nn.functional


def _big_numel(operands: int) -> int:
    """Elements of float32 such that `operands` arrays of them exceed the LLC (capped for test speed)."""
    llc = pynn._C._cpu_last_level_cache_bytes()
    n = llc // (4 * operands) + 4099
    if n > 64 << 20:
        pytest.skip("last-level cache too large for a streamed test tensor of reasonable size")
    return n


@pytest.mark.parametrize("op", ["exp", "silu", "add", "mul_scalar"])
def test_streamed_elementwise_equals_plain(op):
    n = _big_numel(3 if op == "add" else 2)
    rng = np.random.default_rng(0)
    a = pynn.tensor(rng.standard_normal(n).astype(np.float32))
    b = pynn.tensor(rng.standard_normal(n).astype(np.float32))
    fn = {"exp": lambda x, y: x.exp(), "silu": lambda x, y: F.silu(x), "add": lambda x, y: x + y,
          "mul_scalar": lambda x, y: x * 1.5}[op]
    big = fn(a, b).numpy()
    for lo, hi in ((0, 1000), (n - 777, n)):
        np.testing.assert_array_equal(big[lo:hi], fn(a[lo:hi], b[lo:hi]).numpy())
    if op == "add":
        np.testing.assert_array_equal(big, a.numpy() + b.numpy())


def test_streamed_in_place_on_misaligned_view():
    n = _big_numel(2)
    x = np.random.default_rng(1).standard_normal(n + 3).astype(np.float32)
    t = pynn.tensor(x)
    t[3:].exp_()
    expected_head = pynn.tensor(x[3:1003]).exp().numpy()
    np.testing.assert_array_equal(t.numpy()[:3], x[:3])
    np.testing.assert_array_equal(t.numpy()[3:1003], expected_head)
    np.testing.assert_array_equal(t.numpy()[-500:], pynn.tensor(x[-500:]).exp().numpy())
