"""linalg's LU family (lu_factor(_ex), lu, lu_unpack, lu_solve, torch.lu), solve_triangular and inv_ex's info,
against torch: values, pivots, errors, gradients (torch's and float64 finite differences)."""
import numpy as np
import pytest
import torch

import pynn


def _rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _np(t):
    return t.detach().numpy()


SHAPES = [(4, 4), (3, 4, 4), (3, 5), (5, 3), (2, 2, 3, 3), (1, 1), (0, 3, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_and_lu_match_torch(shape):
    a = _rand(shape)
    for fn in ("lu_factor", "lu_factor_ex", "lu"):
        got = getattr(pynn.linalg, fn)(pynn.tensor(a))
        want = getattr(torch.linalg, fn)(torch.tensor(a))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert tuple(g.shape) == tuple(w.shape), fn
            assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1], fn
            np.testing.assert_allclose(_np(g), w.numpy(), rtol=1e-10, atol=1e-12, err_msg=fn)
    P, L, U = pynn.linalg.lu(pynn.tensor(a))
    np.testing.assert_allclose(_np(P @ L @ U), a, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 3, 3)])
def test_lu_unpack_and_legacy_lu_match_torch(shape):
    a = _rand(shape, 1)
    LU, piv = torch.linalg.lu_factor(torch.tensor(a))
    pLU, ppiv = pynn.tensor(LU.numpy()), pynn.tensor(piv.numpy())
    for g, w in zip(pynn.lu_unpack(pLU, ppiv), torch.lu_unpack(LU, piv)):
        np.testing.assert_allclose(_np(g), w.numpy(), atol=1e-14)
    got = pynn.lu(pynn.tensor(a), get_infos=True)
    want = torch.lu(torch.tensor(a), get_infos=True)
    for g, w in zip(got, want):
        np.testing.assert_allclose(_np(g), w.numpy(), atol=1e-12)
    assert len(pynn.tensor(a).lu()) == 2


def test_singular_inputs_give_torch_info_and_errors():
    a = np.stack([np.eye(3), np.zeros((3, 3)), [[1.0, 2, 3], [2, 4, 6], [1, 1, 1]]])
    got = pynn.linalg.lu_factor_ex(pynn.tensor(a))
    want = torch.linalg.lu_factor_ex(torch.tensor(a))
    np.testing.assert_array_equal(_np(got.info), want.info.numpy())
    for lib in (pynn, torch):
        with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[1,1\] is zero"):
            lib.linalg.lu_factor(lib.tensor(a))
        with pytest.raises(RuntimeError, match="U\\[1,1\\] is zero"):
            lib.linalg.lu_factor_ex(lib.zeros(2, 2), check_errors=True)
        with pytest.raises(RuntimeError, match="without pivoting"):
            lib.linalg.lu_factor(lib.eye(2), pivot=False)
        with pytest.raises(RuntimeError, match="dimensions"):
            lib.linalg.lu_factor(lib.ones(3))
        with pytest.raises(RuntimeError):
            lib.linalg.lu_factor(lib.ones(2, 2, dtype=lib.int64))
    wide = np.array([[0.0, 0, 1, 2], [0, 0, 3, 4]])  # getrf sees zero pivots; so does torch
    np.testing.assert_array_equal(_np(pynn.linalg.lu_factor_ex(pynn.tensor(wide)).info),
                                  torch.linalg.lu_factor_ex(torch.tensor(wide)).info.numpy())


def test_inv_ex_info_and_check_errors_match_torch():
    a = np.stack([np.eye(2), np.zeros((2, 2)), [[1.0, 2], [2, 4]]])
    got, want = pynn.linalg.inv_ex(pynn.tensor(a)), torch.linalg.inv_ex(torch.tensor(a))
    np.testing.assert_array_equal(_np(got.info), want.info.numpy())
    np.testing.assert_array_equal(_np(got.inverse[0]), want.inverse[0].numpy())
    assert np.isnan(_np(got.inverse[1])).any() and np.isinf(_np(got.inverse[2])).any()
    for lib in (pynn, torch):
        with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The diagonal element 1 is zero"):
            lib.linalg.inv_ex(lib.tensor(a), check_errors=True)
    x = pynn.tensor(_rand((3, 3), 4), requires_grad=True)
    inv, info = pynn.linalg.inv_ex(x)
    assert info.item() == 0
    inv.sum().backward()
    tx = torch.tensor(_rand((3, 3), 4), requires_grad=True)
    torch.linalg.inv_ex(tx).inverse.sum().backward()
    np.testing.assert_allclose(_np(x.grad), tx.grad.numpy(), rtol=1e-10)


def _compare_solves(solve, a, b, rtol):
    """solve(lib, A, B) in pynn and torch: the same X, and the same gradients of a weighted sum of X."""
    outs, grads = [], []
    for lib in (pynn, torch):
        A, B = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        X = solve(lib, A, B)
        (X * lib.arange(float(X.numel()), dtype=lib.float64).reshape(X.shape)).sum().backward()
        outs.append(_np(X))
        grads.append((_np(A.grad), _np(B.grad)))
    np.testing.assert_allclose(outs[0], outs[1], rtol=rtol, atol=rtol / 100)
    for g, w in zip(grads[0], grads[1]):
        np.testing.assert_allclose(g, w, rtol=10 * rtol, atol=rtol / 10)


