"""Backward of reductions and scans: input gradients against torch (same inputs, same upstream gradient),
float64 gradchecks, grad_fn names, torch's special cases (ties, zeros, NaN, dof <= 0) and double backward."""
import numpy as np
import pytest

import pynn
from conftest import assert_close
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")

INF = float("inf")


def compare_grad(fn, arr, dtype=np.float32, rtol=1e-5, atol=1e-6, name=None, seed=1):
    """fn(lib, x) on the same input in pynn and torch; backward with the same random upstream gradient;
    forward values, input gradients and grad_fn names must agree."""
    arr = np.asarray(arr, dtype=dtype)
    px = pynn.tensor(arr, requires_grad=True)
    tx = torch.tensor(arr, requires_grad=True)
    pout, tout = fn(pynn, px), fn(torch, tx)
    assert_close(pout, tout.detach(), rtol=rtol, atol=atol)
    assert pout.requires_grad
    assert pout.grad_fn.name() == tout.grad_fn.name()
    if name is not None:
        assert pout.grad_fn.name() == name
    up = np.random.default_rng(seed).standard_normal(tuple(tout.shape)).astype(dtype)
    pout.backward(pynn.tensor(up))
    tout.backward(torch.tensor(up))
    if tx.grad is None:
        assert px.grad is None
    else:
        assert_close(px.grad, tx.grad, rtol=rtol, atol=atol)
    return px.grad


def leaf64(arr):
    return pynn.tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def distinct(*shape, seed=0):
    """No ties and no zeros: values are a shuffled, well separated range."""
    n = int(np.prod(shape))
    vals = (np.arange(n) - n / 2 + 0.5) * 0.37
    return np.random.default_rng(seed).permutation(vals).reshape(shape)


def away_from_zero(*shape, seed=0):
    a = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
    return a * np.where(np.random.default_rng(seed + 1).random(shape) < 0.5, -1.0, 1.0)


# --------------------------------------------------------------------------------------------------------
# max / min / amax / amin
# --------------------------------------------------------------------------------------------------------
EXTREME_CASES = [
    ("max_all", lambda L, x: x.max(), "MaxBackward1"),
    ("min_all", lambda L, x: L.min(x), "MinBackward1"),
    ("amax_dims", lambda L, x: L.amax(x, dim=(0, 2)), "AmaxBackward0"),
    ("amax_neg_keep", lambda L, x: x.amax(-1, keepdim=True), "AmaxBackward0"),
    ("amax_every_dim", lambda L, x: x.amax(), "AmaxBackward0"),
    ("amin_dims_keep", lambda L, x: L.amin(x, (1, -1), True), "AminBackward0"),
    ("amax_transposed", lambda L, x: x.transpose(0, 2).amax(1), "AmaxBackward0"),
    ("max_dim", lambda L, x: x.max(1)[0], "MaxBackward0"),
    ("max_dim_neg_keep", lambda L, x: L.max(x, -1, keepdim=True).values, "MaxBackward0"),
    ("min_dim", lambda L, x: x.min(0).values, "MinBackward0"),
    ("min_dim_permuted", lambda L, x: x.permute(2, 0, 1).min(dim=2)[0], "MinBackward0"),
]


@pytest.mark.parametrize("case", EXTREME_CASES, ids=[c[0] for c in EXTREME_CASES])
def test_extreme_matches_torch_with_ties(case):
    _, fn, name = case
    # small integers: plenty of ties inside every slice and across the whole tensor
    ties = np.random.default_rng(3).integers(-2, 3, (3, 4, 5)).astype(np.float32)
    compare_grad(fn, ties, name=name)
    compare_grad(fn, randn(3, 4, 5), name=name)


@pytest.mark.parametrize("case", EXTREME_CASES, ids=[c[0] for c in EXTREME_CASES])
def test_extreme_gradcheck(case):
    _, fn, _ = case
    assert gradcheck(lambda t: fn(pynn, t), (leaf64(distinct(3, 4, 5)),))


