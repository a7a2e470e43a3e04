"""Autograd of the indexing family: gradients and grad_fn names against torch, float64 gradchecks,
double backward, and outputs that must not be differentiable."""
import numpy as np
import pytest

import pynn
from conftest import assert_close
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)
A34 = rng.standard_normal((3, 4))
A234 = rng.standard_normal((2, 3, 4))
A4 = rng.standard_normal(4)
A2 = rng.standard_normal(2)
A1 = rng.standard_normal(1)
A0 = rng.standard_normal(())
MASK34 = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def make(lib, a):
    return lib.tensor(a, dtype=lib.float64, requires_grad=True)


def compare(fn, *arrays, name=None, check_gradcheck=True):
    """fn(lib, *leaves) on pynn and torch: same forward, same grad_fn name, same gradients of a random
    projection of the output; then a float64 gradcheck of the pynn side."""
    ps = [make(pynn, a) for a in arrays]
    ts = [make(torch, a) for a in arrays]
    out_p, out_t = fn(pynn, *ps), fn(torch, *ts)
    assert_close(out_p, out_t)
    if name is not None:
        assert type(out_t.grad_fn).__name__ == name  # the oracle agrees with the expectation
        assert out_p.grad_fn.name() == name
    proj = rng.standard_normal(tuple(out_t.shape))
    (out_p * pynn.tensor(proj, dtype=pynn.float64)).sum().backward()
    (out_t * torch.tensor(proj, dtype=torch.float64)).sum().backward()
    for p, t in zip(ps, ts):
        if t.grad is None:
            assert p.grad is None
        else:
            assert_close(p.grad, t.grad)
    if check_gradcheck:
        assert gradcheck(lambda *xs: fn(pynn, *xs), [make(pynn, a) for a in arrays])


def li(lib, values):
    return lib.tensor(values, dtype=lib.int64)


def mask(lib, values=MASK34):
    return lib.tensor(values, dtype=lib.bool)


# ---------------------------------------------------------------------------------------------
# getitem with tensors

GETITEM = [
    ("dup_rows", lambda L, x: x[li(L, [0, 2, 0])], A34),
    ("cols_negative", lambda L, x: x[:, li(L, [-1, 1, 1, 3])], A34),
    ("two_tensors_broadcast", lambda L, x: x[li(L, [[0, 1], [1, 0]]), li(L, [2, 3])], A34),
    ("bool_mask_full", lambda L, x: x[mask(L)], A34),
    ("bool_mask_rows", lambda L, x: x[mask(L, [True, False, True])], A34),
    ("slice_then_tensor", lambda L, x: x[1:, li(L, [0, 0])], A34),
    ("ellipsis_tensor", lambda L, x: x[..., li(L, [-1, 0])], A234),
    ("int_and_tensor", lambda L, x: x[0, li(L, [1, 1])], A34),
    ("non_adjacent", lambda L, x: x[li(L, [0, 1, 1]), :, li(L, [3, 0, 0])], A234),
    ("none_and_tensor", lambda L, x: x[None, li(L, [2, 2])], A34),
    ("non_contiguous", lambda L, x: x.t()[li(L, [0, 3, 3])], A34),
    ("mask_inner_dims", lambda L, x: x[:, mask(L)], A234),
    ("index_put_style", lambda L, x: x[li(L, [1]), li(L, [2])], A34),
]


@pytest.mark.parametrize("case", GETITEM, ids=[c[0] for c in GETITEM])
def test_getitem_tensor_grad(case):
    _, fn, a = case
    compare(fn, a, name="IndexBackward0")


def test_getitem_basic_is_a_view_backward():
    compare(lambda L, x: x[1:, None, ::2], A34, name="SliceBackward0")
    compare(lambda L, x: x[-1], A34, name="SelectBackward0")


# ---------------------------------------------------------------------------------------------
# setitem / index_put on non-leaf tensors


def setitem(index_fn, value_fn=None, const=None):
    def f(L, x, *v):
        y = x * 1.0
        idx = index_fn(L)
        y[idx] = value_fn(L, *v) if value_fn is not None else const
        return y
    return f


