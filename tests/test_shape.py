"""Views and shape ops: view reshape flatten transpose permute t squeeze
unsqueeze expand narrow slicing contiguous clone, and cat stack split chunk
repeat gather scatter index_select masked_fill topk sort one_hot."""
import numpy as np
import pytest

import pynn
from conftest import assert_close, check_op, randn, randint_np, to_np, P, T

torch = pytest.importorskip("torch")

try:
    import pynn.nn.functional as PF
except ImportError:  # pynn.nn not written yet
    PF = None


def _arange_np(*shape, dtype=np.float32):
    return np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)


# ----------------------------------------------------------------------------
# views: values, strides, storage sharing
# ----------------------------------------------------------------------------
VIEW_OPS = {
    "view_flat": ((3, 4), lambda a: a.view(12)),
    "view_minus1": ((3, 4), lambda a: a.view(-1)),
    "view_2_minus1": ((3, 4), lambda a: a.view(2, -1)),
    "view_minus1_3": ((2, 3, 4), lambda a: a.view(-1, 3, 4)[1:]),
    "view_tuple": ((3, 4), lambda a: a.view((4, 3))),
    "view_add_dims": ((3, 4), lambda a: a.view(1, 3, 1, 4)),
    "view_of_row_slice": ((4, 6), lambda a: a[1:3].view(3, 4)),
    "view_merge_contig_dims_of_slice": ((4, 3, 2), lambda a: a[:, 1:].view(4, 4)),
    "reshape_contig": ((3, 4), lambda a: a.reshape(6, 2)),
    "reshape_minus1": ((2, 3, 4), lambda a: a.reshape(-1, 4)),
    "flatten_all": ((2, 3, 4), lambda a: a.flatten()),
    "flatten_1": ((2, 3, 4), lambda a: a.flatten(1)),
    "flatten_0_1": ((2, 3, 4), lambda a: a.flatten(0, 1)),
    "flatten_neg": ((2, 3, 4, 5), lambda a: a.flatten(-3, -2)),
    "transpose_01": ((3, 4), lambda a: a.transpose(0, 1)),
    "transpose_neg": ((2, 3, 4), lambda a: a.transpose(-1, 0)),
    "transpose_same": ((2, 3), lambda a: a.transpose(1, 1)),
    "permute": ((2, 3, 4), lambda a: a.permute(2, 0, 1)),
    "permute_tuple": ((2, 3, 4), lambda a: a.permute((1, 2, 0))),
    "permute_neg": ((2, 3, 4), lambda a: a.permute(-1, -3, -2)),
    "t": ((3, 4), lambda a: a.t()),
    "squeeze_dim": ((3, 1, 4), lambda a: a.squeeze(1)),
    "squeeze_dim_noop": ((3, 1, 4), lambda a: a.squeeze(0)),
    "squeeze_neg": ((3, 4, 1), lambda a: a.squeeze(-1)),
    "squeeze_all": ((1, 3, 1, 4, 1), lambda a: a.squeeze()),
    "unsqueeze_0": ((3, 4), lambda a: a.unsqueeze(0)),
    "unsqueeze_1": ((3, 4), lambda a: a.unsqueeze(1)),
    "unsqueeze_end": ((3, 4), lambda a: a.unsqueeze(2)),
    "unsqueeze_neg": ((3, 4), lambda a: a.unsqueeze(-1)),
    "unsqueeze_neg2": ((3, 4), lambda a: a.unsqueeze(-2)),
    "unsqueeze_of_strided": ((3, 4), lambda a: a[:, ::2].unsqueeze(1)),
    "narrow_0": ((5, 4), lambda a: a.narrow(0, 1, 3)),
    "narrow_1": ((5, 4), lambda a: a.narrow(1, 2, 2)),
    "narrow_neg": ((5, 4), lambda a: a.narrow(-1, 0, 1)),
    "slice_step": ((6, 7), lambda a: a[::2]),
    "slice_step_cols": ((6, 7), lambda a: a[:, 1::3]),
    "slice_neg_idx": ((6, 7), lambda a: a[-3:-1, -4:]),
    "slice_neg_stop": ((6, 7), lambda a: a[1:-1, :-2:2]),
    "select_int": ((3, 4), lambda a: a[1]),
    "select_neg": ((3, 4), lambda a: a[:, -1]),
    "select_then_slice": ((3, 4, 5), lambda a: a[2, 1:, ::2]),
    "expand": ((3, 1), lambda a: a.expand(3, 4)),
    "expand_minus1": ((3, 1), lambda a: a.expand(-1, 5)),
    "expand_new_dims": ((3, 1), lambda a: a.expand(2, 3, 4)),
    "expand_tuple": ((1, 4), lambda a: a.expand((3, 4))),
    "chain_t_slice_unsqueeze": ((4, 6), lambda a: a.t()[1::2].unsqueeze(0)),
    "chain_permute_narrow": ((2, 3, 4), lambda a: a.permute(1, 0, 2).narrow(2, 1, 2)),
    "diagonal_like_via_view": ((4, 4), lambda a: a.view(16)[::5]),
}


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_values_and_strides(name):
    shape, op = VIEW_OPS[name]
    x = _arange_np(*shape)
    p, t = P(x), T(x)
    pv, tv = op(p), op(t)
    assert_close(pv, tv)
    assert tuple(pv.stride()) == tuple(tv.stride()), f"stride {pv.stride()} vs torch {tv.stride()}"
    assert pv.is_contiguous() == tv.is_contiguous()


