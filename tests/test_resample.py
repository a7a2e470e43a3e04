"""F.interpolate (nearest, nearest-exact, linear, bilinear, trilinear, bicubic, area; size or scale_factor,
align_corners, recompute_scale_factor), nn.Upsample and friends, F.pixel_shuffle / pixel_unshuffle and their
modules, and the padding modules: vs torch over sampled grids (forward and gradients), a plain numpy reference for
the index rules, float64 gradcheck and double backward, torch's errors and reprs."""
import itertools

import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from nn_testing import compare_forward_backward  # noqa: E402


def _check(pfn, tfn, x, rtol=1e-5, atol=1e-5, seed=0):
    p, t = pynn.tensor(x).requires_grad_(True), torch.tensor(x, requires_grad=True)
    po, to = pfn(p), tfn(t)
    assert_close(po, to.detach(), rtol=rtol, atol=atol)
    proj = np.random.default_rng(seed).standard_normal(tuple(to.shape)).astype(x.dtype)
    (po * pynn.tensor(proj)).sum().backward()
    (to * torch.tensor(proj)).sum().backward()
    assert_close(p.grad, t.grad, rtol=rtol, atol=atol)


def ref_linear_1d(x, out, align_corners):
    """numpy float64 reference of linear resampling along the last dim (torch's source-index rule)."""
    n = x.shape[-1]
    y = np.empty(x.shape[:-1] + (out,))
    for o in range(out):
        if align_corners:
            src = o * (n - 1) / (out - 1) if out > 1 else 0.0
        else:
            src = max((o + 0.5) * n / out - 0.5, 0.0)
        i0 = min(int(np.floor(src)), n - 1)
        i1 = i0 + (1 if i0 < n - 1 else 0)
        lam = min(max(src - i0, 0.0), 1.0)
        y[..., o] = (1 - lam) * x[..., i0] + lam * x[..., i1]
    return y


_SIZES = {3: [(4,), (9,), (3,)], 4: [(3, 5), (8, 8), (2, 7)], 5: [(3, 4, 5), (6, 2, 4)]}
_SCALES = {3: [2.0, 0.5, 1.7], 4: [2.0, (1.5, 0.75), 3.0], 5: [2.0, (0.5, 1.5, 1.25)]}
_MODES = {3: ["nearest", "nearest-exact", "linear", "area"], 4: ["nearest", "nearest-exact", "bilinear", "bicubic",
                                                                  "area"],
          5: ["nearest", "nearest-exact", "trilinear", "area"]}
_INPUTS = {3: (2, 3, 6), 4: (2, 2, 5, 6), 5: (1, 2, 4, 3, 5)}
_GRID = []
for _rank in (3, 4, 5):
    for _mode in _MODES[_rank]:
        corners = [None] if _mode in ("nearest", "nearest-exact", "area") else [False, True]
        for _ac in corners:
            for _size in _SIZES[_rank]:
                _GRID.append((_rank, _mode, _ac, _size, None, None))
            for _scale in _SCALES[_rank]:
                for _rec in (None, True):
                    _GRID.append((_rank, _mode, _ac, None, _scale, _rec))
_SAMPLE = [_GRID[i] for i in np.random.default_rng(51).choice(len(_GRID), 70, replace=False)]


@pytest.mark.parametrize("rank,mode,align_corners,size,scale,recompute", _SAMPLE)
def test_interpolate_vs_torch(rank, mode, align_corners, size, scale, recompute):
    x = np.random.default_rng(1).standard_normal(_INPUTS[rank]).astype(np.float32)
    kw = dict(size=size, scale_factor=scale, mode=mode, align_corners=align_corners, recompute_scale_factor=recompute)
    _check(lambda a: F.interpolate(a, **kw), lambda a: TF.interpolate(a, **kw), x)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
