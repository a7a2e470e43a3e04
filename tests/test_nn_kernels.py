"""The nn family's _C kernels (activations, softmax, dropout, fused losses) against torch.nn.functional:
forward values, input / weight gradients, every reduction, float64 gradcheck of every backward and of the
double backward, and torch's errors."""
import numpy as np
import pytest

import pynn
from pynn import _C
from pynn.autograd import gradcheck

from conftest import assert_close

torch = pytest.importorskip("torch")
F = torch.nn.functional

REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}
DTYPES = ["float32", "float64"]


def arr(*shape, dtype="float64", seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def pair(a, requires_grad=False):
    """(pynn tensor, torch tensor) holding the same values."""
    p = pynn.tensor(a)
    t = torch.tensor(a)
    if requires_grad:
        p.requires_grad_(True)
        t.requires_grad_(True)
    return p, t


def leaf(*shape, seed=0, scale=1.0):
    return pynn.tensor(arr(*shape, seed=seed, scale=scale), requires_grad=True)


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)


def compare_with_grads(pfn, tfn, arrays, grad_idx, dtype="float64", seed=1, transform=None, rtol=None):
    """Runs pfn(*pynn) and tfn(*torch) on the same arrays; compares outputs and the gradients of a random
    projection of the output with respect to the inputs listed in grad_idx."""
    ps, ts = [], []
    for i, a in enumerate(arrays):
        p, t = pair(a, requires_grad=i in grad_idx)
        if transform is not None and i == 0:
            p, t = transform(p), transform(t)
        ps.append(p)
        ts.append(t)
    out_p, out_t = pfn(*ps), tfn(*ts)
    tols = tol(dtype) if rtol is None else dict(rtol=rtol, atol=rtol * 1e-1)
    assert_close(out_p, out_t, **tols)
    if not grad_idx:
        return out_p
    proj = arr(*tuple(out_t.shape), dtype=dtype, seed=seed)
    leaves_p = [ps[i] for i in grad_idx]
    leaves_t = [ts[i] for i in grad_idx]
    gp = pynn.autograd.grad((out_p * pynn.tensor(proj)).sum(), tuple(leaves_p))
    gt = torch.autograd.grad((out_t * torch.tensor(proj)).sum(), tuple(leaves_t))
    for a, b in zip(gp, gt):
        assert_close(a, b, **tols)
    return out_p


def gradgradcheck(fn, inputs, seed=3):
    """gradcheck of x -> d/dx <fn(x), v>, built with create_graph=True: checks every double backward."""
    out = fn(*inputs)
    v = pynn.tensor(arr(*tuple(out.shape), seed=seed))
    diff = [x for x in inputs if x.requires_grad]

    def first_grads(*xs):
        with pynn.enable_grad():  # gradcheck evaluates this under no_grad too
            o = fn(*xs)
            gs = pynn.autograd.grad((o * v).sum(), tuple(x for x in xs if x.requires_grad), create_graph=True)
            total = None
            for g in gs:
                s = (g * g).sum()
                total = s if total is None else total + s
        return total

    assert diff
    return gradcheck(first_grads, inputs)


# ---------------------------------------------------------------------------------------------------------
# Activations

