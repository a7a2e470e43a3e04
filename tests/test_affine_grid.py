"""nn.functional.affine_grid against torch: 2-D and 3-D grids, both align_corners, unit and odd sizes, theta's
gradient (float64 gradcheck) and torch's errors and warnings."""
import warnings

import numpy as np
import pytest
import torch

import pynn
import pynn.nn.functional as F
from pynn.autograd import gradcheck


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (1, 1, 1, 7), (3, 2, 6, 1), (2, 1, 3, 4, 5), (1, 2, 1, 2, 3)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(size, align_corners):
    rng = np.random.default_rng(len(size) * 10 + size[-1])
    theta = rng.standard_normal((size[0], 2, 3) if len(size) == 4 else (size[0], 3, 4)).astype("float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unit-size warning, checked below
        got = F.affine_grid(pynn.tensor(theta), size, align_corners=align_corners)
        want = torch.nn.functional.affine_grid(torch.tensor(theta), size, align_corners=align_corners)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_affine_grid_identity_and_gradient():
    eye = pynn.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=pynn.float64)
    grid = F.affine_grid(eye, [1, 1, 3, 3], align_corners=True)
    assert grid[0, 0, 0].tolist() == [-1.0, -1.0] and grid[0, 2, 1].tolist() == [0.0, 1.0]
    theta = pynn.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, [2, 1, 2, 3, 2], align_corners=False), (theta,))
    theta2 = pynn.tensor(np.random.default_rng(1).standard_normal((2, 2, 3)), requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, [2, 3, 4, 3], align_corners=True), (theta2,))


def test_affine_grid_errors_and_warnings():
    cases = [
        (pynn.ones(1, 2, 3, dtype=pynn.int64), [1, 1, 2, 2], ValueError),
        (pynn.ones(1, 3, 3), [1, 1, 2, 2], ValueError),
        (pynn.ones(1, 2, 3), [1, 1, 2, 2, 2], ValueError),
        (pynn.ones(1, 2, 3), [1, 1, 2], NotImplementedError),
        (pynn.ones(1, 2, 3), [1, 1, 0, 2], ValueError),
    ]
    for theta, size, exc in cases:
        with pytest.raises(exc) as got:
            F.affine_grid(theta, size, align_corners=False)
        with pytest.raises(exc) as want:
            torch.nn.functional.affine_grid(torch.tensor(theta.numpy()), size, align_corners=False)
        assert str(got.value).replace("pynn", "torch") == str(want.value), size
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(pynn.ones(1, 2, 3), [1, 1, 2, 2])
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(pynn.ones(1, 2, 3), [1, 1, 1, 2], align_corners=True)