def test_interpolate_float64_and_odd_scales_match_torch_exactly(mode):
    x = np.random.default_rng(2).standard_normal((1, 2, 7, 9))
    kw = dict(mode=mode) if mode.startswith("nearest") else dict(mode=mode, align_corners=False)
    for scale in (1.3, 0.37, 2.6, (3.1, 0.7)):
        got = F.interpolate(pynn.tensor(x), scale_factor=scale, **kw).numpy()
        np.testing.assert_allclose(got, TF.interpolate(torch.tensor(x), scale_factor=scale, **kw).numpy(),
                                   rtol=1e-12, atol=1e-12)
    for size in ((13, 4), (7, 9), (1, 1), (14, 18)):
        got = F.interpolate(pynn.tensor(x), size=size, **kw).numpy()
        np.testing.assert_allclose(got, TF.interpolate(torch.tensor(x), size=size, **kw).numpy(),
                                   rtol=1e-12, atol=1e-12)


def test_linear_matches_reference():
    x = np.random.default_rng(3).standard_normal((2, 3, 7))
    for out, ac in itertools.product((3, 7, 12, 1), (False, True)):
        got = F.interpolate(pynn.tensor(x), size=out, mode="linear", align_corners=ac).numpy()
        np.testing.assert_allclose(got, ref_linear_1d(x, out, ac), rtol=1e-12, atol=1e-12)
    # nearest: output o reads floor(o * in / out)
    got = F.interpolate(pynn.tensor(x), size=5, mode="nearest").numpy()
    np.testing.assert_array_equal(got, x[..., [int(np.floor(o * 7 / 5)) for o in range(5)]])


def test_interpolate_noncontiguous_and_threads():
    x = np.random.default_rng(4).standard_normal((3, 4, 6, 5)).astype(np.float32)
    p, t = pynn.tensor(x).transpose(2, 3), torch.tensor(x).transpose(2, 3)
    assert_close(F.interpolate(p, scale_factor=2, mode="bilinear"), TF.interpolate(t, scale_factor=2, mode="bilinear"))
    before = pynn.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            pynn.set_num_threads(n)
            outs.append(F.interpolate(pynn.tensor(x), size=(11, 7), mode="bicubic").numpy())
    finally:
        pynn.set_num_threads(before)
    np.testing.assert_array_equal(outs[0], outs[1])


def test_interpolate_gradcheck_and_double_backward():
    rng = np.random.default_rng(5)
    x = pynn.tensor(rng.standard_normal((1, 2, 3, 4))).requires_grad_(True)
    for kw in (dict(size=(5, 3), mode="nearest"), dict(scale_factor=1.5, mode="bilinear"),
               dict(size=(4, 7), mode="bicubic", align_corners=True), dict(size=(6, 5), mode="nearest-exact")):
        pynn.autograd.gradcheck(lambda a: F.interpolate(a, **kw), (x,))
    x5 = pynn.tensor(rng.standard_normal((1, 1, 2, 3, 2))).requires_grad_(True)
    pynn.autograd.gradcheck(lambda a: F.interpolate(a, scale_factor=2, mode="trilinear"), (x5,))
    xa = rng.standard_normal((1, 2, 4, 3))
    for mode in ("nearest", "bilinear", "bicubic"):
        res = []
        for lib, fn in ((pynn, F), (torch, TF)):
            xt = lib.tensor(xa, requires_grad=True)
            (g,) = lib.autograd.grad((fn.interpolate(xt, size=(6, 5), mode=mode) ** 3).sum(), (xt,),
                                     create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), (xt,))
            res.append(gg.numpy())
        np.testing.assert_allclose(res[0], res[1], rtol=1e-9, atol=1e-9, err_msg=mode)


