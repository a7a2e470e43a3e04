"""Reductions: sum mean max min argmax argmin prod var std norm logsumexp."""
import math

import numpy as np
import pytest

import pynn
from conftest import assert_close, check_op, randn, rand_pos, randint_np, P, T

torch = pytest.importorskip("torch")

SHAPE = (3, 4, 5)

# dims usable for multi-dim reductions (int or tuple, negative dims)
MULTI_DIMS = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (1,), (0, 1, 2)]
INT_DIMS = [0, 1, 2, -1, -2]


def _input(name, seed=0):
    if name == "prod":
        # values near 1 so that products neither over- nor underflow
        return rand_pos(*SHAPE, seed=seed, low=0.6, high=1.5) * np.where(randn(*SHAPE, seed=seed + 1) > 0, 1, -1).astype(np.float32)
    return randn(*SHAPE, seed=seed)


def _call(m, x, name, dim, keepdim, method):
    kw = {}
    if dim is not None:
        kw["dim"] = dim
        kw["keepdim"] = keepdim
    if method:
        return getattr(x, name)(**kw)
    return getattr(m, name)(x, **kw)


# ----------------------------------------------------------------------------
# sum / mean (int, tuple, negative dims, keepdim)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True], ids=["nokeep", "keep"])
@pytest.mark.parametrize("dim", MULTI_DIMS, ids=repr)
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean(name, dim, keepdim):
    if dim is None and keepdim:
        pytest.skip("keepdim needs dim")
    x = _input(name)
    check_op(lambda m, a: _call(m, a, name, dim, keepdim, method=False), x, rtol=1e-5, atol=1e-5)
    check_op(lambda m, a: _call(m, a, name, dim, keepdim, method=True), x, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["sum", "mean", "prod"])
def test_reduce_positional_dim(name):
    x = _input(name)
    check_op(lambda m, a: getattr(a, name)(1), x, rtol=1e-5, atol=1e-5)
    check_op(lambda m, a: getattr(a, name)(-1, True), x, rtol=1e-5, atol=1e-5)
    check_op(lambda m, a: getattr(m, name)(a, 0), x, rtol=1e-5, atol=1e-5)


def test_sum_positional_tuple():
    check_op(lambda m, a: a.sum((0, 2)), randn(*SHAPE))


@pytest.mark.parametrize("keepdim", [False, True], ids=["nokeep", "keep"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1], ids=repr)
def test_prod(dim, keepdim):
    if dim is None and keepdim:
        pytest.skip("keepdim needs dim")
    x = _input("prod")
    check_op(lambda m, a: _call(m, a, "prod", dim, keepdim, method=False), x, rtol=1e-4, atol=1e-6)
    check_op(lambda m, a: _call(m, a, "prod", dim, keepdim, method=True), x, rtol=1e-4, atol=1e-6)


def test_sum_float64():
    check_op(lambda m, a: a.sum(1), randn(3, 7, dtype=np.float64), rtol=1e-12, atol=1e-12)
    check_op(lambda m, a: a.mean(), randn(3, 7, dtype=np.float64), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_], ids=["i64", "i32", "bool"])
@pytest.mark.parametrize("dim", [None, 0, 1], ids=repr)
def test_sum_int_promotes_to_int64(dtype, dim):
    x = randint_np(4, 5, low=0, high=3, dtype=np.int64).astype(dtype)
    check_op(lambda m, a: a.sum() if dim is None else a.sum(dim), x)
    check_op(lambda m, a: m.sum(a) if dim is None else m.sum(a, dim=dim), x)


@pytest.mark.parametrize("dtype", [np.int64, np.int32], ids=["i64", "i32"])
def test_prod_int(dtype):
    x = randint_np(3, 4, low=-3, high=4).astype(dtype)
    check_op(lambda m, a: a.prod(), x)
    check_op(lambda m, a: a.prod(1), x)


def test_sum_dtype_kwarg():
    x = randn(3, 4)
    check_op(lambda m, a: a.sum(dtype=m.float64), x)
    check_op(lambda m, a: m.sum(a, dim=1, dtype=m.float64), x)
    xi = randint_np(3, 4, dtype=np.int32)
    check_op(lambda m, a: a.sum(dtype=m.float32), xi)


