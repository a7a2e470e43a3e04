"""Losses vs torch for every reduction: module and functional forms, forward and input grads, float64
gradchecks, and torch's errors for bad targets and shapes."""
import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from pynn.autograd import gradcheck
from conftest import assert_close

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["none", "mean", "sum"]


def rng(seed=0):
    return np.random.default_rng(seed)


def run_loss(p_loss, t_loss, inputs, targets, rtol=1e-5, atol=1e-6):
    """inputs (float arrays, differentiated) and targets (arrays, not differentiated) through both losses;
    compare value and the input grads of a random projection of the output."""
    p_in = [pynn.tensor(a, requires_grad=True) for a in inputs]
    t_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    p_tg = [pynn.tensor(a) for a in targets]
    t_tg = [torch.tensor(a) for a in targets]
    po = p_loss(*p_in, *p_tg)
    to = t_loss(*t_in, *t_tg)
    assert_close(po, to, rtol=rtol, atol=atol)
    proj = rng(9).standard_normal(tuple(to.shape)).astype(to.detach().numpy().dtype)
    (po * pynn.tensor(proj)).sum().backward()
    (to * torch.tensor(proj)).sum().backward()
    for p, t in zip(p_in, t_in):
        assert_close(p.grad, t.grad, rtol=rtol, atol=atol)


def probs(*shape, seed=0):
    return rng(seed).uniform(0.05, 0.95, shape).astype(np.float32)


def normal(*shape, seed=0, dtype=np.float32):
    return rng(seed).standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------------------- regression losses
ELEMENTWISE = [
    ("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"beta": 0.0}), ("HuberLoss", {}), ("HuberLoss", {"delta": 0.3}),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", ELEMENTWISE, ids=[f"{n}{k}" for n, k in ELEMENTWISE])
def test_elementwise_losses(name, kwargs, reduction):
    x, y = normal(4, 5, seed=1), normal(4, 5, seed=2)
    run_loss(getattr(nn, name)(reduction=reduction, **kwargs), getattr(torch.nn, name)(reduction=reduction, **kwargs),
             [x], [y])


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_elementwise_weight(fn, reduction):
    x, y, w = normal(3, 4, seed=1), normal(3, 4, seed=2), probs(3, 4, seed=3)
    run_loss(lambda a, b, c: getattr(F, fn)(a, b, reduction=reduction, weight=c),
             lambda a, b, c: getattr(TF, fn)(a, b, reduction=reduction, weight=c), [x], [y, w])
    with pytest.raises(ValueError, match="Weights and input must have the same size."):
        getattr(F, fn)(pynn.tensor(x), pynn.tensor(y), weight=pynn.ones(4))


def test_regression_losses_gradcheck_both_arguments():
    x = pynn.tensor(normal(3, 4, seed=1, dtype=np.float64), requires_grad=True)
    y = pynn.tensor(normal(3, 4, seed=2, dtype=np.float64), requires_grad=True)
    for fn in (F.mse_loss, F.l1_loss, lambda a, b: F.smooth_l1_loss(a, b, beta=0.7),
               lambda a, b: F.huber_loss(a, b, delta=0.4)):
        assert gradcheck(fn, (x, y))


def test_size_mismatch_warns_then_broadcasts_or_raises_like_torch():
    with pytest.warns(UserWarning, match="Using a target size"):
        p = F.mse_loss(pynn.ones(3, 1), pynn.zeros(3))
    with pytest.warns(UserWarning):
        t = TF.mse_loss(torch.ones(3, 1), torch.zeros(3))
    assert_close(p, t)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="must match the size of tensor b"):
        F.l1_loss(pynn.ones(3), pynn.ones(4))