def test_interpolate_errors_torch_wording():
    x = pynn.randn(1, 2, 3, 3)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.interpolate(x, size=(2, 2, 2))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an explicit size"):
        F.interpolate(x, size=2, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(NotImplementedError, match=r"Only 3D, 4D and 5D input Tensors supported \(got 2D\)"):
        F.interpolate(pynn.randn(2, 3), size=3)
    with pytest.raises(RuntimeError, match=r"Input and output sizes should be greater than 0, but got input "
                                           r"\(W: 3\) and output \(W: 0\)"):
        F.interpolate(pynn.randn(1, 2, 3), scale_factor=0.1)
    with pytest.raises(RuntimeError, match=r"Non-empty 3D data tensor expected but got a tensor with sizes \[1, 0, 3\]"):
        F.interpolate(pynn.randn(1, 0, 3), size=3)


@pytest.mark.parametrize("cls,args,kwargs,shape", [
    ("Upsample", (), dict(scale_factor=2), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=(5, 7), mode="bilinear"), (2, 2, 3, 4)),
    ("Upsample", (), dict(scale_factor=(2, 1.5, 1), mode="trilinear", align_corners=True), (1, 2, 2, 3, 4)),
    ("Upsample", (), dict(size=9, mode="linear"), (2, 3, 4)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), (1, 1, 2, 3)),
    ("UpsamplingBilinear2d", (), dict(size=(4, 6)), (1, 2, 3, 3)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    ("PixelShuffle", (3,), {}, (9, 2, 3)),
    ("PixelUnshuffle", (2,), {}, (2, 3, 4, 6)),
    ("ConstantPad1d", (2, 3.5), {}, (2, 3, 4)),
    ("ConstantPad2d", ((1, 0, 2, -1), -1.0), {}, (2, 3, 4)),
    ("ConstantPad3d", (1, 0.5), {}, (1, 2, 2, 3, 2)),
    ("ZeroPad1d", ((1, 2),), {}, (3, 4)),
    ("ZeroPad2d", (1,), {}, (1, 2, 3, 4)),
    ("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), {}, (1, 2, 2, 3, 2)),
    ("ReflectionPad1d", (2,), {}, (2, 3, 4)),
    ("ReflectionPad2d", ((1, 2, 0, 1),), {}, (2, 3, 4)),
    ("ReflectionPad3d", (1,), {}, (1, 2, 2, 3, 2)),
    ("ReplicationPad1d", ((3, 1),), {}, (2, 3, 4)),
    ("ReplicationPad2d", (2,), {}, (1, 2, 3, 4)),
    ("ReplicationPad3d", ((1, 2, 0, 1, 1, 0),), {}, (2, 2, 3, 2)),
    ("CircularPad1d", (2,), {}, (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 2, 1),), {}, (1, 2, 3, 4)),
    ("CircularPad3d", (1,), {}, (1, 2, 2, 3, 2)),
])
def test_modules_vs_torch(cls, args, kwargs, shape):
    pm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(pm) == repr(tm)
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    compare_forward_backward(pm, tm, x, rtol=1e-5, atol=1e-5)


def test_pixel_shuffle_roundtrip_gradcheck_and_errors():
    x = np.random.default_rng(7).standard_normal((2, 3, 8, 4, 6))  # extra leading dims
    y = F.pixel_shuffle(pynn.tensor(x), 2)
    np.testing.assert_array_equal(y.numpy(), TF.pixel_shuffle(torch.tensor(x), 2).numpy())
    np.testing.assert_array_equal(F.pixel_unshuffle(y, 2).numpy(), x)
    leaf = pynn.tensor(x[0, :, :, :2, :2]).requires_grad_(True)
    pynn.autograd.gradcheck(lambda a: F.pixel_shuffle(a, 2), (leaf,))
    with pytest.raises(RuntimeError, match="pixel_shuffle expects its input's 'channel' dimension to be divisible by "
                                           r"the square of upscale_factor, but input.size\(-3\)=3 is not divisible by 4"):
        F.pixel_shuffle(pynn.randn(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                                           r"input.size\(-2\)=3 is not divisible by 2"):
        F.pixel_unshuffle(pynn.randn(1, 3, 3, 2), 2)
    with pytest.raises(RuntimeError, match="pixel_shuffle expects input to have at least 3 dimensions, but got input "
                                           r"with 2 dimension\(s\)"):
        F.pixel_shuffle(pynn.randn(3, 2), 2)


def test_tutorial_unet_style_decoder():
    """An encoder-decoder as the tutorials write it: pool down, upsample / transposed conv up, concatenate."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.down = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect"), nn.ReLU(), nn.MaxPool2d(2))
            self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
            self.out = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(11, 4, 3), nn.PixelShuffle(2))

        def forward(self, x):
            return self.out(pynn.cat([self.up(self.down(x)), x], dim=1))

    y = Net()(pynn.randn(2, 3, 8, 8))
    assert tuple(y.shape) == (2, 1, 16, 16)
    y.sum().backward()
