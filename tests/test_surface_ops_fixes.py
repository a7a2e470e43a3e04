"""Issue #17's wrong-number list, each case against torch: logical_not_ on floats, threshold and NaN, relu/elu/celu/
selu/hardsigmoid/hardtanh/relu6 gradients at NaN and +-inf, cat of empty tensors and transpose of a 0-d tensor keep
requires_grad, fmax/fmin (NaN ignored, ties to the first operand), atan2's gradient at (0, 0)."""
import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")
PF, TF = pynn.nn.functional, torch.nn.functional
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0, 3.0, -3.0, 6.0, 7.0])


def grads(fp, ft, *arrays):
    ps = [pynn.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    po, to = fp(*ps), ft(*ts)
    np.testing.assert_array_equal(po.detach().numpy(), to.detach().numpy())
    po.sum().backward()
    to.sum().backward()
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-7, equal_nan=True)


@pytest.mark.parametrize("name", ["relu", "elu", "celu", "selu", "hardsigmoid", "hardtanh", "relu6", "leaky_relu"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_gradients_at_special_values(name, dtype):
    x = SPECIAL.astype(dtype)
    if name in ("hardtanh", "relu6"):
        # torch's own hardtanh_backward gives 0 at NaN in its vectorized loop and the gradient in its scalar tail;
        # pynn passes the gradient (the scalar rule). Compared at the other special values.
        x = x[1:]
    grads(getattr(PF, name), getattr(TF, name), x)


def test_threshold_keeps_nan():
    x = SPECIAL.astype("float32")
    grads(lambda a: PF.threshold(a, 0.5, -2.0), lambda a: TF.threshold(a, 0.5, -2.0), x)


@pytest.mark.parametrize("op", ["logical_not_", "isnan", "logical_not"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_bool_ops_in_place_on_wider_dtypes(op, dtype):
    x = np.array([1.5, 0.0, -2.0, 3.0]).astype(dtype)
    if op.endswith("_"):
        p, t = pynn.tensor(x), torch.tensor(x)
        getattr(p, op)()
        getattr(t, op)()
        assert p.dtype == getattr(pynn, dtype) and p.tolist() == t.tolist()
    else:
        assert getattr(pynn, op)(pynn.tensor(x)).tolist() == getattr(torch, op)(torch.tensor(x)).tolist()


def test_requires_grad_survives_empty_cat_and_0d_transpose():
    a, b = pynn.zeros(0, requires_grad=True), pynn.zeros(0)
    c = pynn.cat([a, b])
    assert c.requires_grad == torch.cat([torch.zeros(0, requires_grad=True), torch.zeros(0)]).requires_grad
    c.sum().backward()
    assert a.grad.shape == (0,)
    s = pynn.tensor(2.0, requires_grad=True)
    for f in (lambda x: x.t(), lambda x: x.transpose(0, -1), lambda x: pynn.transpose(x, -1, 0)):
        y = f(s)
        assert y.requires_grad and y.shape == ()
        (y * 3).backward()
        assert s.grad.item() == 3.0
        s.grad = None


@pytest.mark.parametrize("name", ["fmax", "fmin"])
def test_fmax_fmin(name):
    a = np.array([1.0, np.nan, 2.0, np.nan, 3.0, -1.0])
    b = np.array([1.0, 2.0, np.nan, np.nan, 0.0, 5.0])
    grads(getattr(pynn, name), getattr(torch, name), a, b)
    grads(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b)
    x = pynn.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    y = pynn.tensor(np.random.default_rng(1).standard_normal((4,)), requires_grad=True)
    assert gradcheck(getattr(pynn, name), [x, y])
    same = getattr(pynn, name)(pynn.tensor([1, 5]), pynn.tensor([3, 2]))
    assert same.tolist() == getattr(torch, name)(torch.tensor([1, 5]), torch.tensor([3, 2])).tolist()


def test_atan2_gradient_at_origin():
    grads(pynn.atan2, torch.atan2, np.array([0.0, 1.0, 0.0, -2.0]), np.array([0.0, 0.0, 3.0, 1.0]))


# ---------------------------------------------------------------------------------------------- new pointwise kernels
POINTS = np.array([-np.inf, -30.0, -2.5, -1.0, -0.3, -0.0, 0.0, 1e-8, 0.7, 1.0, 3.0, 30.0, np.inf, np.nan])
UNIT = np.array([-1.0, -0.999999, -0.9, -0.5, -1e-9, 0.0, 0.3, 0.75, 0.999, 1.0, 1.5, np.nan])


@pytest.mark.parametrize("name,points", [("exp2", POINTS), ("erfc", POINTS), ("erfinv", UNIT)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_new_unary(name, points, dtype):
    x = points.astype(dtype)
    p, t = getattr(pynn, name)(pynn.tensor(x)), getattr(torch, name)(torch.tensor(x))
    assert p.dtype == getattr(pynn, dtype)
    # erfinv: Newton steps on erf lose a few digits next to +-1 (rel. 2e-13 at -0.999999)
    tol = 1e-6 if dtype == "float32" else (1e-11 if name == "erfinv" else 1e-13)
    np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=tol, atol=tol, equal_nan=True)
    ip = pynn.tensor(x)
    getattr(ip, name + "_")()
    np.testing.assert_allclose(ip.numpy(), t.numpy(), rtol=tol, atol=tol, equal_nan=True)
    assert getattr(pynn, name)(pynn.tensor([0, 1])).dtype == pynn.float32  # integers promote
    inner = np.array([-0.9, -0.2, 0.1, 0.6]) if name == "erfinv" else np.array([-2.0, -0.5, 0.3, 1.7])
    assert gradcheck(getattr(pynn, name), [pynn.tensor(inner, requires_grad=True)])


@pytest.mark.parametrize("name", ["fmod", "hypot", "copysign"])
def test_new_binary(name):
    a = np.array([5.5, -5.5, 5.5, -5.5, 0.0, -0.0, 3.0, np.inf, 1.0, np.nan, 1e300])
    b = np.array([2.0, 2.0, -2.0, -2.0, 1.0, -1.0, 0.0, 2.0, np.inf, 1.0, 1e300])
    for dt in ("float32", "float64"):
        p = getattr(pynn, name)(pynn.tensor(a.astype(dt)), pynn.tensor(b.astype(dt)))
        t = getattr(torch, name)(torch.tensor(a.astype(dt)), torch.tensor(b.astype(dt)))
        np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-6, equal_nan=True)
        real = ~np.isnan(t.numpy())  # a NaN's sign bit is not specified
        np.testing.assert_array_equal(np.signbit(p.numpy())[real], np.signbit(t.numpy())[real])
    x = pynn.tensor(np.array([[1.3, -2.2, 0.7], [3.1, -0.4, 2.5]]), requires_grad=True)
    y = pynn.tensor(np.array([0.9, -1.7, 0.45]), requires_grad=True)
    assert gradcheck(getattr(pynn, name), [x, y])
    grads(getattr(pynn, name), getattr(torch, name), np.array([1.3, -2.2, 0.7]), np.array([0.9, -1.7, 0.45]))
    if name != "hypot":  # torch's hypot takes tensors only
        assert getattr(pynn.tensor([1.5, -2.0]), name)(2).tolist() == getattr(torch.tensor([1.5, -2.0]), name)(2).tolist()


def test_fmod_integers_and_zero():
    a, b = np.array([7, -7, 7, -7, 0]), np.array([3, 3, -3, -3, 5])
    p, t = pynn.fmod(pynn.tensor(a), pynn.tensor(b)), torch.fmod(torch.tensor(a), torch.tensor(b))
    assert p.dtype == pynn.int64 and p.tolist() == t.tolist()
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        pynn.fmod(pynn.tensor([1]), pynn.tensor([0]))
    assert pynn.copysign(pynn.tensor([1, 2]), pynn.tensor([-1, 1])).dtype == torch_dtype_name_check()


def torch_dtype_name_check():
    return getattr(pynn, str(torch.copysign(torch.tensor([1, 2]), torch.tensor([-1, 1])).dtype).split(".")[1])


@pytest.mark.parametrize("fn", [lambda L, x: L.logit(x), lambda L, x: L.logit(x, eps=0.1),
                                lambda L, x: L.heaviside(x - 0.5, L.full_like(x, 0.25)), lambda L, x: L.signbit(x - 0.5)])
def test_small_compositions(fn):
    x = np.array([0.0, 0.05, 0.5, 0.9, 1.0])
    p, t = fn(pynn, pynn.tensor(x)), fn(torch, torch.tensor(x))
    np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-12, equal_nan=True)
    assert pynn.signbit(pynn.tensor([-0.0, 0.0, -1.0])).tolist() == torch.signbit(torch.tensor([-0.0, 0.0, -1.0])).tolist()