@pytest.mark.parametrize("name", list(VIEW_OPS))
def test_view_shares_storage_base_to_view(name):
    shape, op = VIEW_OPS[name]
    x = _arange_np(*shape)
    p, t = P(x), T(x)
    pv, tv = op(p), op(t)
    # modify the base: the view must see it
    p.mul_(-2).add_(1)
    t.mul_(-2).add_(1)
    assert_close(pv, tv)


@pytest.mark.parametrize("name", [n for n in VIEW_OPS if not n.startswith("expand")])
def test_view_shares_storage_view_to_base(name):
    shape, op = VIEW_OPS[name]
    x = _arange_np(*shape)
    p, t = P(x), T(x)
    op(p).add_(100)
    op(t).add_(100)
    assert_close(p, t)
    assert not np.array_equal(to_np(t), x)


def test_stride_contiguous():
    for shape in [(2, 3, 4), (5,), (), (3, 1, 2), (0, 3)]:
        p, t = pynn.zeros(shape), torch.zeros(shape)
        assert tuple(p.stride()) == tuple(t.stride())
        assert p.is_contiguous()


def test_stride_with_dim_argument():
    p, t = pynn.zeros(2, 3, 4).transpose(0, 2), torch.zeros(2, 3, 4).transpose(0, 2)
    for d in range(3):
        assert p.stride(d) == t.stride(d)
    assert p.stride(-1) == t.stride(-1)


def test_reshape_noncontiguous_copies():
    x = _arange_np(3, 4)
    p, t = P(x), T(x)
    pr, tr = p.t().reshape(12), t.t().reshape(12)
    assert_close(pr, tr)
    assert pr.is_contiguous()
    pr.add_(1)  # a copy: base untouched
    np.testing.assert_array_equal(to_np(p), x)


def test_flatten_noncontiguous():
    check_op(lambda m, a: a.t().flatten(), _arange_np(3, 4))
    check_op(lambda m, a: a[:, ::2].flatten(0, 1), _arange_np(3, 4))


def test_flatten_0d():
    check_op(lambda m, a: a.flatten(), np.array(2.0, np.float32))


@pytest.mark.parametrize("fn", ["reshape", "flatten", "squeeze", "unsqueeze", "transpose", "permute", "narrow"])
def test_shape_functions_free_form(fn):
    x = _arange_np(2, 1, 3)
    calls = {
        "reshape": lambda m, a: m.reshape(a, (3, 2)),
        "flatten": lambda m, a: m.flatten(a),
        "squeeze": lambda m, a: m.squeeze(a, 1),
        "unsqueeze": lambda m, a: m.unsqueeze(a, 0),
        "transpose": lambda m, a: m.transpose(a, 0, 2),
        "permute": lambda m, a: m.permute(a, (2, 1, 0)),
        "narrow": lambda m, a: m.narrow(a, 2, 1, 2),
    }
    check_op(calls[fn], x)


def test_contiguous():
    x = _arange_np(3, 4)
    p, t = P(x), T(x)
    pt = p.t()
    assert not pt.is_contiguous()
    pc = pt.contiguous()
    assert pc.is_contiguous()
    assert_close(pc, t.t().contiguous())
    assert tuple(pc.stride()) == (3, 1)
    pc.add_(1)  # new storage
    np.testing.assert_array_equal(to_np(p), x)


