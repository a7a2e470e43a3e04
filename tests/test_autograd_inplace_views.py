"""In-place ops on views of tensors that require grad (torch's rebase semantics): the base's history
becomes CopySlices, the view's grad_fn is re-derived from the base; leaves and their views refuse;
version counters still guard saved tensors."""
import numpy as np
import pytest

import pynn
from conftest import assert_close
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")

rng = np.random.default_rng(11)
A34 = rng.standard_normal((3, 4))
A2 = rng.standard_normal(2)
A0 = rng.standard_normal(())
MASK34 = A34 > 0.2


def make(lib, a):
    return lib.tensor(a, dtype=lib.float64, requires_grad=True)


def run_both(fn, *arrays):
    """fn(lib, *leaves) returns the tensors to differentiate (first) and any others to check names of;
    compares forward values, the grads of every leaf, and the grad_fn names of the returned tensors."""
    ps = [make(pynn, a) for a in arrays]
    ts = [make(torch, a) for a in arrays]
    outs_p, outs_t = fn(pynn, *ps), fn(torch, *ts)
    for p, t in zip(outs_p, outs_t):
        assert_close(p, t)
        if t.grad_fn is not None:
            assert p.grad_fn is not None and p.grad_fn.name() == type(t.grad_fn).__name__
        else:
            assert p.grad_fn is None
    proj = rng.standard_normal(tuple(outs_t[0].shape))
    (outs_p[0] * pynn.tensor(proj, dtype=pynn.float64)).sum().backward()
    (outs_t[0] * torch.tensor(proj, dtype=torch.float64)).sum().backward()
    for p, t in zip(ps, ts):
        if t.grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, t.grad)
    assert gradcheck(lambda *xs: fn(pynn, *xs)[0], [make(pynn, a) for a in arrays])


def setitem_int(L, x):
    y = x * 2
    y[0] = 5
    return (y,)


def setitem_slice_tensor(L, x, t):
    y = x * 2
    y[1:, 2] = t
    return (y,)


def mul_select(L, x):
    y = x * 2
    v = y[:, 0]
    v.mul_(2)
    return y, v


def clamp_narrow(L, x):
    y = x * 2
    v = y.narrow(0, 0, 1)
    v.clamp_(min=0)
    return y, v


def setitem_mask(L, x):
    y = x * 2
    y[L.tensor(MASK34)] = 0
    return (y,)


def add_transposed(L, x):
    y = x * 2
    v = y.t()
    v.add_(1)
    return v, y


def view_of_view(L, x):
    y = x * 3
    v = y[1]
    w = v[1:]
    w.mul_(x[2, 1:])
    return y, v, w


def copy_into_view(L, x, t):
    y = x.sin()  # saves its input, not y
    y[2, 1:3].copy_(t * t)
    return (y * 1.0,)


def several_writes(L, x, t, s):
    y = x * 1.0
    y[0, :2] = t
    y[:, 3].mul_(s)
    y[1:].sub_(y[0])  # reads and writes the same base
    return (y,)


def reshaped_view(L, x):
    y = x * 1.0
    y.view(12)[::5].mul_(3)
    y.reshape(2, 6)[1].add_(1)
    y.unsqueeze(0).squeeze(0).permute(1, 0)[0].neg_()
    return (y,)


def base_modified_after_view(L, x):
    y = x * 2
    w = y[0]
    y.mul_(x)  # the view's history must include this write
    return w, y


def sibling_views(L, x):
    y = x * 1.0
    a = y[:, :2]
    b = y[:, 1:3]
    a.mul_(3)
    return b * 1.0, a


CASES = [
    (setitem_int, (A34,)),
    (setitem_slice_tensor, (A34, A2)),
    (mul_select, (A34,)),
    (clamp_narrow, (A34,)),
    (setitem_mask, (A34,)),
    (add_transposed, (A34,)),
    (view_of_view, (A34,)),
    (copy_into_view, (A34, A2)),
    (several_writes, (A34, A2, A0)),
    (reshaped_view, (A34,)),
    (base_modified_after_view, (A34,)),
    (sibling_views, (A34,)),
]
# Cases whose returned views were not the target of the write: their grad_fn is re-derived lazily.


@pytest.mark.parametrize("case", CASES, ids=[c[0].__name__ for c in CASES])
def test_inplace_on_view_matches_torch(case):
    fn, arrays = case
    run_both(fn, *arrays)


def test_grad_fn_of_view_after_base_write():
    x = make(pynn, A34)
    y = x * 2
    w = y[0]
    assert w.grad_fn.name() == "SelectBackward0"
    y.add_(1)
    assert w.grad_fn.name() == "AsStridedBackward0"


def test_names_after_rebase():
    x = make(pynn, A34)
    y = x * 2
    v = y[:, 0]
    assert v.grad_fn.name() == "SelectBackward0"
    v.mul_(2)
    assert y.grad_fn.name() == "CopySlices"
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    y[1] = 0
    assert y.grad_fn.name() == "CopySlices"


def test_setitem_on_tensor_without_grad_records_value():
    def f(L, a, b):
        z = L.zeros(3, 3, dtype=L.float64)
        z[0] = a[:3]
        z[1:, 1] = b
        return (z,)
    run_both(f, rng.standard_normal(4), A2)


def test_double_backward_through_copy_slices():
    def second(L, x):
        with L.enable_grad():
            y = x * x
            y[0] = x[0] * x[1]
            y[:, 1].add_(x[:, 2] * x[:, 0])
            y[1].mul_(3)
            (g,) = L.autograd.grad((y * y).sum(), (x,), create_graph=True)
        return (g,)
    run_both(second, A34)


