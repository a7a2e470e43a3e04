"""The rest of the ops surface against torch: views and joins (movedim, tensor_split, meshgrid, broadcast_tensors,
atleast_nd, block_diag, hstack ...), small arithmetic (addcmul, lerp, logaddexp, nan_to_num, xlogy ...), order
statistics (median, quantile, kthvalue, mode), sets and counts (unique, bincount, histc), searchsorted / bucketize,
cummax / cummin / logcumsumexp (C++ scans, with a plain numpy reference), sampling (multinomial, bernoulli) by
distribution, values, dtypes, torch's errors and float64 gradcheck."""
import math

import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")


def arr(*shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def same(p, t, tol=1e-5):
    if isinstance(t, (tuple, list)):
        assert len(p) == len(t)
        for a, b in zip(p, t):
            same(a, b, tol)
        return
    t = t.detach().numpy()
    p = p.detach().numpy()
    assert p.shape == t.shape, (p.shape, t.shape)
    assert p.dtype == t.dtype, (p.dtype, t.dtype)
    np.testing.assert_allclose(p, t, rtol=tol, atol=tol, equal_nan=True)


def run(fn, *arrays, **kw):
    """fn(lib, *tensors) on pynn and torch with the same numpy inputs."""
    return fn(pynn, *[pynn.tensor(a) for a in arrays], **kw), fn(torch, *[torch.tensor(a) for a in arrays], **kw)


def var(*shape, seed=0):
    return pynn.tensor(arr(*shape, dtype="float64", seed=seed), requires_grad=True)


# ---------------------------------------------------------------------------------------------- views / joins
@pytest.mark.parametrize("fn", [
    lambda L, x: L.movedim(x, 0, -1), lambda L, x: L.movedim(x, (0, 1), (2, 0)), lambda L, x: x.moveaxis(-1, 0),
    lambda L, x: L.tile(x, (2,)), lambda L, x: L.tile(x, (2, 1, 1, 2)),
    lambda L, x: L.tensor_split(x, 3, 1), lambda L, x: L.tensor_split(x, [1, 3], 2),
    lambda L, x: L.tensor_split(x, [-1, 10], 2), lambda L, x: L.tensor_split(x, L.tensor([1, 2]), 0),
    lambda L, x: L.hsplit(x, [1]), lambda L, x: L.hsplit(x[0], 2), lambda L, x: L.vsplit(x, [1]), lambda L, x: L.dsplit(x, [2, 3]),
    lambda L, x: L.atleast_3d(x[0, 0]), lambda L, x: L.atleast_2d(x[0, 0]), lambda L, x: L.atleast_1d(x[0, 0, 0]),
    lambda L, x: L.atleast_3d(x[0]), lambda L, x: L.atleast_2d(x[0, 0, 0]),
    lambda L, x: L.hstack([x[0], x[1]]), lambda L, x: L.vstack([x[0, 0], x[1, 1]]), lambda L, x: L.dstack([x[0], x[1]]),
    lambda L, x: L.column_stack([x[0, 0], x[1, 0]]), lambda L, x: L.hstack([x[0, 0], x[1, 1]]),
    lambda L, x: L.block_diag(x[0], x[1, 0], x[0, 0, 0]), lambda L, x: L.diag_embed(x), lambda L, x: L.diag_embed(x, 1, 0, 2),
    lambda L, x: L.diag(x[0, 0]), lambda L, x: L.diag(x[0, 0], -2), lambda L, x: L.diag(x[0], 1), lambda L, x: L.trace(x[0]),
    lambda L, x: L.rot90(x, 1, (1, 2)), lambda L, x: L.rot90(x, -1), lambda L, x: L.rot90(x, 2, (0, 2)),
    lambda L, x: L.diff(x), lambda L, x: L.diff(x, 2, 1), lambda L, x: L.diff(x, 1, 0, prepend=x[:1], append=x),
    lambda L, x: L.cross(x, x.flip(1), dim=1), lambda L, x: L.linalg.cross(x[..., :3], x[..., 1:]),
    lambda L, x: L.broadcast_tensors(x[0], x[:, :1]), lambda L, x: L.meshgrid(x[0, 0], x[1, 1, :2], indexing="ij"),
    lambda L, x: L.meshgrid(x[0, 0], x[1, 1, :2], x[0, 1, :3], indexing="xy"),
    lambda L, x: L.cartesian_prod(x[0, 0, :2], x[1, 1, :3]), lambda L, x: L.combinations(x[0, 0]),
    lambda L, x: L.combinations(x[0, 0], 3, with_replacement=True), lambda L, x: L.take(x, L.tensor([[0, 5], [7, 1]])),
])
def test_views_and_joins(fn):
    x = arr(2, 3, 4, dtype="float64")
    p, t = run(fn, x)
    same(p, t)
    p2 = fn(pynn, var(2, 3, 4))
    outs = p2 if isinstance(p2, tuple) else (p2,)
    if any(o.requires_grad and o.numel() for o in outs):
        assert gradcheck(lambda a: fn(pynn, a)[0] if isinstance(p2, tuple) else fn(pynn, a), [var(2, 3, 4)])


def test_shape_helpers_and_indices():
    assert tuple(pynn.broadcast_shapes((2, 1), (3, 1, 4), 1)) == tuple(torch.broadcast_shapes((2, 1), (3, 1, 4), 1))
    for args in ((3, 4), (4, 3, 1), (3, 3, -1), (0, 3)):
        same(pynn.tril_indices(*args), torch.tril_indices(*args))
        same(pynn.triu_indices(*args), torch.triu_indices(*args))
    with pytest.raises(RuntimeError, match="Shape mismatch"):
        pynn.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        pynn.broadcast_tensors(pynn.zeros(2), pynn.zeros(3))
    with pytest.raises(RuntimeError, match="repeated dim"):
        pynn.movedim(pynn.zeros(2, 3), (0, 0), (1, 0))
    with pytest.raises(RuntimeError, match="divisible"):
        pynn.hsplit(pynn.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="2 or fewer dimensions"):
        pynn.block_diag(pynn.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="expected a matrix"):
        pynn.trace(pynn.zeros(3))
    same(pynn.trace(pynn.tensor([[1, 2], [3, 4]])), torch.trace(torch.tensor([[1, 2], [3, 4]])))


# ---------------------------------------------------------------------------------------------- arithmetic
@pytest.mark.parametrize("fn", [
    lambda L, a, b, c: L.addcmul(a, b, c, value=0.5), lambda L, a, b, c: L.addcdiv(a, b, c.abs() + 1, value=-2),
    lambda L, a, b, c: L.lerp(a, b, 0.3), lambda L, a, b, c: L.lerp(a, b, 0.8), lambda L, a, b, c: L.lerp(a, b, c),
    lambda L, a, b, c: L.addmv(a[0], b, c[0], beta=0.5, alpha=2), lambda L, a, b, c: L.addr(a, b[0], c[1], alpha=3),
    lambda L, a, b, c: L.addbmm(a, b.unsqueeze(0).expand(2, 3, 3), c.unsqueeze(0).expand(2, 3, 3)),
    lambda L, a, b, c: L.logaddexp(a, b), lambda L, a, b, c: L.logaddexp2(a, b * 100),
    lambda L, a, b, c: L.xlogy(a, b.abs()), lambda L, a, b, c: L.frac(a * 5),
    lambda L, a, b, c: a.addcmul(b, c), lambda L, a, b, c: a.lerp(b, 0.25),
])
def test_arithmetic(fn):
    p, t = run(fn, arr(3, 3, dtype="float64"), arr(3, 3, dtype="float64", seed=1), arr(3, 3, dtype="float64", seed=2))
    same(p, t)
    assert gradcheck(lambda a, b, c: fn(pynn, a, b, c), [var(3, 3), var(3, 3, seed=1), var(3, 3, seed=2)])


def test_special_values():
    a = np.array([-np.inf, -np.inf, np.inf, np.nan, 0.0, 1e30, -1.0, 0.0])
    b = np.array([-np.inf, 1.0, np.inf, 1.0, 0.0, 1e30, np.nan, np.nan])
    for fn in (lambda L, x, y: L.logaddexp(x, y), lambda L, x, y: L.xlogy(x, y), lambda L, x, y: L.nan_to_num(x),
               lambda L, x, y: L.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-3.0), lambda L, x, y: L.frac(x),
               lambda L, x, y: L.nansum(x), lambda L, x, y: L.nanmean(x), lambda L, x, y: L.count_nonzero(x)):
        same(*run(fn, a, b))
        same(*run(fn, a.astype("float32"), b.astype("float32")))
    same(*run(lambda L, x: L.nan_to_num(x), np.array([1, 2])))