def test_invalid_reduction_and_legacy_args():
    for fn in (F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.binary_cross_entropy):
        with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
            fn(pynn.rand(3), pynn.rand(3), reduction="avg")
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.CrossEntropyLoss(reduction="avg")(pynn.randn(2, 3), pynn.tensor([0, 1]))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        m = nn.MSELoss(size_average=False)
    assert m.reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.L1Loss(reduce=False).reduction == "none"


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(probs(4, 5, seed=1))
    t = probs(4, 5, seed=2)
    t[0, 0] = 0.0  # xlogy(0, 0) = 0
    if log_target:
        t = np.log(probs(4, 5, seed=2))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_loss(nn.KLDivLoss(reduction=reduction, log_target=log_target),
                 torch.nn.KLDivLoss(reduction=reduction, log_target=log_target), [x], [t])


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(pynn.zeros(2, 2), pynn.ones(2, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding(reduction, margin):
    x = normal(4, 6, seed=3)
    y = np.where(rng(4).random((4, 6)) > 0.5, 1.0, -1.0).astype(np.float32)
    run_loss(nn.HingeEmbeddingLoss(margin=margin, reduction=reduction),
             torch.nn.HingeEmbeddingLoss(margin=margin, reduction=reduction), [x], [y])


# ----------------------------------------------------------------------------------------- classification
def class_targets(shape, n_classes, seed=5, ignore=None):
    t = rng(seed).integers(0, n_classes, shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


CE_CASES = [
    dict(),
    dict(weight=True),
    dict(ignore_index=2),
    dict(ignore_index=-100, ignore=True),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, weight=True),
    dict(label_smoothing=0.15, weight=True, ignore_index=1),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES, ids=[str(c) for c in CE_CASES])
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3), (2, 4, 3, 2), (4,)])
def test_cross_entropy_class_indices(case, reduction, shape):
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    x = normal(*shape, seed=7)
    tgt = class_targets(tshape, n_classes, ignore=-100 if case.get("ignore") else None)
    kwargs = {k: v for k, v in case.items() if k in ("ignore_index", "label_smoothing")}
    targets = [tgt]
    if case.get("weight"):
        targets.append(probs(n_classes, seed=8) + 0.5)
        p_loss = lambda a, t, w: nn.CrossEntropyLoss(weight=w, reduction=reduction, **kwargs)(a, t)  # noqa: E731
        t_loss = lambda a, t, w: torch.nn.CrossEntropyLoss(weight=w, reduction=reduction, **kwargs)(a, t)  # noqa
    else:
        p_loss = nn.CrossEntropyLoss(reduction=reduction, **kwargs)
        t_loss = torch.nn.CrossEntropyLoss(reduction=reduction, **kwargs)
    run_loss(p_loss, t_loss, [x], targets, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probabilities(reduction, smoothing, weighted):
    x = normal(5, 4, 3, seed=1)
    t = rng(2).dirichlet(np.ones(4), size=(5, 3)).transpose(0, 2, 1).astype(np.float32)
    w = probs(4, seed=3) + 0.5 if weighted else None
    targets = [t] + ([w] if weighted else [])

    def make(F_):
        return lambda a, b, *ww: F_.cross_entropy(a, b, weight=ww[0] if ww else None, reduction=reduction,
                                                  label_smoothing=smoothing)

    run_loss(make(F), make(TF), [x], targets)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3, 2)])
def test_nll_loss(reduction, weighted, shape):
    x = np.log(probs(*shape, seed=3))
    tgt = class_targets((shape[0],) + shape[2:], shape[1], ignore=-100)
    targets = [tgt] + ([probs(shape[1], seed=4)] if weighted else [])

    def make(lib):
        return lambda a, t, *w: lib.nn.NLLLoss(weight=w[0] if w else None, reduction=reduction)(a, t)

    run_loss(make(pynn), make(torch), [x], targets)


def test_classification_gradcheck_float64():
    x = pynn.tensor(normal(4, 5, seed=1, dtype=np.float64), requires_grad=True)
    t = pynn.tensor(np.array([0, 4, 2, 1]))
    w = pynn.tensor(np.array([1.0, 0.5, 2.0, 1.5, 0.7]))
    assert gradcheck(lambda a: F.cross_entropy(a, t, weight=w, label_smoothing=0.1), (x,))
    assert gradcheck(lambda a: F.nll_loss(F.log_softmax(a, 1), t, weight=w, reduction="sum"), (x,))
    p = pynn.tensor(rng(3).dirichlet(np.ones(5), size=4))
    assert gradcheck(lambda a: F.cross_entropy(a, p), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, weighted):
    x, y = probs(4, 3, seed=1), probs(4, 3, seed=2)
    targets = [y] + ([probs(4, 3, seed=3)] if weighted else [])

    def make(lib):
        return lambda a, t, *w: lib.nn.BCELoss(weight=w[0] if w else None, reduction=reduction)(a, t)

    run_loss(make(pynn), make(torch), [x], targets)


def test_bce_broadcast_weight():
    x, y, w = probs(4, 3, seed=1), probs(4, 3, seed=2), probs(3, seed=3)
    run_loss(lambda a, t, ww: F.binary_cross_entropy(a, t, weight=ww),
             lambda a, t, ww: TF.binary_cross_entropy(a, t, weight=ww), [x], [y, w])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits(reduction, weighted, pos):
    x, y = normal(4, 3, seed=1) * 4, probs(4, 3, seed=2)
    w = probs(4, 3, seed=3) if weighted else None
    pw = probs(3, seed=4) * 3 if pos else None

    def make(lib):
        def loss(a, t):
            wt = None if w is None else lib.tensor(w)
            pwt = None if pw is None else lib.tensor(pw)
            return lib.nn.BCEWithLogitsLoss(weight=wt, pos_weight=pwt, reduction=reduction)(a, t)

        return loss

    run_loss(make(pynn), make(torch), [x], [y])


def test_binary_losses_gradcheck_float64():
    x = pynn.tensor(rng(1).uniform(0.1, 0.9, (3, 4)), requires_grad=True)
    y = pynn.tensor(rng(2).uniform(0.0, 1.0, (3, 4)))
    assert gradcheck(lambda a: F.binary_cross_entropy(a, y), (x,))
    z = pynn.tensor(rng(3).standard_normal((3, 4)) * 3, requires_grad=True)
    pw = pynn.tensor(np.array([0.5, 1.0, 2.0, 3.0]))
    assert gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, y, pos_weight=pw), (z,))