def test_extreme_ties_split_evenly():
    x = leaf64([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.amin(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.max(1).values.sum().backward()  # the index output picks the first maximum
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])


def test_extreme_nan_follows_torch():
    arr = np.array([1.0, np.nan, 3.0, np.nan], dtype=np.float32)
    compare_grad(lambda L, x: x.max(), arr)      # NaN result: the NaNs share the gradient
    compare_grad(lambda L, x: x.amax(0), arr)    # torch's amax: nothing equals NaN, gradient is NaN
    compare_grad(lambda L, x: x.max(0)[0], arr)  # first NaN's index


def test_extreme_keeps_input_dtype_and_0dim():
    compare_grad(lambda L, x: x.max(), np.array(2.5), dtype=np.float64)
    compare_grad(lambda L, x: x.max(0)[0], np.array(2.5), dtype=np.float64)
    compare_grad(lambda L, x: x.amin(), np.array(-1.5), dtype=np.float64)


# --------------------------------------------------------------------------------------------------------
# prod
# --------------------------------------------------------------------------------------------------------
PROD_CASES = [
    ("all", lambda L, x: x.prod(), "ProdBackward0"),
    ("dim", lambda L, x: L.prod(x, 1), "ProdBackward1"),
    ("neg_keep", lambda L, x: x.prod(-1, keepdim=True), "ProdBackward1"),
    ("transposed", lambda L, x: x.t().prod(0), "ProdBackward1"),
    ("dtype", lambda L, x: x.prod(1, dtype=L.float64), "ProdBackward1"),
    ("all_dtype", lambda L, x: x.prod(dtype=L.float64), "ProdBackward0"),
]


@pytest.mark.parametrize("case", PROD_CASES, ids=[c[0] for c in PROD_CASES])
def test_prod_matches_torch(case):
    _, fn, name = case
    compare_grad(fn, away_from_zero(4, 5), name=name)
    one_zero = away_from_zero(4, 5, seed=2)
    one_zero[1, 2] = 0
    compare_grad(fn, one_zero, name=name)
    zeros = away_from_zero(4, 5, seed=3)
    zeros[0, 0] = zeros[0, 3] = zeros[2, 4] = zeros[3, 0] = 0  # two in one row, one in others
    compare_grad(fn, zeros, name=name)


def test_prod_zero_cases_explicit():
    x = leaf64([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [2.0, 3.0, 4.0]])
    x.prod(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 6, 0], [0, 0, 0], [12, 8, 6]])
    y = leaf64([[2.0, 0.0], [3.0, 4.0]])
    y.prod().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0, 24], [0, 0]])
    compare_grad(lambda L, x: x.prod(0), np.array([[0.0, 2.0, 0.0]]))  # a size-1 reduced dim holding zeros
    compare_grad(lambda L, x: x.prod(), np.array(0.0))
    compare_grad(lambda L, x: x.prod(1), np.zeros((2, 0)))


def test_prod_gradcheck():
    assert gradcheck(lambda t: t.prod(), (leaf64(away_from_zero(2, 3)),))
    assert gradcheck(lambda t: t.prod(0, keepdim=True), (leaf64(away_from_zero(3, 4)),))
    assert gradcheck(lambda t: t.t().prod(-1), (leaf64(away_from_zero(3, 4)),))
    # with one zero per slice the gradient is continuous, so finite differences are valid there too
    assert gradcheck(lambda t: t.prod(1), (leaf64([[1.5, 0.0, -2.0], [0.7, 1.1, 0.0]]),))


# --------------------------------------------------------------------------------------------------------
# var / std
# --------------------------------------------------------------------------------------------------------
VAR_CASES = [
    ("all", lambda L, x, f: f(x)),
    ("dim", lambda L, x, f: f(x, 1)),
    ("dims_neg_keep", lambda L, x, f: f(x, (0, -1), keepdim=True)),
    ("biased", lambda L, x, f: f(x, 1, unbiased=False)),
    ("positional_unbiased", lambda L, x, f: f(x, False)),
    ("correction2", lambda L, x, f: f(x, dim=2, correction=2)),
    ("correction0_all", lambda L, x, f: f(x, correction=0)),
    ("transposed", lambda L, x, f: f(x.transpose(0, 1), 0)),
]


@pytest.mark.parametrize("which", ["var", "std"])
@pytest.mark.parametrize("case", VAR_CASES, ids=[c[0] for c in VAR_CASES])
def test_var_std_matches_torch(case, which):
    _, fn = case
    name = "VarBackward0" if which == "var" else "StdBackward0"
    compare_grad(lambda L, x: fn(L, x, getattr(L, which)), randn(3, 4, 5), name=name)


@pytest.mark.parametrize("which", ["var", "std"])
def test_var_std_gradcheck(which):
    f = lambda t: getattr(t, which)((0, 2), correction=0.5)  # noqa: E731
    assert gradcheck(f, (leaf64(randn(3, 4, 5)),))
    assert gradcheck(lambda t: getattr(t, which)(), (leaf64(randn(3, 4)),))
    assert gradcheck(lambda t: getattr(t, which)(-1, keepdim=True), (leaf64(randn(2, 5)),))