def test_contiguous_of_contiguous_shares():
    p = pynn.zeros(2, 3)
    c = p.contiguous()
    c.add_(1)
    assert_close(p, torch.ones(2, 3))


def test_clone_independent():
    x = _arange_np(3, 4)
    p = P(x)
    c = p.clone()
    assert_close(c, T(x))
    c.add_(1)
    np.testing.assert_array_equal(to_np(p), x)
    c2 = p.t().clone()
    assert_close(c2, T(x).t())
    p.zero_()
    assert_close(c2, T(x).t())


@pytest.mark.parametrize("dtype", ["int64", "bool", "float64", "int32"])
def test_views_keep_dtype(dtype):
    x = _arange_np(2, 3).astype(dtype)
    check_op(lambda m, a: a.t().reshape(6), x)
    check_op(lambda m, a: a.unsqueeze(0).expand(2, 2, 3), x)


def test_empty_views():
    x = np.zeros((0, 3), np.float32)
    check_op(lambda m, a: a.view(-1), x)
    check_op(lambda m, a: a.t(), x)
    check_op(lambda m, a: a.reshape(3, 0), x)
    check_op(lambda m, a: a.unsqueeze(1), x)
    check_op(lambda m, a: a[:, 1:], x)


def test_view_0d():
    check_op(lambda m, a: a.view(1), np.array(3.0, np.float32))
    check_op(lambda m, a: a.view(-1), np.array(3.0, np.float32))
    check_op(lambda m, a: a.reshape(()), np.array([3.0], np.float32))
    check_op(lambda m, a: a.unsqueeze(0), np.array(3.0, np.float32))
    check_op(lambda m, a: a.squeeze(), np.array([[3.0]], np.float32))


# ----------------------------------------------------------------------------
# cat / stack / split / chunk / repeat
# ----------------------------------------------------------------------------
CAT_CASES = {
    "dim0": ([(2, 3), (4, 3)], 0),
    "dim1": ([(2, 3), (2, 1), (2, 2)], 1),
    "dim_neg": ([(2, 3, 1), (2, 3, 2)], -1),
    "3d_mid": ([(2, 1, 4), (2, 3, 4)], 1),
    "single": ([(2, 3)], 0),
    "with_empty": ([(0, 3), (2, 3)], 0),
    "1d": ([(3,), (5,)], 0),
}


@pytest.mark.parametrize("name", list(CAT_CASES))
def test_cat(name):
    shapes, dim = CAT_CASES[name]
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check_op(lambda m, *ts: m.cat(list(ts), dim=dim), *arrays)
    check_op(lambda m, *ts: m.cat(tuple(ts), dim), *arrays)


def test_cat_default_dim_and_noncontiguous():
    a, b = randn(3, 2, seed=1), randn(4, 3, seed=2)
    check_op(lambda m, x, y: m.cat([x.t(), y[::2]]), a, b)
    check_op(lambda m, x, y: m.cat([x.t(), y[1::2]], dim=1), a, b)


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float64])
def test_cat_dtypes(dtype):
    check_op(lambda m, x, y: m.cat([x, y]), (randint_np(2, 2) > 0).astype(dtype), (randint_np(1, 2, seed=1) > 0).astype(dtype))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack(dim):
    a, b, c = randn(2, 3, seed=1), randn(2, 3, seed=2), randn(2, 3, seed=3)
    check_op(lambda m, x, y, z: m.stack([x, y, z], dim=dim), a, b, c)


def test_stack_default_and_noncontiguous():
    a, b = randn(3, 2, seed=1), randn(2, 3, seed=2)
    check_op(lambda m, x, y: m.stack((x.t(), y)), a, b)
    check_op(lambda m, x, y: m.stack([x[0], y[1]]), randn(2, 4, seed=1), randn(2, 4, seed=2))


def test_stack_0d():
    check_op(lambda m, x, y: m.stack([x, y]), np.array(1.0, np.float32), np.array(2.0, np.float32))