SETITEM = [
    ("rows_vector_broadcast", setitem(lambda L: li(L, [0, 2]), lambda L, v: v), (A34, A4), "IndexPutBackward0"),
    ("rows_leading_one", setitem(lambda L: li(L, [2, 1]), lambda L, v: v.reshape(1, 4)), (A34, A4),
     "IndexPutBackward0"),
    ("mask_scalar_tensor", setitem(lambda L: mask(L), lambda L, v: v), (A34, A0), "IndexPutBackward0"),
    ("mask_values", setitem(lambda L: mask(L), lambda L, v: v.repeat(3)[:6]), (A34, A2), "IndexPutBackward0"),
    ("mask_const", setitem(lambda L: mask(L), const=0.0), (A34,), "IndexPutBackward0"),
    ("two_tensors", setitem(lambda L: (li(L, [0, 2]), li(L, [3, 1])), lambda L, v: v), (A34, A2),
     "IndexPutBackward0"),
    ("slice_and_tensor", setitem(lambda L: (slice(1, None), li(L, [0, 2])), lambda L, v: v), (A34, A2),
     "CopySlices"),
    ("basic_int", setitem(lambda L: 1, lambda L, v: v), (A34, A4), "CopySlices"),
    ("basic_slices_broadcast", setitem(lambda L: (slice(1, None), 2), lambda L, v: v), (A34, A1), "CopySlices"),
    ("basic_const", setitem(lambda L: (slice(None), 0), const=5.0), (A34,), "CopySlices"),
    ("basic_none", setitem(lambda L: (None, 1), lambda L, v: v), (A34, A4), "CopySlices"),
]


@pytest.mark.parametrize("case", SETITEM, ids=[c[0] for c in SETITEM])
def test_setitem_grad(case):
    _, fn, arrays, name = case
    compare(fn, *arrays, name=name)


def test_index_put_accumulate_duplicates():
    def f(L, x, v):
        return (x * 1.0).index_put((li(L, [0, 2, 0]),), v, accumulate=True)
    compare(f, A34, A4, name="IndexPutBackward0")

    def g(L, x, v):
        y = x * 2.0
        y.index_put_((li(L, [1, 1]), li(L, [0, 0])), v, accumulate=True)
        return y
    compare(g, A34, A0, name="IndexPutBackward0")


def test_setitem_into_tensor_without_grad():
    # The destination does not require grad; the value does: the history must still be recorded.
    def f(L, v):
        z = L.zeros(3, 4, dtype=L.float64)
        z[1] = v
        z[li(L, [0, 2]), li(L, [1, 1])] = v[:2] * 2
        return z
    compare(f, A4, name="IndexPutBackward0")


# ---------------------------------------------------------------------------------------------
# joins and splits


def test_cat_stack():
    compare(lambda L, a, b: L.cat([a, b.t()], dim=-1), A34, rng.standard_normal((5, 3)), name="CatBackward0")
    compare(lambda L, a, b: L.cat([a, b, a], 0), A34, A34, name="CatBackward0")
    compare(lambda L, a, b: L.stack([a, b], dim=-1), A34, A34, name="StackBackward0")
    compare(lambda L, a, b: L.stack([a[:, ::2], b[:, 1::2]], 0), A34, A34, name="StackBackward0")


def test_cat_legacy_empty_and_promotion():
    def f(L, a):
        return L.cat([L.zeros(0, dtype=L.float64), a, L.ones(3, 2, dtype=L.float32)], 1)
    compare(f, A34, name="CatBackward0")
    a = pynn.tensor(A34, dtype=pynn.float32, requires_grad=True)
    b = pynn.tensor(A34, dtype=pynn.float64, requires_grad=True)
    out = pynn.cat([a, b])
    assert out.dtype == pynn.float64
    out.sum().backward()
    assert a.grad.dtype == pynn.float32 and b.grad.dtype == pynn.float64


@pytest.mark.parametrize("op,name", [
    (lambda L, x: x.split(2, dim=1), "SplitBackward0"),
    (lambda L, x: x.split([1, 3], dim=-1), "SplitWithSizesBackward0"),
    (lambda L, x: x.chunk(2, 0), "SplitBackward0"),
    (lambda L, x: x.unbind(1), "UnbindBackward0"),
])
def test_split_chunk_unbind(op, name):
    for i in range(2):
        compare(lambda L, x: op(L, x)[i] * (i + 1), A34)
    assert op(pynn, make(pynn, A34))[0].grad_fn.name() == name


# ---------------------------------------------------------------------------------------------
# gather / scatter / index_select

IDX = [[0, 2, 1, 0], [2, 2, 0, 1]]  # per column, for dim 0 of a (3, 4) tensor
IDX_UNIQUE = [[0, 2, 1, 0], [2, 1, 0, 1]]