@pytest.mark.parametrize("fn", [
    lambda L, x: L.nansum(x, 1), lambda L, x: L.nansum(x, (0, 1), keepdim=True), lambda L, x: L.nanmean(x, 0),
    lambda L, x: L.count_nonzero(x, 1), lambda L, x: L.aminmax(x), lambda L, x: L.aminmax(x, dim=1, keepdim=True),
])
def test_reductions(fn):
    x = arr(3, 4, dtype="float64")
    x[0, 1] = np.nan
    x[2, 2] = 0
    same(*run(fn, x))


# ---------------------------------------------------------------------------------------------- indexing
@pytest.mark.parametrize("fn", [
    lambda L, x, s: L.index_add(x, 0, L.tensor([0, 2, 0]), s), lambda L, x, s: L.index_add(x, 0, L.tensor([1, 1, 0]), s, alpha=2),
    lambda L, x, s: L.index_copy(x, 0, L.tensor([2, 0, 1]), s), lambda L, x, s: L.index_fill(x, 1, L.tensor([0, 3]), -1.5),
    lambda L, x, s: x.index_fill(0, L.tensor([1]), L.tensor(2.0, dtype=x.dtype)),
    lambda L, x, s: L.index_add(x.t(), 1, L.tensor([0, 2, 0]), s.t()),
])
def test_index_ops(fn):
    x, s = arr(3, 4, dtype="float64"), arr(3, 4, dtype="float64", seed=1)
    same(*run(fn, x, s))
    assert gradcheck(lambda a, b: fn(pynn, a, b), [var(3, 4), var(3, 4, seed=1)])


