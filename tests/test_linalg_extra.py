"""linalg.solve_ex / cholesky_ex / matrix_rank / cond / vander / tensorinv / tensorsolve and
torch.set_default_tensor_type against torch: values, info codes, errors, and float64 gradients where torch has
them."""
import math
import warnings

import numpy as np
import pytest
import torch

import pynn
from pynn.autograd import gradcheck, gradgradcheck


def _both(a, dtype="float64", grad=False):
    a = np.asarray(a, dtype=dtype)
    return pynn.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def _close(p, t, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def _spd(rng, *batch, n=4):
    m = rng.standard_normal((*batch, n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _message(fn):
    with pytest.raises(RuntimeError) as e:
        fn()
    return str(e.value)


# ---- solve_ex ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("left", [True, False])
def test_solve_ex_regular_batched(left):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 4, 4)) + 4 * np.eye(4)
    B = rng.standard_normal((3, 4, 2) if left else (3, 2, 4))
    (pa, ta), (pb, tb) = _both(A), _both(B)
    pr, tr = pynn.linalg.solve_ex(pa, pb, left=left), torch.linalg.solve_ex(ta, tb, left=left)
    _close(pr.result, tr.result)
    assert pr.info.dtype == pynn.int32 and pr.info.tolist() == tr.info.tolist() == [0, 0, 0]


def test_solve_ex_singular_info_and_errors():
    S = np.array([[1.0, 2.0], [2.0, 4.0]])
    (ps, ts), (pb, tb) = _both(S), _both([1.0, 1.0])
    pr, tr = pynn.linalg.solve_ex(ps, pb), torch.linalg.solve_ex(ts, tb)
    assert int(pr.info) == int(tr.info) == 2
    assert not np.isfinite(pr.result.numpy()).all()
    batch_p, batch_t = _both(np.stack([np.eye(2), S]))
    pr, tr = pynn.linalg.solve_ex(batch_p, pynn.ones(2, 2, dtype=pynn.float64)), \
        torch.linalg.solve_ex(batch_t, torch.ones(2, 2, dtype=torch.float64))
    assert pr.info.tolist() == tr.info.tolist() == [0, 2]
    _close(pr.result[0], tr.result[0])
    for A, B in ((ps, pb), (batch_p, pynn.ones(2, 2, dtype=pynn.float64))):
        msg = _message(lambda: pynn.linalg.solve_ex(A, B, check_errors=True))
        with pytest.raises(RuntimeError) as want:
            torch.linalg.solve_ex(torch.tensor(A.numpy()), torch.tensor(B.numpy()), check_errors=True)
        assert msg == str(want.value)


def test_solve_ex_gradient():
    rng = np.random.default_rng(1)
    A = pynn.tensor(rng.standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)
    B = pynn.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    assert gradcheck(lambda a, b: pynn.linalg.solve_ex(a, b).result, (A, B))


# ---- cholesky_ex -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_ex_matches_torch(upper):
    rng = np.random.default_rng(2)
    pa, ta = _both(_spd(rng, 2))
    pr, tr = pynn.linalg.cholesky_ex(pa, upper=upper), torch.linalg.cholesky_ex(ta, upper=upper)
    _close(pr.L, tr.L)
    assert pr.info.dtype == pynn.int32 and pr.info.tolist() == tr.info.tolist() == [0, 0]


def test_cholesky_ex_not_positive_definite():
    A = np.array([[1.0, 2.0], [2.0, 1.0]])
    pa, ta = _both(A)
    pr, tr = pynn.linalg.cholesky_ex(pa), torch.linalg.cholesky_ex(ta)
    assert int(pr.info) == int(tr.info) == 2
    batch = np.stack([np.eye(2), A, np.diag([-1.0, 1.0])])
    pb, tb = _both(batch)
    assert pynn.linalg.cholesky_ex(pb).info.tolist() == torch.linalg.cholesky_ex(tb).info.tolist() == [0, 2, 1]
    for x, y in ((pa, ta), (pb, tb)):
        with pytest.raises(RuntimeError) as want:
            torch.linalg.cholesky_ex(y, check_errors=True)
        assert _message(lambda: pynn.linalg.cholesky_ex(x, check_errors=True)) == str(want.value)
    # plain cholesky keeps raising with its own name
    assert "linalg.cholesky: (Batch element 1)" in _message(lambda: pynn.linalg.cholesky(pb))


def test_cholesky_ex_gradient_and_bad_input():
    rng = np.random.default_rng(3)
    A = pynn.tensor(_spd(rng, n=3), requires_grad=True)
    assert gradcheck(lambda a: pynn.linalg.cholesky_ex((a + a.mT) / 2).L, (A,))
    with pytest.raises(RuntimeError):
        pynn.linalg.cholesky_ex(pynn.ones(2, 3, dtype=pynn.float64))


# ---- matrix_rank, cond -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matrix_rank_tolerances(dtype):
    A = np.diag([1.0, 1e-9, 0.0])
    pa, ta = _both(A, dtype)
    for kw in ({}, {"atol": 0.0}, {"atol": 1e-12}, {"rtol": 1e-12}, {"atol": 0.5, "rtol": 0.1}, {"hermitian": True}):
        assert int(pynn.linalg.matrix_rank(pa, **kw)) == int(torch.linalg.matrix_rank(ta, **kw)), kw
    assert int(pynn.linalg.matrix_rank(pa, 1e-12)) == int(torch.linalg.matrix_rank(ta, 1e-12))
    assert int(pynn.linalg.matrix_rank(pa, tol=1e-12)) == int(torch.linalg.matrix_rank(ta, tol=1e-12))


def test_matrix_rank_batched_tensor_tolerances_and_empty():
    rng = np.random.default_rng(4)
    low = rng.standard_normal((3, 5, 2)) @ rng.standard_normal((3, 2, 4))
    pa, ta = _both(low)
    assert pynn.linalg.matrix_rank(pa).tolist() == torch.linalg.matrix_rank(ta).tolist() == [2, 2, 2]
    atol = np.array([0.0, 1e3, 1e-3])
    assert pynn.linalg.matrix_rank(pa, atol=pynn.tensor(atol)).tolist() == \
        torch.linalg.matrix_rank(ta, atol=torch.tensor(atol)).tolist()
    pe, te = _both(np.zeros((0, 3)))
    assert int(pynn.linalg.matrix_rank(pe)) == int(torch.linalg.matrix_rank(te)) == 0
    assert pynn.linalg.matrix_rank(pa).dtype == pynn.int64


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", math.inf, -math.inf, 1, -1])
def test_cond_matches_torch(p):
    rng = np.random.default_rng(5)
    A = rng.standard_normal((2, 4, 4)) + 2 * np.eye(4)
    pa, ta = _both(A)
    _close(pynn.linalg.cond(pa, p), torch.linalg.cond(ta, p), rtol=1e-9)


def test_cond_singular_rectangular_and_errors():
    S = np.array([[1.0, 2.0], [2.0, 4.0]])
    ps, ts = _both(S)
    for p in ("fro", 1, math.inf):
        assert float(pynn.linalg.cond(ps, p)) == float(torch.linalg.cond(ts, p)) == math.inf
    pr, tr = _both(np.random.default_rng(6).standard_normal((3, 5)))
    _close(pynn.linalg.cond(pr), torch.linalg.cond(tr), rtol=1e-9)
    with pytest.raises(RuntimeError) as want:
        torch.linalg.cond(tr, "fro")
    assert _message(lambda: pynn.linalg.cond(pr, "fro")) == str(want.value)
    with pytest.raises(RuntimeError):
        pynn.linalg.cond(ps, 3)


def test_cond_gradient():
    rng = np.random.default_rng(7)
    A = pynn.tensor(rng.standard_normal((3, 3)) + 3 * np.eye(3), requires_grad=True)
    assert gradcheck(lambda a: pynn.linalg.cond(a, "fro"), (A,))
    assert gradcheck(lambda a: pynn.linalg.cond(a), (A,))


# ---- vander, tensorinv, tensorsolve ------------------------------------------------------------------------

def test_vander_matches_torch_and_gradient():
    for x, N in (([1.0, 2.0, 3.0], None), ([1.0, -2.0], 4), ([[0.5, 2.0], [3.0, -1.0]], 3)):
        px, tx = _both(x)
        _close(pynn.linalg.vander(px, N=N), torch.linalg.vander(tx, N=N))
    pi, ti = pynn.tensor([1, 2, 3]), torch.tensor([1, 2, 3])
    assert pynn.linalg.vander(pi).tolist() == torch.linalg.vander(ti).tolist()
    x = pynn.tensor([0.7, -1.3, 2.1], dtype=pynn.float64, requires_grad=True)
    assert gradcheck(lambda v: pynn.linalg.vander(v, N=4), (x,))
    for bad, N in ((pynn.tensor(2.0), None), (pynn.tensor([1.0, 2.0]), 1)):
        with pytest.raises(RuntimeError):
            pynn.linalg.vander(bad, N=N)


def test_tensorinv_and_tensorsolve():
    rng = np.random.default_rng(8)
    A = (rng.standard_normal((24, 24)) + 5 * np.eye(24)).reshape(4, 6, 8, 3)
    pa, ta = _both(A)
    _close(pynn.linalg.tensorinv(pa, ind=2), torch.linalg.tensorinv(ta, ind=2), rtol=1e-9)
    B = rng.standard_normal((4, 6))
    pb, tb = _both(B)
    _close(pynn.linalg.tensorsolve(pa, pb), torch.linalg.tensorsolve(ta, tb), rtol=1e-9)
    # dims=(0,): A's dim 0 moves to the end, (2, 4, 6, 12) -> (4, 6, 12, 2)
    A2 = np.moveaxis((rng.standard_normal((24, 24)) + 5 * np.eye(24)).reshape(4, 6, 12, 2), -1, 0).copy()
    p2, t2 = _both(A2)
    _close(pynn.linalg.tensorsolve(p2, pb, dims=(0,)), torch.linalg.tensorsolve(t2, tb, dims=(0,)), rtol=1e-9)
    for fn, args in ((pynn.linalg.tensorinv, (pynn.ones(4, 3, dtype=pynn.float64), 1)),
                     (pynn.linalg.tensorinv, (pynn.eye(4, dtype=pynn.float64), 0))):
        tfn = getattr(torch.linalg, fn.__name__)
        with pytest.raises(RuntimeError) as want:
            tfn(torch.tensor(args[0].numpy()), ind=args[1])
        assert _message(lambda: fn(args[0], ind=args[1])) == str(want.value)
    x = pynn.tensor(rng.standard_normal((2, 2, 4)) + np.eye(4).reshape(2, 2, 4) * 3, requires_grad=True)
    assert gradcheck(lambda a: pynn.linalg.tensorinv(a, ind=2), (x,))


# ---- set_default_tensor_type -------------------------------------------------------------------------------

def test_set_default_tensor_type_matches_torch():
    try:
        for t in ("torch.DoubleTensor", "FloatTensor", "torch.HalfTensor", "torch.BFloat16Tensor"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.set_default_tensor_type(t if "." in t else getattr(torch, t))
            with pytest.warns(UserWarning, match="deprecated"):
                pynn.set_default_tensor_type(t if "." in t else getattr(pynn, t))
            assert str(pynn.get_default_dtype()) == str(torch.get_default_dtype()).replace("torch", "pynn")
            assert str(pynn.tensor([1.0]).dtype) == str(torch.tensor([1.0]).dtype).replace("torch", "pynn")
    finally:
        pynn.set_default_dtype(pynn.float32)
        torch.set_default_dtype(torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for bad in ("torch.LongTensor", pynn.LongTensor, pynn.float64, 3, "torch.cuda.FloatTensor", "torch.Nope"):
            with pytest.raises(TypeError):
                pynn.set_default_tensor_type(bad)
        with pytest.raises(TypeError) as want:
            torch.set_default_tensor_type("torch.cuda.FloatTensor")
        with pytest.raises(TypeError) as got:
            pynn.set_default_tensor_type("torch.cuda.FloatTensor")
        assert str(got.value) == str(want.value)
    assert pynn.get_default_dtype() == pynn.float32


def test_out_arguments():
    pa, ta = _both(np.diag([3.0, 2.0, 0.0]))
    r = pynn.empty((), dtype=pynn.int64)
    assert pynn.linalg.matrix_rank(pa, out=r) is r and int(r) == int(torch.linalg.matrix_rank(ta)) == 2
    L, info = pynn.empty(3, 3, dtype=pynn.float64), pynn.empty((), dtype=pynn.int32)
    res = pynn.linalg.cholesky_ex(pynn.eye(3, dtype=pynn.float64) * 4, out=(L, info))
    assert res.L is L and res.info is info and L.tolist() == (torch.eye(3, dtype=torch.float64) * 2).tolist()
    c = pynn.empty((), dtype=pynn.float64)
    pynn.linalg.cond(pynn.eye(2, dtype=pynn.float64), "fro", out=c)
    assert float(c) == pytest.approx(float(torch.linalg.cond(torch.eye(2, dtype=torch.float64), "fro")), rel=1e-14)


def test_inv_ex_writes_out():
    A = pynn.tensor([[2.0, 0.0], [0.0, 4.0]], dtype=pynn.float64)
    inv, info = pynn.empty(2, 2, dtype=pynn.float64), pynn.empty((), dtype=pynn.int32)
    res = pynn.linalg.inv_ex(A, out=(inv, info))
    want = torch.linalg.inv_ex(torch.tensor(A.numpy()))
    assert res.inverse is inv and inv.tolist() == want.inverse.tolist() and int(info) == int(want.info) == 0


# ---- linalg.LinAlgError: the RuntimeError subclass torch raises where LAPACK fails on the values ----

def _lin_alg_cases(lib):
    S, N = lib.zeros(3, 3, dtype=lib.float64), -lib.eye(3, dtype=lib.float64)
    b = lib.ones(3, 1, dtype=lib.float64)
    return {
        "inv": lambda: lib.linalg.inv(S),
        "inverse": lambda: lib.inverse(S),
        "inv batched": lambda: lib.linalg.inv(lib.zeros(2, 3, 3)),
        "inv_ex check_errors": lambda: lib.linalg.inv_ex(S, check_errors=True),
        "solve": lambda: lib.linalg.solve(S, b),
        "solve_ex check_errors": lambda: lib.linalg.solve_ex(S, b, check_errors=True),
        "cholesky": lambda: lib.linalg.cholesky(N),
        "cholesky_ex check_errors": lambda: lib.linalg.cholesky_ex(N, check_errors=True),
        "matrix_power -1": lambda: lib.linalg.matrix_power(S, -1),
        "tensorinv": lambda: lib.linalg.tensorinv(S, 1),
        "tensorsolve": lambda: lib.linalg.tensorsolve(S, lib.ones(3, dtype=lib.float64)),
        # torch raises a plain RuntimeError for lu_factor's zero pivot
        "lu_factor": lambda: lib.linalg.lu_factor(S),
        "lu_factor_ex check_errors": lambda: lib.linalg.lu_factor_ex(S, check_errors=True),
    }


@pytest.mark.parametrize("case", list(_lin_alg_cases(torch)))
def test_lin_alg_error_class_as_torch(case):
    with pytest.raises(RuntimeError) as want:
        _lin_alg_cases(torch)[case]()
    with pytest.raises(RuntimeError) as got:
        _lin_alg_cases(pynn)[case]()
    assert isinstance(got.value, pynn.linalg.LinAlgError) == isinstance(want.value, torch.linalg.LinAlgError), case
    tail = str(want.value).split(": ", 1)[-1][:40]  # the reason torch gives, after its op prefix
    assert tail in str(got.value), (str(got.value), str(want.value))


def test_lin_alg_error_is_a_runtime_error_subclass():
    assert issubclass(pynn.linalg.LinAlgError, RuntimeError) and pynn.linalg.LinAlgError is not RuntimeError
    assert pynn._C._LinAlgError is pynn.linalg.LinAlgError
    with pytest.raises(pynn.linalg.LinAlgError, match="singular"):
        pynn.linalg.solve(pynn.zeros(2, 3, 3), pynn.ones(2, 3, 1))
    # shape errors stay plain RuntimeErrors, as torch's
    with pytest.raises(RuntimeError) as e:
        pynn.linalg.inv(pynn.zeros(2, 3))
    assert not isinstance(e.value, pynn.linalg.LinAlgError)


# ---- linalg.householder_product (orgqr) ----

@pytest.mark.parametrize("shape_a, shape_tau", [((4, 3), (2,)), ((5, 5), (5,)), ((2, 4, 3), (2, 3)), ((4, 3), (0,)),
                                                ((3, 1, 6, 2), (3, 1, 2)), ((1, 1), (1,))])
def test_householder_product_matches_torch(shape_a, shape_tau):
    rng = np.random.default_rng(7)
    a, tau = rng.standard_normal(shape_a), rng.standard_normal(shape_tau)
    for dtype, tol in (("float64", 1e-12), ("float32", 1e-5)):
        got = pynn.linalg.householder_product(pynn.tensor(a.astype(dtype)), pynn.tensor(tau.astype(dtype)))
        want = torch.linalg.householder_product(torch.tensor(a.astype(dtype)), torch.tensor(tau.astype(dtype)))
        assert got.dtype == getattr(pynn, dtype) and got.shape == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)


def test_householder_product_of_geqrf_is_qr_q_and_differentiable():
    A = torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    h, tau = torch.geqrf(A)
    q = pynn.linalg.householder_product(pynn.tensor(h.numpy()), pynn.tensor(tau.numpy()))
    np.testing.assert_allclose(q.numpy(), torch.linalg.qr(A).Q.numpy(), atol=1e-12)
    ph = pynn.tensor(h.numpy(), requires_grad=True)
    pt = pynn.tensor(tau.numpy(), requires_grad=True)
    assert gradcheck(pynn.linalg.householder_product, (ph, pt))
    assert gradgradcheck(pynn.linalg.householder_product, (ph, pt))
    # the gradient matches torch's (its backward is the analytic one, pynn's the composed matmuls')
    th, tt = h.clone().requires_grad_(), tau.clone().requires_grad_()
    g = np.random.default_rng(1).standard_normal((5, 3))
    (torch.linalg.householder_product(th, tt) * torch.tensor(g)).sum().backward()
    (pynn.linalg.householder_product(ph, pt) * pynn.tensor(g)).sum().backward()
    np.testing.assert_allclose(ph.grad.numpy(), th.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(pt.grad.numpy(), tt.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("shape_a, shape_tau, dtype_tau, match", [
    ((2, 3), (1,), "float32", "must be greater than or equal to input.shape"),
    ((3, 2), (3,), "float32", "input.shape\\[-1\\] must be greater than or equal to tau.shape"),
    ((3, 2), (2, 2), "float32", "one dimension less than input"),
    ((2, 3, 2), (3, 2), "float32", "batch dimensions of tau"),
    ((3, 2), (2,), "float64", "tau dtype Double does not match input dtype Float"),
    ((3,), (2,), "float32", "at least 2 dimensions"),
])
def test_householder_product_errors_as_torch(shape_a, shape_tau, dtype_tau, match):
    for L in (pynn, torch):
        with pytest.raises(RuntimeError, match=match):
            L.linalg.householder_product(L.zeros(*shape_a), L.zeros(*shape_tau, dtype=getattr(L, dtype_tau)))


# ---- linalg.ldl_factor / ldl_factor_ex / ldl_solve (LAPACK sytrf / sytrs) ----

def _symmetric(shape, seed, indefinite=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    s = a + np.swapaxes(a, -1, -2)
    return s if indefinite else s @ np.swapaxes(s, -1, -2) + np.eye(shape[-1])


@pytest.mark.parametrize("shape", [(3, 3), (6, 6), (2, 5, 5), (2, 1, 4, 4), (0, 0), (2, 0, 0), (1, 1)])
def test_ldl_factor_and_solve_match_torch(shape):
    a = _symmetric(shape, 3)
    a_upper_noise = a + np.triu(np.full(shape[-2:], 9.0), 1) if shape[-1] else a  # the upper triangle is never read
    for dtype, tol in (("float64", 1e-10), ("float32", 1e-4)):
        p = pynn.linalg.ldl_factor_ex(pynn.tensor(a_upper_noise.astype(dtype)))
        t = torch.linalg.ldl_factor_ex(torch.tensor(a.astype(dtype)))
        np.testing.assert_array_equal(p.pivots.numpy(), t.pivots.numpy())
        np.testing.assert_array_equal(p.info.numpy(), t.info.numpy())
        np.testing.assert_allclose(p.LD.numpy(), t.LD.numpy(), rtol=tol, atol=tol)
        assert p.pivots.dtype == pynn.int32 and p.info.dtype == pynn.int32 and p.LD.dtype == getattr(pynn, dtype)
        b = np.random.default_rng(4).standard_normal(shape[:-1] + (2,)).astype(dtype)
        x = pynn.linalg.ldl_solve(p.LD, p.pivots, pynn.tensor(b))
        np.testing.assert_allclose(x.numpy(), torch.linalg.ldl_solve(t.LD, t.pivots, torch.tensor(b)).numpy(),
                                   rtol=tol * 10, atol=tol * 10)
        f = pynn.linalg.ldl_factor(pynn.tensor(a.astype(dtype)), hermitian=True)
        np.testing.assert_allclose(f.LD.numpy(), t.LD.numpy(), rtol=tol, atol=tol)


def test_ldl_two_by_two_pivots_and_singular_d():
    for L in (pynn, torch):
        f = L.linalg.ldl_factor(L.tensor([[0.0, 1.0], [1.0, 0.0]]))
        assert f.pivots.tolist() == [-2, -2] and f.LD.tolist() == [[0.0, 0.0], [1.0, 0.0]]
        assert L.linalg.ldl_solve(f.LD, f.pivots, L.tensor([[1.0], [2.0]])).flatten().tolist() == [2.0, 1.0]
        r = L.linalg.ldl_factor_ex(L.zeros(2, 3, 3))
        assert r.info.tolist() == [1, 1]
    with pytest.raises(pynn.linalg.LinAlgError, match="D is singular"):  # torch fails an internal assert here
        pynn.linalg.ldl_factor(pynn.zeros(3, 3))
    with pytest.raises(pynn.linalg.LinAlgError, match="Batch element 1"):
        pynn.linalg.ldl_factor_ex(pynn.stack([pynn.eye(2), pynn.zeros(2, 2)]), check_errors=True)


def test_ldl_errors_and_no_derivative_as_torch():
    for L in (pynn, torch):
        with pytest.raises(RuntimeError, match="must be batches of square matrices"):
            L.linalg.ldl_factor(L.zeros(2, 3))
        with pytest.raises(RuntimeError, match="Expected a floating point"):
            L.linalg.ldl_factor(L.zeros(3, 3, dtype=L.int64))
        LD, piv = L.linalg.ldl_factor(L.eye(3, dtype=L.float64))
        with pytest.raises(RuntimeError, match="Incompatible matrix sizes"):
            L.linalg.ldl_solve(LD, piv, L.ones(2, 1, dtype=L.float64))
        x = L.eye(3, dtype=L.float64).requires_grad_()
        LDg = L.linalg.ldl_factor(x).LD
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex is not implemented"):
            LDg.sum().backward()
    LD, piv = pynn.linalg.ldl_factor(pynn.eye(3, dtype=pynn.float64))
    # sytrs trusts its pivots: pynn checks them (torch does not), so a bad one is an error, not a wild read
    for bad in ([1, 2, 9], [1, 0, 3], [1, 2, -3], [-2, -3, 3]):
        with pytest.raises(RuntimeError, match="pivots must be"):
            pynn.linalg.ldl_solve(LD, pynn.tensor(bad, dtype=pynn.int32), pynn.ones(3, 1, dtype=pynn.float64))
    assert pynn.linalg.ldl_solve(LD, piv.long(), pynn.ones(3, 1, dtype=pynn.float64)).flatten().tolist() == [1, 1, 1]
