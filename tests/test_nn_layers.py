"""Layers, activations and containers vs torch: forward, input grads and parameter grads with the state
copied from the torch module; float64 gradchecks of the functional forms."""
from collections import OrderedDict

import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from pynn.autograd import gradcheck
from conftest import assert_close
from nn_testing import compare_forward_backward, copy_state, to_pynn, torch_repr_as_pynn

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)


def arr(*shape, scale=1.0, dtype=np.float32):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def pair(builder):
    tm = builder(torch)
    pm = builder(pynn)
    copy_state(pm, tm)
    return pm, tm


# ----------------------------------------------------------------------------------------- Linear family
@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 3, 5), (2, 1, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    pm, tm = pair(lambda lib: lib.nn.Linear(5, 3, bias=bias))
    compare_forward_backward(pm, tm, arr(*shape))


def test_linear_default_init_bounds_and_attributes():
    pynn.manual_seed(0)
    m = nn.Linear(64, 32)
    bound = 1 / np.sqrt(64)
    w = m.weight.detach().numpy()
    assert w.shape == (32, 64) and m.bias.shape == (32,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound  # U(-1/sqrt(in), 1/sqrt(in))
    assert abs(w.std() - bound / np.sqrt(3)) < 0.1 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    assert m.in_features == 64 and m.out_features == 32
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=pynn.float64).weight.dtype == pynn.float64


def test_linear_wrong_feature_size_raises_torch_wording():
    m = nn.Linear(10, 5)
    tm = torch.nn.Linear(10, 5)
    for shape in [(2, 11), (11,), (3, 2, 11)]:
        with pytest.raises(RuntimeError) as info:
            m(pynn.randn(*shape))
        with pytest.raises(RuntimeError) as tinfo:
            tm(torch.randn(*shape))
        assert str(tinfo.value) in str(info.value)


def test_linear_gradcheck_float64():
    m = nn.Linear(4, 3).double()
    x = pynn.tensor(arr(2, 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda t: m(t), (x,))
    w, b = m.weight, m.bias
    assert gradcheck(lambda t, ww, bb: F.linear(t, ww, bb), (x, w, b))
    x3 = pynn.tensor(arr(2, 3, 4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda t, ww, bb: F.linear(t, ww, bb), (x3, w, b))
    x1 = pynn.tensor(arr(4, dtype=np.float64), requires_grad=True)
    assert gradcheck(lambda t, ww, bb: F.linear(t, ww, bb), (x1, w, b))


def test_bilinear_matches_torch():
    pm, tm = pair(lambda lib: lib.nn.Bilinear(3, 4, 2))
    compare_forward_backward(pm, tm, arr(5, 3), arr(5, 4), rtol=1e-4, atol=1e-5)
    pm, tm = pair(lambda lib: lib.nn.Bilinear(3, 4, 2, bias=False))
    compare_forward_backward(pm, tm, arr(2, 5, 3), arr(2, 5, 4), rtol=1e-4, atol=1e-5)
    assert repr(pm) == repr(tm)
    with pytest.raises(RuntimeError, match="input1 size does not match weight size"):
        pm(pynn.randn(5, 4), pynn.randn(5, 4))


def test_identity_flatten_unflatten():
    x = arr(2, 3, 4, 5)
    for build in (lambda lib: lib.nn.Identity(3, some_kwarg=1), lambda lib: lib.nn.Flatten(),
                  lambda lib: lib.nn.Flatten(0, 2), lambda lib: lib.nn.Flatten(-2),
                  lambda lib: lib.nn.Unflatten(1, (3, 1)), lambda lib: lib.nn.Unflatten(-1, [5, 1])):
        pm, tm = pair(build)
        compare_forward_backward(pm, tm, x)
        assert repr(pm) == repr(tm)
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, 3)


# ----------------------------------------------------------------------------------------- activations
ACTIVATIONS = [
    lambda lib: lib.nn.ReLU(), lambda lib: lib.nn.ReLU6(), lambda lib: lib.nn.Sigmoid(), lambda lib: lib.nn.Tanh(),
    lambda lib: lib.nn.LeakyReLU(), lambda lib: lib.nn.LeakyReLU(0.2), lambda lib: lib.nn.GELU(),
    lambda lib: lib.nn.GELU(approximate="tanh"), lambda lib: lib.nn.ELU(), lambda lib: lib.nn.ELU(alpha=0.5),
    lambda lib: lib.nn.CELU(alpha=0.7), lambda lib: lib.nn.SELU(), lambda lib: lib.nn.SiLU(), lambda lib: lib.nn.Mish(),
    lambda lib: lib.nn.Softplus(), lambda lib: lib.nn.Softplus(beta=2.0, threshold=1.5),
    lambda lib: lib.nn.Hardtanh(), lambda lib: lib.nn.Hardtanh(-0.5, 2.0), lambda lib: lib.nn.PReLU(),
    lambda lib: lib.nn.PReLU(num_parameters=3, init=0.1), lambda lib: lib.nn.Softmax(dim=1),
    lambda lib: lib.nn.Softmax(dim=-1), lambda lib: lib.nn.LogSoftmax(dim=1), lambda lib: lib.nn.LogSoftmax(dim=0),
    lambda lib: lib.nn.Softmin(dim=1), lambda lib: lib.nn.LogSigmoid(), lambda lib: lib.nn.Softsign(),
    lambda lib: lib.nn.Tanhshrink(), lambda lib: lib.nn.Threshold(0.1, -2.0), lambda lib: lib.nn.Hardsigmoid(),
    lambda lib: lib.nn.Hardswish(), lambda lib: lib.nn.GLU(dim=1),
]


@pytest.mark.parametrize("builder", ACTIVATIONS, ids=lambda b: repr(b(torch)))
def test_activation_matches_torch(builder):
    pm, tm = pair(builder)
    x = arr(4, 6, 5, scale=3.0) if not isinstance(tm, torch.nn.PReLU) or tm.num_parameters == 1 else None
    if x is None:
        x = arr(4, 3, 5, scale=3.0)
    compare_forward_backward(pm, tm, x, rtol=1e-5, atol=1e-5)
    assert repr(pm) == repr(tm)


INPLACE = [
    lambda lib: lib.nn.ReLU(inplace=True), lambda lib: lib.nn.ReLU6(inplace=True),
    lambda lib: lib.nn.LeakyReLU(0.1, inplace=True), lambda lib: lib.nn.ELU(inplace=True),
    lambda lib: lib.nn.SELU(inplace=True), lambda lib: lib.nn.SiLU(inplace=True), lambda lib: lib.nn.Mish(inplace=True),
    lambda lib: lib.nn.Hardtanh(inplace=True), lambda lib: lib.nn.CELU(inplace=True),
    lambda lib: lib.nn.Threshold(0.0, 1.0, inplace=True), lambda lib: lib.nn.Dropout(0.0, inplace=True),
]


@pytest.mark.parametrize("builder", INPLACE, ids=lambda b: repr(b(torch)))
def test_inplace_activation_modifies_input_and_backprops(builder):
    x = arr(3, 4, scale=2.0)
    pm, tm = pair(builder)
    assert repr(pm) == repr(tm)
    # no grad: result is the input object itself, values changed in place
    px, tx = pynn.tensor(x), torch.tensor(x)
    assert pm(px) is px
    tm(tx)
    assert_close(px, tx, rtol=1e-5, atol=1e-6)
    # with autograd: in-place on a non-leaf, grads flow to the leaf
    pl, tl = pynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ph, th = pl * 1.5, tl * 1.5
    po, to = pm(ph), tm(th)
    assert po is ph
    assert_close(po, to, rtol=1e-5, atol=1e-6)
    po.sum().backward()
    to.sum().backward()
    assert_close(pl.grad, tl.grad, rtol=1e-5, atol=1e-5)


def test_inplace_on_leaf_requiring_grad_raises():
    x = pynn.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.ReLU(inplace=True)(x)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        nn.ELU(inplace=True)(x)


FUNCTIONAL_GRADCHECK = [
    ("relu", lambda x: F.relu(x)), ("relu6", lambda x: F.relu6(x * 4)), ("leaky_relu", lambda x: F.leaky_relu(x, 0.3)),
    ("gelu", lambda x: F.gelu(x)), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("elu", lambda x: F.elu(x, 0.8)), ("selu", F.selu), ("celu", lambda x: F.celu(x, 1.3)), ("silu", F.silu),
    ("mish", F.mish), ("softplus", lambda x: F.softplus(x, 2.0, 1.0)), ("hardtanh", lambda x: F.hardtanh(x, -0.6, 0.7)),
    ("softmax", lambda x: F.softmax(x, 1)), ("log_softmax", lambda x: F.log_softmax(x, 0)),
    ("softmin", lambda x: F.softmin(x, -1)), ("logsigmoid", F.logsigmoid), ("softsign", F.softsign),
    ("hardswish", F.hardswish), ("glu", lambda x: F.glu(x, 1)), ("sigmoid", F.sigmoid), ("tanh", F.tanh),
    ("normalize", lambda x: F.normalize(x, dim=1)),
]


@pytest.mark.parametrize("name,fn", FUNCTIONAL_GRADCHECK, ids=[n for n, _ in FUNCTIONAL_GRADCHECK])
def test_functional_activation_gradcheck(name, fn):
    # keep values away from the kinks, where finite differences are meaningless
    a = arr(3, 4, dtype=np.float64)
    a = np.where(np.abs(a) < 0.05, 0.3, a)
    for kink in (0.6, 0.7, 0.5, -0.6, 3.0, -3.0):
        a = np.where(np.abs(np.abs(a) - abs(kink)) < 0.02, a + 0.1, a)
    x = pynn.tensor(a, requires_grad=True)
    assert gradcheck(fn, (x,))


def test_prelu_gradcheck_and_weight_grad():
    x = pynn.tensor(arr(2, 3, 4, dtype=np.float64), requires_grad=True)
    w = pynn.tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
    assert gradcheck(lambda a, b: F.prelu(a, b), (x, w))


def test_softmax_implicit_dim_warns_like_torch():
    x = arr(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        p = nn.Softmax()(pynn.tensor(x))
    with pytest.warns(UserWarning):
        t = torch.nn.Softmax()(torch.tensor(x))
    assert_close(p, t, rtol=1e-6)


def test_softmax_dtype_and_tensor_methods():
    x = arr(3, 4)
    assert_close(F.softmax(pynn.tensor(x), 1, dtype=pynn.float64),
                 torch.nn.functional.softmax(torch.tensor(x), 1, dtype=torch.float64))
    assert_close(pynn.tensor(x).softmax(0), torch.tensor(x).softmax(0), rtol=1e-6)
    assert_close(pynn.tensor(x).log_softmax(-1), torch.tensor(x).log_softmax(-1), rtol=1e-6)
    assert_close(pynn.softmax(pynn.tensor(x), dim=-1), torch.softmax(torch.tensor(x), dim=-1), rtol=1e-6)
    assert_close(pynn.log_softmax(pynn.tensor(x), 1), torch.log_softmax(torch.tensor(x), 1), rtol=1e-6)


def test_activation_argument_errors():
    with pytest.raises(ValueError, match=r"max_val \(0.0\) must be greater than min_val \(1.0\)"):
        nn.Hardtanh(1.0, 0.0)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(pynn.randn(2), 1.0, 0.0)
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(pynn.randn(2), alpha=0.0)
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 0 is size 3"):
        F.glu(pynn.randn(3), 0)
    with pytest.raises(RuntimeError, match="approximate"):
        F.gelu(pynn.randn(2), approximate="fast")


# ----------------------------------------------------------------------------------------- dropout
def test_dropout_eval_is_identity_and_train_scales():
    d = nn.Dropout(0.25)
    x = pynn.ones(200, 100)
    d.eval()
    assert d(x) is x
    d.train()
    pynn.manual_seed(1)
    y = d(x).numpy()
    kept = y != 0
    assert abs(1 - kept.mean() - 0.25) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)


def test_dropout_backward_uses_the_same_mask():
    x = pynn.tensor(arr(50, 40), requires_grad=True)
    y = F.dropout(x, 0.4, training=True)
    y.sum().backward()
    mask = (y.detach().numpy() != 0)
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.6, rtol=1e-6)


def test_dropout_edge_probabilities_and_errors():
    x = pynn.tensor(arr(10, 10))
    assert_close(F.dropout(x, 0.0), torch.tensor(x.numpy()))
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0
    assert F.dropout(x, 0.5, training=False) is x
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got"):
            nn.Dropout(p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(x, p)


@pytest.mark.parametrize("cls,shape", [("Dropout1d", (4, 6, 30)), ("Dropout2d", (4, 6, 5, 6)),
                                       ("Dropout3d", (2, 6, 3, 4, 5))])
def test_feature_dropout_zeroes_whole_channels(cls, shape):
    d = getattr(nn, cls)(0.5)
    y = d(pynn.ones(*shape)).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    for row in per_channel.reshape(-1, per_channel.shape[-1]):
        assert np.all(row == 0) or np.allclose(row, 2.0)
    d.eval()
    x = pynn.ones(*shape)
    assert d(x) is x
    assert repr(d) == repr(getattr(torch.nn, cls)(0.5))


def test_alpha_dropout_keeps_mean_and_variance():
    pynn.manual_seed(0)
    x = pynn.randn(200000)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2, training=False) is x


# ----------------------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_and_mutation():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[0] is seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and isinstance(seq[1], nn.Linear)
    seq.insert(1, nn.Tanh())
    assert isinstance(seq[1], nn.Tanh) and len(seq) == 4
    seq[1] = nn.ReLU()
    assert isinstance(seq[1], nn.ReLU)
    popped = seq.pop(-1)
    assert isinstance(popped, nn.Sigmoid) and len(seq) == 3
    seq.extend([nn.Identity()])
    assert len(seq) == 4
    combined = seq + nn.Sequential(nn.ReLU())
    assert len(combined) == 5
    assert seq(pynn.randn(5, 2)).shape == (5, 1)


def test_sequential_ordered_dict_and_forward_matches_torch():
    def build(lib):
        return lib.nn.Sequential(OrderedDict([("fc1", lib.nn.Linear(4, 8)), ("act", lib.nn.GELU()),
                                              ("drop", lib.nn.Dropout(0.5)), ("fc2", lib.nn.Linear(8, 3))]))

    pm, tm = pair(build)
    pm.eval()
    tm.eval()
    assert pm.fc1 is pm[0] and pm.act is pm[1]
    compare_forward_backward(pm, tm, arr(6, 4), rtol=1e-5, atol=1e-5)
    assert repr(pm) == repr(tm)
    assert [n for n, _ in pm.named_parameters()] == [n for n, _ in tm.named_parameters()]


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and isinstance(ml[-1], nn.Linear)
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh(), nn.Sigmoid()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Linear", "Linear", "ReLU", "Tanh", "Sigmoid"]
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(6)]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    ml += [nn.Identity()]
    assert len(ml) == 7 and len(list(ml.parameters())) == 6
    assert isinstance(ml.pop(), nn.Identity)
    with pytest.raises(IndexError):
        ml[10]
    with pytest.raises(NotImplementedError):
        ml(pynn.ones(1))
    tml = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU(), torch.nn.ReLU()])
    pml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU()])
    assert repr(pml) == repr(tml)


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    assert len(md) == 2 and "a" in md and list(md) == ["a", "b"] and list(md.keys()) == ["a", "b"]
    md["c"] = nn.Tanh()
    md.update([("d", nn.Sigmoid())])
    assert list(md.keys()) == ["a", "b", "c", "d"]
    assert isinstance(md.pop("b"), nn.ReLU) and "b" not in md
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert [type(v).__name__ for v in md.values()] == ["Linear", "Tanh", "Sigmoid"]
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0"):
        md.update([nn.ReLU()])
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(pynn.randn(2, 3)), pynn.randn(3)])
    assert len(pl) == 2 and all(type(p) is nn.Parameter for p in pl)
    pl.append(pynn.zeros(4))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(2, 3)), torch.randn(3), torch.zeros(4)])
    assert repr(pl) == torch_repr_as_pynn(repr(tl))
    m = nn.Module()
    m.params = pl
    assert [n for n, _ in m.named_parameters()] == ["params.0", "params.1", "params.2"]
    (pl[0].sum() + pl[1].sum()).backward()
    assert pl[0].grad is not None and pl[2].grad is None
    pd = nn.ParameterDict(OrderedDict(w=pynn.ones(2), b=nn.Parameter(pynn.zeros(1))))
    assert list(pd.keys()) == ["w", "b"] and type(pd["w"]) is nn.Parameter and "w" in pd
    td = torch.nn.ParameterDict(OrderedDict(w=torch.ones(2), b=torch.nn.Parameter(torch.zeros(1))))
    assert repr(pd) == torch_repr_as_pynn(repr(td))
    assert list(nn.ParameterDict({"w": pynn.ones(1), "b": pynn.ones(1)}).keys()) == \
        list(torch.nn.ParameterDict({"w": torch.ones(1), "b": torch.ones(1)}).keys())
    del pd["w"]
    assert list(pd.keys()) == ["b"] and [n for n, _ in pd.named_parameters()] == ["b"]


