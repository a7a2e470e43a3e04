"""Normalization layers (BatchNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm and their functionals) against torch:
forward, input and parameter gradients, running statistics and num_batches_tracked over several training steps,
eval mode, state_dict keys and round trips, float64 gradcheck and gradgradcheck of the fused backward ops,
torch's errors, the tutorials' snippets."""
import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

from conftest import assert_close
from nn_testing import copy_state, to_pynn
from test_nn_kernels import gradgradcheck

torch = pytest.importorskip("torch")
F = torch.nn.functional


def arr(*shape, dtype="float32", seed=0, scale=1.0, shift=0.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale + shift).astype(dtype)


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-11)


def randomize_affine(tm, seed=7):
    """Non-trivial weight and bias in the torch module (copied to pynn afterwards)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.5 + 1.0)


def step(pm, tm, x_np, seed):
    """One forward + backward of a random projection on both modules; compares output and gradients."""
    xp = pynn.tensor(x_np, requires_grad=True)
    xt = torch.tensor(x_np, requires_grad=True)
    op, ot = pm(xp), tm(xt)
    t = tol(x_np.dtype.name)
    assert_close(op, ot, **t)
    proj = arr(*ot.shape, dtype=x_np.dtype.name, seed=seed)
    (op * pynn.tensor(proj)).sum().backward()
    (ot * torch.tensor(proj)).sum().backward()
    assert_close(xp.grad, xt.grad, **t)
    tp = dict(tm.named_parameters())
    for name, p in pm.named_parameters():
        assert_close(p.grad, tp[name].grad, **t)
        p.grad = None
        tp[name].grad = None


def compare_buffers(pm, tm, dtype):
    pb, tb = dict(pm.named_buffers()), dict(tm.named_buffers())
    assert sorted(pb) == sorted(tb)
    for k in tb:
        assert_close(pb[k], tb[k], **tol(dtype))


# ---------------------------------------------------------------------------------------------------------
# BatchNorm modules

BN_CASES = [
    ("BatchNorm1d", (8, 5), {}),
    ("BatchNorm1d", (4, 5, 7), {"momentum": None}),
    ("BatchNorm1d", (6, 3), {"affine": False, "eps": 1e-3}),
    ("BatchNorm2d", (4, 3, 5, 6), {"momentum": 0.3}),
    ("BatchNorm2d", (3, 4, 2, 3), {"track_running_stats": False}),
    ("BatchNorm2d", (2, 3, 4, 4), {"bias": False, "momentum": None}),
    ("BatchNorm3d", (2, 3, 2, 3, 4), {}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,kw", BN_CASES)
def test_batchnorm_train_steps_then_eval(name, shape, kw, dtype):
    tm = getattr(torch.nn, name)(shape[1], **kw).to(getattr(torch, dtype))
    randomize_affine(tm)
    pm = getattr(pynn.nn, name)(shape[1], **kw).to(getattr(pynn, dtype))
    copy_state(pm, tm)
    for s in range(3):  # running stats and num_batches_tracked after several steps
        step(pm, tm, arr(*shape, dtype=dtype, seed=s, scale=2.0, shift=s - 1.0), seed=10 + s)
        compare_buffers(pm, tm, dtype)
    pm.eval()
    tm.eval()
    step(pm, tm, arr(*shape, dtype=dtype, seed=5, scale=1.5), seed=20)
    compare_buffers(pm, tm, dtype)


def test_batchnorm_state_dict_keys_and_round_trip():
    tm = torch.nn.BatchNorm2d(3)
    pm = pynn.nn.BatchNorm2d(3)
    assert list(pm.state_dict()) == list(tm.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert pm.state_dict()["num_batches_tracked"].dtype == pynn.int64
    assert pm.state_dict()._metadata[""]["version"] == 2
    pm.train()
    for s in range(2):
        pm(pynn.tensor(arr(4, 3, 2, 2, seed=s)))
    assert int(pm.num_batches_tracked) == 2
    back = torch.nn.BatchNorm2d(3)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in pm.state_dict().items()})
    assert int(back.num_batches_tracked) == 2
    # A checkpoint from before num_batches_tracked (version 1) still loads.
    old = {k: to_pynn(v) for k, v in tm.state_dict().items() if k != "num_batches_tracked"}
    assert not pynn.nn.BatchNorm2d(3).load_state_dict(old).missing_keys
    assert list(pynn.nn.BatchNorm1d(3, track_running_stats=False).state_dict()) == ["weight", "bias"]


def test_batchnorm_reprs():
    for name, kw in [("BatchNorm2d", {}), ("BatchNorm1d", {"momentum": None, "affine": False,
                                                             "track_running_stats": False}),
                     ("BatchNorm3d", {"eps": 1e-3, "bias": False})]:
        assert repr(getattr(pynn.nn, name)(4, **kw)) == repr(getattr(torch.nn, name)(4, **kw))


def test_batch_norm_functional_without_running_stats_and_eval_with_them():
    x = arr(5, 3, 4, dtype="float64")
    rm, rv = arr(3, dtype="float64", seed=1), np.abs(arr(3, dtype="float64", seed=2)) + 0.5
    w, b = arr(3, dtype="float64", seed=3), arr(3, dtype="float64", seed=4)
    for training, stats in [(True, False), (False, True), (True, True)]:
        prm, trm = (pynn.tensor(rm), torch.tensor(rm)) if stats else (None, None)
        prv, trv = (pynn.tensor(rv), torch.tensor(rv)) if stats else (None, None)
        got = pynn.nn.functional.batch_norm(pynn.tensor(x), prm, prv, pynn.tensor(w), pynn.tensor(b), training, 0.2)
        exp = F.batch_norm(torch.tensor(x), trm, trv, torch.tensor(w), torch.tensor(b), training, 0.2)
        assert_close(got, exp, **tol("float64"))
        if stats:
            assert_close(prm, trm, **tol("float64"))
            assert_close(prv, trv, **tol("float64"))


def test_batch_norm_strided_input_and_stats():
    x = arr(4, 6, 3, 5, dtype="float64").transpose(0, 3, 2, 1)  # (4, 5, 3, 6), non-contiguous
    rm = np.zeros(10)
    rv = np.ones(10)
    prm, prv = pynn.tensor(rm)[::2], pynn.tensor(rv)[::2]  # running stats as views: updated through them
    trm, trv = torch.tensor(rm)[::2], torch.tensor(rv)[::2]
    got = pynn.nn.functional.batch_norm(pynn.tensor(x), prm, prv, training=True)
    exp = F.batch_norm(torch.tensor(x), trm, trv, training=True)
    assert_close(got, exp, **tol("float64"))
    assert_close(prm, trm, **tol("float64"))
    assert_close(prv, trv, **tol("float64"))


def leaf(*shape, seed=0, scale=1.0, shift=0.0):
    return pynn.tensor(arr(*shape, dtype="float64", seed=seed, scale=scale, shift=shift), requires_grad=True)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck_and_gradgradcheck(training):
    x, w, b = leaf(3, 2, 4), leaf(2, seed=1, shift=1.0), leaf(2, seed=2)
    rm = pynn.tensor(arr(2, dtype="float64", seed=3))
    rv = pynn.tensor(np.abs(arr(2, dtype="float64", seed=4)) + 0.5)

    def fn(x, w, b):
        # Fresh copies: training mode updates the running statistics on every call.
        return pynn.nn.functional.batch_norm(x, rm.clone(), rv.clone(), w, b, training, 0.1, 1e-5)

    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))
    # Without an affine transform, and through the kernel-only backward (a first-order graph).
    assert gradcheck(lambda x: pynn.nn.functional.batch_norm(x, rm.clone(), rv.clone(), None, None, training), (x,))


def test_batch_norm_grad_fn_name():
    x = pynn.tensor(arr(4, 3), requires_grad=True)
    assert pynn.nn.functional.batch_norm(x, None, None, training=True).grad_fn.name() == "NativeBatchNormBackward0"


def test_batch_norm_errors():
    bn = pynn.nn.BatchNorm2d(64)
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size"):
        pynn.nn.BatchNorm1d(3)(pynn.randn(1, 3))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training"):
        pynn.nn.BatchNorm2d(3)(pynn.randn(1, 3, 1, 1))
    with pytest.raises(RuntimeError, match="running_mean should contain 32 elements not 64"):
        bn(pynn.randn(2, 32, 4, 4))
    with pytest.raises(RuntimeError, match="running_mean should contain 32 elements not 64"):
        bn.eval()(pynn.randn(2, 32, 4, 4))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        bn(pynn.randn(2, 64, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        pynn.nn.BatchNorm1d(3)(pynn.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        pynn.nn.BatchNorm3d(3)(pynn.randn(2, 3, 4, 4))
    fbn = pynn.nn.functional.batch_norm
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        fbn(pynn.randn(2, 3), None, None, training=False)
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        fbn(pynn.randn(2, 3), pynn.zeros(3), pynn.ones(3), weight=pynn.ones(4))
    with pytest.raises(RuntimeError, match="bias should contain 3 elements not 4"):
        fbn(pynn.randn(2, 3), pynn.zeros(3), pynn.ones(3), bias=pynn.ones(4), training=True)
    with pytest.raises(RuntimeError, match="running_var should contain 3 elements not 4"):
        fbn(pynn.randn(2, 3), pynn.zeros(3), pynn.ones(4), training=True)
    with pytest.raises(TypeError, match="not implemented"):
        fbn(pynn.ones(2, 3, dtype=pynn.int64), pynn.zeros(3), pynn.ones(3), training=True)


def test_batchnorm_threads_do_not_change_results():
    x = pynn.tensor(arr(8, 16, 40, 40, seed=3), requires_grad=True)
    results = []
    prev = pynn.get_num_threads()
    try:
        for n in (1, 2):
            pynn.set_num_threads(n)
            bn = pynn.nn.BatchNorm2d(16)
            y = bn(x)
            (gx,) = pynn.autograd.grad((y * y).sum(), (x,))
            results.append((y.detach().numpy().copy(), gx.numpy().copy(), bn.running_var.numpy().copy()))
    finally:
        pynn.set_num_threads(prev)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------------------
# LayerNorm, RMSNorm, GroupNorm

ROW_CASES = [
    ("LayerNorm", (4, 6), (6,), {}),
    ("LayerNorm", (2, 3, 4, 5), (4, 5), {"eps": 1e-3}),
    ("LayerNorm", (3, 7), 7, {"elementwise_affine": False}),
    ("LayerNorm", (5, 2, 8), 8, {"bias": False}),
    ("RMSNorm", (4, 6), 6, {}),
    ("RMSNorm", (2, 3, 4, 5), (4, 5), {"eps": 1e-3}),
    ("RMSNorm", (3, 9), [9], {"elementwise_affine": False}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,shape,ns,kw", ROW_CASES)
def test_row_norms_match_torch(name, shape, ns, kw, dtype):
    tm = getattr(torch.nn, name)(ns, **kw).to(getattr(torch, dtype))
    randomize_affine(tm)
    pm = getattr(pynn.nn, name)(ns, **kw).to(getattr(pynn, dtype))
    copy_state(pm, tm)
    assert repr(pm) == repr(tm)
    step(pm, tm, arr(*shape, dtype=dtype, seed=1, scale=3.0, shift=2.0), seed=2)


GROUP_CASES = [((4, 6, 5), 3, {}), ((2, 8, 3, 3), 8, {"eps": 1e-4}), ((3, 4), 1, {}), ((2, 6, 2, 2, 2), 2,
                                                                                      {"affine": False}),
               ((2, 4, 7), 2, {"bias": False})]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,groups,kw", GROUP_CASES)
def test_group_norm_matches_torch(shape, groups, kw, dtype):
    tm = torch.nn.GroupNorm(groups, shape[1], **kw).to(getattr(torch, dtype))
    randomize_affine(tm)
    pm = pynn.nn.GroupNorm(groups, shape[1], **kw).to(getattr(pynn, dtype))
    copy_state(pm, tm)
    assert repr(pm) == repr(tm)
    step(pm, tm, arr(*shape, dtype=dtype, seed=3, scale=2.0, shift=-1.0), seed=4)


def test_functional_layer_norm_bias_only():
    x = arr(3, 5, dtype="float64")
    b = arr(5, dtype="float64", seed=1)
    got = pynn.nn.functional.layer_norm(pynn.tensor(x), (5,), None, pynn.tensor(b))
    assert_close(got, F.layer_norm(torch.tensor(x), (5,), None, torch.tensor(b)), **tol("float64"))


NORM_FNS = {
    "layer_norm": lambda x, w, b: pynn.nn.functional.layer_norm(x, (4,), w, b),
    "rms_norm": lambda x, w, b: pynn.nn.functional.rms_norm(x, (4,), w) + b,
}


@pytest.mark.parametrize("name", ["layer_norm", "rms_norm"])
def test_row_norm_gradcheck_and_gradgradcheck(name):
    x, w, b = leaf(2, 3, 4, scale=2.0), leaf(4, seed=1, shift=1.0), leaf(4, seed=2)
    fn = NORM_FNS[name]
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_layer_norm_over_two_dims_gradgradcheck():
    x, w = leaf(2, 3, 4), leaf(3, 4, seed=1, shift=1.0)
    fn = lambda x, w: pynn.nn.functional.layer_norm(x, (3, 4), w, None)  # noqa: E731
    assert gradcheck(fn, (x, w))
    assert gradgradcheck(fn, (x, w))


def test_group_norm_gradcheck_and_gradgradcheck():
    x, w, b = leaf(2, 6, 3, scale=2.0), leaf(6, seed=1, shift=1.0), leaf(6, seed=2)
    fn = lambda x, w, b: pynn.nn.functional.group_norm(x, 3, w, b)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_norm_grad_fn_names():
    x = pynn.randn(2, 4, 3, requires_grad=True)
    assert pynn.nn.functional.layer_norm(x, (3,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert pynn.nn.functional.group_norm(x, 2).grad_fn.name() == "NativeGroupNormBackward0"


def test_row_and_group_norm_errors():
    fl, fr, fg = pynn.nn.functional.layer_norm, pynn.nn.functional.rms_norm, pynn.nn.functional.group_norm
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got "
                                           r"input of size\[2, 3\]"):
        fl(pynn.randn(2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[2, 4\], expected input with shape \[\*, 2, 4\]"):
        fl(pynn.randn(2, 3), (2, 4))
    with pytest.raises(RuntimeError, match=r"Expected weight to be of same shape as normalized_shape, but got weight "
                                           r"of shape \[4\] and normalized_shape = \[3\]"):
        fl(pynn.randn(2, 3), (3,), weight=pynn.ones(4))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*4\], but got "
                                           r"input of size\[2, 3\]"):
        fr(pynn.randn(2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\]"):
        pynn.nn.LayerNorm(4)(pynn.randn(2, 3))
    with pytest.raises(ValueError, match=r"num_channels \(64\) must be divisible by num_groups \(3\)"):
        pynn.nn.GroupNorm(3, 64)
    with pytest.raises(RuntimeError, match=r"Expected number of channels in input to be divisible by num_groups, but "
                                           r"got input of shape \[2, 6, 3\] and num_groups=4"):
        fg(pynn.randn(2, 6, 3), 4)
    with pytest.raises(RuntimeError, match=r"Expected weight to be a vector of size equal to the number of channels in "
                                           r"input, but got weight of shape \[6\] and input of shape \[2, 4, 3\]"):
        pynn.nn.GroupNorm(2, 6)(pynn.randn(2, 4, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        fg(pynn.randn(1, 4), 4)


# ---------------------------------------------------------------------------------------------------------
# Tutorials, unchanged with `import pynn as torch`

def test_tutorial_norm_layers():
    nn = pynn.nn
    bn = nn.BatchNorm2d(num_features=64)
    out = bn(pynn.randn(32, 64, 8, 8))
    assert tuple(out.shape) == (32, 64, 8, 8)
    assert abs(float(out.mean())) < 1e-4 and abs(float(out.var()) - 1.0) < 1e-2
    ln = nn.LayerNorm(128)
    assert tuple(ln(pynn.randn(32, 128)).shape) == (32, 128)
    gn = nn.GroupNorm(8, 64)
    assert tuple(gn(pynn.randn(4, 64, 5, 5)).shape) == (4, 64, 5, 5)
    x = pynn.randn(2, 5)
    normed_x = pynn.nn.functional.layer_norm(x, normalized_shape=(5,))
    assert_close(normed_x, F.layer_norm(torch.tensor(x.numpy()), (5,)))


def test_tutorial_custom_net_with_dropout_and_batchnorm1d():
    nn = pynn.nn

    class CustomNet(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super(CustomNet, self).__init__()
            self.linear = nn.Linear(input_size, hidden_size)
            self.dropout = nn.Dropout()
            self.batch_norm = nn.BatchNorm1d(hidden_size)
            self.output = nn.Linear(hidden_size, output_size)

        def forward(self, x):
            x = self.linear(x)
            x = self.dropout(x)
            x = self.batch_norm(x)
            x = self.output(x)
            return x

    pynn.manual_seed(0)
    net = CustomNet(10, 16, 3)
    opt = pynn.optim.SGD(net.parameters(), lr=0.1)
    x, y = pynn.randn(32, 10), pynn.randint(0, 3, (32,))
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert int(net.batch_norm.num_batches_tracked) == 5
    net.eval()
    assert tuple(net(x).shape) == (32, 3)
    # Eval mode matches torch's module given the same state (dropout off, running statistics).
    tnet = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.Dropout(), torch.nn.BatchNorm1d(16),
                               torch.nn.Linear(16, 3)).eval()
    tnet.load_state_dict({k: torch.tensor(v.numpy()) for k, v in zip(tnet.state_dict(), net.state_dict().values())})
    assert_close(net(x), tnet(torch.tensor(x.numpy())))
