"""Autograd: float64 finite-difference gradchecks and agreement with torch (first families wired)."""
import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)


def leaf(*shape, positive=False):
    a = rng.standard_normal(shape)
    if positive:
        a = np.abs(a) + 0.5
    return pynn.tensor(a, dtype=pynn.float64, requires_grad=True)


UNARY = ["neg", "abs", "exp", "tanh", "sigmoid", "sin", "cos", "relu", "square", "atan", "erf", "expm1"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradcheck(name):
    assert gradcheck(lambda x: getattr(pynn, name)(x), (leaf(3, 4),))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_at_special_values_matches_torch(dtype):
    """relu's backward (one fused pass when no graph is built, the op formula under create_graph) is torch's
    threshold_backward: the gradient passes at NaN and +inf, stops at zeros of either sign and below."""
    torch = pytest.importorskip("torch")
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, 3.0, 1e-30, -1e-30], dtype=dtype)
    g = np.array([1, 2, 3, 4, 5, np.inf, np.nan, -1, 7, 8], dtype=dtype)
    tx = torch.tensor(x, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g))
    for create_graph in (False, True):
        px = pynn.tensor(x, requires_grad=True)
        pynn.relu(px).backward(pynn.tensor(g), create_graph=create_graph)
        np.testing.assert_array_equal(px.grad.detach().numpy(), tx.grad.numpy())


@pytest.mark.parametrize("name", ["log", "sqrt", "rsqrt", "reciprocal", "log1p"])
def test_unary_positive_gradcheck(name):
    assert gradcheck(lambda x: getattr(pynn, name)(x), (leaf(3, 4, positive=True),))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum", "atan2"])
def test_binary_broadcast_gradcheck(op):
    a, b = leaf(2, 3, 4), leaf(3, 1, positive=True)
    assert gradcheck(lambda x, y: getattr(pynn, op)(x, y), (a, b))


def test_pow_gradcheck():
    assert gradcheck(lambda x, y: x ** y, (leaf(3, 4, positive=True), leaf(3, 4)))
    assert gradcheck(lambda x: x ** 3, (leaf(5),))


def test_views_and_reductions_gradcheck():
    x = leaf(4, 6)
    assert gradcheck(lambda t: t.t().reshape(3, 8)[1:, ::2].sum(0), (x,))
    assert gradcheck(lambda t: t.permute(1, 0).unsqueeze(0).expand(2, 6, 4).mean((0, 2)), (x,))
    assert gradcheck(lambda t: t.narrow(1, 2, 3).select(0, 1) * 2, (x,))


def test_linalg_gradcheck():
    assert gradcheck(lambda a, b: a.mm(b), (leaf(3, 4), leaf(4, 2)))
    assert gradcheck(lambda a, b: pynn.matmul(a, b), (leaf(2, 1, 3, 4), leaf(5, 4, 2)))
    assert gradcheck(lambda a, b: pynn.matmul(a, b), (leaf(4), leaf(3, 4, 2)))
    assert gradcheck(lambda a, b: pynn.matmul(a, b), (leaf(3, 4), leaf(4)))
    # batch dims folded into rows (the Linear-on-3-D case), the weight gradient as one folded product
    assert gradcheck(lambda a, b: pynn.matmul(a, b), (leaf(2, 3, 4), leaf(4, 5)))
    assert gradcheck(lambda a, b: pynn.matmul(a, b), (leaf(2, 2, 3, 4), leaf(4)))
    assert gradcheck(lambda a, b: pynn.matmul(a.transpose(0, 1), b), (leaf(3, 2, 4), leaf(4, 5)))
    assert pynn.autograd.gradgradcheck(lambda a, b: pynn.matmul(a, b), (leaf(2, 3, 4), leaf(4, 5)))
    assert gradcheck(lambda i, a, b: pynn.addmm(i, a, b, beta=0.5, alpha=2.0), (leaf(2), leaf(3, 4), leaf(4, 2)))
    assert gradcheck(lambda a, b: pynn.bmm(a, b), (leaf(2, 3, 4), leaf(2, 4, 5)))


def test_where_clamp_gradcheck():
    x = leaf(3, 5)
    assert gradcheck(lambda t: t.clamp(min=-0.5, max=0.5), (x,))
    assert gradcheck(lambda a, b: pynn.where(a > 0, a, b), (x, leaf(5)))