SPLIT_CASES = {
    "int_even": (lambda m, a: a.split(2), (6, 3)),
    "int_uneven": (lambda m, a: a.split(2), (5, 3)),
    "int_dim1": (lambda m, a: a.split(2, dim=1), (3, 5)),
    "int_large": (lambda m, a: a.split(10), (4, 2)),
    "list": (lambda m, a: a.split([1, 3, 1]), (5, 2)),
    "list_dim1": (lambda m, a: a.split([2, 0, 3], dim=1), (2, 5)),
    "list_neg_dim": (lambda m, a: a.split([4, 1], -1), (2, 5)),
    "fn_int": (lambda m, a: m.split(a, 2, dim=1), (3, 5)),
    "fn_list": (lambda m, a: m.split(a, [3, 2]), (5, 2)),
    "chunk_even": (lambda m, a: a.chunk(3), (6, 2)),
    "chunk_uneven": (lambda m, a: a.chunk(3), (5, 2)),
    "chunk_fewer": (lambda m, a: a.chunk(4), (6, 2)),
    "chunk_more_than_size": (lambda m, a: a.chunk(5, dim=1), (2, 3)),
    "chunk_dim1": (lambda m, a: a.chunk(2, dim=1), (3, 4)),
    "chunk_neg": (lambda m, a: a.chunk(2, -1), (3, 5)),
    "fn_chunk": (lambda m, a: m.chunk(a, 2, 0), (4, 3)),
}


@pytest.mark.parametrize("name", list(SPLIT_CASES))
def test_split_chunk(name):
    fn, shape = SPLIT_CASES[name]
    x = _arange_np(*shape)
    p, t = P(x), T(x)
    pr, tr = fn(pynn, p), fn(torch, t)
    assert len(pr) == len(tr)
    for a, b in zip(pr, tr):
        assert_close(a, b)
        assert tuple(a.stride()) == tuple(b.stride())


def test_split_returns_views():
    p = pynn.zeros(4, 3)
    parts = p.split(2)
    parts[1].fill_(1)
    t = torch.zeros(4, 3)
    t.split(2)[1].fill_(1)
    assert_close(p, t)
    p.chunk(3, dim=1)[2].fill_(5)
    t.chunk(3, dim=1)[2].fill_(5)
    assert_close(p, t)


REPEAT_CASES = {
    "2d": ((2, 2), (2, 3)),
    "ones": ((2, 3), (1, 1)),
    "extra_dims": ((2, 3), (2, 1, 2)),
    "1d": ((3,), (4,)),
    "1d_to_2d": ((3,), (2, 2)),
    "zero": ((2, 2), (0, 2)),
    "0d": ((), (3,)),
}


@pytest.mark.parametrize("name", list(REPEAT_CASES))
def test_repeat(name):
    shape, reps = REPEAT_CASES[name]
    x = _arange_np(*shape) if shape else np.array(5.0, np.float32)
    check_op(lambda m, a: a.repeat(*reps), x)
    check_op(lambda m, a: a.repeat(reps), x)


def test_repeat_noncontiguous_and_independent():
    x = _arange_np(2, 3)
    check_op(lambda m, a: a.t().repeat(2, 1), x)
    p = P(x)
    r = p.repeat(2, 1)
    r.fill_(-1)
    np.testing.assert_array_equal(to_np(p), x)


# ----------------------------------------------------------------------------
# gather / scatter / index_select / masked_fill
# ----------------------------------------------------------------------------
GATHER_CASES = {
    "dim0": (0, np.array([[0, 1, 2, 0], [2, 0, 1, 1]])),
    "dim1": (1, np.array([[0, 0], [3, 1], [2, 2]])),
    "dim_neg": (-1, np.array([[3], [2], [1]])),
    "index_smaller": (1, np.array([[1, 0]])),
}


@pytest.mark.parametrize("name", list(GATHER_CASES))
def test_gather(name):
    dim, idx = GATHER_CASES[name]
    x = randn(3, 4, seed=1)
    check_op(lambda m, a, i: m.gather(a, dim, i), x, idx)
    check_op(lambda m, a, i: a.gather(dim, i), x, idx)


def test_gather_3d_and_noncontiguous():
    x = randn(2, 3, 4, seed=2)
    idx = np.random.default_rng(0).integers(0, 3, (2, 5, 4))
    check_op(lambda m, a, i: a.gather(1, i), x, idx)
    idx2 = np.random.default_rng(1).integers(0, 2, (4, 3, 2))
    check_op(lambda m, a, i: a.transpose(0, 2).gather(2, i), x, idx2)


def test_gather_int_values():
    check_op(lambda m, a, i: a.gather(1, i), randint_np(3, 4), np.array([[0], [3], [1]]))


