"""torch.linalg's LU family and triangular solve: lu_factor(_ex), lu, lu_unpack, lu_solve, solve_triangular.

LAPACK's getrf/getrs run in C++ (pynn._C._linalg_lu_factor_ex, _lu_solve_factored, square matrices); the
rectangular cases, pivot bookkeeping and the gradients (torch's formulas, written in differentiable ops so
double backward works) live here. A triangular solve is getrs on factors whose L is the identity: no pivots,
the strict lower triangle zero, so getrs's two triangular sweeps reduce to the one with the given matrix.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import _C
from ._C import Tensor
from ._out import _title  # torch's dtype names in messages ("Float", "Long")
from .autograd.function import Function

lu_factor_result = namedtuple("linalg_lu_factor", ["LU", "pivots"])
lu_factor_ex_result = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
lu_result = namedtuple("linalg_lu", ["P", "L", "U"])
lu_unpack_result = namedtuple("lu_unpack", ["P", "L", "U"])


def _f():
    from . import _factories

    return _factories


def _mH(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


def _eye_like(t: Tensor, n: int) -> Tensor:
    return _f().eye(n, dtype=t.dtype, device=t.device)


def _check_matrix(op: str, A, name: str = "A") -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(A).__name__}")
    if A.dim() < 2:
        raise RuntimeError(f"torch.{op}: The input tensor {name} must have at least 2 dimensions.")
    if not A.is_floating_point():
        raise RuntimeError(f"torch.{op}: Expected a floating point or complex tensor as input. Got {_title(A.dtype)}")




# ----------------------------------------------------------------------------------------------- factorization
def _factor(A: Tensor):
    """(packed LU (*, m, n), pivots (*, k) int32, info (*) int32) of any A, k = min(m, n), untracked. A wide or
    tall A is padded square with zeros (rows below, or columns to the right): partial pivoting never prefers a
    zero row, so the first k steps are A's own."""
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    A = A.detach()
    if m < n:
        sq = _C.cat([A, _f().zeros(*A.shape[:-2], n - m, n, dtype=A.dtype, device=A.device)], -2)
    elif m > n:
        sq = _C.cat([A, _f().zeros(*A.shape[:-2], m, m - n, dtype=A.dtype, device=A.device)], -1)
    else:
        sq = A
    lu, piv, info = _C._linalg_lu_factor_ex(sq)
    if m != n:
        lu = lu[..., :m, :n].contiguous()
        piv = piv[..., :k].contiguous()
        # getrf's info counted the padding's zero pivots too: the first zero on the diagonal of A's own U
        diag = lu.diagonal(0, -2, -1)
        zero = _C.eq(diag, 0)
        first = (zero.to(_C.int32) * _f().arange(k, 0, -1, dtype=_C.int32)).argmax(-1).to(_C.int32) + 1
        info = _C.where(zero.any(-1), first, _f().zeros_like(first))
    return lu, piv, info


