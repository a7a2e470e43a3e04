"""max / avg / adaptive pooling (1-d and 2-d) and their modules vs torch over a sampled grid, vs a plain numpy
reference, float64 gradcheck and double backward, torch's errors, and the tutorial shapes."""
import itertools
import os
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def ref_max_pool2d(x, k, s, p, d):
    """Direct max pooling with -inf padding, numpy: values and in-plane argmax positions."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = _pair(k), _pair(s), _pair(p), _pair(d)
    n, c, h, w = x.shape
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.full((n, c, oh, ow), -np.inf)
    idx = np.zeros((n, c, oh, ow), dtype=np.int64)
    for oy in range(oh):
        for ox in range(ow):
            for i in range(kh):
                for j in range(kw):
                    iy, ix = oy * sh - ph + i * dh, ox * sw - pw + j * dw
                    if 0 <= iy < h and 0 <= ix < w:
                        v = x[:, :, iy, ix]
                        better = v > out[:, :, oy, ox]
                        out[:, :, oy, ox] = np.where(better, v, out[:, :, oy, ox])
                        idx[:, :, oy, ox] = np.where(better, iy * w + ix, idx[:, :, oy, ox])
    return out, idx


def _leaves(a):
    return pynn.tensor(a).requires_grad_(True), torch.tensor(a, requires_grad=True)


def _check(pfn, tfn, a, rtol=1e-4, atol=1e-5):
    p, t = _leaves(a)
    po, to = pfn(p), tfn(t)
    po_v, to_v = (po[0], to[0]) if isinstance(po, tuple) else (po, to)
    assert_close(po_v, to_v.detach(), rtol=rtol, atol=atol)
    if isinstance(po, tuple):
        assert_close(po[1], to[1])
    proj = np.random.default_rng(1).standard_normal(tuple(to_v.shape)).astype(a.dtype)
    (po_v * pynn.tensor(proj)).sum().backward()
    (to_v * torch.tensor(proj)).sum().backward()
    assert_close(p.grad, t.grad, rtol=rtol, atol=atol)


_MAX_GRID = list(itertools.product([(2, 3, 7, 8), (1, 2, 6, 5), (4, 9, 9)], [2, 3, (3, 2)], [None, 1, 2, (2, 1)],
                                   [0, 1], [1, 2], [False, True]))
_MAX_SAMPLE = [_MAX_GRID[i] for i in np.random.default_rng(5).choice(len(_MAX_GRID), 30, replace=False)]


@pytest.mark.parametrize("shape,k,s,p,d,ceil", _MAX_SAMPLE)
def test_max_pool2d_grid(shape, k, s, p, d, ceil):
    if any(p > ((kk - 1) * d + 1) // 2 for kk in _pair(k)):
        pytest.skip("padding above half the kernel")
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    _check(lambda x: F.max_pool2d(x, k, s, p, d, ceil, return_indices=True),
           lambda x: TF.max_pool2d(x, k, s, p, d, ceil, return_indices=True), a)


def test_max_pool2d_matches_reference():
    x = np.random.default_rng(2).standard_normal((2, 3, 9, 8))
    for k, s, p, d in [(2, 2, 0, 1), (3, 2, 1, 1), ((3, 2), (1, 2), (1, 1), (2, 1))]:
        out, idx = F.max_pool2d(pynn.tensor(x), k, s, p, d, return_indices=True)
        e_out, e_idx = ref_max_pool2d(x, k, s, p, d)
        np.testing.assert_array_equal(out.numpy(), e_out)
        np.testing.assert_array_equal(idx.numpy(), e_idx)


def test_max_pool2d_nan_and_ties_like_torch():
    a = np.array([[[[1.0, 1.0, np.nan, 0.0], [1.0, 1.0, 2.0, 2.0]]]], dtype=np.float32)
    p, t = F.max_pool2d(pynn.tensor(a), 2, return_indices=True), TF.max_pool2d(torch.tensor(a), 2, return_indices=True)
    assert_close(p[0], t[0])
    assert_close(p[1], t[1])


_AVG_GRID = list(itertools.product([(2, 3, 7, 8), (5, 6, 5)], [2, 3, (3, 2)], [None, 1, 2], [0, 1], [False, True],
                                   [True, False], [None, 3]))
_AVG_SAMPLE = [_AVG_GRID[i] for i in np.random.default_rng(6).choice(len(_AVG_GRID), 24, replace=False)]


@pytest.mark.parametrize("shape,k,s,p,ceil,include_pad,divisor", _AVG_SAMPLE)
def test_avg_pool2d_grid(shape, k, s, p, ceil, include_pad, divisor):
    if any(p > kk // 2 for kk in _pair(k)):
        pytest.skip("padding above half the kernel")
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    _check(lambda x: F.avg_pool2d(x, k, s, p, ceil, include_pad, divisor),
           lambda x: TF.avg_pool2d(x, k, s, p, ceil, include_pad, divisor), a)


@pytest.mark.parametrize("shape,out", [((2, 3, 7, 9), (3, 4)), ((2, 3, 5, 5), 1), ((3, 8, 6), (4, None)),
                                       ((1, 2, 4, 4), (6, 5)), ((2, 2, 6, 6), (1, 1))])
def test_adaptive_pool2d(shape, out):
    a = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    _check(lambda x: F.adaptive_avg_pool2d(x, out), lambda x: TF.adaptive_avg_pool2d(x, out), a)
    _check(lambda x: F.adaptive_max_pool2d(x, out, True), lambda x: TF.adaptive_max_pool2d(x, out, True), a)


def test_pool1d():
    a = np.random.default_rng(4).standard_normal((2, 3, 11)).astype(np.float32)
    _check(lambda x: F.max_pool1d(x, 3, 2, 1, 2, True, True), lambda x: TF.max_pool1d(x, 3, 2, 1, 2, True, True), a)
    _check(lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), lambda x: TF.avg_pool1d(x, 3, 2, 1, True, False), a)
    _check(lambda x: F.adaptive_avg_pool1d(x, 4), lambda x: TF.adaptive_avg_pool1d(x, 4), a)
    _check(lambda x: F.adaptive_max_pool1d(x, 4, True), lambda x: TF.adaptive_max_pool1d(x, 4, True), a)
    _check(lambda x: F.max_pool1d(x, 2), lambda x: TF.max_pool1d(x, 2), a[0])


def test_noncontiguous_input():
    a = np.random.default_rng(7).standard_normal((2, 3, 8, 6)).astype(np.float32)
    _check(lambda x: F.max_pool2d(x.transpose(2, 3), 2), lambda x: TF.max_pool2d(x.transpose(2, 3), 2), a)
    _check(lambda x: F.avg_pool2d(x.transpose(1, 3), 3, 1, 1), lambda x: TF.avg_pool2d(x.transpose(1, 3), 3, 1, 1), a)


def test_gradcheck_and_double_backward():
    rng = np.random.default_rng(8)
    x = pynn.tensor(rng.standard_normal((2, 2, 5, 6))).requires_grad_(True)
    pynn.autograd.gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))
    pynn.autograd.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, True, False), (x,))
    pynn.autograd.gradcheck(lambda x: F.adaptive_avg_pool2d(x, (2, 4)), (x,))
    pynn.autograd.gradcheck(lambda x: F.adaptive_max_pool2d(x, (3, 2)), (x,))
    xa = rng.standard_normal((2, 2, 6, 6))
    for name, args in [("max_pool2d", (2,)), ("avg_pool2d", (3, 2, 1)), ("adaptive_avg_pool2d", ((4, 3),)),
                       ("adaptive_max_pool2d", ((4, 3),))]:
        res = []
        for lib, fn in ((pynn, F), (torch, TF)):
            xt = lib.tensor(xa, requires_grad=True)
            out = getattr(fn, name)(xt, *args)
            (g,) = lib.autograd.grad((out * out * out).sum(), (xt,), create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), (xt,))
            res.append(gg.numpy())
        np.testing.assert_allclose(res[0], res[1], rtol=1e-9, atol=1e-9, err_msg=name)


def _err(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_pool_errors_torch_wording():
    x = pynn.randn(2, 3, 5, 5)
    _err(lambda: F.max_pool2d(x, 2, padding=2),
         "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and dilation=1")
    _err(lambda: F.max_pool2d(x, 7), r"Given input size: \(3x5x5\). Calculated output size: \(3x0x0\). Output size is "
         r"too small")
    _err(lambda: F.max_pool2d(x, 2, stride=0), "stride should not be zero")
    _err(lambda: F.max_pool2d(pynn.randn(5), 2), r"Expected 3D or 4D \(batch mode\) tensor")
    _err(lambda: F.max_pool2d(pynn.randn(2, 0, 4, 4), 2), r"Expected 3D or 4D \(batch mode\) tensor with optional 0 "
         r"dim batch size for input, but got:\[2, 0, 4, 4\]")
    _err(lambda: F.avg_pool2d(x, 2, padding=2), "pad should be at most half of effective kernel size")
    _err(lambda: F.avg_pool2d(x, 2, divisor_override=0), "divisor must be not zero")
    _err(lambda: F.adaptive_avg_pool2d(pynn.randn(5, 5), 2), r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor")
    _err(lambda: F.adaptive_max_pool2d(pynn.randn(5, 5), 2), r"adaptive_max_pool2d\(\): Expected 3D or 4D tensor")
    _err(lambda: F.max_pool2d(x, 2, dilation=0), "dilation should be greater than zero")
    _err(lambda: F.max_pool2d(x, (2, 2, 2)), "kernel_size must either be a single int, or a tuple of two ints")
    assert tuple(F.max_pool2d(pynn.randn(0, 3, 4, 4), 2).shape) == (0, 3, 2, 2)


@pytest.mark.parametrize("cls,args", [
    ("MaxPool2d", (2, 2)), ("MaxPool2d", (3, 1, 1, 2, True, True)), ("AvgPool2d", (2,)),
    ("AvgPool2d", (3, 2, 1, True, False, 2)), ("AdaptiveAvgPool2d", ((1, 1),)), ("AdaptiveMaxPool2d", (3, True)),
    ("MaxPool1d", (2,)), ("AvgPool1d", (3,)), ("AdaptiveAvgPool1d", (4,)), ("AdaptiveMaxPool1d", (2,)),
])
def test_modules_repr_and_forward(cls, args):
    pm, tm = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(pm) == repr(tm)
    shape = (2, 3, 9) if cls.endswith("1d") else (2, 3, 9, 8)
    a = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    _check(pm, tm, a)


def test_tutorial_cnn_trains():
    """The CIFAR-style CNN of the tutorials runs and learns (loss drops) with pynn alone."""
    pynn.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(16, 4))
    x, y = pynn.randn(16, 3, 8, 8), pynn.randint(0, 4, (16,))
    opt = pynn.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool2d_row_fast_path_matches_reference(dtype):
    """Windows fully inside the input (no padding / dilation / partial ceil_mode window) take the row kernel; the
    others the window walk. Both equal the reference, NaNs and ties included, values and indices."""
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 3, 11, 13)).astype(dtype)
    x[0, 0, 1, 2] = np.nan
    x[1, 2, 4:6, 4:6] = 0.5  # a tied window
    x[1, 1, 2, 3] = x[1, 1, 2, 2] = np.nan
    for k, s in [(2, 2), (3, 2), ((2, 3), (1, 3)), (3, 1), ((1, 4), (1, 4)), (11, 1), ((3, 3), (4, 2))]:
        out, idx = F.max_pool2d(pynn.tensor(x), k, s, 0, 1, return_indices=True)
        e_out, e_idx = ref_max_pool2d(x.astype(np.float64), k, s, 0, 1)
        t_out, t_idx = TF.max_pool2d(torch.tensor(x), k, s, 0, 1, return_indices=True)
        np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
        np.testing.assert_array_equal(out.numpy(), t_out.numpy())
        finite = np.isfinite(e_out) & ~np.isnan(out.numpy())
        np.testing.assert_array_equal(out.numpy()[finite], e_out[finite])
        np.testing.assert_array_equal(idx.numpy()[finite], e_idx[finite])
    # ceil_mode with a partial last window (walk) and without one (rows) agree with torch
    for w in (12, 13):
        a = rng.standard_normal((2, 2, 6, w)).astype(dtype)
        p, t = (F.max_pool2d(pynn.tensor(a), 2, 2, 0, 1, True, True),
                TF.max_pool2d(torch.tensor(a), 2, 2, 0, 1, True, True))
        np.testing.assert_array_equal(p[0].numpy(), t[0].numpy())
        np.testing.assert_array_equal(p[1].numpy(), t[1].numpy())
    a = rng.standard_normal((3, 4, 17)).astype(dtype)
    np.testing.assert_array_equal(F.max_pool1d(pynn.tensor(a), 3, 2).numpy(), TF.max_pool1d(torch.tensor(a), 3, 2).numpy())


@pytest.mark.parametrize("cap", ["default", "avx2", "avx512"])
def test_max_pool2d_row_fast_path_every_capability(cap):
    supported = pynn._C._cpu_capability()
    caps = ["default", "avx2", "avx512"]
    if caps.index(cap) > caps.index(supported):
        pytest.skip(f"this CPU does not support {cap}")
    code = ("import numpy as np, pynn, sys; x = np.random.default_rng(3).standard_normal((4, 5, 16, 18));"
            "x[0, 0, 3, 3] = np.nan; o, i = pynn.nn.functional.max_pool2d(pynn.tensor(x.astype(np.float32)), 2,"
            " return_indices=True); np.save(sys.argv[1], np.stack([o.numpy().astype(np.float64), i.numpy()]))")
    root = os.path.dirname(os.path.dirname(os.path.abspath(pynn.__file__)))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.npy")
        subprocess.run([sys.executable, "-c", code, path], check=True,
                       env=dict(os.environ, PYNN_CPU_CAPABILITY=cap, PYTHONPATH=root))
        got = np.load(path)
    x = np.random.default_rng(3).standard_normal((4, 5, 16, 18))
    x[0, 0, 3, 3] = np.nan
    t_out, t_idx = TF.max_pool2d(torch.tensor(x.astype(np.float32)), 2, return_indices=True)
    np.testing.assert_array_equal(got[0], t_out.numpy().astype(np.float64))
    np.testing.assert_array_equal(got[1], t_idx.numpy())