SCATTER_CASES = {
    "dim0_src": lambda m, a, i, s: a.scatter(0, i, s),
    "fn": lambda m, a, i, s: m.scatter(a, 0, i, s),
    "value": lambda m, a, i, s: a.scatter(0, i, 7.5),
    "inplace_src": lambda m, a, i, s: a.scatter_(0, i, s),
    "inplace_value": lambda m, a, i, s: a.scatter_(0, i, -1.0),
    "inplace_value_kw": lambda m, a, i, s: a.scatter_(0, i, value=2.0),
}


@pytest.mark.parametrize("name", list(SCATTER_CASES))
def test_scatter(name):
    x = np.zeros((3, 5), np.float32)
    # no duplicate target positions along dim 0 (column-wise permutations)
    idx = np.array([[0, 1, 2, 0, 1], [2, 0, 1, 2, 0]])
    src = randn(2, 5, seed=3)
    pa, pi, ps = P(x), P(idx), P(src)
    ta, ti, ts = T(x), T(idx), T(src)
    pr = SCATTER_CASES[name](pynn, pa, pi, ps)
    tr = SCATTER_CASES[name](torch, ta, ti, ts)
    assert_close(pr, tr)
    assert_close(pa, ta)  # out-of-place leaves input alone, in-place modifies it


def test_scatter_dim1_src_larger_than_index():
    x = randn(3, 4, seed=4)
    idx = np.array([[3, 0], [1, 2], [0, 3]])
    src = randn(3, 6, seed=5)
    check_op(lambda m, a, i, s: a.scatter(1, i, s), x, idx, src)
    check_op(lambda m, a, i, s: a.scatter(-1, i, s), x, idx, src)


def test_scatter_inverse_of_gather():
    x = randn(4, 6, seed=6)
    perm = np.stack([np.random.default_rng(k).permutation(6) for k in range(4)])
    def fn(m, a, i):
        g = a.gather(1, i)
        return m.zeros(4, 6).scatter_(1, i, g)
    check_op(fn, x, perm)


@pytest.mark.parametrize("dim,idx", [(0, [2, 0]), (1, [3, 3, 0]), (-1, [1]), (0, [])], ids=["d0", "d1_dup", "neg", "empty"])
def test_index_select(dim, idx):
    x = randn(3, 4, seed=7)
    i = np.array(idx, dtype=np.int64)
    check_op(lambda m, a, ii: m.index_select(a, dim, ii), x, i)
    check_op(lambda m, a, ii: a.index_select(dim, ii), x, i)


def test_index_select_noncontiguous_and_int():
    check_op(lambda m, a, i: a.t().index_select(0, i), randn(3, 4, seed=8), np.array([3, 1]))
    check_op(lambda m, a, i: a.index_select(1, i), randint_np(3, 4), np.array([0, 2]))


MASKED_FILL = {
    "same_shape": (lambda a: a > 0, 0.0),
    "broadcast_row": (lambda a: np.array([True, False, True, False]), -1.5),
    "broadcast_col": (lambda a: np.array([[True], [False], [True]]), 9.0),
    "all_false": (lambda a: np.zeros_like(a, dtype=bool), 3.0),
    "neg_inf": (lambda a: a < 0, float("-inf")),
    "int_value": (lambda a: a > 0.5, 2),
}


@pytest.mark.parametrize("name", list(MASKED_FILL))
def test_masked_fill(name):
    mk, val = MASKED_FILL[name]
    x = randn(3, 4, seed=9)
    mask = mk(x)
    check_op(lambda m, a, mm: a.masked_fill(mm, val), x, mask)
    check_op(lambda m, a, mm: m.masked_fill(a, mm, val), x, mask)


def test_masked_fill_does_not_modify_input_and_int_tensor():
    x = randint_np(3, 4)
    check_op(lambda m, a: a.masked_fill(a < 0, 0), x)
    p = P(x)
    p.masked_fill(p < 0, 0)
    np.testing.assert_array_equal(to_np(p), x)


def test_masked_fill_tensor_value():
    x = randn(3, 4, seed=10)
    check_op(lambda m, a: a.masked_fill(a > 0, m.tensor(5.0)), x)


# ----------------------------------------------------------------------------
# topk / sort
# ----------------------------------------------------------------------------
def _distinct(*shape, seed=0):
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) * 0.5 - 3).astype(np.float32)