SOLVE_TRIANGULAR_CASES = [(upper, left, unit) for upper in (True, False) for left in (True, False)
                          for unit in (False, True)]


@pytest.mark.parametrize("upper,left,unit", SOLVE_TRIANGULAR_CASES)
def test_solve_triangular_matches_torch_with_gradients(upper, left, unit):
    a = _rand((2, 4, 4), 2) + 4 * np.eye(4)
    b = _rand((2, 4, 3) if left else (2, 3, 4), 3)
    _compare_solves(lambda lib, A, B: lib.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unit),
                    a, b, rtol=1e-10)


def test_solve_triangular_broadcasts_and_checks_like_torch():
    a, b = _rand((4, 4), 5) + 4 * np.eye(4), _rand((3, 4, 2), 6)
    got = pynn.linalg.solve_triangular(pynn.tensor(a), pynn.tensor(b), upper=True)
    want = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True)
    np.testing.assert_allclose(_np(got), want.numpy(), rtol=1e-10)
    for lib in (pynn, torch):
        with pytest.raises(RuntimeError, match="Incompatible shapes"):
            lib.linalg.solve_triangular(lib.eye(3), lib.ones(2, 1), upper=True)
        assert lib.linalg.solve_triangular(lib.eye(2), lib.ones(2, 1, dtype=lib.float64), upper=True).dtype \
            == lib.float32  # torch solves in A's dtype
        assert lib.linalg.solve_triangular(lib.eye(2, dtype=lib.float64), lib.ones(2, 1), upper=True).dtype \
            == lib.float64
        with pytest.raises(TypeError):
            lib.linalg.solve_triangular(lib.eye(2), lib.ones(2, 1))  # upper is required


@pytest.mark.parametrize("left,adjoint", [(True, False), (True, True), (False, False), (False, True)])
def test_lu_solve_matches_torch_with_gradients(left, adjoint):
    a = _rand((2, 4, 4), 7)
    b = _rand((2, 4, 3) if left else (2, 3, 4), 8)
    _compare_solves(lambda lib, A, B: lib.linalg.lu_solve(*lib.linalg.lu_factor(A), B, left=left, adjoint=adjoint),
                    a, b, rtol=1e-9)
    got = pynn.lu_solve(pynn.tensor(b if left else b.swapaxes(-1, -2)), *pynn.linalg.lu_factor(pynn.tensor(a)))
    np.testing.assert_allclose(_np(got), np.linalg.solve(a, b if left else b.swapaxes(-1, -2)), rtol=1e-9)


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 3, 3)])
def test_lu_gradients_match_torch(shape):
    a = _rand(shape, 9)
    for fn in ("lu", "lu_factor"):
        grads = []
        for lib in (pynn, torch):
            A = lib.tensor(a, requires_grad=True)
            outs = getattr(lib.linalg, fn)(A)
            total = 0
            for i, o in enumerate(outs):
                if o.is_floating_point() and o.requires_grad:
                    total = total + (o * lib.arange(float(o.numel()), dtype=lib.float64).reshape(o.shape)).sum() * (i + 1)
            total.backward()
            grads.append(_np(A.grad))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-8, atol=1e-10, err_msg=fn)


def test_lu_family_gradcheck_and_gradgradcheck():
    from pynn.autograd import gradcheck, gradgradcheck

    a = pynn.tensor(_rand((3, 3), 10) + 3 * np.eye(3), requires_grad=True)
    wide = pynn.tensor(_rand((2, 4), 11), requires_grad=True)
    b = pynn.tensor(_rand((3, 2), 12), requires_grad=True)
    tri = lambda A, B: pynn.linalg.solve_triangular(A, B, upper=False)  # noqa: E731
    lu_U = lambda A: pynn.linalg.lu(A).U  # noqa: E731
    lu_L = lambda A: pynn.linalg.lu(A).L  # noqa: E731
    solve = lambda A, B: pynn.linalg.lu_solve(*pynn.linalg.lu_factor(A), B, adjoint=True)  # noqa: E731
    for fn, args in [(tri, (a, b)), (lu_U, (a,)), (lu_L, (a,)), (lu_U, (wide,)), (solve, (a, b))]:
        assert gradcheck(fn, args)
        assert gradgradcheck(fn, args)


def test_lu_solve_rejects_bad_pivots():
    LU, piv = pynn.linalg.lu_factor(pynn.tensor(_rand((3, 3), 13)))
    with pytest.raises(RuntimeError, match="pivots"):
        pynn.linalg.lu_solve(LU, pynn.tensor([1, 9, 3], dtype=pynn.int32), pynn.ones(3, 1, dtype=pynn.float64))
    for lib, (lu, p) in ((pynn, (LU, piv)), (torch, torch.linalg.lu_factor(torch.tensor(_rand((3, 3), 13))))):
        with pytest.raises(RuntimeError, match="pivots should be a Tensor of scalar type torch.int32"):
            lib.linalg.lu_solve(lu, p.long(), lib.ones(3, 1, dtype=lib.float64))
    with pytest.raises(RuntimeError, match="pivots"):
        pynn._C._lu_solve_factored(LU, pynn.tensor([0, 1, 2], dtype=pynn.int32), pynn.ones(3, 1, dtype=pynn.float64))