def test_loss_module_buffers_and_repr():
    w = pynn.ones(3)
    m = nn.CrossEntropyLoss(weight=w)
    assert [n for n, _ in m.named_buffers()] == ["weight"] and m.weight is w
    assert repr(m) == repr(torch.nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert list(nn.BCEWithLogitsLoss(pos_weight=pynn.ones(2)).state_dict()) == \
        list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(2)).state_dict())


# ----------------------------------------------------------------------------------------- bad input
def _same_error(fn, exc):
    with pytest.raises(exc) as pinfo:
        fn(pynn, F)
    with pytest.raises(exc) as tinfo:
        fn(torch, TF)
    assert str(tinfo.value).replace("torch.", "pynn.") in str(pinfo.value)


@pytest.mark.parametrize("case,exc", [
    (lambda L, F_: F_.cross_entropy(L.zeros(3, 4), L.tensor([0, 4, 1])), IndexError),
    (lambda L, F_: F_.cross_entropy(L.zeros(3, 4), L.tensor([0, -2, 1])), IndexError),
    (lambda L, F_: F_.nll_loss(L.zeros(3, 4), L.tensor([0, 9, 1])), IndexError),
    (lambda L, F_: F_.cross_entropy(L.zeros(3, 4), L.tensor([0, 1])), ValueError),
    (lambda L, F_: F_.nll_loss(L.zeros(3, 4, 5), L.tensor([0, 1, 1])), RuntimeError),
    (lambda L, F_: F_.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 2]).int()), RuntimeError),
    (lambda L, F_: F_.cross_entropy(L.zeros(3, 4), L.tensor([0, 1, 1]), weight=L.ones(3)), RuntimeError),
    (lambda L, F_: F_.binary_cross_entropy(L.zeros(3) + 0.5, L.zeros(3, 1)), ValueError),
    (lambda L, F_: F_.binary_cross_entropy(L.zeros(3) + 1.5, L.zeros(3)), RuntimeError),
    (lambda L, F_: F_.binary_cross_entropy_with_logits(L.zeros(3), L.zeros(4)), ValueError),
    (lambda L, F_: F_.hinge_embedding_loss(L.zeros(3), L.zeros(3), reduction="bad"), ValueError),
    (lambda L, F_: F_.smooth_l1_loss(L.zeros(3), L.zeros(3), beta=-1.0), RuntimeError),
])
def test_bad_input_errors_match_torch(case, exc):
    _same_error(case, exc)


# ------------------------------------------------------------------------------ weights saved for backward
def _weighted_losses():
    x = rng(20).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 2])
    q = probs(4, 3, seed=21)
    w3, w43 = probs(3, seed=22), probs(4, 3, seed=23)
    # (loss of (library, functional, input, weight), input array, weight array)
    return [
        (lambda L, F_, x, w: F_.nll_loss(x.log_softmax(1), L.tensor(t), weight=w), x, w3),
        (lambda L, F_, x, w: F_.cross_entropy(x, L.tensor(t), weight=w), x, w3),
        (lambda L, F_, x, w: F_.cross_entropy(x, L.tensor(t), weight=w, reduction="none").sum(), x, w3),
        (lambda L, F_, x, w: F_.cross_entropy(x, L.tensor(q), weight=w, label_smoothing=0.1), x, w3),
        (lambda L, F_, x, w: F_.binary_cross_entropy(x.sigmoid(), L.tensor(q), weight=w), x, w43),
        (lambda L, F_, x, w: F_.binary_cross_entropy_with_logits(x, L.tensor(q), weight=w), x, w43),
        (lambda L, F_, x, w: F_.binary_cross_entropy_with_logits(x, L.tensor(q), pos_weight=w), x, w3),
    ]


@pytest.mark.parametrize("case", range(len(_weighted_losses())))
def test_inplace_edit_of_loss_weight_before_backward_raises_like_torch(case):
    loss, x, w = _weighted_losses()[case]
    for L, F_ in ((pynn, F), (torch, TF)):
        xt, wt = L.tensor(x, requires_grad=True), L.tensor(w)
        out = loss(L, F_, xt, wt)
        wt.mul_(2)
        with pytest.raises(RuntimeError, match="one of the variables needed for gradient computation has been "
                                               "modified by an inplace operation"):
            out.backward()


@pytest.mark.parametrize("case", range(len(_weighted_losses())))
def test_loss_weight_left_alone_gives_torch_gradients(case):
    loss, x, w = _weighted_losses()[case]
    grads = []
    for L, F_ in ((pynn, F), (torch, TF)):
        xt = L.tensor(x, requires_grad=True)
        loss(L, F_, xt, L.tensor(w)).backward()
        grads.append(xt.grad)
    assert_close(grads[0], grads[1], rtol=1e-5, atol=1e-6)
