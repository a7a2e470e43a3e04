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