def test_two_layer_net_matches_torch():
    X = rng.standard_normal((16, 20)).astype(np.float32)
    Y = rng.standard_normal((16, 5)).astype(np.float32)
    W1 = rng.standard_normal((20, 8)).astype(np.float32)
    W2 = rng.standard_normal((8, 5)).astype(np.float32)
    runs = []
    for m in (pynn, torch):
        x, y = m.tensor(X), m.tensor(Y)
        w1, w2 = m.tensor(W1, requires_grad=True), m.tensor(W2, requires_grad=True)
        losses = []
        for _ in range(20):
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with m.no_grad():
                w1 -= 1e-4 * w1.grad
                w2 -= 1e-4 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()
        runs.append(losses)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-4)


def test_linear_regression_recovers_line():
    pynn.manual_seed(0)
    x = pynn.rand(200, 1)
    y = 2 * x + 1 + 0.01 * pynn.randn(200, 1)
    w = pynn.zeros(1, requires_grad=True)
    b = pynn.zeros(1, requires_grad=True)
    for _ in range(2000):
        loss = ((x * w + b - y) ** 2).mean()
        loss.backward()
        with pynn.no_grad():
            w -= 0.5 * w.grad
            b -= 0.5 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    assert abs(w.item() - 2) < 0.05 and abs(b.item() - 1) < 0.05


def test_grad_accumulates_and_hooks():
    x = pynn.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    y = x * 2
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    x.grad = None
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]
    assert y.grad.tolist() == [10.0, 10.0]


def test_autograd_grad_and_double_backward():
    x = pynn.tensor([1.5, -2.0], dtype=pynn.float64, requires_grad=True)
    (g,) = pynn.autograd.grad((x ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3 * np.array([1.5, -2.0]) ** 2)
    (gg,) = pynn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([1.5, -2.0]))
    assert x.grad is None


def test_no_grad_and_modes():
    x = pynn.ones(2, requires_grad=True)
    with pynn.no_grad():
        assert not (x * 2).requires_grad
        with pynn.enable_grad():
            assert (x * 2).requires_grad
    assert pynn.is_grad_enabled()

    @pynn.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    pynn.set_grad_enabled(False)
    assert not pynn.is_grad_enabled()
    pynn.set_grad_enabled(True)
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert "grad_fn=<MulBackward0>" in repr(x * 2)


def test_autograd_misuse_raises():
    x = pynn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="only be implicitly created|implicitly created"):
        (x * 2).backward()
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1)
    e = x.exp()
    s = e.sum()
    e.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.backward()
    with pytest.raises(RuntimeError, match="floating point"):
        pynn.ones(2, dtype=pynn.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="does not require grad"):
        pynn.ones(2).sum().backward()


def test_inplace_on_non_leaf_rebases_history():
    x = leaf(4)
    assert gradcheck(lambda t: (t * 2).add_(1).mul_(t).clamp_(-1, 1), (x,))
    assert gradcheck(lambda t: (t * 1.0).relu_() + (t * 1.0).sigmoid_(), (x,))


def test_leaf_grad_never_aliases_a_tensor_someone_else_holds():
    x = pynn.ones(3, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g))
    (x * 2).sum().backward()
    x.grad.add_(1)
    assert seen[0].tolist() == [2.0, 2.0, 2.0] and x.grad.tolist() == [3.0, 3.0, 3.0]
    g = pynn.full((3,), 5.0)
    y = pynn.ones(3, requires_grad=True)
    y.backward(g)
    y.grad.mul_(2)
    assert g.tolist() == [5.0, 5.0, 5.0]


def test_weight_used_transposed_gets_a_contiguous_grad():
    # Linear computes x @ weight.t(); the gradient is produced in weight's layout (no transposing copy).
    w = pynn.randn(4, 3, dtype=pynn.float64, requires_grad=True)
    x = pynn.randn(5, 3, dtype=pynn.float64, requires_grad=True)
    b = pynn.randn(4, dtype=pynn.float64, requires_grad=True)
    pynn.addmm(b, x, w.t()).pow(2).sum().backward()
    assert w.grad.is_contiguous() and x.grad.is_contiguous()
    assert pynn.autograd.gradcheck(lambda x, w, b: pynn.addmm(b, x, w.t()), (x, w, b))
    assert pynn.autograd.gradcheck(lambda x, w: x.t().mm(w.t()), (pynn.randn(3, 5, dtype=pynn.float64, requires_grad=True), w))
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    torch.addmm(torch.tensor(b.detach().numpy()), torch.tensor(x.detach().numpy()), tw.t()).pow(2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