def test_double_backward_through_saved_result_of_inplace_on_view():
    # sigmoid_ saves its result; the temporary view (and its derived node) is gone by backward time.
    def second(L, x):
        with L.enable_grad():
            y = x * 1.0
            y[1, 1:].mul_(2)  # earlier writes are fine; later ones would invalidate the saved result
            y[:, 0].sigmoid_()
            (g,) = L.autograd.grad((y ** 2).sum(), (x,), create_graph=True)
        return (g,)
    run_both(second, A34)


def test_leaf_and_view_of_leaf_refuse():
    x = make(pynn, A34)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
        x[:, 1].mul_(2)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
        x.t().add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
        x.view(12)[1:3].zero_()
    with pytest.raises(RuntimeError, match="^.*(?<!view of )a leaf Variable that requires grad"):
        x[pynn.tensor([0])] = 1.0
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.mul_(2)
    np.testing.assert_array_equal(x.detach().numpy(), A34)  # nothing was written


def test_multi_output_views_refuse():
    x = make(pynn, A34)
    for fn, name in [(lambda y: y.split(2)[1], "Split"), (lambda y: y.chunk(2, 1)[1], "Split"),
                     (lambda y: y.split([1, 2])[1], "SplitWithSizes"), (lambda y: y.unbind(1)[1], "Unbind")]:
        with pytest.raises(RuntimeError, match=f"Output 1 of {name} is a view and is being modified inplace"):
            fn(x * 2).mul_(2)
    with pynn.no_grad():
        x.split(2)[0].mul_(1)


def test_no_grad_inplace_on_views_works():
    x = make(pynn, A34)
    with pynn.no_grad():
        x[0] = 1.0
        x[:, 1].mul_(2)
        x.t()[2].zero_()
        y = x * 2
        y[1:, 2] = 7.0
    expect = A34.copy()
    expect[0] = 1.0
    expect[:, 1] *= 2
    expect[:, 2] = 0
    np.testing.assert_allclose(x.detach().numpy(), expect)
    assert x.grad_fn is None and x.requires_grad
    z = x * 1.0
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones((3, 4)))


def test_modified_saved_tensor_through_view_raises():
    for write in [lambda y: y.__setitem__(0, 5.0), lambda y: y[:, 1].mul_(2), lambda y: y.t()[0].add_(1),
                  lambda y: y.__setitem__(pynn.tensor([1]), 0.0)]:
        x = make(pynn, A34)
        y = x.exp()  # saves its output
        write(y)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    x = make(pynn, A34)
    y = x * 1.0
    z = y[0].sigmoid()  # saves only its own output
    w = y[1] * y[2]  # saves two views of y
    y[1].add_(1)
    (z.sum() + 1).backward()  # unaffected by the write
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_inplace_view_gradcheck():
    assert gradcheck(lambda t: _chain(t), (make(pynn, A34),))


def _chain(t):
    y = t * 1.0
    y[0].mul_(t[1])
    y[:, 1:3].clamp_(-0.5, 0.5)
    y.t()[3].add_(t[2, :3])
    y[y.detach() > 0.3] = 0.0
    return y


def test_inplace_with_self_as_other_uses_the_old_value():
    # w.mul_(w) squares w; d(w*w)/dw = 2w with w's value before the write. (torch raises a version error
    # here; pynn saves a copy of the aliased operand and gives the exact gradient.)
    x = make(pynn, A34)
    w = x * 1.0
    w.mul_(w)
    assert_close(w, A34 * A34)
    w.sum().backward()
    assert_close(x.grad, 2 * A34)
    assert pynn.autograd.gradcheck(_square_inplace, (make(pynn, A34),))


def _square_inplace(t):
    w = t * 1.0
    w.mul_(w)
    return w


def test_double_backward_through_inplace_mul_on_view():
    def f(L, x, a):
        y = x * 1.0
        y[:, 1].mul_(a[:, 2])
        return (y * y).sum()

    xs = {L: (make(L, A34), make(L, A34 + 0.5)) for L in (pynn, torch)}
    grads = {}
    for L, (x, a) in xs.items():
        gx, ga = L.autograd.grad(f(L, x, a), (x, a), create_graph=True)
        (gx.pow(2).sum() + ga.pow(2).sum()).backward()
        grads[L] = (x.grad, a.grad)
    assert_close(grads[pynn][0], grads[torch][0])
    assert_close(grads[pynn][1], grads[torch][1])


def _write_through_untracked_views(L, t):
    # z needs no grad when its views are made; the in-place ops bring t's gradient into z.
    z = L.zeros(3, 4, dtype=L.float64)
    z[0].copy_(t[1] * 2)
    z.narrow(0, 1, 2).t().mul_(0.5).add_(t.t()[:, :2].t().t())
    z.select(1, 3).clamp_(min=0.1)
    return [z * z]


def test_inplace_on_views_of_a_tensor_without_grad_rebases_it():
    run_both(_write_through_untracked_views, A34)


def test_untracked_view_whose_base_is_gone_still_records():
    t = make(pynn, A34)
    v = pynn.zeros(5, 4, dtype=pynn.float64)[1:4]  # the base tensor is dropped right away
    v.add_(t)
    (v * 3).sum().backward()
    assert_close(t.grad, np.full((3, 4), 3.0))