def test_std_of_constant_slice_and_dof_edge_cases():
    const = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype=np.float32)
    g = compare_grad(lambda L, x: x.std(1), const)
    assert np.all(g.numpy()[0] == 0)  # std == 0: torch masks the gradient to zero
    compare_grad(lambda L, x: x.std(), np.full((2, 2), 3.0, dtype=np.float32))
    with pytest.warns(UserWarning):  # torch warns about dof <= 0; pynn gives the same values
        compare_grad(lambda L, x: x.var(), np.array([2.0]))                       # 2/0 * 0: NaN
        compare_grad(lambda L, x: x.var(correction=3), np.array([1.0, 2.0]))      # dof < 0, full reduction
        compare_grad(lambda L, x: x.var(0), np.array([[2.0, 3.0]]))               # dims path
        compare_grad(lambda L, x: x.var(0, correction=2), np.array([[2.0, 3.0]]))


@pytest.mark.parametrize("which", ["var_mean", "std_mean"])
def test_var_mean_names_and_grads(which):
    arr = randn(3, 4)
    for pick in (0, 1):
        compare_grad(lambda L, x: getattr(L, which)(x, 1)[pick], arr)
        compare_grad(lambda L, x: getattr(L, which)(x, dim=(0, 1), keepdim=True, correction=0)[pick], arr)
    name = "VarMeanBackward0" if which == "var_mean" else "StdMeanBackward0"
    v, m = getattr(pynn, which)(leaf64(arr))
    assert v.grad_fn.name() == name and m.grad_fn.name() == name


# --------------------------------------------------------------------------------------------------------
# norm
# --------------------------------------------------------------------------------------------------------
NORM_CASES = [
    ("default", lambda L, x: x.norm()),
    ("fro_dim", lambda L, x: L.norm(x, "fro", dim=1)),
    ("p1", lambda L, x: x.norm(1)),
    ("p1_dims_keep", lambda L, x: x.norm(1, dim=(0, 2), keepdim=True)),
    ("p2_neg_dim", lambda L, x: x.norm(2, dim=-1)),
    ("inf", lambda L, x: x.norm(INF)),
    ("inf_dim", lambda L, x: x.norm(INF, dim=1)),
    ("neginf_dim_keep", lambda L, x: x.norm(-INF, dim=2, keepdim=True)),
    ("p0", lambda L, x: x.norm(0)),
    ("p3", lambda L, x: x.norm(3, dim=(1, 2))),
    ("p1_5", lambda L, x: x.norm(1.5, dim=0)),
    ("p0_5", lambda L, x: x.norm(0.5)),
    ("p_neg1", lambda L, x: x.norm(-1, dim=1)),
    ("transposed", lambda L, x: x.transpose(0, 2).norm(dim=0)),
    ("dtype", lambda L, x: x.norm(dim=1, dtype=L.float64)),
]


@pytest.mark.parametrize("case", NORM_CASES, ids=[c[0] for c in NORM_CASES])
def test_norm_matches_torch(case):
    _, fn = case
    compare_grad(fn, away_from_zero(3, 4, 5), rtol=2e-5, atol=2e-6, name="LinalgVectorNormBackward0")


@pytest.mark.parametrize("case", NORM_CASES, ids=[c[0] for c in NORM_CASES])
def test_norm_at_zeros_matches_torch(case):
    _, fn = case
    arr = away_from_zero(3, 4, 5, seed=4).astype(np.float32)
    arr[1] = 0       # whole slices of zeros (norm == 0 in the dims cases)
    arr[0, 0, :] = 0
    arr[2, 1, 3] = 0
    compare_grad(fn, arr, rtol=2e-5, atol=2e-6)
    compare_grad(fn, np.zeros((3, 4, 5), dtype=np.float32))


def test_norm_special_values():
    g = compare_grad(lambda L, x: x.norm(), np.zeros((2, 3)))  # p=2 at 0: zero gradient, not NaN
    assert np.all(g.numpy() == 0)
    x = leaf64([1.0, 0.0, -2.0])
    x.norm(0).backward()
    assert x.grad is None  # torch leaves the 0-"norm" gradient undefined
    compare_grad(lambda L, x: x.norm(INF), np.array([[1.0, -3.0, 3.0]]))  # tied |x|: split, with signs


@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0.5, -1, INF, -INF])
def test_norm_gradcheck(p):
    assert gradcheck(lambda t: t.norm(p, dim=1), (leaf64(distinct(3, 4)),))
    assert gradcheck(lambda t: t.norm(p), (leaf64(distinct(2, 3)),))