ACTIVATIONS = {
    "gelu": (lambda x: _C._gelu(x, "none"), lambda x: F.gelu(x)),
    "gelu_tanh": (lambda x: _C._gelu(x, "tanh"), lambda x: F.gelu(x, approximate="tanh")),
    "elu": (lambda x: _C._elu(x, 1.3, 1.0, 1.0), lambda x: F.elu(x, 1.3)),
    "selu": (lambda x: _C._elu(x, 1.6732632423543772, 1.0507009873554805, 1.0), lambda x: F.selu(x)),
    "celu": (lambda x: _C._elu(x, 0.7, 1.0, 1 / 0.7), lambda x: F.celu(x, 0.7)),
    "silu": (lambda x: _C._silu(x), lambda x: F.silu(x)),
    "mish": (lambda x: _C._mish(x), lambda x: F.mish(x)),
    "softplus": (lambda x: _C._softplus(x, 1.0, 20.0), lambda x: F.softplus(x)),
    "softplus_beta": (lambda x: _C._softplus(x, 2.0, 1.5), lambda x: F.softplus(x, 2.0, 1.5)),
    "leaky_relu": (lambda x: _C._leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2)),
    "hardtanh": (lambda x: _C._hardtanh(x, -0.7, 0.4), lambda x: F.hardtanh(x, -0.7, 0.4)),
    "relu6": (lambda x: _C._hardtanh(x, 0.0, 6.0), lambda x: F.relu6(x)),
}
SMOOTH = ["gelu", "gelu_tanh", "elu", "selu", "celu", "silu", "mish", "softplus", "softplus_beta"]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_matches_torch(name, dtype):
    pf, tf = ACTIVATIONS[name]
    a = arr(3, 5, 4, dtype=dtype, scale=3.0)
    a.flat[:6] = [0.0, -30.0, 30.0, 25.0, -25.0, 6.0]  # zero, saturation and threshold regions
    # torch rounds celu's 1/alpha to float32 even for float64 inputs
    out = compare_with_grads(pf, tf, [a], [0], dtype=dtype, rtol=1e-6 if name == "celu" else None)
    assert out.dtype == getattr(pynn, dtype)
    assert out.grad_fn.name() == tf(torch.tensor(a, requires_grad=True)).grad_fn.name() or name == "celu"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_non_contiguous(name):
    pf, tf = ACTIVATIONS[name]
    compare_with_grads(pf, tf, [arr(6, 7, scale=2.0)], [0], transform=lambda t: t.t()[::2],
                       rtol=1e-6 if name == "celu" else None)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradcheck(name):
    pf, _ = ACTIVATIONS[name]
    # keep away from the kinks, where finite differences are meaningless
    a = arr(4, 5, scale=2.0)
    a[np.abs(a) < 0.05] = 0.3
    for kink in (-0.7, 0.4, 6.0, 0.75):
        a[np.abs(a - kink) < 0.05] += 0.1
    assert gradcheck(pf, (pynn.tensor(a, requires_grad=True),))


@pytest.mark.parametrize("name", SMOOTH)
def test_activation_double_backward(name):
    pf, tf = ACTIVATIONS[name]
    assert gradgradcheck(pf, (leaf(3, 4, scale=2.0),))
    # and the second derivative agrees with torch's
    a = arr(3, 4, scale=2.0)
    p, t = pair(a, requires_grad=True)
    (gp,) = pynn.autograd.grad(pf(p).sum(), p, create_graph=True)
    (gt,) = torch.autograd.grad(tf(t).sum(), t, create_graph=True)
    rtol = 1e-6 if name == "celu" else 1e-9
    assert_close(pynn.autograd.grad(gp.sum(), p)[0], torch.autograd.grad(gt.sum(), t)[0], rtol=rtol, atol=rtol * 0.1)


def test_activation_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        _C._gelu(pynn.randn(3), "foo")
    for fn in (lambda x: _C._gelu(x, "none"), _C._silu, lambda x: _C._leaky_relu(x, 0.1)):
        with pytest.raises(TypeError, match="not implemented for dtype int64"):
            fn(pynn.tensor([1, 2]))
    # hardtanh (relu6) accepts integers like torch
    assert_close(_C._hardtanh(pynn.tensor([1, 5, 9]), 0.0, 6.0), F.relu6(torch.tensor([1, 5, 9])))


def test_activation_large_parallel():
    a = arr(300, 500, dtype="float32", scale=3.0)
    for name in ("gelu", "silu", "elu", "softplus"):
        pf, tf = ACTIVATIONS[name]
        compare_with_grads(pf, tf, [a], [0], dtype="float32", rtol=1e-4)


# ---------------------------------------------------------------------------------------------------------
# PReLU


@pytest.mark.parametrize("xshape,wshape", [((2, 3, 4), (3,)), ((2, 3, 4), (1,)), ((2, 3), (3,)), ((5,), (1,)),
                                           ((), (1,)), ((2, 3, 4, 5), (3,)), ((2, 3, 4), ())])
def test_prelu_matches_torch(xshape, wshape):
    w = np.abs(arr(*wshape, seed=5)) * 0.3
    compare_with_grads(_C._prelu, F.prelu, [arr(*xshape), w], [0, 1])


def test_prelu_gradcheck_and_name():
    x, w = leaf(2, 3, 4), leaf(3, seed=2)
    assert gradcheck(_C._prelu, (x, w))
    assert gradgradcheck(_C._prelu, (x, w))
    assert _C._prelu(x, w).grad_fn.name() == "PreluKernelBackward0"
    compare_with_grads(_C._prelu, F.prelu, [arr(4, 3, 5), arr(3)], [0, 1], transform=lambda t: t.transpose(0, 2))