TOPK_CASES = {
    "k1": dict(k=1),
    "k3": dict(k=3),
    "k_all": dict(k=6),
    "smallest": dict(k=2, largest=False),
    "dim0": dict(k=2, dim=0),
    "dim_neg": dict(k=2, dim=-2),
    "smallest_dim0": dict(k=3, dim=0, largest=False),
}


@pytest.mark.parametrize("name", list(TOPK_CASES))
def test_topk(name):
    kw = TOPK_CASES[name]
    x = _distinct(4, 6, seed=1)
    p, t = P(x), T(x)
    pr, tr = p.topk(**kw), t.topk(**kw)
    assert_close(pr.values, tr.values)
    assert_close(pr.indices, tr.indices)
    pv, pi = pynn.topk(p, **kw)
    assert_close(pv, tr.values)
    assert_close(pi, tr.indices)


def test_topk_positional_and_noncontiguous():
    x = _distinct(5, 4, seed=2)
    check_op(lambda m, a: tuple(a.t().topk(2)), x)
    check_op(lambda m, a: tuple(a[::2].topk(3, 1, False)), x)
    check_op(lambda m, a: tuple(a.topk(2, dim=0)), x)


def test_topk_int():
    x = np.random.default_rng(3).permutation(20).reshape(4, 5)
    check_op(lambda m, a: tuple(a.topk(2)), x)


SORT_CASES = {
    "default": dict(),
    "descending": dict(descending=True),
    "dim0": dict(dim=0),
    "dim0_desc": dict(dim=0, descending=True),
    "dim_neg_desc": dict(dim=-1, descending=True),
}


@pytest.mark.parametrize("name", list(SORT_CASES))
def test_sort(name):
    kw = SORT_CASES[name]
    x = _distinct(4, 5, seed=4)
    p, t = P(x), T(x)
    pr, tr = p.sort(**kw), t.sort(**kw)
    assert_close(pr.values, tr.values)
    assert_close(pr.indices, tr.indices)
    pv, pi = pynn.sort(p, **kw)
    assert_close(pv, tr.values)
    assert_close(pi, tr.indices)


def test_sort_values_with_duplicates_and_noncontiguous():
    x = randint_np(3, 8, low=0, high=4).astype(np.float32)
    p, t = P(x), T(x)
    assert_close(p.sort(descending=True).values, t.sort(descending=True).values)
    assert_close(p.t().sort(dim=0).values, t.t().sort(dim=0).values)
    # indices must be a valid permutation that reproduces the sorted values
    v, i = p.sort(dim=1)
    np.testing.assert_array_equal(np.take_along_axis(x, to_np(i), axis=1), to_np(v))


def test_sort_1d_int_and_positional():
    x = np.random.default_rng(5).permutation(10)
    check_op(lambda m, a: tuple(a.sort()), x)
    check_op(lambda m, a: tuple(a.sort(0, True)), x)


# ----------------------------------------------------------------------------
# one_hot
# ----------------------------------------------------------------------------
@pytest.mark.skipif(PF is None, reason="pynn.nn not available yet")
@pytest.mark.parametrize("num_classes", [-1, 4, 6])
def test_one_hot(num_classes):
    idx = np.array([0, 3, 1, 2, 3])
    check_op(lambda m, i: (PF if m is pynn else torch.nn.functional).one_hot(i, num_classes), idx)


@pytest.mark.skipif(PF is None, reason="pynn.nn not available yet")
def test_one_hot_2d_and_default():
    idx = np.array([[0, 2], [1, 1]])
    check_op(lambda m, i: (PF if m is pynn else torch.nn.functional).one_hot(i), idx)
    check_op(lambda m, i: (PF if m is pynn else torch.nn.functional).one_hot(i, num_classes=5), idx)


@pytest.mark.parametrize("shape,dim,size,step", [((), 0, 1, 1), ((5,), 0, 2, 2), ((3, 4), -1, 3, 1), ((4, 3), 0, 1, 3)])
def test_unfold_matches_torch(shape, dim, size, step):
    torch = pytest.importorskip("torch")
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    p = pynn.tensor(a).unfold(dim, size, step)
    t = torch.tensor(a).unfold(dim, size, step)
    assert tuple(p.shape) == tuple(t.shape) and p.stride() == t.stride()
    np.testing.assert_array_equal(p.numpy(), t.numpy())