# --------------------------------------------------------------------------------------------------------
# logsumexp
# --------------------------------------------------------------------------------------------------------
LSE_CASES = [
    ("dim", lambda L, x: x.logsumexp(1)),
    ("dims_keep", lambda L, x: L.logsumexp(x, (0, 2), keepdim=True)),
    ("neg", lambda L, x: L.logsumexp(x, -1)),
    ("transposed", lambda L, x: x.transpose(1, 2).logsumexp(dim=1)),
]


@pytest.mark.parametrize("case", LSE_CASES, ids=[c[0] for c in LSE_CASES])
def test_logsumexp_matches_torch(case):
    _, fn = case
    compare_grad(fn, randn(3, 4, 5), name="LogsumexpBackward0")
    compare_grad(fn, randn(3, 4, 5) * 40 + 100)  # large values: no overflow in the gradient either


def test_logsumexp_gradcheck():
    assert gradcheck(lambda t: t.logsumexp((0, 2)), (leaf64(randn(2, 3, 4)),))
    assert gradcheck(lambda t: t.t().logsumexp(-1, keepdim=True), (leaf64(randn(3, 4)),))


# --------------------------------------------------------------------------------------------------------
# cumsum / cumprod
# --------------------------------------------------------------------------------------------------------
SCAN_CASES = [
    ("dim0", lambda L, f, x: f(x, 0)),
    ("dim1", lambda L, f, x: f(x, dim=1)),
    ("neg", lambda L, f, x: f(x, -1)),
    ("transposed", lambda L, f, x: f(x.transpose(0, 2), 1)),
    ("dtype", lambda L, f, x: f(x, 2, dtype=L.float64)),
]


@pytest.mark.parametrize("which", ["cumsum", "cumprod"])
@pytest.mark.parametrize("case", SCAN_CASES, ids=[c[0] for c in SCAN_CASES])
def test_scans_match_torch(case, which):
    _, fn = case
    name = "CumsumBackward0" if which == "cumsum" else "CumprodBackward0"
    f = lambda L, x: fn(L, getattr(L, which), x)  # noqa: E731
    compare_grad(f, away_from_zero(3, 4, 5), name=name)
    compare_grad(lambda L, x: getattr(x, which)(1), away_from_zero(3, 4, 5), name=name)


CUMPROD_ZEROS = [
    [0.0, 2.0, 3.0, -1.5, 2.0],
    [2.0, 3.0, 0.0, -1.5, 2.0],
    [2.0, 3.0, 1.5, -1.5, 0.0],
    [2.0, 0.0, 1.5, 0.0, 4.0],
    [0.0, 0.0, 0.0, 1.0, 2.0],
]


def test_cumprod_zeros_match_torch():
    arr = np.array(CUMPROD_ZEROS)
    compare_grad(lambda L, x: x.cumprod(1), arr, dtype=np.float64)
    compare_grad(lambda L, x: x.t().cumprod(0), arr, dtype=np.float64)
    compare_grad(lambda L, x: x.cumprod(0), arr, dtype=np.float64)


def test_scan_edge_shapes():
    for which in ("cumsum", "cumprod"):
        compare_grad(lambda L, x: getattr(x, which)(0), np.array(1.5))
        compare_grad(lambda L, x: getattr(x, which)(1), randn(3, 1))
        compare_grad(lambda L, x: getattr(x, which)(0), np.zeros((0, 3)))


def test_scans_gradcheck():
    assert gradcheck(lambda t: t.cumsum(1), (leaf64(randn(3, 4)),))
    assert gradcheck(lambda t: t.t().cumsum(-1), (leaf64(randn(3, 4)),))
    assert gradcheck(lambda t: t.cumprod(0), (leaf64(away_from_zero(4, 3)),))
    # a single zero per slice keeps cumprod's gradient continuous
    assert gradcheck(lambda t: t.cumprod(1), (leaf64([[1.5, 0.0, -2.0, 0.5], [0.7, 1.1, 0.9, 0.0]]),))


# --------------------------------------------------------------------------------------------------------
# non-differentiable outputs and modes
# --------------------------------------------------------------------------------------------------------
def test_integer_and_bool_outputs_do_not_require_grad():
    x = leaf64(randn(3, 4))
    for out in (x.argmax(), x.argmin(1), x.max(1).indices, x.min(0, keepdim=True)[1], (x > 0).all(),
                x.any(1), pynn.all(x, 0), x.sum(dtype=pynn.int64), x.prod(1, dtype=pynn.int64),
                x.cumsum(0, dtype=pynn.int64)):
        assert not out.requires_grad and out.grad_fn is None
    assert x.max(1).values.requires_grad