def test_prelu_errors():
    with pytest.raises(RuntimeError, match=r"Found parameter numbers = 3 and channel size = 4\."):
        _C._prelu(pynn.randn(3, 4), pynn.ones(3))
    with pytest.raises(RuntimeError, match="channel size = 1"):
        _C._prelu(pynn.randn(5), pynn.ones(5))
    with pytest.raises(RuntimeError, match="Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"):
        _C._prelu(pynn.randn(2, 3), pynn.ones(1, 3))


# ---------------------------------------------------------------------------------------------------------
# Softmax


@pytest.mark.parametrize("is_log", [False, True])
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_matches_torch(is_log, dim, dtype):
    pf = (lambda x: _C._log_softmax(x, dim)) if is_log else (lambda x: _C._softmax(x, dim))
    tf = (lambda x: F.log_softmax(x, dim)) if is_log else (lambda x: F.softmax(x, dim))
    out = compare_with_grads(pf, tf, [arr(3, 4, 5, dtype=dtype, scale=5.0)], [0], dtype=dtype)
    assert out.grad_fn.name() == ("LogSoftmaxBackward0" if is_log else "SoftmaxBackward0")
    compare_with_grads(pf, tf, [arr(4, 5, 3, dtype=dtype)], [0], dtype=dtype, transform=lambda t: t.permute(2, 0, 1))


@pytest.mark.parametrize("is_log", [False, True])
def test_softmax_gradcheck_and_double_backward(is_log):
    for dim in (0, 1, -1):
        fn = (lambda x: _C._log_softmax(x, dim)) if is_log else (lambda x: _C._softmax(x, dim))
        assert gradcheck(fn, (leaf(3, 4, 2),))
        assert gradgradcheck(fn, (leaf(3, 4, 2),))


def test_softmax_edge_cases():
    # 0-dim, a row with -inf entries, rows that are all -inf (nan, like torch), huge values
    for a in (np.array(2.5), np.array([[-np.inf, 0.0, 1.0], [-np.inf] * 3, [1e30, 0, -1e30]])):
        for pf, tf in ((_C._softmax, F.softmax), (_C._log_softmax, F.log_softmax)):
            assert_close(pf(pynn.tensor(a), -1), tf(torch.tensor(a), -1))
    empty = pynn.zeros(0, 3)
    assert tuple(_C._softmax(empty, 1).shape) == (0, 3)


def test_softmax_large_parallel():
    for shape, dim in (((256, 2000), 1), ((64, 300, 40), 1), ((2000, 100), 0)):
        a = arr(*shape, dtype="float32", scale=4.0)
        # float32 sums over up to 2000 terms: torch's own rounding error is ~1e-6
        compare_with_grads(lambda x: _C._softmax(x, dim), lambda x: F.softmax(x, dim), [a], [0], dtype="float32",
                           rtol=1e-4)
        compare_with_grads(lambda x: _C._log_softmax(x, dim), lambda x: F.log_softmax(x, dim), [a], [0],
                           dtype="float32", rtol=1e-4)


def test_softmax_errors():
    with pytest.raises(IndexError):
        _C._softmax(pynn.randn(2, 3), 2)
    with pytest.raises(TypeError, match="not implemented for dtype int64"):
        _C._softmax(pynn.tensor([1, 2]), 0)


# ---------------------------------------------------------------------------------------------------------
# Dropout


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_statistics_and_grad(dtype):
    pynn.manual_seed(0)
    x = pynn.tensor(np.abs(arr(200, 500, dtype=dtype)) + 1.0, requires_grad=True)
    p = 0.3
    out = _C._dropout(x, p, True)
    assert out.grad_fn.name() == "MulBackward0"
    o, xv = out.detach().numpy(), x.detach().numpy()
    kept = o != 0
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(o[kept], xv[kept] / (1 - p), rtol=1e-6)
    g = arr(200, 500, dtype=dtype, seed=4)
    (gx,) = pynn.autograd.grad(out, x, pynn.tensor(g))
    np.testing.assert_allclose(gx.numpy(), np.where(kept, g / (1 - p), 0), rtol=1e-6)