# ----------------------------------------------------------------------------------------- functional misc
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding,shape", [((1, 2), (2, 3, 5)), ((2, 1, 0, 1), (2, 3, 4, 5)),
                                           ((1, 1, 1, 1, 1, 1), (2, 3, 4, 5)), ((1, 0, 2, 1, 1, 1), (1, 2, 3, 4, 5))])
def test_pad_matches_torch(mode, padding, shape):
    if mode != "constant" and len(padding) // 2 + 2 != len(shape):
        pytest.skip("torch pads the last n dims of an (n+2)-d input only in non-constant modes")
    x = arr(*shape)
    kwargs = {"value": 1.5} if mode == "constant" else {}
    px, tx = pynn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    po = F.pad(px, padding, mode=mode, **kwargs)
    to = torch.nn.functional.pad(tx, padding, mode=mode, **kwargs)
    assert_close(po, to)
    proj = arr(*to.shape)
    (po * pynn.tensor(proj)).sum().backward()
    (to * torch.tensor(proj)).sum().backward()
    assert_close(px.grad, tx.grad, rtol=1e-5, atol=1e-5)


def test_pad_negative_and_errors():
    x = arr(3, 6)
    assert_close(F.pad(pynn.tensor(x), (-1, 2)), torch.nn.functional.pad(torch.tensor(x), (-1, 2)))
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(pynn.tensor(x), (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times"):
        F.pad(pynn.tensor(x), (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(pynn.tensor(x), (6, 0), mode="reflect")


def test_one_hot_matches_torch():
    idx = np.array([0, 3, 1, 2])
    assert_close(F.one_hot(pynn.tensor(idx)), torch.nn.functional.one_hot(torch.tensor(idx)))
    assert_close(F.one_hot(pynn.tensor(idx), 6), torch.nn.functional.one_hot(torch.tensor(idx), 6))


def test_cosine_similarity_and_normalize_match_torch():
    a, b = arr(4, 5), arr(4, 5)
    assert_close(F.cosine_similarity(pynn.tensor(a), pynn.tensor(b)),
                 torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b)), rtol=1e-5)
    assert_close(F.normalize(pynn.tensor(a), dim=0),
                 torch.nn.functional.normalize(torch.tensor(a), dim=0), rtol=1e-5)


def test_mlp_end_to_end_against_torch_float64():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16), lib.nn.Tanh(),
                                 lib.nn.Linear(16, 4), lib.nn.LogSoftmax(dim=1)).double()

    pm, tm = pair(build)
    compare_forward_backward(pm, tm, arr(8, 6, dtype=np.float64), rtol=1e-10, atol=1e-12)
    x = to_pynn(torch.randn(3, 6, dtype=torch.float64)).requires_grad_()
    assert gradcheck(lambda t: pm(t), (x,))


def test_pad_rejects_an_unknown_mode():
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode mirror"):  # torch's type and text
        pynn.nn.functional.pad(pynn.ones(2, 3), (1, 1), mode="mirror")