def test_sum_large_accuracy():
    # pairwise / accurate summation: 1e6 values of 0.1 in float32
    p = pynn.full((1_000_000,), 0.1)
    t = torch.full((1_000_000,), 0.1)
    assert_close(p.sum(), t.sum(), rtol=1e-4)
    assert_close(p.mean(), t.mean(), rtol=1e-4)


def test_mean_float64_and_int_dims():
    check_op(lambda m, a: a.mean(dim=(0, 1), keepdim=True), randn(*SHAPE, dtype=np.float64))


# ----------------------------------------------------------------------------
# max / min / argmax / argmin
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
def test_full_reduction(name):
    x = randn(*SHAPE, seed=3)
    check_op(lambda m, a: getattr(a, name)(), x)
    check_op(lambda m, a: getattr(m, name)(a), x)


@pytest.mark.parametrize("keepdim", [False, True], ids=["nokeep", "keep"])
@pytest.mark.parametrize("dim", INT_DIMS, ids=repr)
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_returns_values_indices(name, dim, keepdim):
    x = randn(*SHAPE, seed=4)
    p, t = P(x), T(x)
    pr = getattr(p, name)(dim, keepdim=keepdim)
    tr = getattr(t, name)(dim, keepdim=keepdim)
    assert_close(pr.values, tr.values)
    assert_close(pr.indices, tr.indices)
    # tuple-like: indexing and unpacking
    assert_close(pr[0], tr.values)
    assert_close(pr[1], tr.indices)
    v, i = pr
    assert_close(v, tr.values)
    assert_close(i, tr.indices)
    assert len(pr) == 2
    # function form with dim keyword
    pr2 = getattr(pynn, name)(p, dim=dim, keepdim=keepdim)
    assert_close(pr2.values, tr.values)
    assert_close(pr2.indices, tr.indices)


@pytest.mark.parametrize("keepdim", [False, True], ids=["nokeep", "keep"])
@pytest.mark.parametrize("dim", INT_DIMS, ids=repr)
@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_dim(name, dim, keepdim):
    x = randn(*SHAPE, seed=5)
    check_op(lambda m, a: getattr(a, name)(dim=dim, keepdim=keepdim), x)
    check_op(lambda m, a: getattr(m, name)(a, dim), x)


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
def test_max_min_int(name):
    x = randint_np(4, 6, low=-1000, high=1000)
    check_op(lambda m, a: getattr(a, name)(), x)
    if name in ("max", "min"):
        check_op(lambda m, a: tuple(getattr(a, name)(1)), x)
    else:
        check_op(lambda m, a: getattr(a, name)(1), x)


def test_max_with_inf():
    x = np.array([[-np.inf, -1.0], [np.inf, 2.0]], np.float32)
    check_op(lambda m, a: a.max(), x)
    check_op(lambda m, a: a.min(), x)
    check_op(lambda m, a: tuple(a.max(0)), x)
    check_op(lambda m, a: a.argmin(1), x)


@pytest.mark.parametrize("name", ["max", "min"])
def test_elementwise_max_min_two_tensors(name):
    a, b = randn(3, 4, seed=1), randn(3, 4, seed=2)
    check_op(lambda m, x, y: getattr(m, name)(x, y), a, b)
    check_op(lambda m, x, y: getattr(x, name)(y), a, b)
    check_op(lambda m, x, y: getattr(m, name)(x, y), randn(3, 1, seed=3), randn(1, 4, seed=4))


# ----------------------------------------------------------------------------
# var / std
# ----------------------------------------------------------------------------
VAR_KW = [
    {},
    {"unbiased": True},
    {"unbiased": False},
    {"correction": 0},
    {"correction": 1},
    {"correction": 2},
]