def test_dropout_reproducible_and_thread_independent():
    x = pynn.ones(1000, 300)
    pynn.manual_seed(7)
    a = _C._dropout(x, 0.5, True).numpy()
    b = _C._dropout(x, 0.5, True).numpy()
    assert not np.array_equal(a, b)  # the generator advances
    n = pynn.get_num_threads()
    try:
        pynn.set_num_threads(1)
        pynn.manual_seed(7)
        c = _C._dropout(x, 0.5, True).numpy()
    finally:
        pynn.set_num_threads(n)
    np.testing.assert_array_equal(a, c)


def test_dropout_special_cases():
    x = pynn.randn(4, 6, requires_grad=True)
    assert _C._dropout(x, 0.0, True) is x
    assert _C._dropout(x, 0.7, False) is x
    z = _C._dropout(x, 1.0, True)
    assert_close(z.detach(), torch.zeros(4, 6))
    (g,) = pynn.autograd.grad(z.sum(), x)
    assert_close(g, torch.zeros(4, 6))
    # non-contiguous input and float64 gradcheck with a fixed mask
    xt = leaf(6, 4)
    pynn.manual_seed(3)
    out = _C._dropout(xt.t(), 0.5, True)
    ref = xt.detach().numpy().T * (out.detach().numpy() != 0) * 2.0
    np.testing.assert_allclose(out.detach().numpy(), ref)

    def fixed(t):
        pynn.manual_seed(11)
        return _C._dropout(t, 0.4, True)

    assert gradcheck(fixed, (leaf(5, 3),))
    for bad in (1.5, -0.1):
        with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {bad}"):
            _C._dropout(x, bad, True)


# ---------------------------------------------------------------------------------------------------------
# nll_loss and cross_entropy with class indices

CLASS_SHAPES = [((6, 5), (6,)), ((5,), ()), ((3, 4, 2, 3), (3, 2, 3)), ((4, 3, 5), (4, 5))]


def class_target(tshape, C, seed=0, ignore=None):
    t = np.random.default_rng(seed).integers(0, C, tshape).astype(np.int64)
    if ignore is not None and t.ndim > 0 and t.size > 1:
        t.flat[1] = ignore
    return t