def test_index_ops_inplace_and_errors():
    x, s = arr(3, 4), arr(2, 4, seed=1)
    p, t = pynn.tensor(x), torch.tensor(x)
    p.index_add_(0, pynn.tensor([0, 2]), pynn.tensor(s))
    t.index_add_(0, torch.tensor([0, 2]), torch.tensor(s))
    same(p, t)
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        pynn.index_add(pynn.zeros(3), 0, pynn.tensor([[0]]), pynn.zeros(1))
    with pytest.raises(IndexError, match="Number of indices"):
        pynn.index_add(pynn.zeros(3, 2), 0, pynn.tensor([0, 1]), pynn.zeros(3, 2))


@pytest.mark.parametrize("fn", [
    lambda L, x: L.repeat_interleave(x, 2), lambda L, x: L.repeat_interleave(x, 3, dim=1),
    lambda L, x: L.repeat_interleave(x, L.tensor([1, 0, 2]), dim=0), lambda L, x: x.repeat_interleave(L.tensor(2), dim=-1),
    lambda L, x: L.repeat_interleave(L.tensor([2, 0, 3])),
])
def test_repeat_interleave(fn):
    same(*run(fn, arr(3, 2, dtype="float64")))
    if fn(pynn, var(3, 2)).requires_grad:
        assert gradcheck(lambda a: fn(pynn, a), [var(3, 2)])
    with pytest.raises(RuntimeError, match="same size as input along dim"):
        pynn.repeat_interleave(pynn.zeros(3), pynn.tensor([1, 2]), dim=0)