def _raise_singular(op: str, info: Tensor, batched: bool) -> None:
    flat = info.reshape(-1).tolist()
    for b, i in enumerate(flat):
        if i > 0:
            where = f"(Batch element {b}): " if batched else ""
            raise RuntimeError(f"torch.{op}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a "
                               "division by zero. If you still want to perform the factorization, consider calling "
                               "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def _check_pivot(op: str, pivot: bool, A: Tensor) -> None:
    if not pivot and A.device.type == "cpu":
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def _lu_backward(gL, gU, P: Tensor, L: Tensor, U: Tensor) -> Tensor:
    """torch's linalg_lu_backward: the gradient of A = P L U from those of L (unit lower) and U (upper)."""
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if gL is None:
        gL = _f().zeros_like(L)
    if gU is None:
        gU = _f().zeros_like(U)
    if m == n:
        phi = (_mH(L) @ gL).tril(-1) + (gU @ _mH(U)).triu()
        # A^-H-like sandwich: L^-H phi U^-H, then P
        x = solve_triangular(_mH(U), phi, upper=False, left=False)
        return P @ solve_triangular(_mH(L), x, upper=True, unitriangular=True)
    if m < n:  # wide: U = [U1 | U2], L square
        U1 = U[..., :, :k]
        gU1, gU2 = gU[..., :, :k], gU[..., :, k:]
        # U2 = L^-1 P^T A2 also moves with L: its gradient enters the square part's as -L^-H gU2 U2^H
        phi = (_mH(L) @ gL - gU2 @ _mH(U[..., :, k:])).tril(-1) + (gU1 @ _mH(U1)).triu()
        x = solve_triangular(_mH(U1), phi, upper=False, left=False)
        gA1 = solve_triangular(_mH(L), x, upper=True, unitriangular=True)
        gA2 = solve_triangular(_mH(L), gU2, upper=True, unitriangular=True)
        return P @ _C.cat([gA1, gA2], -1)
    # tall: L = [L1; L2], U square
    L1 = L[..., :k, :]
    gL1, gL2 = gL[..., :k, :], gL[..., k:, :]
    # L2 = B2 U^-1 also moves with U: its gradient enters the square part's as -L2^H gL2 U^-H
    phi = (_mH(L1) @ gL1).tril(-1) + (gU @ _mH(U) - _mH(L[..., k:, :]) @ gL2).triu()
    x = solve_triangular(_mH(L1), phi, upper=True, unitriangular=True)
    gA1 = solve_triangular(_mH(U), x, upper=False, left=False)
    gA2 = solve_triangular(_mH(U), gL2, upper=False, left=False)
    return P @ _C.cat([gA1, gA2], -2)


def _pivots_to_permutation(pivots: Tensor, m: int) -> np.ndarray:
    """getrf's sequential row swaps -> perm (*, m) with A[perm] = L U, i.e. P[perm[i], i] = 1."""
    piv = pivots.detach().cpu().numpy().astype(np.int64) - 1
    batch = piv.shape[:-1]
    perm = np.broadcast_to(np.arange(m), batch + (m,)).copy()
    flat_perm, flat_piv = perm.reshape(-1, m), piv.reshape(-1, piv.shape[-1])
    rows = np.arange(flat_perm.shape[0])
    for i in range(flat_piv.shape[1]):
        j = flat_piv[:, i]
        a, b = flat_perm[rows, i].copy(), flat_perm[rows, j].copy()
        flat_perm[rows, i], flat_perm[rows, j] = b, a
    return flat_perm.reshape(batch + (m,))


def _permutation_matrix(pivots: Tensor, m: int, like: Tensor) -> Tensor:
    perm = _pivots_to_permutation(pivots, m)
    P = np.zeros(perm.shape + (m,), dtype=np.float64)
    np.put_along_axis(P, perm[..., :, None], 1.0, axis=-1)  # row i of P^T picks row perm[i] of A
    return _f().tensor(np.swapaxes(P, -1, -2).copy(), dtype=like.dtype, device=like.device)


def _unpack(LU: Tensor, m: int, n: int):
    k = min(m, n)
    L = LU[..., :, :k].tril(-1) + _eye_like(LU, m)[:, :k]
    U = LU[..., :k, :].triu()
    return L, U


class _LU(Function):
    """A -> (P, L, U, pivots, info). L and U are saved as outputs, so their backward is itself differentiable."""

    @staticmethod
    def forward(ctx, A):
        m, n = A.shape[-2], A.shape[-1]
        lu, piv, info = _factor(A)
        P = _permutation_matrix(piv, m, A)
        L, U = _unpack(lu, m, n)
        ctx.save_for_backward(P, L, U)
        ctx.mark_non_differentiable(P, piv, info)
        return P, L, U, piv, info

    @staticmethod
    def backward(ctx, gP, gL, gU, gpiv, ginfo):
        P, L, U = ctx.saved_tensors
        return _lu_backward(gL, gU, P, L, U)


def _packed_lu(A: Tensor):
    """(packed LU, pivots, info) as getrf lays them out, built from L and U so gradients of any order flow."""
    m, n = A.shape[-2], A.shape[-1]
    _, L, U, piv, info = _LU.apply(A)
    below = L.tril(-1)
    if m < n:
        below = _C.cat([below, _f().zeros(*below.shape[:-1], n - m, dtype=A.dtype, device=A.device)], -1)
    elif m > n:
        U = _C.cat([U, _f().zeros(*U.shape[:-2], m - n, n, dtype=A.dtype, device=A.device)], -2)
    return below + U, piv, info


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out=None):
    _check_matrix("linalg.lu_factor_ex", A)
    _check_pivot("linalg.lu_factor_ex", pivot, A)
    lu, piv, info = _packed_lu(A)
    if check_errors:
        _raise_singular("linalg.lu_factor_ex", info, A.dim() > 2)
    return lu_factor_ex_result(lu, piv, info)