def test_no_grad_records_nothing():
    x = leaf64(randn(3, 4))
    with pynn.no_grad():
        outs = [x.max(), x.amax(0), x.prod(), x.var(1), x.norm(), x.logsumexp(0), x.cumprod(1), x.max(1)[0]]
    assert all(not o.requires_grad for o in outs)


def test_saved_input_modified_in_place_is_detected():
    x = leaf64(away_from_zero(3, 4))
    y = x * 1
    p = y.prod(1)
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        p.sum().backward()


# --------------------------------------------------------------------------------------------------------
# double backward (create_graph=True)
# --------------------------------------------------------------------------------------------------------
DOUBLE_CASES = [
    ("logsumexp", lambda L, x: x.logsumexp(1), randn(3, 4)),
    ("var", lambda L, x: x.var(0, keepdim=True), randn(3, 4)),
    ("var_all", lambda L, x: x.var(), randn(3, 4)),
    ("std", lambda L, x: x.std(1), randn(3, 4)),
    ("norm2", lambda L, x: x.norm(dim=1), randn(3, 4)),
    ("norm3", lambda L, x: x.norm(3), randn(3, 4)),
    ("prod", lambda L, x: x.prod(1), away_from_zero(3, 4)),
    ("prod_one_zero", lambda L, x: x.prod(1), np.array([[1.5, 0.0, -2.0, 0.5], [0.7, 1.1, 0.9, 1.3]])),
    ("prod_two_zeros", lambda L, x: x.prod(1), np.array([[1.5, 0.0, -2.0, 0.0], [0.7, 0.0, 0.9, 1.3]])),
    ("prod_all_zeros", lambda L, x: x.prod(), np.array([[1.5, 0.0], [-2.0, 0.0]])),
    ("cumsum", lambda L, x: x.cumsum(1), randn(3, 4)),
    ("cumprod", lambda L, x: x.cumprod(1), away_from_zero(3, 4)),
    ("cumprod_zeros", lambda L, x: x.cumprod(1), np.array(CUMPROD_ZEROS)),
    ("amax", lambda L, x: x.amax(1), distinct(3, 4)),
    ("max_all", lambda L, x: x.max(), distinct(3, 4)),
    ("min_dim", lambda L, x: x.min(0, keepdim=True)[0], distinct(3, 4)),
]


@pytest.mark.parametrize("case", DOUBLE_CASES, ids=[c[0] for c in DOUBLE_CASES])
def test_double_backward_matches_torch(case):
    _, fn, arr = case
    arr = np.asarray(arr, dtype=np.float64)
    results = []
    for L in (pynn, torch):
        x = L.tensor(arr, requires_grad=True)
        y = fn(L, x)
        up = L.tensor(np.random.default_rng(5).standard_normal(tuple(y.shape)))
        (g,) = L.autograd.grad((y * y * up).sum(), (x,), create_graph=True)
        assert g.requires_grad
        v = L.tensor(np.random.default_rng(6).standard_normal(arr.shape))
        (g * v).sum().backward()
        results.append((g.detach(), x.grad))
    (pg, pgg), (tg, tgg) = results
    assert_close(pg, tg, rtol=1e-6, atol=1e-9)
    assert_close(pgg, tgg, rtol=1e-6, atol=1e-9)


def test_double_backward_gradcheck():
    """Second derivatives by finite differences of the first (gradients of gradients)."""
    def first(fn):
        def g(t):
            with pynn.enable_grad():  # gradcheck evaluates under no_grad for its finite differences
                (gx,) = pynn.autograd.grad(((fn(t)) ** 2).sum(), (t,), create_graph=True)
            return gx * pynn.tensor(randn(*t.shape, seed=7))
        return g

    assert gradcheck(first(lambda t: t.logsumexp(1)), (leaf64(randn(3, 4)),))
    assert gradcheck(first(lambda t: t.var(0)), (leaf64(randn(3, 4)),))
    assert gradcheck(first(lambda t: t.cumprod(1)), (leaf64(away_from_zero(3, 4)),))
    # zeros: the first derivative is a polynomial, so finite differences of it are valid at zeros too
    zeros = leaf64([[1.5, 0.0, -2.0, 0.5], [0.7, 0.0, 0.0, 1.3], [0.0, 1.1, 0.9, 0.0]])
    assert gradcheck(first(lambda t: t.prod(1)), (zeros,))
    assert gradcheck(first(lambda t: t.cumprod(1)), (zeros,))
    assert gradcheck(first(lambda t: t.t().prod()), (leaf64([[1.5, 0.0], [0.0, 1.3], [0.7, 2.0]]),))