@pytest.mark.parametrize("xshape,tshape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_torch(xshape, tshape, reduction, weighted):
    C = xshape[0] if len(xshape) == 1 else xshape[1]
    x = arr(*xshape)
    t = class_target(tshape, C, ignore=2)
    w = np.abs(arr(C, seed=9)) + 0.1 if weighted else None
    tw = torch.tensor(w) if weighted else None
    pw = pynn.tensor(w) if weighted else None
    for ignore in (-100, 2):
        out = compare_with_grads(lambda a: _C._nll_loss(a, pynn.tensor(t), pw, reduction, ignore),
                                 lambda a: F.nll_loss(a, torch.tensor(t), tw, reduction=REDUCTIONS[reduction],
                                                      ignore_index=ignore), [x], [0])
        assert out.grad_fn.name() == "NllLossBackward0"


@pytest.mark.parametrize("xshape,tshape", CLASS_SHAPES)
@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_matches_torch(xshape, tshape, reduction, weighted, smoothing):
    C = xshape[0] if len(xshape) == 1 else xshape[1]
    x = arr(*xshape, scale=3.0)
    t = class_target(tshape, C, ignore=1)
    w = np.abs(arr(C, seed=9)) + 0.1 if weighted else None
    tw = torch.tensor(w) if weighted else None
    pw = pynn.tensor(w) if weighted else None
    for ignore in (-100, 1):
        compare_with_grads(lambda a: _C._cross_entropy(a, pynn.tensor(t), pw, reduction, ignore, smoothing),
                           lambda a: F.cross_entropy(a, torch.tensor(t), tw, reduction=REDUCTIONS[reduction],
                                                     ignore_index=ignore, label_smoothing=smoothing), [x], [0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_float32_and_non_contiguous(dtype):
    x = arr(5, 7, dtype=dtype, scale=4.0)
    t = class_target((7,), 5)
    out = compare_with_grads(lambda a: _C._cross_entropy(a, pynn.tensor(t), None, 1, -100, 0.1),
                             lambda a: F.cross_entropy(a, torch.tensor(t), label_smoothing=0.1), [x], [0],
                             dtype=dtype, transform=lambda a: a.t())
    assert out.dtype == getattr(pynn, dtype)


def test_class_losses_gradcheck_and_double_backward():
    t = pynn.tensor(class_target((4, 3), 5, ignore=0))
    w = pynn.tensor(np.abs(arr(5, seed=2)) + 0.1)
    for reduction in (0, 1, 2):
        for smoothing in (0.0, 0.3):
            ce = lambda x: _C._cross_entropy(x, t, w, reduction, 0, smoothing)  # noqa: E731
            assert gradcheck(ce, (leaf(4, 5, 3),))
            assert gradgradcheck(ce, (leaf(4, 5, 3),))
        nll = lambda x: _C._nll_loss(x, t, w, reduction, 0)  # noqa: E731
        assert gradcheck(nll, (leaf(4, 5, 3),))
        # nll is linear: its double backward is the map from grad_output to grad_input
        x = leaf(4, 5, 3)
        v = pynn.tensor(arr(*tuple(nll(x).shape), seed=6), requires_grad=True)
        def grad_input(gv):
            with pynn.enable_grad():
                return pynn.autograd.grad(nll(x), x, gv, create_graph=True)[0]

        assert gradcheck(grad_input, (v,))
        assert grad_input(v).grad_fn.name() == "NllLossBackwardBackward0"


def test_class_loss_double_backward_matches_torch():
    a = arr(6, 4, scale=2.0)
    t = class_target((6,), 4)
    p, tt = pair(a, requires_grad=True)
    (gp,) = pynn.autograd.grad(_C._cross_entropy(p, pynn.tensor(t), None, 1, -100, 0.2), p, create_graph=True)
    (gt,) = torch.autograd.grad(F.cross_entropy(tt, torch.tensor(t), label_smoothing=0.2), tt, create_graph=True)
    assert_close(gp, gt, rtol=1e-10, atol=1e-12)
    assert_close(pynn.autograd.grad((gp * gp).sum(), p)[0], torch.autograd.grad((gt * gt).sum(), tt)[0],
                 rtol=1e-9, atol=1e-12)


def test_class_losses_all_ignored_and_empty():
    x = pynn.randn(3, 4, requires_grad=True)
    t = pynn.tensor([-100, -100, -100])
    assert np.isnan(_C._nll_loss(x, t, None, 1, -100).item())
    assert np.isnan(_C._cross_entropy(x, t, None, 1, -100, 0.2).item())
    assert _C._cross_entropy(x, t, None, 2, -100, 0.0).item() == 0.0
    (g,) = pynn.autograd.grad(_C._cross_entropy(x, t, None, 1, -100, 0.0), x)
    assert_close(g, torch.zeros(3, 4, dtype=torch.float32))
    assert np.isnan(_C._cross_entropy(pynn.zeros(0, 4), pynn.zeros(0, dtype=pynn.int64), None, 1, -100, 0.0).item())


def test_class_losses_large_parallel():
    x = arr(4000, 50, dtype="float32", scale=3.0)
    t = class_target((4000,), 50, ignore=3)
    for reduction in (0, 1, 2):
        compare_with_grads(lambda a: _C._cross_entropy(a, pynn.tensor(t), None, reduction, 3, 0.1),
                           lambda a: F.cross_entropy(a, torch.tensor(t), reduction=REDUCTIONS[reduction],
                                                     ignore_index=3, label_smoothing=0.1), [x], [0], dtype="float32")
        compare_with_grads(lambda a: _C._nll_loss(a, pynn.tensor(t), None, reduction, 3),
                           lambda a: F.nll_loss(a, torch.tensor(t), reduction=REDUCTIONS[reduction], ignore_index=3),
                           [x], [0], dtype="float32")


def test_class_loss_errors():
    x = pynn.randn(3, 4)
    for fn in (lambda t: _C._nll_loss(x, t, None, 1, -100), lambda t: _C._cross_entropy(x, t, None, 1, -100, 0.0)):
        with pytest.raises(IndexError, match="Target 7 is out of bounds."):
            fn(pynn.tensor([1, 2, 7]))
        with pytest.raises(IndexError, match="Target -7 is out of bounds."):
            fn(pynn.tensor([1, 2, -7]))
        with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(4\)\."):
            fn(pynn.tensor([1, 2, 0, 1]))
        with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Int"):
            fn(pynn.tensor([1, 2, 0], dtype=pynn.int32))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 classes or no classes"):
        _C._nll_loss(x, pynn.tensor([0, 1, 2]), pynn.ones(3), 1, -100)
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 5\], got \[2, 4\]"):
        _C._nll_loss(pynn.randn(2, 4, 5), pynn.zeros(2, 4, dtype=pynn.int64), None, 1, -100)
    with pytest.raises(ValueError, match=r"Expected 1 or more dimensions \(got 0\)"):
        _C._nll_loss(pynn.randn(()), pynn.tensor(2), None, 1, -100)
    with pytest.raises(ValueError, match="For 1D input, 1D target must have size 1"):
        _C._nll_loss(pynn.randn(4), pynn.tensor([1, 2]), None, 1, -100)
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        _C._cross_entropy(x, pynn.tensor([0, 1, 2]), None, 1, -100, 1.5)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        _C._nll_loss(x, pynn.tensor([0, 1, 2]), pynn.ones(4, requires_grad=True), 1, -100)
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        _C._nll_loss(x, pynn.tensor([0, 1, 2]), None, 3, -100)


# ---------------------------------------------------------------------------------------------------------
# cross_entropy with class probabilities


@pytest.mark.parametrize("xshape", [(5, 4), (4,), (2, 3, 4)])
@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_prob_target(xshape, reduction, weighted, smoothing):
    C = xshape[0] if len(xshape) == 1 else xshape[1]
    q = np.random.default_rng(2).uniform(0, 1, xshape)
    w = np.abs(arr(C, seed=9)) + 0.1 if weighted else None
    tw = torch.tensor(w) if weighted else None
    pw = pynn.tensor(w) if weighted else None
    out = compare_with_grads(lambda a, b: _C._cross_entropy(a, b, pw, reduction, -100, smoothing),
                             lambda a, b: F.cross_entropy(a, b, tw, reduction=REDUCTIONS[reduction],
                                                          label_smoothing=smoothing),
                             [arr(*xshape, scale=2.0), q], [0, 1])
    x, t = leaf(*xshape), pynn.tensor(q, requires_grad=True)
    fn = lambda a, b: _C._cross_entropy(a, b, pw, reduction, -100, smoothing)  # noqa: E731
    assert gradcheck(fn, (x, t))
    assert gradgradcheck(fn, (x, t))
    assert out.grad_fn.name() == "CrossEntropyLossBackward0"


def test_cross_entropy_prob_errors_and_promotion():
    x = pynn.randn(3, 4)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        _C._cross_entropy(x, pynn.rand(3, 4), None, 1, 3, 0.0)
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class probabilities, got Long"):
        _C._cross_entropy(x, pynn.zeros(3, 4, dtype=pynn.int64), None, 1, -100, 0.0)
    q = np.random.default_rng(0).uniform(size=(3, 4))
    xa = arr(3, 4, dtype="float32")
    assert_close(_C._cross_entropy(pynn.tensor(xa), pynn.tensor(q), None, 1, -100, 0.0),
                 F.cross_entropy(torch.tensor(xa), torch.tensor(q)), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Binary cross entropy


@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("wshape", [None, (4,), (3, 4), (3, 1)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy(reduction, wshape, dtype):
    rng = np.random.default_rng(1)
    x = rng.uniform(0.02, 0.98, (3, 4)).astype(dtype)
    x[0, :2] = [0.0, 1.0]  # log clamps at -100
    t = rng.uniform(0, 1, (3, 4)).astype(dtype)
    w = (rng.uniform(0.5, 2, wshape).astype(dtype)) if wshape else None
    pw = pynn.tensor(w) if wshape else None
    tw = torch.tensor(w) if wshape else None
    grads = [1] if dtype == "float32" else [0, 1]  # x = 0 / 1 give huge clamped gradients; compare in float64
    out = compare_with_grads(lambda a, b: _C._binary_cross_entropy(a, b, pw, reduction),
                             lambda a, b: F.binary_cross_entropy(a, b, tw, reduction=REDUCTIONS[reduction]),
                             [x, t], grads, dtype=dtype)
    assert out.grad_fn.name() == "BinaryCrossEntropyBackward0"
    xi, ti = pynn.tensor(x[1:].astype("float64"), requires_grad=True), pynn.tensor(t[1:].astype("float64"),
                                                                                  requires_grad=True)
    wi = pynn.tensor(w[-2:] if wshape and wshape[0] == 3 else w).double() if wshape else None
    fn = lambda a, b: _C._binary_cross_entropy(a, b, wi, reduction)  # noqa: E731
    assert gradcheck(fn, (xi, ti))
    assert gradgradcheck(fn, (xi, ti))


def test_binary_cross_entropy_errors():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        _C._binary_cross_entropy(pynn.tensor([1.5, 0.5]), pynn.rand(2), None, 1)
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        _C._binary_cross_entropy(pynn.tensor([float("nan"), 0.5]), pynn.rand(2), None, 1)
    with pytest.raises(ValueError, match=r"Using a target size \(torch.Size\(\[2, 1\]\)\) that is different to the "
                                         r"input size \(torch.Size\(\[2\]\)\) is deprecated. Please ensure they have "
                                         r"the same size."):
        _C._binary_cross_entropy(pynn.rand(2), pynn.rand(2, 1), None, 1)
    with pytest.raises(RuntimeError, match="Found dtype Long but expected Float"):
        _C._binary_cross_entropy(pynn.rand(2), pynn.tensor([1, 0]), None, 1)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        _C._binary_cross_entropy(pynn.rand(2), pynn.rand(2), pynn.ones(2, 2), 1)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        _C._binary_cross_entropy(pynn.rand(2), pynn.rand(2), pynn.ones(2, requires_grad=True), 1)


@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("wshape,pshape", [(None, None), ((4,), None), (None, (4,)), ((3, 1), (4,)), ((3, 4), (3, 4))])
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_with_logits(reduction, wshape, pshape, dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((3, 4)) * 3).astype(dtype)
    x[0, :2] = [120.0, -120.0]  # the stable formula has no overflow
    t = rng.uniform(0, 1, (3, 4)).astype(dtype)
    w = rng.uniform(0.5, 2, wshape).astype(dtype) if wshape else None
    pw = rng.uniform(0.5, 3, pshape).astype(dtype) if pshape else None
    opt = lambda a, lib: None if a is None else lib.tensor(a)  # noqa: E731
    out = compare_with_grads(
        lambda a, b: _C._binary_cross_entropy_with_logits(a, b, opt(w, pynn), opt(pw, pynn), reduction),
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, opt(w, torch), reduction=REDUCTIONS[reduction],
                                                        pos_weight=opt(pw, torch)),
        [x, t], [0, 1], dtype=dtype)
    assert out.grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"
    wd = None if w is None else pynn.tensor(w.astype("float64"))
    pd = None if pw is None else pynn.tensor(pw.astype("float64"))
    fn = lambda a, b: _C._binary_cross_entropy_with_logits(a, b, wd, pd, reduction)  # noqa: E731
    args = (leaf(3, 4), pynn.tensor(t.astype("float64"), requires_grad=True))
    assert gradcheck(fn, args)
    assert gradgradcheck(fn, args)


def test_binary_cross_entropy_with_logits_errors():
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[3\]\)\) must be the same as input size"):
        _C._binary_cross_entropy_with_logits(pynn.rand(2), pynn.rand(3), None, None, 1)
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'pos_weight'"):
        _C._binary_cross_entropy_with_logits(pynn.rand(2), pynn.rand(2), None, pynn.ones(2, requires_grad=True), 1)
    with pytest.raises(RuntimeError):
        _C._binary_cross_entropy_with_logits(pynn.rand(2), pynn.rand(2), None, pynn.ones(3), 1)


def test_keyword_names():
    x = pynn.randn(4, 3)
    t = pynn.tensor([0, 2, 1, 1])
    assert_close(_C._cross_entropy(input=x, target=t, weight=None, reduction=2, ignore_index=-100,
                                   label_smoothing=0.0), _C._nll_loss(_C._log_softmax(x, 1), t, None, 2, -100).detach(),
                 rtol=1e-6)
    _C._softmax(input=x, dim=0)
    _C._dropout(input=x, p=0.5, training=False)
    _C._elu(input=x, alpha=1.0, scale=1.0, input_scale=1.0)
    _C._softplus(input=x, beta=1.0, threshold=20.0)
    _C._prelu(input=x, weight=pynn.ones(3))
    _C._binary_cross_entropy_with_logits(input=x, target=x, weight=None, pos_weight=None, reduction=1)