def lu_factor(A: Tensor, *, pivot: bool = True, out=None):
    _check_matrix("linalg.lu_factor", A)
    _check_pivot("linalg.lu_factor", pivot, A)
    lu, piv, info = _packed_lu(A)
    _raise_singular("linalg.lu_factor", info, A.dim() > 2)
    return lu_factor_result(lu, piv)


def lu(A: Tensor, *, pivot: bool = True, out=None):
    _check_matrix("linalg.lu", A)
    _check_pivot("linalg.lu", pivot, A)
    return lu_result(*_LU.apply(A)[:3])


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *, out=None):
    _check_matrix("lu_unpack", LU_data, "LU_data")
    if not isinstance(LU_pivots, Tensor) or LU_pivots.dtype != _C.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype.")
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    if tuple(LU_pivots.shape) != tuple(LU_data.shape[:-2]) + (k,):
        raise RuntimeError("torch.lu_unpack: Expected LU_pivots.size(-1) == min(LU_data.size(-1), LU_data.size(-2)) "
                           f"with LU_data's batch dims, but got LU_pivots of shape {list(LU_pivots.shape)}")
    if unpack_pivots and LU_pivots.numel() and (bool((LU_pivots < 1).any()) or bool((LU_pivots > m).any())):
        raise RuntimeError(f"torch.lu_unpack: pivots must be in [1, {m}]")
    empty = _f().empty(0, dtype=LU_data.dtype, device=LU_data.device)
    L, U = _unpack(LU_data, m, n) if unpack_data else (empty, empty)
    P = _permutation_matrix(LU_pivots, m, LU_data) if unpack_pivots else empty
    return lu_unpack_result(P, L, U)


# ------------------------------------------------------------------------------------------------- solves
def _triangular_core(A: Tensor, B: Tensor, upper: bool, unitriangular: bool) -> Tensor:
    """X = A^-1 B for triangular A (only its `upper` or lower triangle read), untracked; batch dims broadcast."""
    n = A.shape[-1]
    from ._surface_ops import broadcast_shapes

    batch = tuple(broadcast_shapes(tuple(A.shape[:-2]), tuple(B.shape[:-2])))
    A = A.detach().expand(*batch, n, n)
    B = B.detach().expand(*batch, n, B.shape[-1])
    T = A.triu() if upper else A.tril()
    if unitriangular:
        eye = _eye_like(T, n)
        T = T * (1 - eye) + eye
    if not upper:  # reversing rows and columns turns a lower triangle into an upper one
        T, B = T.flip(-2, -1), B.flip(-2)
    piv = _f().arange(1, n + 1, dtype=_C.int32).expand(*batch, n).contiguous()
    X = _C._lu_solve_factored(T.contiguous(), piv, B.contiguous())
    return X if upper else X.flip(-2)


