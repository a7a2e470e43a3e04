"""nn.functional.grid_sample against torch: every mode x padding x align_corners on 4-D inputs (and bilinear /
nearest on 5-D), points inside, outside and on pixel centres, input and grid gradients compared with torch's and
float64 gradcheck, non-finite grids, float32, an STN-style affine_grid + grid_sample step, and torch's errors."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import pynn
import pynn.nn.functional as F
from pynn.autograd import gradcheck

TF = torch.nn.functional
MODES_2D = list(itertools.product(["bilinear", "nearest", "bicubic"], ["zeros", "border", "reflection"], [False, True]))
MODES_3D = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"], [False, True]))


def _inputs(shape_x, shape_g, seed, dtype="float64"):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape_x).astype(dtype)
    g = rng.uniform(-1.4, 1.4, shape_g).astype(dtype)
    return x, g


def _compare(x, g, mode, pad, ac, rtol=1e-10, atol=1e-12):
    px, pg = pynn.tensor(x, requires_grad=True), pynn.tensor(g, requires_grad=True)
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    py = F.grid_sample(px, pg, mode, pad, ac)
    ty = TF.grid_sample(tx, tg, mode, pad, ac)
    np.testing.assert_allclose(py.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(7).standard_normal(tuple(ty.shape)).astype(x.dtype)
    (py * pynn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(px.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(pg.grad.numpy(), tg.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("mode,pad,ac", MODES_2D)
def test_grid_sample_2d_matches_torch(mode, pad, ac):
    x, g = _inputs((2, 3, 5, 6), (2, 4, 7, 2), seed=len(mode) + len(pad) + ac)
    _compare(x, g, mode, pad, ac)


@pytest.mark.parametrize("mode,pad,ac", MODES_3D)
def test_grid_sample_3d_matches_torch(mode, pad, ac):
    x, g = _inputs((2, 2, 4, 5, 3), (2, 3, 2, 4, 3), seed=len(mode) * len(pad) + ac)
    _compare(x, g, mode, pad, ac)


def test_pixel_centres_reproduce_the_input_and_float32():
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    theta = pynn.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    for ac in (False, True):
        grid = F.affine_grid(theta, [1, 1, 3, 4], align_corners=ac)
        for mode in ("bilinear", "nearest", "bicubic"):
            out = F.grid_sample(pynn.tensor(x), grid, mode, "zeros", ac)
            np.testing.assert_allclose(out.numpy(), x, atol=1e-5)
    x32, g32 = _inputs((2, 4, 9, 8), (2, 5, 6, 2), seed=3, dtype="float32")
    for mode, pad, ac in MODES_2D[::2]:
        _compare(x32, g32, mode, pad, ac, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_gradcheck(mode):
    x, g = _inputs((1, 2, 4, 3), (1, 3, 2, 2), seed=11)
    # keep grid points away from pixel edges, where the gradient in the grid jumps
    px = pynn.tensor(x, requires_grad=True)
    pg = pynn.tensor(g * 0.9 + 0.013, requires_grad=mode != "nearest")
    for pad in ("zeros", "reflection"):
        assert gradcheck(lambda a, b: F.grid_sample(a, b, mode, pad, False), (px, pg))
    x3, g3 = _inputs((1, 1, 3, 3, 2), (1, 2, 2, 1, 3), seed=12)
    if mode != "bicubic":
        assert gradcheck(lambda a, b: F.grid_sample(a, b, mode, "border", True),
                         (pynn.tensor(x3, requires_grad=True), pynn.tensor(g3 * 0.9 + 0.011, requires_grad=True)))


def test_non_finite_and_far_grid_points():
    x = np.ones((1, 1, 3, 3))
    g = np.array([[[[np.nan, 0.0], [np.inf, 0.0], [-np.inf, 0.5], [1e30, 0.0], [0.2, -0.3]]]])
    for mode, pad, ac in MODES_2D:
        got = F.grid_sample(pynn.tensor(x), pynn.tensor(g), mode, pad, ac).numpy()
        want = TF.grid_sample(torch.tensor(x), torch.tensor(g), mode, pad, ac).numpy()
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=f"{mode} {pad} {ac}")


def test_spatial_transformer_step_trains():
    pynn.manual_seed(0)
    loc = pynn.nn.Linear(16, 6)
    with pynn.no_grad():
        loc.weight.zero_()
        loc.bias.copy_(pynn.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
    x = pynn.randn(4, 1, 8, 8)
    target = pynn.randn(4, 1, 8, 8)
    opt = pynn.optim.SGD(loc.parameters(), lr=0.01)
    losses, grads = [], []
    for _ in range(5):
        theta = loc(x.reshape(4, -1)[:, :16]).view(-1, 2, 3)
        out = F.grid_sample(x, F.affine_grid(theta, list(x.shape), align_corners=False), align_corners=False)
        loss = F.mse_loss(out, target)
        opt.zero_grad()
        loss.backward()
        grads.append(float(loc.weight.grad.abs().sum()))
        opt.step()
        losses.append(float(loss))
    assert min(grads) > 0 and losses[-1] < losses[0]


def test_errors_match_torch():
    ones = lambda *s, **k: (pynn.ones(*s, **k), torch.ones(*s, **k))  # noqa: E731
    cases = [
        (ones(1, 1, 0, 2), ones(1, 2, 2, 2), {}),
        (ones(2, 1, 2, 2), ones(1, 2, 2, 2), {}),
        (ones(1, 1, 2, 2), ones(1, 2, 2, 3), {}),
        (ones(1, 1, 2, 2, 2), ones(1, 2, 2, 2, 3), {"mode": "bicubic"}),
    ]
    for (px, tx), (pg, tg), kw in cases:
        with pytest.raises(RuntimeError) as want:
            TF.grid_sample(tx, tg, align_corners=False, **kw)
        with pytest.raises(RuntimeError) as got:
            F.grid_sample(px, pg, align_corners=False, **kw)
        assert str(want.value) in str(got.value)
    with pytest.raises(RuntimeError, match="4D or 5D input"):
        F.grid_sample(pynn.ones(1, 1, 2, 2), pynn.ones(1, 2, 2, 2, 2), align_corners=False)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        F.grid_sample(pynn.ones(1, 1, 2, 2), pynn.ones(1, 2, 2, 2, dtype=pynn.float64), align_corners=False)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.grid_sample(pynn.ones(1, 1, 2, 2, dtype=pynn.int64), pynn.ones(1, 2, 2, 2, dtype=pynn.int64),
                      align_corners=False)
    for kw, msg in (({"mode": "foo"}, "expected mode"), ({"padding_mode": "foo"}, "expected padding_mode")):
        with pytest.raises(ValueError, match=msg):
            F.grid_sample(pynn.ones(1, 1, 2, 2), pynn.ones(1, 2, 2, 2), align_corners=False, **kw)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(pynn.ones(1, 1, 2, 2), pynn.zeros(1, 2, 2, 2))
    assert tuple(F.grid_sample(pynn.ones(0, 1, 2, 2), pynn.ones(0, 2, 2, 2), align_corners=False).shape) == (0, 1, 2, 2)
