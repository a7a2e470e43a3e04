"""The losses and small modules of issue #17 against torch: MarginRanking, MultiMargin, MultiLabelMargin, SoftMargin,
MultiLabelSoftMargin, CosineEmbedding, TripletMargin(+WithDistance), GaussianNLL, PoissonNLL, CTC (C++ alpha/beta
recursion, torch's gradient, a plain numpy reference for the likelihood), Softshrink, Hardshrink, Softmax2d, RReLU,
ChannelShuffle: values for every reduction, input gradients, float64 gradcheck, reprs and torch's errors."""
import itertools
import math

import numpy as np
import pytest

import pynn
import pynn.nn.functional as PF
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def arr(*shape, dtype="float64", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def compare(fn, arrays, diff=(0,), tol=1e-7, **kw):
    """fn(F, *tensors) with pynn and torch; value and the gradients of the inputs listed in diff."""
    pt = [pynn.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    tt = [torch.tensor(a, requires_grad=i in diff) for i, a in enumerate(arrays)]
    po, to = fn(PF, *pt, **kw), fn(TF, *tt, **kw)
    np.testing.assert_allclose(po.detach().numpy(), to.detach().numpy(), rtol=tol, atol=tol)
    assert po.shape == tuple(to.shape)
    w = arr(*to.shape, seed=9)
    (po * pynn.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for i in diff:
        np.testing.assert_allclose(pt[i].grad.numpy(), tt[i].grad.numpy(), rtol=tol, atol=tol)


REDUCTIONS = ["none", "mean", "sum"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_and_soft_margin(reduction):
    x1, x2 = arr(6), arr(6, seed=1)
    y = np.sign(arr(6, seed=2))
    compare(lambda F, a, b, t: F.margin_ranking_loss(a, b, t, margin=0.3, reduction=reduction), [x1, x2, y], (0, 1))
    compare(lambda F, a, t: F.soft_margin_loss(a, t, reduction=reduction), [arr(3, 4) * 20, np.sign(arr(3, 4, seed=1))])
    yb = (arr(3, 4, seed=3) > 0).astype("float64")
    compare(lambda F, a, t: F.multilabel_soft_margin_loss(a, t, reduction=reduction), [arr(3, 4), yb])
    compare(lambda F, a, t, w: F.multilabel_soft_margin_loss(a, t, weight=w, reduction=reduction),
            [arr(3, 4), yb, np.abs(arr(4, seed=4))])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 0.5, True), (1, 2.0, True)])
def test_multi_margin(reduction, p, margin, weighted):
    x, t = arr(5, 4), np.array([0, 3, 1, 1, 2])
    if weighted:
        compare(lambda F, a, tt, w: F.multi_margin_loss(a, tt, p=p, margin=margin, weight=w, reduction=reduction),
                [x, t, np.abs(arr(4, seed=3))])
    else:
        compare(lambda F, a, tt: F.multi_margin_loss(a, tt, p=p, margin=margin, reduction=reduction), [x, t])
    compare(lambda F, a, tt: F.multi_margin_loss(a, tt, p=p, reduction=reduction), [arr(4), np.array(2)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin(reduction):
    x = arr(3, 5)
    t = np.array([[3, 0, -1, 1, 1], [0, 1, 2, 3, 4], [-1, 2, 2, 2, 2]])
    compare(lambda F, a, tt: F.multilabel_margin_loss(a, tt, reduction=reduction), [x, t])
    compare(lambda F, a, tt: F.multilabel_margin_loss(a, tt, reduction=reduction), [arr(4), np.array([1, 2, -1, 0])])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_and_triplet(reduction):
    a, b = arr(5, 3), arr(5, 3, seed=1)
    a[0] = 0  # a zero vector: torch's EPSILON keeps it finite
    y = np.array([1, -1, 1, -1, -1])
    compare(lambda F, u, v, t: F.cosine_embedding_loss(u, v, t, margin=0.2, reduction=reduction), [a, b, y], (0, 1))
    n = arr(5, 3, seed=2)
    for kw in ({}, {"p": 1.0, "swap": True}, {"margin": 0.3, "eps": 1e-3}):
        compare(lambda F, u, v, w: F.triplet_margin_loss(u, v, w, reduction=reduction, **kw), [a, b, n], (0, 1, 2))
    compare(lambda F, u, v, w: F.triplet_margin_with_distance_loss(u, v, w, reduction=reduction, swap=True), [a, b, n], (0, 1, 2))
    compare(lambda F, u, v, w: F.triplet_margin_with_distance_loss(
        u, v, w, distance_function=lambda x, z: 1.0 - F.cosine_similarity(x, z), margin=0.5, reduction=reduction),
        [a + 1, b, n], (0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_and_poisson_nll(reduction, full):
    x, t = arr(4, 3), arr(4, 3, seed=1)
    var = np.abs(arr(4, 3, seed=2))
    var[0, 0] = 1e-9  # clamped to eps without cutting the gradient
    compare(lambda F, a, b, v: F.gaussian_nll_loss(a, b, v, full=full, reduction=reduction), [x, t, var], (0, 2))
    compare(lambda F, a, b, v: F.gaussian_nll_loss(a, b, v, full=full, reduction=reduction), [x, t, np.abs(arr(4, seed=3))], (0, 2))
    compare(lambda F, a, b, v: F.gaussian_nll_loss(a, b, v, reduction=reduction), [x, t, np.abs(arr(4, 1, seed=3))], (0, 2))
    counts = np.random.default_rng(4).poisson(3.0, (4, 3)).astype("float64")
    compare(lambda F, a, b: F.poisson_nll_loss(a, b, full=full, reduction=reduction), [x, counts])
    compare(lambda F, a, b: F.poisson_nll_loss(a, b, log_input=False, full=full, reduction=reduction), [np.abs(x) + 0.1, counts])


def test_nll_errors():
    with pytest.raises(ValueError, match="var is of incorrect size"):
        PF.gaussian_nll_loss(pynn.zeros(3, 2), pynn.zeros(3, 2), pynn.ones(2, 3))
    with pytest.raises(ValueError, match="negative"):
        PF.gaussian_nll_loss(pynn.zeros(3), pynn.zeros(3), -pynn.ones(3))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        PF.multi_margin_loss(pynn.zeros(2, 3), pynn.tensor([0, 1]), p=3)
    with pytest.raises(RuntimeError, match="same dimension"):
        PF.margin_ranking_loss(pynn.zeros(3), pynn.zeros(3, 1), pynn.zeros(3))
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        pynn.nn.TripletMarginWithDistanceLoss(margin=0)


def test_loss_gradcheck():
    x, y = pynn.tensor(arr(4, 3), requires_grad=True), pynn.tensor(arr(4, 3, seed=1), requires_grad=True)
    t = pynn.tensor([0, 2, 1, 1])
    assert gradcheck(lambda a: PF.multi_margin_loss(a, t, p=2), [x])
    assert gradcheck(lambda a: PF.multilabel_margin_loss(a, pynn.tensor([[1, -1, 0], [0, 1, 2], [2, 0, -1], [1, 1, -1]])), [x])
    assert gradcheck(lambda a, b: PF.cosine_embedding_loss(a, b, pynn.tensor([1, -1, 1, -1]), margin=-0.5), [x, y])
    assert gradcheck(lambda a, b: PF.triplet_margin_loss(a, b, a * 0.5 + 0.1), [x, y])
    v = pynn.tensor(np.abs(arr(4, 3, seed=2)) + 0.1, requires_grad=True)
    assert gradcheck(lambda a, s: PF.gaussian_nll_loss(a, y.detach(), s, full=True), [x, v])
    assert gradcheck(lambda a: PF.poisson_nll_loss(a, pynn.tensor(np.ones((4, 3))) * 2, full=True), [x])
    assert gradcheck(lambda a: PF.soft_margin_loss(a, pynn.tensor(np.sign(arr(4, 3, seed=5)))), [x])


# ---------------------------------------------------------------------------------------------- CTC
def reference_ctc_nll(lp, target, T, blank=0):
    """-log p(target) by the plain (probability-space) alpha recursion over the blank-extended target."""
    ext = [blank]
    for c in target:
        ext += [c, blank]
    S = len(ext)
    p = np.exp(lp[:T])
    alpha = np.zeros(S)
    alpha[0] = p[0, blank]
    if S > 1:
        alpha[1] = p[0, ext[1]]
    for t in range(1, T):
        new = np.zeros(S)
        for s in range(S):
            v = alpha[s] + (alpha[s - 1] if s > 0 else 0)
            if s > 1 and ext[s] != blank and ext[s] != ext[s - 2]:
                v += alpha[s - 2]
            new[s] = v * p[t, ext[s]]
        alpha = new
    total = alpha[-1] + (alpha[-2] if S > 1 else 0)
    return -math.log(total) if total > 0 else math.inf


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concat"])
def test_ctc_loss(reduction, layout):
    rng = np.random.default_rng(0)
    T, N, C = 12, 4, 6
    x = arr(T, N, C)
    lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    tl = [4, 0, 3, 5]
    il = [12, 7, 9, 12]
    tg = rng.integers(1, C, (N, 5))
    tg[0, :2] = 3  # a repeated label needs a blank between
    targets = tg if layout == "padded" else np.concatenate([tg[n, :tl[n]] for n in range(N)])
    compare(lambda F, a, t: F.ctc_loss(a, t, il, tl, reduction=reduction), [lp, targets], tol=1e-9)
    compare(lambda F, a, t: F.ctc_loss(a.log_softmax(2), t, il, tl, reduction=reduction), [x, targets], tol=1e-9)
    nll = PF.ctc_loss(pynn.tensor(lp), pynn.tensor(targets), il, tl, reduction="none").numpy()
    for n in range(N):
        np.testing.assert_allclose(nll[n], reference_ctc_nll(lp[:, n], list(tg[n, :tl[n]]), il[n]), rtol=1e-10)


def test_ctc_loss_module_blank_unbatched_infinity_and_gradcheck():
    x = arr(5, 2, 4)
    lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
    tg = np.array([[1, 1, 1, 1], [0, 2, 0, 0]])
    il, tl = np.array([5, 5]), np.array([4, 1])  # sample 0: 1,1,1,1 needs 7 frames: impossible
    for zero_inf in (False, True):
        pm = pynn.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=zero_inf)
        tm = torch.nn.CTCLoss(blank=3, reduction="sum", zero_infinity=zero_inf)
        pa, ta = pynn.tensor(lp, requires_grad=True), torch.tensor(lp, requires_grad=True)
        po = pm(pa, pynn.tensor(tg), pynn.tensor(il), pynn.tensor(tl))
        to = tm(ta, torch.tensor(tg), torch.tensor(il), torch.tensor(tl))
        assert po.item() == pytest.approx(to.item()) or (math.isinf(po.item()) and math.isinf(to.item()))
        if zero_inf:
            po.backward()
            to.backward()
            np.testing.assert_allclose(pa.grad.numpy(), ta.grad.numpy(), atol=1e-10)
    compare(lambda F, a, t: F.ctc_loss(a, t, [5], [2]), [lp[:, 0], np.array([1, 2])], tol=1e-9)
    xv = pynn.tensor(arr(6, 2, 4), requires_grad=True)
    assert gradcheck(lambda a: PF.ctc_loss(a.log_softmax(2), pynn.tensor([[1, 2], [2, 2]]), [6, 5], [2, 2]), [xv])


def test_ctc_errors():
    lp = pynn.zeros(5, 2, 4)
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        PF.ctc_loss(lp, pynn.tensor([[1], [1]]), [5, 5], [1, 1], blank=4)
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        PF.ctc_loss(lp, pynn.tensor([[1], [1]]), [5], [1, 1])
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 5"):
        PF.ctc_loss(lp, pynn.tensor([[1], [1]]), [6, 5], [1, 1])
    with pytest.raises(RuntimeError, match="at least 3 at dimension 1"):
        PF.ctc_loss(lp, pynn.tensor([[1], [1]]), [5, 5], [3, 1])
    with pytest.raises(IndexError, match="out of bounds"):
        PF.ctc_loss(lp, pynn.tensor([[9], [1]]), [5, 5], [1, 1])
    x = pynn.tensor(arr(5, 2, 4), requires_grad=True)
    g, = pynn.autograd.grad(PF.ctc_loss(x, pynn.tensor([[1], [1]]), [5, 5], [1, 1]), (x,), create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        g.sum().backward()


# ---------------------------------------------------------------------------------------------- modules
@pytest.mark.parametrize("name,args", [("Softshrink", ()), ("Softshrink", (1.2,)), ("Hardshrink", ()),
                                       ("Hardshrink", (0.1,)), ("Softmax2d", ()), ("RReLU", ()), ("RReLU", (0.1, 0.5)),
                                       ("ChannelShuffle", (2,))])
def test_small_modules(name, args):
    x = arr(2, 4, 3, 3)
    x[0, 0, 0, 0] = 0.5  # the shrink boundary
    pm, tm = getattr(pynn.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(pm) == repr(tm)
    if name == "RReLU":
        pm.eval()
        tm.eval()
    compare(lambda F, a: pm(a) if F is PF else tm(a), [x])
    if name != "RReLU":
        xv = pynn.tensor(arr(2, 4, 3, 3, seed=3), requires_grad=True)
        assert gradcheck(pm, [xv])


def test_rrelu_training_and_errors():
    x = pynn.tensor(-np.abs(arr(10000)) - 0.1)
    y = PF.rrelu(x, 0.1, 0.3, training=True)
    slope = (y / x).numpy()
    assert slope.min() >= 0.1 and slope.max() <= 0.3 and abs(slope.mean() - 0.2) < 0.01
    assert (PF.rrelu(pynn.tensor([1.0, 2.0]), training=True).numpy() == [1.0, 2.0]).all()
    with pytest.raises(RuntimeError, match="divisible by groups"):
        PF.channel_shuffle(pynn.zeros(1, 3, 2), 2)
    with pytest.raises(ValueError, match="3D or 4D"):
        pynn.nn.Softmax2d()(pynn.zeros(2, 2))
    np.testing.assert_array_equal(PF.softshrink(pynn.tensor([np.nan])).numpy(), TF.softshrink(torch.tensor([np.nan])).numpy())
    np.testing.assert_array_equal(PF.hardshrink(pynn.tensor([np.nan])).numpy(), TF.hardshrink(torch.tensor([np.nan])).numpy())


@pytest.mark.parametrize("name,kw", [
    ("MarginRankingLoss", {"margin": 0.5}), ("MultiMarginLoss", {"p": 2}), ("SoftMarginLoss", {}),
    ("MultiLabelSoftMarginLoss", {}), ("MultiLabelMarginLoss", {}), ("CosineEmbeddingLoss", {"margin": 0.1}),
    ("TripletMarginLoss", {"margin": 2.0}), ("TripletMarginWithDistanceLoss", {"swap": True}),
    ("GaussianNLLLoss", {"full": True}), ("PoissonNLLLoss", {"log_input": False}), ("CTCLoss", {"blank": 1}),
])
def test_loss_modules(name, kw):
    pm, tm = getattr(pynn.nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(pm) == repr(tm)
    assert pm.state_dict().keys() == tm.state_dict().keys()