def test_gather_and_take_along_dim():
    compare(lambda L, x: x.gather(0, li(L, IDX)), A34, name="GatherBackward0")
    compare(lambda L, x: L.gather(x, -1, li(L, [[3, 3], [0, 1], [2, 2]])), A34, name="GatherBackward0")
    compare(lambda L, x: L.take_along_dim(x.t(), li(L, [[0, 1, 1]]), 1), A34, name="GatherBackward0")
    compare(lambda L, x: x.gather(0, li(L, 0)), A0, name="GatherBackward0")


def test_scatter_forms():
    compare(lambda L, x, s: x.scatter(0, li(L, IDX_UNIQUE), s), A34, A34[:2],
            name="ScatterBackward0")
    compare(lambda L, x: x.scatter(1, li(L, [[0], [3], [3]]), 2.5), A34, name="ScatterBackward1")
    compare(lambda L, x, s: x.scatter(-1, li(L, [[1, 2], [0, 3], [2, 1]]), s.t()[:, :2].contiguous() * 1.0),
            A34, A34.T.copy())


def test_scatter_add_duplicates():
    compare(lambda L, x, s: x.scatter_add(0, li(L, IDX), s), A34, A34[:2], name="ScatterAddBackward0")
    compare(lambda L, x, s: L.scatter_add(x, 1, li(L, [[0, 0, 0]]), s), A34, rng.standard_normal((1, 3)),
            name="ScatterAddBackward0")


def test_scatter_src_larger_than_index():
    # torch's engine rejects this gradient's shape; pynn pads it with zeros (the unused src entries).
    src = make(pynn, rng.standard_normal((3, 4)))
    x = make(pynn, A34)
    out = x.scatter(0, pynn.tensor([[1, 0]]), src)
    out.sum().backward()
    expect = np.zeros((3, 4))
    expect[0, :2] = 1
    np.testing.assert_allclose(src.grad.numpy(), expect)
    assert gradcheck(lambda a, s: a.scatter(0, pynn.tensor([[1, 0]]), s), (make(pynn, A34), make(pynn, A34)))


def test_scatter_inplace_on_non_leaf():
    def f(L, x, s):
        y = x * 2.0
        y.scatter_(0, li(L, IDX_UNIQUE), s)
        y.scatter_(1, li(L, [[0], [1], [2]]), -1.0)
        y.scatter_add_(1, li(L, [[3, 3], [0, 0], [1, 2]]), s.t()[:3, :2] * 1.0)
        return y
    compare(f, A34, A34[:2])


def test_index_select():
    compare(lambda L, x: x.index_select(0, li(L, [2, 0, 2])), A34, name="IndexSelectBackward0")
    compare(lambda L, x: L.index_select(x.t(), -1, li(L, [1, 1])), A34, name="IndexSelectBackward0")
    compare(lambda L, x: x.index_select(1, li(L, 3)), A34, name="IndexSelectBackward0")
    compare(lambda L, x: x.index_select(0, li(L, [0])), A0, name="IndexSelectBackward0")


# ---------------------------------------------------------------------------------------------
# masks


def test_masked_fill():
    compare(lambda L, x: x.masked_fill(mask(L), 3.0), A34, name="MaskedFillBackward0")
    compare(lambda L, x: x.masked_fill(mask(L)[0], -1.0), A34, name="MaskedFillBackward0")  # broadcast mask
    compare(lambda L, x: L.masked_fill(x, mask(L), 0.5), A4, name="MaskedFillBackward0")  # broadcast input
    compare(lambda L, x, v: x.masked_fill(mask(L), v), A34, A0, name="MaskedFillBackward1")
    compare(lambda L, x, v: x.masked_fill(mask(L)[1], v * 2), A34, A0, name="MaskedFillBackward1")


def test_masked_fill_inplace_on_non_leaf():
    def f(L, x, v):
        y = x * 1.5
        y.masked_fill_(mask(L), v)
        return y.masked_fill_(mask(L)[2], 7.0)
    compare(f, A34, A0, name="MaskedFillBackward0")


def test_masked_select():
    compare(lambda L, x: x.masked_select(mask(L)), A34, name="MaskedSelectBackward0")
    compare(lambda L, x: L.masked_select(x, mask(L)), A4, name="MaskedSelectBackward0")  # x broadcast
    compare(lambda L, x: x.t().masked_select(mask(L).t()[:, :1]), A34, name="MaskedSelectBackward0")