# ---------------------------------------------------------------------------------------------- order statistics
@pytest.mark.parametrize("fn", [
    lambda L, x: L.median(x), lambda L, x: L.median(x, 1), lambda L, x: L.median(x, 0, keepdim=True),
    lambda L, x: L.nanmedian(x), lambda L, x: L.nanmedian(x, 1), lambda L, x: L.kthvalue(x, 2, 1),
    lambda L, x: L.kthvalue(x, 1, 0, True), lambda L, x: x.median(-1),
    lambda L, x: L.quantile(x, 0.3), lambda L, x: L.quantile(x, L.tensor([0.0, 0.25, 1.0], dtype=x.dtype), dim=1),
    lambda L, x: L.quantile(x, 0.5, dim=0, keepdim=True), lambda L, x: L.nanquantile(x, 0.4, dim=1),
    lambda L, x: L.quantile(x, L.tensor([0.1, 0.9], dtype=x.dtype), dim=1, keepdim=True, interpolation="lower"),
    lambda L, x: L.quantile(x, 0.6, dim=1, interpolation="higher"), lambda L, x: L.quantile(x, 0.6, interpolation="midpoint"),
    lambda L, x: L.quantile(x, 0.6, dim=1, interpolation="nearest"),
])
@pytest.mark.parametrize("with_nan", [False, True])
def test_order_statistics(fn, with_nan):
    x = arr(4, 5, dtype="float64")
    if with_nan:
        x[1, 2] = np.nan
    same(*run(fn, x))
    if not with_nan:
        assert gradcheck(lambda a: (lambda r: r[0] if isinstance(r, tuple) else r)(fn(pynn, a)), [var(4, 5)])


def test_mode_and_integer_median():
    x = np.array([[1, 2, 2, 3, 3], [5, 5, 1, 1, 0], [4, 4, 4, 1, 1]])
    same(*run(lambda L, a: L.mode(a, 1), x))
    same(*run(lambda L, a: L.mode(a, 0, True), x))
    same(*run(lambda L, a: L.median(a, 1), x))
    with pytest.raises(RuntimeError, match="q values must be in the range"):
        pynn.quantile(pynn.zeros(3), 1.5)
    with pytest.raises(RuntimeError, match="k out of range"):
        pynn.kthvalue(pynn.zeros(3), 4)


# ---------------------------------------------------------------------------------------------- sets and counts
@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True}])
def test_unique(kw):
    x = np.array([[3, 1, 2], [1, 3, 5], [0, 0, 7]])
    same(*run(lambda L, a: L.unique(a, **kw), x))
    same(*run(lambda L, a: L.unique(a.double(), **kw), x))
    same(*run(lambda L, a: L.unique_consecutive(a, **kw), np.array([1, 1, 2, 2, 3, 1, 1, 2])))
    same(*run(lambda L, a: L.unique(a, **kw), np.zeros(0, dtype=np.int64)))


@pytest.mark.parametrize("fn", [
    lambda L, x, w: L.bincount(x), lambda L, x, w: L.bincount(x, minlength=10), lambda L, x, w: L.bincount(x, w),
    lambda L, x, w: L.bincount(x, w.float()), lambda L, x, w: L.histc(w, 5), lambda L, x, w: L.histc(w.float(), 4, -1, 1),
    lambda L, x, w: L.histc(w, 3, 0.5, 0.5),
])
def test_counts(fn):
    same(*run(fn, np.array([1, 3, 3, 0, 5]), arr(5, dtype="float64")))


