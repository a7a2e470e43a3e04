"""pynn.linalg against torch.linalg: inv/solve/det/slogdet/cholesky/qr/eigh/eigvalsh/svd/svdvals (float32 and
float64, batched), their float64 gradcheck (gauge-invariant functions of eigen/singular vectors), torch's errors for
singular and non-positive-definite input, and the norms (vector_norm, matrix_norm, norm)."""
import math

import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")


def arr(*shape, dtype="float64", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def spd(*shape, dtype="float64", seed=0):
    a = arr(*shape, dtype="float64", seed=seed)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def close(p, t, dtype="float64", scale=1.0):
    t = t.detach().numpy()
    p = p.detach().numpy()
    assert p.shape == t.shape and p.dtype == t.dtype
    tol = 1e-9 if dtype == "float64" else 2e-4
    np.testing.assert_allclose(p, t, rtol=tol, atol=tol * scale)


DTYPES = ["float32", "float64"]
SHAPES = [(4, 4), (2, 3, 3), (2, 1, 5, 5), (0, 3, 3), (1, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_inv_det_slogdet(dtype, shape):
    a = arr(*shape, dtype=dtype)
    pa, ta = pynn.tensor(a), torch.tensor(a)
    close(pynn.linalg.inv(pa), torch.linalg.inv(ta), dtype, 10)
    close(pynn.linalg.det(pa), torch.linalg.det(ta), dtype, 10)
    ps, pl = pynn.linalg.slogdet(pa)
    ts, tl = torch.linalg.slogdet(ta)
    close(ps, ts, dtype)
    close(pl, tl, dtype)
    close(pynn.det(pa), torch.det(ta), dtype, 10)
    close(pa.inverse(), ta.inverse(), dtype, 10)
    close(pynn.logdet(pynn.tensor(spd(*shape, dtype=dtype))), torch.logdet(torch.tensor(spd(*shape, dtype=dtype))), dtype)


def test_det_of_singular_and_permuted():
    for m in ([[1.0, 2.0], [2.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]):
        close(pynn.linalg.det(pynn.tensor(m, dtype=pynn.float64)), torch.linalg.det(torch.tensor(m, dtype=torch.float64)))
        s, l = pynn.linalg.slogdet(pynn.tensor(m, dtype=pynn.float64))
        ts, tl = torch.linalg.slogdet(torch.tensor(m, dtype=torch.float64))
        assert s.item() == ts.item() and l.item() == tl.item()
    assert math.isnan(pynn.logdet(pynn.tensor([[0.0, 1.0], [1.0, 0.0]])).item())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", [((4, 4), (4, 2)), ((4, 4), (4,)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3, 5)),
                                   ((1, 3, 3), (4, 3, 2)), ((3, 3), (2, 3, 1))])
def test_solve(dtype, sa, sb):
    a, b = arr(*sa, dtype=dtype), arr(*sb, dtype=dtype, seed=1)
    close(pynn.linalg.solve(pynn.tensor(a), pynn.tensor(b)), torch.linalg.solve(torch.tensor(a), torch.tensor(b)), dtype, 10)


def test_solve_left_false():
    a, b = arr(3, 3), arr(2, 3, seed=1)
    close(pynn.linalg.solve(pynn.tensor(a), pynn.tensor(b), left=False),
          torch.linalg.solve(torch.tensor(a), torch.tensor(b), left=False))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (0, 2, 2)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(dtype, shape, upper):
    a = spd(*shape, dtype=dtype)
    close(pynn.linalg.cholesky(pynn.tensor(a), upper=upper), torch.linalg.cholesky(torch.tensor(a), upper=upper), dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 2), (0, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(dtype, shape, mode):
    a = arr(*shape, dtype=dtype)
    pq, pr = pynn.linalg.qr(pynn.tensor(a), mode=mode)
    tq, tr = torch.linalg.qr(torch.tensor(a), mode=mode)
    close(pq, tq, dtype, 10)
    close(pr, tr, dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (1, 1)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(dtype, shape, uplo):
    a = arr(*shape, dtype=dtype)  # not symmetric: only the named triangle is read, as in torch
    pw, pv = pynn.linalg.eigh(pynn.tensor(a), UPLO=uplo)
    tw, tv = torch.linalg.eigh(torch.tensor(a), UPLO=uplo)
    close(pw, tw, dtype, 10)
    close(pv.abs(), tv.abs(), dtype, 10)  # eigenvectors up to sign
    close(pynn.linalg.eigvalsh(pynn.tensor(a), UPLO=uplo), torch.linalg.eigvalsh(torch.tensor(a), UPLO=uplo), dtype, 10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 2), (0, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd(dtype, shape, full):
    a = arr(*shape, dtype=dtype)
    pu, ps, pvh = pynn.linalg.svd(pynn.tensor(a), full_matrices=full)
    tu, ts, tvh = torch.linalg.svd(torch.tensor(a), full_matrices=full)
    close(ps, ts, dtype, 10)
    assert pu.shape == tu.shape and pvh.shape == tvh.shape
    k = min(shape[-2:])
    # reconstruction and orthogonality instead of sign-dependent factors
    rec = (pu[..., :k] * ps.unsqueeze(-2)) @ pvh[..., :k, :]
    np.testing.assert_allclose(rec.numpy(), a, atol=1e-4 if dtype == "float32" else 1e-10)
    close(pynn.linalg.svdvals(pynn.tensor(a)), torch.linalg.svdvals(torch.tensor(a)), dtype, 10)


def var(*shape, seed=0):
    return pynn.tensor(arr(*shape, seed=seed), requires_grad=True)


def test_gradcheck_inv_solve_det():
    a = var(2, 3, 3)
    assert gradcheck(pynn.linalg.inv, [a])
    assert gradcheck(pynn.linalg.det, [a])
    assert gradcheck(lambda x: pynn.linalg.slogdet(x)[1], [a])
    assert gradcheck(pynn.linalg.solve, [a, var(2, 3, 2, seed=1)])
    assert gradcheck(pynn.linalg.solve, [var(3, 3), var(3, seed=1)])
    assert gradcheck(lambda x, y: pynn.linalg.solve(x, y, left=False), [var(3, 3), var(2, 3, seed=1)])


def test_gradcheck_cholesky_eigh():
    eye = pynn.eye(4, dtype=pynn.float64)
    x = var(4, 4)
    for upper in (False, True):
        assert gradcheck(lambda m: pynn.linalg.cholesky(m @ m.t() + eye, upper=upper), [x])
    assert gradcheck(lambda m: pynn.linalg.eigh(m + m.t())[0], [x])
    assert gradcheck(lambda m: pynn.linalg.eigvalsh(m + m.t()), [x])
    assert gradcheck(lambda m: pynn.linalg.eigh(m + m.t())[1].abs(), [x])


def test_gradcheck_qr_svd():
    for shape in ((5, 3), (4, 4)):
        y = var(*shape)
        assert gradcheck(lambda m: pynn.linalg.qr(m)[0], [y])
        assert gradcheck(lambda m: pynn.linalg.qr(m)[1], [y])
    for shape in ((5, 3), (3, 5), (2, 4, 4)):
        y = var(*shape)
        assert gradcheck(lambda m: pynn.linalg.svd(m, full_matrices=False)[1], [y])
        assert gradcheck(pynn.linalg.svdvals, [y])
        # gauge-invariant functions of the singular vectors
        assert gradcheck(lambda m: (lambda u, s, vh: u @ vh)(*pynn.linalg.svd(m, full_matrices=False)), [y])
        assert gradcheck(lambda m: pynn.linalg.svd(m, full_matrices=False)[0].abs(), [y])
        assert gradcheck(lambda m: pynn.linalg.svd(m, full_matrices=False)[2].abs(), [y])


def test_backward_matches_torch():
    a = arr(3, 4, 4)
    pa, ta = pynn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = arr(3, 4, 4, seed=5)
    (pynn.linalg.inv(pa) * pynn.tensor(w)).sum().backward()
    (torch.linalg.inv(ta) * torch.tensor(w)).sum().backward()
    close(pa.grad, ta.grad, scale=10)


def test_double_backward():
    from test_nn_kernels import gradgradcheck
    assert gradgradcheck(pynn.linalg.inv, [var(3, 3)])
    assert gradgradcheck(lambda m: pynn.linalg.det(m).reshape(1), [var(3, 3)])


def test_qr_backward_refusals():
    y = var(3, 5)
    q, r = pynn.linalg.qr(var(5, 3), mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        q.sum().backward()
    _, r = pynn.linalg.qr(var(5, 3), mode="r")
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()


def test_errors():
    with pytest.raises(RuntimeError, match="The diagonal element 2 is zero"):
        pynn.linalg.inv(pynn.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The diagonal element"):
        pynn.linalg.inv(pynn.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]]))
    with pytest.raises(RuntimeError, match="singular"):
        pynn.linalg.solve(pynn.tensor([[1.0, 2.0], [2.0, 4.0]]), pynn.tensor([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="leading minor of order 2 is not positive-definite"):
        pynn.linalg.cholesky(pynn.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(RuntimeError, match="must be batches of square matrices, but they are 2 by 3 matrices"):
        pynn.linalg.inv(pynn.zeros(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        pynn.linalg.det(pynn.zeros(3))
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        pynn.linalg.inv(pynn.tensor([[1, 0], [0, 1]]))
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        pynn.linalg.qr(pynn.zeros(3, 3), mode="bad")
    with pytest.raises(RuntimeError, match="same dtype"):
        pynn.linalg.solve(pynn.eye(2), pynn.ones(2, dtype=pynn.float64))
    for bad in ([[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0], [2.0, 1.0]]):  # torch raises for the same inputs
        with pytest.raises(RuntimeError):
            (torch.linalg.inv if bad[1][1] == 4.0 else torch.linalg.cholesky)(torch.tensor(bad))


@pytest.mark.parametrize("ord", [2, 1, 0, 3.5, math.inf, -math.inf, -1])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
def test_vector_norm(ord, dim, keepdim):
    a = arr(3, 4, 5, dtype="float32")
    close(pynn.linalg.vector_norm(pynn.tensor(a), ord, dim, keepdim),
          torch.linalg.vector_norm(torch.tensor(a), ord, dim, keepdim), "float32")


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm(ord, dim, keepdim):
    a = arr(3, 4, 5)
    close(pynn.linalg.matrix_norm(pynn.tensor(a), ord, dim, keepdim),
          torch.linalg.matrix_norm(torch.tensor(a), ord, dim, keepdim), scale=10)


@pytest.mark.parametrize("shape,ord,dim", [((5,), None, None), ((3, 4), None, None), ((3, 4), "fro", None),
                                           ((3, 4), "nuc", None), ((3, 4), 2, 1), ((2, 3, 4), None, None),
                                           ((2, 3, 4), 1, (1, 2)), ((3, 4), math.inf, None)])
def test_norm(shape, ord, dim):
    a = arr(*shape)
    close(pynn.linalg.norm(pynn.tensor(a), ord, dim), torch.linalg.norm(torch.tensor(a), ord, dim), scale=10)


def test_norm_gradcheck_and_errors():
    assert gradcheck(lambda m: pynn.linalg.vector_norm(m, 3.0, 1), [var(3, 4)])
    assert gradcheck(lambda m: pynn.linalg.matrix_norm(m, "nuc"), [var(3, 4)])
    assert gradcheck(lambda m: pynn.linalg.matrix_norm(m, 2), [var(3, 4)])
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        pynn.linalg.vector_norm(pynn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="dims must be different"):
        pynn.linalg.matrix_norm(pynn.zeros(3, 3), dim=(0, 0))
    with pytest.raises(RuntimeError, match="If dim is not specified but ord is"):
        pynn.linalg.norm(pynn.zeros(2, 2, 2), ord=2)
