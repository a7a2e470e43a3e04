"""InstanceNorm1d/2d/3d (F.instance_norm), LocalResponseNorm (F.local_response_norm), PairwiseDistance /
CosineSimilarity (F.pairwise_distance) vs torch in train and eval mode (running statistics over several steps,
state_dict round trips with torch's keys), a numpy reference, float64 gradcheck and double backward, errors."""
import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from nn_testing import compare_forward_backward, copy_state  # noqa: E402


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def ref_instance_norm(x, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm1d", (4, 9)),
                                       ("InstanceNorm2d", (2, 4, 5, 6)), ("InstanceNorm2d", (4, 3, 3)),
                                       ("InstanceNorm3d", (2, 4, 3, 4, 2))])
@pytest.mark.parametrize("affine,track", [(False, False), (True, False), (False, True), (True, True)])
def test_instance_norm_modules_train_eval_vs_torch(cls, shape, affine, track):
    pm = getattr(nn, cls)(4, affine=affine, track_running_stats=track, momentum=0.3)
    tm = getattr(torch.nn, cls)(4, affine=affine, track_running_stats=track, momentum=0.3)
    assert repr(pm) == repr(tm)
    if affine:
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
            tm.bias.uniform_(-0.5, 0.5)
    copy_state(pm, tm)
    for step in range(3):
        x = _rand(*shape, seed=step) * (step + 1) + step
        compare_forward_backward(pm, tm, x, rtol=1e-4, atol=1e-5, seed=step)
    if track:
        assert_close(pm.running_mean, tm.running_mean, rtol=1e-5, atol=1e-6)
        assert_close(pm.running_var, tm.running_var, rtol=1e-5, atol=1e-6)
        assert int(pm.num_batches_tracked) == int(tm.num_batches_tracked)
    assert sorted(pm.state_dict()) == sorted(tm.state_dict())
    pm.eval()
    tm.eval()
    compare_forward_backward(pm, tm, _rand(*shape, seed=9), rtol=1e-4, atol=1e-5)


def test_instance_norm_functional_matches_reference_and_gradchecks():
    x = _rand(3, 4, 5, 6).astype(np.float64)
    np.testing.assert_allclose(F.instance_norm(pynn.tensor(x)).numpy(), ref_instance_norm(x), rtol=1e-10,
                               atol=1e-10)
    rng = np.random.default_rng(1)
    xp = pynn.tensor(rng.standard_normal((2, 3, 4))).requires_grad_(True)
    w = pynn.tensor(rng.uniform(0.5, 1.5, 3)).requires_grad_(True)
    b = pynn.tensor(rng.standard_normal(3)).requires_grad_(True)
    pynn.autograd.gradcheck(lambda x, w, b: F.instance_norm(x, None, None, w, b), (xp, w, b))
    res = []
    for lib, fn in ((pynn, F), (torch, TF)):
        xt = lib.tensor(xp.detach().numpy(), requires_grad=True)
        (g,) = lib.autograd.grad((fn.instance_norm(xt) ** 3).sum(), (xt,), create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), (xt,))
        res.append(gg.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-8, atol=1e-8)


def test_instance_norm_errors():
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(pynn.randn(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(pynn.randn(3, 4))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(pynn.randn(2, 4, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(pynn.randn(2, 4, 5))


@pytest.mark.parametrize("shape,size,kw", [((2, 5, 7), 3, {}), ((2, 6, 4, 5), 2, dict(alpha=1e-2, beta=0.5, k=2.0)),
                                           ((1, 4, 3, 2, 3), 5, dict(alpha=0.1)), ((3, 3, 4, 4), 1, {})])
def test_local_response_norm_vs_torch(shape, size, kw):
    pm, tm = nn.LocalResponseNorm(size, **kw), torch.nn.LocalResponseNorm(size, **kw)
    assert repr(pm) == repr(tm)
    compare_forward_backward(pm, tm, _rand(*shape, seed=size), rtol=1e-5, atol=1e-6)
    leaf = pynn.tensor(_rand(*shape[:3], seed=1).astype(np.float64)).requires_grad_(True)
    pynn.autograd.gradcheck(lambda a: F.local_response_norm(a, size, **kw), (leaf,))
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality"):
        F.local_response_norm(pynn.randn(2, 3), 2)


@pytest.mark.parametrize("p,keepdim,shapes", [(2.0, False, ((4, 5), (4, 5))), (1.0, True, ((3, 4), (1, 4))),
                                              (3.0, False, ((2, 3, 6), (6,))), (float("inf"), False, ((5, 3), (5, 3))),
                                              (0.5, True, ((7,), (7,)))])
def test_pairwise_distance_vs_torch(p, keepdim, shapes):
    a, b = _rand(*shapes[0], seed=1), _rand(*shapes[1], seed=2)
    pm, tm = nn.PairwiseDistance(p, keepdim=keepdim), torch.nn.PairwiseDistance(p, keepdim=keepdim)
    assert repr(pm) == repr(tm)
    pa, pb = pynn.tensor(a).requires_grad_(True), pynn.tensor(b).requires_grad_(True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    po, to = pm(pa, pb), tm(ta, tb)
    assert_close(po, to.detach(), rtol=1e-5, atol=1e-6)
    po.sum().backward()
    to.sum().backward()
    assert_close(pa.grad, ta.grad, rtol=1e-4, atol=1e-5)
    assert_close(pb.grad, tb.grad, rtol=1e-4, atol=1e-5)
    la = pynn.tensor(a.astype(np.float64)).requires_grad_(True)
    lb = pynn.tensor(np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape)).astype(np.float64)).requires_grad_(True)
    if np.isfinite(p):
        pynn.autograd.gradcheck(lambda x, y: F.pairwise_distance(x, y, p, 1e-6, keepdim), (la, lb))


def test_cosine_similarity_module_vs_torch():
    for dim, shapes in ((1, ((4, 5), (4, 5))), (0, ((3, 2), (3, 1))), (-1, ((2, 3, 4), (2, 3, 4)))):
        pm, tm = nn.CosineSimilarity(dim), torch.nn.CosineSimilarity(dim)
        assert repr(pm) == repr(tm)
        a, b = _rand(*shapes[0], seed=3), _rand(*shapes[1], seed=4)
        assert_close(pm(pynn.tensor(a), pynn.tensor(b)), tm(torch.tensor(a), torch.tensor(b)), rtol=1e-5, atol=1e-6)


def test_tutorial_style_transfer_block():
    """The style-transfer residual block written with InstanceNorm2d and reflection padding."""
    block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(8, 8, 3), nn.InstanceNorm2d(8, affine=True), nn.ReLU(),
                          nn.ReflectionPad2d(1), nn.Conv2d(8, 8, 3), nn.InstanceNorm2d(8, affine=True))
    tblock = torch.nn.Sequential(torch.nn.ReflectionPad2d(1), torch.nn.Conv2d(8, 8, 3),
                                 torch.nn.InstanceNorm2d(8, affine=True), torch.nn.ReLU(), torch.nn.ReflectionPad2d(1),
                                 torch.nn.Conv2d(8, 8, 3), torch.nn.InstanceNorm2d(8, affine=True))
    copy_state(block, tblock)
    compare_forward_backward(block, tblock, _rand(2, 8, 6, 6), rtol=1e-4, atol=1e-4)  # weight gradients reach ~20: float32 sums differ by ~1e-6 of that