def test_count_errors():
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral"):
        pynn.bincount(pynn.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        pynn.histc(pynn.zeros(3), 0)


# ---------------------------------------------------------------------------------------------- searchsorted, scans
def reference_searchsorted(seq, vals, right):
    if seq.ndim == 1:
        return np.searchsorted(seq, vals, side="right" if right else "left")
    out = np.empty(vals.shape, dtype=np.int64)
    for idx in np.ndindex(*vals.shape[:-1]):
        out[idx] = np.searchsorted(seq[idx], vals[idx], side="right" if right else "left")
    return out


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("seq_shape,val_shape", [((6,), (3, 4)), ((2, 6), (2, 5)), ((2, 3, 6), (2, 3, 2)), ((6,), ())])
def test_searchsorted(right, seq_shape, val_shape):
    rng = np.random.default_rng(1)
    seq = np.sort(rng.integers(0, 10, seq_shape), -1).astype("float32")
    vals = rng.integers(-1, 11, val_shape).astype("float32")
    p = pynn.searchsorted(pynn.tensor(seq), pynn.tensor(vals), right=right)
    t = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=right)
    same(p, t)
    np.testing.assert_array_equal(p.numpy(), reference_searchsorted(seq, vals, right))
    same(pynn.searchsorted(pynn.tensor(seq), pynn.tensor(vals), side="right" if right else "left", out_int32=True),
         torch.searchsorted(torch.tensor(seq), torch.tensor(vals), side="right" if right else "left", out_int32=True))
    if len(seq_shape) == 1:
        same(pynn.bucketize(pynn.tensor(vals), pynn.tensor(seq), right=right),
             torch.bucketize(torch.tensor(vals), torch.tensor(seq), right=right))


def test_searchsorted_sorter_scalar_and_errors():
    seq = np.array([3.0, 1.0, 2.0, 5.0])
    sorter = np.argsort(seq)
    same(pynn.searchsorted(pynn.tensor(seq), pynn.tensor([2.5, 0.0]), sorter=pynn.tensor(sorter)),
         torch.searchsorted(torch.tensor(seq), torch.tensor([2.5, 0.0]), sorter=torch.tensor(sorter)))
    same(pynn.searchsorted(pynn.tensor([1, 2, 3]), 2), torch.searchsorted(torch.tensor([1, 2, 3]), 2))
    with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension"):
        pynn.searchsorted(pynn.zeros(2, 3), pynn.zeros(3, 1))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        pynn.searchsorted(pynn.zeros(3), pynn.zeros(1), right=True, side="left")
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        pynn.bucketize(pynn.zeros(3), pynn.zeros(2, 2))


def reference_cum(x, dim, is_max):
    x = np.moveaxis(x, dim, -1)
    vals, idx = np.empty_like(x), np.empty(x.shape, dtype=np.int64)
    for line in np.ndindex(*x.shape[:-1]):
        best, at = None, 0
        for i, v in enumerate(x[line]):
            if best is None or (not np.isnan(best) and (np.isnan(v) or (v >= best if is_max else v <= best))):
                best, at = v, i
            vals[line + (i,)], idx[line + (i,)] = best, at
    return np.moveaxis(vals, -1, dim), np.moveaxis(idx, -1, dim)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("is_max", [True, False])
def test_cummax_cummin(dim, is_max):
    x = np.round(arr(3, 5, 4, dtype="float64") * 2) / 2  # ties
    x[1, 2, 0] = np.nan
    name = "cummax" if is_max else "cummin"
    p, t = getattr(pynn, name)(pynn.tensor(x), dim), getattr(torch, name)(torch.tensor(x), dim)
    same(p.values, t.values)
    same(p.indices, t.indices)
    rv, ri = reference_cum(x, dim, is_max)
    np.testing.assert_array_equal(p.indices.numpy(), ri)
    same(*run(lambda L, a: getattr(L, name)(a, dim), np.array([[3, 1, 4], [1, 5, 9]])))
    assert gradcheck(lambda a: getattr(pynn, name)(a, dim).values, [var(3, 5, 4)])


@pytest.mark.parametrize("dim", [0, -1])
def test_logcumsumexp(dim):
    x = arr(4, 6, dtype="float64") * 30
    x[0, 1] = -np.inf
    same(*run(lambda L, a: L.logcumsumexp(a, dim), x), tol=1e-10)
    same(*run(lambda L, a: a.logcumsumexp(dim), x.astype("float32")), tol=1e-4)
    same(*run(lambda L, a: L.logcumsumexp(a, 0), np.array([-np.inf, -np.inf, 1.0, np.inf, 2.0])))
    assert gradcheck(lambda a: pynn.logcumsumexp(a, dim), [var(4, 6)])
    from test_nn_kernels import gradgradcheck
    assert gradgradcheck(lambda a: pynn.logcumsumexp(a, dim), [var(3, 4)])