@pytest.mark.parametrize("kw", VAR_KW, ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()) or "default")
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)], ids=repr)
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, dim, kw):
    x = randn(*SHAPE, seed=6) * 3 + 1
    def fn(m, a):
        if dim is None:
            return getattr(a, name)(**kw)
        return getattr(a, name)(dim=dim, **kw)
    check_op(fn, x, rtol=1e-4, atol=1e-5)
    def fn2(m, a):
        if dim is None:
            return getattr(m, name)(a, **kw)
        return getattr(m, name)(a, dim=dim, **kw)
    check_op(fn2, x, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_keepdim(name):
    x = randn(*SHAPE, seed=7)
    check_op(lambda m, a: getattr(a, name)(1, keepdim=True), x, rtol=1e-4, atol=1e-5)
    check_op(lambda m, a: getattr(a, name)(dim=(0, 1), keepdim=True, unbiased=False), x, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_positional_unbiased(name):
    x = randn(4, 5, seed=8)
    check_op(lambda m, a: getattr(a, name)(1, False), x, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_float64(name):
    check_op(lambda m, a: getattr(a, name)(0), randn(10, 3, dtype=np.float64, seed=9), rtol=1e-10, atol=1e-12)


def test_var_large_offset_stable():
    # naive E[x^2]-E[x]^2 loses all precision here
    x = (randn(1000, seed=10).astype(np.float64) + 1e4).astype(np.float32)
    check_op(lambda m, a: a.var(), x, rtol=1e-2)


# ----------------------------------------------------------------------------
# norm
# ----------------------------------------------------------------------------
NORM_CASES = {
    "default": lambda m, a: a.norm(),
    "p2": lambda m, a: a.norm(p=2),
    "p1": lambda m, a: a.norm(p=1),
    "pinf": lambda m, a: a.norm(p=float("inf")),
    "fro": lambda m, a: a.norm(p="fro"),
    "fn_default": lambda m, a: m.norm(a),
    "fn_p1": lambda m, a: m.norm(a, p=1),
    "fn_pinf": lambda m, a: m.norm(a, float("inf")),
    "fn_fro": lambda m, a: m.norm(a, "fro"),
    "p2_dim1": lambda m, a: a.norm(p=2, dim=1),
    "p2_dim_neg_keep": lambda m, a: a.norm(2, dim=-1, keepdim=True),
    "p1_dim0": lambda m, a: a.norm(p=1, dim=0),
    "pinf_dim1": lambda m, a: a.norm(p=float("inf"), dim=1),
    "p2_dims_tuple": lambda m, a: a.norm(p=2, dim=(0, 2)),
    "fro_dims": lambda m, a: a.norm(p="fro", dim=(1, 2)),
    "fn_dim": lambda m, a: m.norm(a, dim=2),
}


@pytest.mark.parametrize("name", list(NORM_CASES))
def test_norm(name):
    x = randn(*SHAPE, seed=11)
    x.reshape(-1)[7] = -4.5  # unique max-abs element
    check_op(NORM_CASES[name], x, rtol=1e-5, atol=1e-5)


def test_norm_float64_and_vector():
    check_op(lambda m, a: a.norm(), randn(10, dtype=np.float64, seed=12), rtol=1e-12)
    check_op(lambda m, a: a.norm(p=1), np.array([3.0, -4.0], np.float32))


# ----------------------------------------------------------------------------
# logsumexp
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("keepdim", [False, True], ids=["nokeep", "keep"])
@pytest.mark.parametrize("dim", [0, 1, -1, (0, 2)], ids=repr)
def test_logsumexp(dim, keepdim):
    x = randn(*SHAPE, seed=13) * 3
    check_op(lambda m, a: m.logsumexp(a, dim=dim, keepdim=keepdim), x, rtol=1e-5, atol=1e-5)
    check_op(lambda m, a: a.logsumexp(dim, keepdim), x, rtol=1e-5, atol=1e-5)


def test_logsumexp_stable_large_values():
    x = np.array([[1000.0, 1000.0, 990.0], [-1000.0, -1001.0, -2000.0]], np.float32)
    check_op(lambda m, a: m.logsumexp(a, dim=1), x, rtol=1e-5)


def test_logsumexp_with_neg_inf():
    x = np.array([[-np.inf, 0.0], [-np.inf, -np.inf]], np.float32)
    check_op(lambda m, a: m.logsumexp(a, dim=1), x)


# ----------------------------------------------------------------------------
# non-contiguous inputs, empty and 0-d tensors
# ----------------------------------------------------------------------------
NONCONTIG_VIEWS = {
    "transposed": lambda a: a.transpose(0, 2),
    "permuted": lambda a: a.permute(1, 2, 0),
    "step_slice": lambda a: a[:, ::2, 1::2],
    "expanded": lambda a: a[:, :1].expand(3, 4, 5),
}

REDUCTIONS_FOR_NONCONTIG = {
    "sum_all": lambda m, a: a.sum(),
    "sum_dim0": lambda m, a: a.sum(0),
    "sum_dims": lambda m, a: a.sum((1, 2), keepdim=True),
    "mean_dim_last": lambda m, a: a.mean(-1),
    "max_all": lambda m, a: a.max(),
    "max_dim": lambda m, a: tuple(a.max(1)),
    "min_dim": lambda m, a: tuple(a.min(0)),
    "argmax_all": lambda m, a: a.argmax(),
    "argmin_dim": lambda m, a: a.argmin(2),
    "prod_dim": lambda m, a: a.prod(1),
    "var_dim": lambda m, a: a.var(0),
    "std_all": lambda m, a: a.std(),
    "norm_all": lambda m, a: a.norm(),
    "norm_dim": lambda m, a: a.norm(p=1, dim=1),
    "logsumexp": lambda m, a: m.logsumexp(a, dim=1),
}


@pytest.mark.parametrize("view", list(NONCONTIG_VIEWS))
@pytest.mark.parametrize("red", list(REDUCTIONS_FOR_NONCONTIG))
def test_reduction_noncontiguous(red, view):
    if view == "expanded" and red in ("argmax_all", "argmin_dim", "max_dim", "min_dim"):
        pytest.skip("ties in expanded tensor make indices ambiguous")
    x = rand_pos(*SHAPE, seed=14, low=0.7, high=1.4) * np.where(randn(*SHAPE, seed=15) > 0, 1, -1).astype(np.float32)
    v = NONCONTIG_VIEWS[view]
    r = REDUCTIONS_FOR_NONCONTIG[red]
    check_op(lambda m, a: r(m, v(a)), x, rtol=1e-4, atol=1e-5)


def test_expanded_max_values_only():
    x = randn(3, 1, 5, seed=16)
    check_op(lambda m, a: a.expand(3, 4, 5).max(1).values, x)
    check_op(lambda m, a: a.expand(3, 4, 5).sum(1), x)


EMPTY_REDUCTIONS = {
    "sum_all": lambda m, a: a.sum(),
    "sum_dim0": lambda m, a: a.sum(0),
    "sum_dim1": lambda m, a: a.sum(1),
    "prod_all": lambda m, a: a.prod(),
    "prod_dim0": lambda m, a: a.prod(0),
    "mean_dim1": lambda m, a: a.mean(1),
    "max_dim1": lambda m, a: tuple(a.max(1)),
    "sum_dim0_keep": lambda m, a: a.sum(0, keepdim=True),
    "norm": lambda m, a: a.norm(),
    "logsumexp_dim0": lambda m, a: m.logsumexp(a, dim=0),
}


@pytest.mark.parametrize("name", list(EMPTY_REDUCTIONS))
def test_reduction_empty(name):
    check_op(EMPTY_REDUCTIONS[name], np.zeros((0, 3), np.float32))


def test_mean_empty_is_nan():
    r = pynn.zeros(0, 3).mean()
    assert math.isnan(r.item())


ZERO_D_REDUCTIONS = {
    "sum": lambda m, a: a.sum(),
    "mean": lambda m, a: a.mean(),
    "max": lambda m, a: a.max(),
    "min": lambda m, a: a.min(),
    "argmax": lambda m, a: a.argmax(),
    "prod": lambda m, a: a.prod(),
    "norm": lambda m, a: a.norm(),
    "sum_dim0": lambda m, a: a.sum(0),
}


@pytest.mark.parametrize("name", list(ZERO_D_REDUCTIONS))
def test_reduction_0d(name):
    check_op(ZERO_D_REDUCTIONS[name], np.array(-2.5, np.float32))


def test_reduction_result_item():
    x = randn(4, 4, seed=17)
    p, t = P(x), T(x)
    assert abs(p.sum().item() - t.sum().item()) < 1e-5
    assert p.argmax().item() == t.argmax().item()
    assert isinstance(p.argmax().item(), int)
    assert isinstance(p.sum().item(), float)