class _SolveTriangular(Function):
    @staticmethod
    def forward(ctx, A, B, upper, left, unitriangular):
        if left:
            X = _triangular_core(A, B, upper, unitriangular)
        else:  # X A = B  <=>  A^T X^T = B^T
            X = _mH(_triangular_core(_mH(A), _mH(B), not upper, unitriangular))
        ctx.save_for_backward(A, X)
        ctx.flags = (upper, left, unitriangular)
        return X

    @staticmethod
    def backward(ctx, gX):
        A, X = ctx.saved_tensors
        upper, left, unitriangular = ctx.flags
        gB = solve_triangular(_mH(A), gX, upper=not upper, left=left, unitriangular=unitriangular)
        gA = None
        if ctx.needs_input_grad[0]:
            gA = -(gB @ _mH(X)) if left else -(_mH(X) @ gB)
            gA = gA.triu(1 if unitriangular else 0) if upper else gA.tril(-1 if unitriangular else 0)
        return gA, gB, None, None, None


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None) -> Tensor:
    op = "linalg.solve_triangular"
    _check_matrix(op, A)
    _check_matrix(op, B, "B")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"torch.{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    if A.dtype != B.dtype:  # torch solves in A's dtype (B is cast, not promoted)
        B = B.to(A.dtype)
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != A.shape[-1]:
        raise RuntimeError(f"torch.{op}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    return _SolveTriangular.apply(A, B, upper, left, unitriangular)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False, out=None) -> Tensor:
    """X with A X = B (A^H X = B when adjoint; X A = B when not left), A = P L U given by lu_factor."""
    op = "linalg.lu_solve"
    _check_matrix(op, LU, "LU")
    _check_matrix(op, B, "B")
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"torch.{op}: LU must be batches of square matrices, but they are {LU.shape[-2]} by "
                           f"{LU.shape[-1]} matrices")
    if pivots.dtype != _C.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    P, L, U = lu_unpack(LU, pivots)
    # As compositions of triangular solves, the gradient reaches LU (through L and U) and B.
    if not left:  # X A = B  <=>  A^H X^H = B^H  (resp. A X^H = B^H)
        return _mH(lu_solve(LU, pivots, _mH(B), left=True, adjoint=not adjoint))
    if adjoint:  # A^H = U^H L^H P^H
        Y = solve_triangular(_mH(U), B, upper=False)
        return P @ solve_triangular(_mH(L), Y, upper=True, unitriangular=True)
    Y = solve_triangular(L, _mH(P) @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """(inverse, info): info is getrf's per matrix (0, or the 1-based index of U's first zero pivot); where it is
    not 0 the inverse holds LAPACK's inf/nan, as torch's, unless check_errors raises."""
    _check_matrix("linalg.inv_ex", A)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.inv_ex: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    lu_, piv, info = _C._linalg_lu_factor_ex(A.detach())
    if not bool(info.any()):
        return _C._linalg_inv(A), info
    if check_errors:
        flat = info.reshape(-1).tolist()
        b = next(i for i, v in enumerate(flat) if v)
        where = f"(Batch element {b}): " if A.dim() > 2 else ""
        raise _C._LinAlgError(f"linalg.inv_ex: {where}The diagonal element {flat[b]} is zero, the inversion could not "
                           "be completed because the input matrix is singular.")
    n = A.shape[-1]
    eye = _eye_like(A, n).expand(*A.shape[:-2], n, n).contiguous()
    return _C._lu_solve_factored(lu_, piv, eye), info


def legacy_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    """torch.lu_solve / Tensor.lu_solve: linalg.lu_solve with the right-hand side first (torch's older order)."""
    return lu_solve(LU_data, LU_pivots, b)


def legacy_lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out=None):
    """torch.lu / Tensor.lu (deprecated in torch for linalg.lu_factor): (LU, pivots[, infos])."""
    _check_matrix("lu", A)
    _check_pivot("lu", pivot, A)
    lu_, piv, info = _packed_lu(A)
    return (lu_, piv, info) if get_infos else (lu_, piv)