# ---------------------------------------------------------------------------------------------- distances
@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, math.inf])
def test_cdist(p):
    a, b = arr(2, 4, 3, dtype="float64"), arr(2, 5, 3, dtype="float64", seed=1)
    same(*run(lambda L, x, y: L.cdist(x, y, p), a, b), tol=1e-9)
    if p not in (0.0,):
        assert gradcheck(lambda x, y: pynn.cdist(x, y, p), [var(2, 4, 3), var(2, 5, 3, seed=1)])
    with pytest.raises(RuntimeError, match="same number of columns"):
        pynn.cdist(pynn.zeros(2, 3), pynn.zeros(2, 4))


# ---------------------------------------------------------------------------------------------- sampling
def test_multinomial_distribution():
    pynn.manual_seed(0)
    probs = pynn.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]])
    n = 20000
    s = pynn.multinomial(probs, n, replacement=True)
    assert s.shape == (2, n) and s.dtype == pynn.int64
    freq = np.stack([np.bincount(r, minlength=4) / n for r in s.numpy()])
    np.testing.assert_allclose(freq, [[0.1, 0.0, 0.6, 0.3], [0.25] * 4], atol=0.02)
    # without replacement: distinct, zero-probability never drawn; first draw follows p
    draws = pynn.multinomial(pynn.tensor([0.1, 0.0, 0.6, 0.3]).expand(4000, 4).contiguous(), 3)
    for row in draws.numpy()[:50]:
        assert len(set(row)) == 3 and 1 not in row
    first = np.bincount(draws.numpy()[:, 0], minlength=4) / 4000
    np.testing.assert_allclose(first, [0.1, 0.0, 0.6, 0.3], atol=0.03)
    g = pynn.Generator().manual_seed(5)
    a = pynn.multinomial(pynn.tensor([0.2, 0.8]), 10, True, generator=g)
    g.manual_seed(5)
    assert a.tolist() == pynn.multinomial(pynn.tensor([0.2, 0.8]), 10, True, generator=g).tolist()


@pytest.mark.parametrize("p,kw,match", [
    ([0.5, -0.1], {}, "probability tensor contains"), ([0.5, float("nan")], {}, "probability tensor contains"),
    ([0.5, float("inf")], {}, "probability tensor contains"), ([0.0, 0.0], {}, "sum of probabilities"),
    ([0.5, 0.5], {"num_samples": 3}, "cannot sample n_sample > prob_dist"), ([[[0.5]]], {}, "prob_dist must be 1 or 2 dim"),
])
def test_multinomial_errors(p, kw, match):
    n = kw.get("num_samples", 1)
    with pytest.raises(RuntimeError, match=match):
        pynn.multinomial(pynn.tensor(p), n)
    with pytest.raises(RuntimeError, match=match):
        torch.multinomial(torch.tensor(p), n)


def test_bernoulli():
    pynn.manual_seed(0)
    p = pynn.tensor([0.0, 0.3, 1.0]).expand(20000, 3).contiguous()
    s = pynn.bernoulli(p)
    assert s.dtype == pynn.float32 and set(np.unique(s.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(s.numpy().mean(0), [0.0, 0.3, 1.0], atol=0.02)
    np.testing.assert_allclose(pynn.bernoulli(pynn.zeros(20000), 0.7).numpy().mean(), 0.7, atol=0.02)
    with pytest.raises(RuntimeError, match="bernoulli"):
        pynn.bernoulli(pynn.tensor([1.5]))


def test_where_with_only_a_condition_is_nonzero_as_tuple():
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], dtype=np.float32)
    for make in (lambda m: m.tensor(a), lambda m: m.tensor(a) > 0):
        got, want = pynn.where(make(pynn)), torch.where(make(torch))
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w.numpy())