# ---------------------------------------------------------------------------------------------
# repeat, flip, roll, tril/triu, sort/topk, unfold


def test_repeat_flip_roll():
    compare(lambda L, x: x.repeat(2, 1, 3), A34, name="RepeatBackward0")
    compare(lambda L, x: x.t().repeat(1, 2), A34, name="RepeatBackward0")
    compare(lambda L, x: x.repeat(0, 2), A34, name="RepeatBackward0")
    compare(lambda L, x: x.flip(0, -1), A234, name="FlipBackward0")
    compare(lambda L, x: L.flip(x.t(), [1]), A34, name="FlipBackward0")
    compare(lambda L, x: x.roll((1, -2), (0, 1)), A34, name="RollBackward0")
    compare(lambda L, x: x.roll(5), A34, name="RollBackward0")
    compare(lambda L, x: L.roll(x, -1, -1), A234, name="RollBackward0")


def test_tril_triu():
    compare(lambda L, x: x.tril(), A34, name="TrilBackward0")
    compare(lambda L, x: L.triu(x, 1), A234, name="TriuBackward0")
    compare(lambda L, x: x.t().tril(-1), A34, name="TrilBackward0")

    def f(L, x):
        y = x * 1.0
        y.tril_(1)
        return y.t().triu_()
    compare(f, A34)


def test_sort_topk_values():
    compare(lambda L, x: x.sort()[0], A34, name="SortBackward0")
    compare(lambda L, x: x.sort(0, descending=True).values, A34, name="SortBackward0")
    compare(lambda L, x: L.sort(x.t(), -1)[0], A234[0], name="SortBackward0")
    compare(lambda L, x: x.topk(2)[0], A34, name="TopkBackward0")
    compare(lambda L, x: x.topk(2, dim=0, largest=False).values, A34, name="TopkBackward0")
    compare(lambda L, x: x.topk(1)[0], A0, name="TopkBackward0")


def test_unfold():
    compare(lambda L, x: x.unfold(1, 3, 1), A34, name="UnfoldBackward0")  # overlapping windows
    compare(lambda L, x: x.unfold(-1, 2, 2), A234, name="UnfoldBackward0")
    compare(lambda L, x: x.unfold(0, 2, 1), A34, name="UnfoldBackward0")
    compare(lambda L, x: x.t().unfold(0, 1, 3), A34, name="UnfoldBackward0")


def test_unfold_is_a_view_that_rebases():
    def f(L, x):
        y = x * 1.0
        y.unfold(1, 2, 2).mul_(3)
        return y
    compare(f, A34, name="CopySlices")


# ---------------------------------------------------------------------------------------------
# non-differentiable outputs, double backward


def test_non_differentiable_outputs_do_not_record():
    x = make(pynn, A34)
    for out in [x.topk(2)[1], x.sort()[1], x.argsort(), x > 0, x.nonzero(),
                pynn.one_hot(li(pynn, [0, 2]), 4)]:
        assert not out.requires_grad
        assert out.grad_fn is None
    with pynn.no_grad():
        for out in [x[li(pynn, [0])], pynn.cat([x, x]), x.gather(0, li(pynn, IDX)), x.unfold(1, 2, 1),
                    x.masked_fill(mask(pynn), 1.0)]:
            assert not out.requires_grad


@pytest.mark.parametrize("fn", [
    lambda L, x: x[li(L, [0, 2, 0])] ** 2,
    lambda L, x: x.gather(1, li(L, [[1, 1], [0, 3], [2, 2]])) ** 2,
    lambda L, x: x.unfold(1, 2, 1) ** 2,
    lambda L, x: L.cat([x, x * x], 0),
    lambda L, x: x.sort(1)[0] ** 3,
    lambda L, x: x.masked_select(mask(L)) ** 2,
])
def test_double_backward(fn):
    def second(L, x):
        with L.enable_grad():  # gradcheck evaluates under no_grad
            out = fn(L, x)
            (g,) = L.autograd.grad((out * out).sum(), (x,), create_graph=True)
        return g
    compare(second, A34, check_gradcheck=False)
    assert gradcheck(lambda x: second(pynn, x), (make(pynn, A34),))


def test_index_errors_still_raise_with_grad():
    x = make(pynn, A34)
    with pytest.raises(IndexError):
        x[li(pynn, [5])]
    with pytest.raises(RuntimeError):
        x.gather(0, li(pynn, [[7, 0, 0, 0]]))
