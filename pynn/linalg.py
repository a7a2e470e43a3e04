"""torch.linalg for pynn: factorizations and solvers run LAPACK in C++ (pynn._C._linalg_*); norms compose the
reductions and svdvals."""
from __future__ import annotations

import math
from collections import namedtuple
from typing import Optional, Sequence, Union

from . import _C
from ._C import Tensor
from ._out import _title, supports_out
from .autograd.function import Function  # _title: torch's dtype names in messages ("Float", "Long")
from . import _linalg_lu as _lu
from ._linalg_lu import lu, lu_factor, lu_factor_ex, lu_solve, solve_triangular  # noqa: F401


def _full_like(t, v):
    from ._factories import full_like
    return full_like(t, v)


def _zeros_like(t):
    from ._factories import zeros_like
    return zeros_like(t)


def _ones_like(t):
    from ._factories import ones_like
    return ones_like(t)

# torch.linalg.LinAlgError (torch._C._LinAlgError): a RuntimeError subclass raised where LAPACK fails on the values
# (a singular matrix for inv/solve, one that is not positive-definite for cholesky, no convergence for svd/eigh).
LinAlgError = _C._LinAlgError

__all__ = ["LinAlgError", "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve", "inv", "inv_ex", "solve", "solve_ex", "cholesky_ex", "matrix_rank", "cond", "vander", "tensorinv",
           "tensorsolve", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "solve_triangular", "det", "slogdet", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals",
           "norm", "vector_norm", "matrix_norm", "matmul", "vecdot", "cross", "diagonal", "multi_dot"]

slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
qr_result = namedtuple("qr", ["Q", "R"])
eigh_result = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
svd_result = namedtuple("svd", ["U", "S", "Vh"])
inv_ex_result = namedtuple("inv_ex", ["inverse", "info"])
solve_ex_result = namedtuple("solve_ex", ["result", "info"])
cholesky_ex_result = namedtuple("cholesky_ex", ["L", "info"])
ldl_factor_ex_result = namedtuple("linalg_ldl_factor_ex", ["LD", "pivots", "info"])
ldl_factor_result = namedtuple("linalg_ldl_factor", ["LD", "pivots"])


def _raise_for_info(op: str, A: Tensor, info: Tensor, what: str) -> None:
    """torch's check_errors: the first failing matrix, named by its batch index when A is batched."""
    flat = info.reshape(-1).tolist()
    b = next(i for i, v in enumerate(flat) if v)
    where = f"(Batch element {b}): " if A.dim() > 2 else ""
    raise LinAlgError(f"{op}: {where}{what.format(info=flat[b])}")


@supports_out
def householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """The first n columns of H_0 H_1 ... H_{k-1}, H_i = I - tau_i v_i v_i^T with v_i column i of A below the
    diagonal and 1 on it (LAPACK's orgqr, e.g. Q from geqrf's output). Composed of matmuls, so autograd reaches A
    and tau (any order)."""
    op = "torch.linalg.householder_product"
    if A.dim() < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.dim() and n < tau.shape[-1]:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.dim() != A.dim() - 1:
        raise RuntimeError(f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{tau.dim()} and input.ndim is equal to {A.dim()}")
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau.shape[:-1])}")
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{op}: tau dtype {_title(tau.dtype)} does not match input dtype {_title(A.dtype)}")
    if not A.is_floating_point():
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {_title(A.dtype)}")
    from ._factories import eye
    unit = eye(m, n, dtype=A.dtype, device=A.device)
    V = A.tril(-1) + unit  # the reflectors' vectors, unit lower trapezoidal
    Q = unit.expand(*A.shape).clone() if A.dim() > 2 else unit.clone()
    for i in reversed(range(tau.shape[-1])):  # Q <- H_i Q, the last reflector first
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mT @ Q))
    return Q


class _LDLFactor(Function):
    """sytrf as an autograd node whose backward refuses, as torch's (it has no derivative for ldl_factor)."""

    @staticmethod
    def forward(ctx, A):
        LD, piv, info = _C._linalg_ldl_factor_ex(A)
        ctx.mark_non_differentiable(piv, info)
        return LD, piv, info

    @staticmethod
    def backward(ctx, gLD, gpiv, ginfo):
        raise RuntimeError("derivative for aten::linalg_ldl_factor_ex is not implemented")


@supports_out
def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False):
    """(LD, pivots, info): the Bunch-Kaufman factorization A = P L D L^T P^T of a symmetric matrix (its lower
    triangle read; hermitian is the same for real dtypes) as LAPACK's sytrf leaves it, the strict upper triangle
    zero; info is sytrf's (0, or the 1-based index of a zero diagonal entry of D)."""
    LD, piv, info = _LDLFactor.apply(A) if A.requires_grad and _C.is_grad_enabled() else _C._linalg_ldl_factor_ex(A)
    if check_errors and bool(info.any()):
        _raise_for_info("torch.linalg.ldl_factor_ex", A, info, "The factorization could not be completed because "
                        "the block diagonal matrix D is singular (D[{info}, {info}] is zero, 1-based).")
    return ldl_factor_ex_result(LD, piv, info)


@supports_out
def ldl_factor(A: Tensor, *, hermitian: bool = False):
    """(LD, pivots) of ldl_factor_ex; a singular D raises LinAlgError (torch's own check fails with an internal
    assert there)."""
    LD, piv, info = ldl_factor_ex(A, hermitian=hermitian)
    if bool(info.any()):
        _raise_for_info("torch.linalg.ldl_factor", A, info, "The factorization could not be completed because the "
                        "block diagonal matrix D is singular (D[{info}, {info}] is zero, 1-based).")
    return ldl_factor_result(LD, piv)


@supports_out
def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False) -> Tensor:
    """X = A^-1 B from ldl_factor's (LD, pivots) (LAPACK's sytrs); B (*, n, k) with the factors' batch dims."""
    if LD.requires_grad or B.requires_grad:
        if _C.is_grad_enabled():
            raise RuntimeError("derivative for aten::linalg_ldl_solve is not implemented")
    return _C._linalg_ldl_solve(LD, pivots, B)


@supports_out
def inv(A: Tensor, *, out=None) -> Tensor:
    return _C._linalg_inv(A)


@supports_out
def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    return inv_ex_result(*_lu.inv_ex(A, check_errors=check_errors))


@supports_out
def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    return _C._linalg_solve(A, B, left)


@supports_out
def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out=None):
    """(result, info): info is getrf's per matrix (0, or the 1-based index of U's first zero pivot); a singular
    matrix gives LAPACK's inf/nan in its result, as torch's, unless check_errors raises."""
    _lu._check_matrix("linalg.solve_ex", A)
    _, _, info = _C._linalg_lu_factor_ex(A.detach()) if A.shape[-1] == A.shape[-2] else (None, None, None)
    if info is None or not bool(info.any()):
        return solve_ex_result(solve(A, B, left=left), info)
    if check_errors:
        _raise_for_info("torch.linalg.solve_ex", A, info, "The solver failed because the input matrix is singular.")
    # torch treats B as a batch of vectors when B.dim() == 1 or B's shape is A's batch shape plus n
    vector = left and (B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1])))
    Bm = B.unsqueeze(-1) if vector else B
    inv = inv_ex(A).inverse  # singular: inf/nan where LAPACK's solve has them
    X = _C.matmul(inv, Bm) if left else _C.matmul(Bm, inv)
    return solve_ex_result(X.squeeze(-1) if vector else X, info)


@supports_out
def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info): info is potrf's per matrix (0, or the order of the first leading minor that is not
    positive-definite, where L holds what potrf left), unless check_errors raises."""
    L, info = _C._linalg_cholesky_ex(A, upper)
    if check_errors and bool(info.any()):
        _raise_for_info("linalg.cholesky_ex", A, info, "The factorization could not be completed because the input "
                        "is not positive-definite (the leading minor of order {info} is not positive-definite).")
    return cholesky_ex_result(L, info)


def _eps(dtype) -> float:
    return 2.220446049250313e-16 if dtype == _C.float64 else 1.1920928955078125e-07


@supports_out
def matrix_rank(A: Tensor, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """The number of singular values (eigenvalue magnitudes when hermitian) above max(atol, rtol * the largest).
    Without rtol: 0 where atol > 0, eps * max(m, n) otherwise; `tol` is torch's older atol (with rtol 0)."""
    _lu._check_matrix("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0 if rtol is None else rtol
    S = _C.abs(eigvalsh(A)) if hermitian else svdvals(A)
    column = lambda v: v.unsqueeze(-1) if isinstance(v, Tensor) else v  # noqa: E731  (per matrix of the batch)
    if rtol is None:
        default = _eps(A.dtype) * max(A.shape[-2], A.shape[-1])
        if atol is None:
            rtol = default
        elif isinstance(atol, Tensor):
            rtol = _C.where(_C.gt(atol, 0), _zeros_like(atol).to(S.dtype), _full_like(atol, default).to(S.dtype))
        else:
            rtol = 0.0 if atol > 0 else default
    largest = S.amax(-1, keepdim=True) if S.shape[-1] > 0 else S.sum(-1, keepdim=True)
    threshold = _C.maximum(_zeros_like(largest) + column(0.0 if atol is None else atol), largest * column(rtol))
    return _C.gt(S, threshold).sum(-1)


@supports_out
def cond(A: Tensor, p=None, *, out=None) -> Tensor:
    """The condition number: the ratio of extreme singular values for p None/2/-2 (any shape), otherwise
    norm(A, p) * norm(inv(A), p) for square A (inf where A is singular), as torch."""
    _lu._check_matrix("linalg.cond", A)
    if p is None or p in (2, -2):
        S = svdvals(A)
        big, small = S.amax(-1), S.amin(-1)
        return big / small if p in (None, 2) else small / big
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    inverse, info = inv_ex(A)
    value = matrix_norm(A, p) * matrix_norm(inverse, p)
    return _C.where(_C.ne(info, 0), _full_like(value, math.inf), value)


def vander(x: Tensor, *, N=None) -> Tensor:
    """(..., n) -> (..., n, N) with columns x**0, x**1, ..., x**(N-1); N defaults to n."""
    if x.dim() < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if n == 1:
        return _ones_like(x).unsqueeze(-1)
    powers = x.unsqueeze(-1).expand(*x.shape, n - 1)
    return _C.cat([_ones_like(x).unsqueeze(-1), powers.cumprod(-1)], -1)


@supports_out
def tensorinv(A: Tensor, ind: int = 2, *, out=None) -> Tensor:
    """The inverse of A read as a linear map from its first `ind` dims' space to the rest: A.reshape(prod(A.shape[:ind]),
    prod(A.shape[ind:])) inverted and shaped A.shape[ind:] + A.shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(A.shape[:ind]), math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(*A.shape[ind:], *A.shape[:ind])


@supports_out
def tensorsolve(A: Tensor, B: Tensor, dims=None, *, out=None) -> Tensor:
    """X with tensordot(A, X, X.dim()) == B: the dims in `dims` move to the end of A first; X has the shape of A's
    trailing dims after B's."""
    if dims is not None:
        dims = [d % A.dim() for d in dims]
        A = A.permute(*[d for d in range(A.dim()) if d not in dims], *dims)
    result_shape = tuple(A.shape[B.dim():])
    rows, cols = B.numel(), math.prod(result_shape)
    if tuple(A.shape[:B.dim()]) != tuple(B.shape) or rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {math.prod(A.shape[:B.dim()])}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(result_shape)


@supports_out
def det(A: Tensor, *, out=None) -> Tensor:
    return _C._linalg_det(A)


@supports_out
def slogdet(A: Tensor, *, out=None):
    return slogdet_result(*_C._linalg_slogdet(A))


@supports_out
def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    return _C._linalg_cholesky(A, upper)


@supports_out
def qr(A: Tensor, mode: str = "reduced", *, out=None):
    return qr_result(*_C._linalg_qr(A, mode))


@supports_out
def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    return eigh_result(*_C._linalg_eigh(A, UPLO))


@supports_out
def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    return _C._linalg_eigvalsh(A, UPLO)


@supports_out
def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    return svd_result(*_C._linalg_svd(A, full_matrices))


@supports_out
def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    return _C._linalg_svdvals(A)


@supports_out
def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    return _C.matmul(input, other)


@supports_out
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    return (x * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    return _C.diagonal(A, offset, dim1, dim2)


@supports_out
def cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    from ._surface_ops import cross as _cross
    return _cross(input, other, dim=dim)


@supports_out
def multi_dot(tensors: Sequence[Tensor], *, out=None) -> Tensor:
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for t in tensors[1:]:
        result = _C.matmul(result, t)
    return result


def _dims(dim, ndim: int):
    if dim is None:
        return None
    if isinstance(dim, int):
        return (dim,)
    return tuple(dim)


@supports_out
def vector_norm(x: Tensor, ord: Union[int, float] = 2, dim=None, keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    if not x.is_floating_point():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_title(x.dtype)}")
    if dtype is not None:
        x = x.to(dtype)
    dims = _dims(dim, x.dim())
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Expected a number for ord, got '{ord}'")
    ord = float(ord)
    a = x.abs()
    reduce_dims = dims if dims is not None else tuple(range(x.dim()))
    if x.numel() == 0 and (ord < 0 or ord == math.inf):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord:g} norm on an empty tensor because the "
                           "operation does not have an identity")
    if len(reduce_dims) == 0:
        reduce_dims = None
    if ord == math.inf:
        return _amax(a, reduce_dims, keepdim)
    if ord == -math.inf:
        return _amin(a, reduce_dims, keepdim)
    if ord == 0:
        return _sum((a != 0).to(x.dtype), reduce_dims, keepdim)
    if ord == 1:
        return _sum(a, reduce_dims, keepdim)
    if ord == 2:
        return _sum(a * a, reduce_dims, keepdim).sqrt()
    return _sum(a ** ord, reduce_dims, keepdim) ** (1.0 / ord)




def _sum(x: Tensor, dims, keepdim: bool) -> Tensor:
    return x.sum() if dims is None and not keepdim else x.sum(dims if dims is not None else tuple(range(x.dim())), keepdim=keepdim)


def _amax(x: Tensor, dims, keepdim: bool) -> Tensor:
    return _C.amax(x, dims if dims is not None else tuple(range(x.dim())), keepdim)


def _amin(x: Tensor, dims, keepdim: bool) -> Tensor:
    return _C.amin(x, dims if dims is not None else tuple(range(x.dim())), keepdim)


@supports_out
def matrix_norm(A: Tensor, ord: Union[int, float, str] = "fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None,
                out=None) -> Tensor:
    if A.dim() < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not A.is_floating_point():
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got {_title(A.dtype)}")
    if dtype is not None:
        A = A.to(dtype)
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    d0, d1 = (d % A.dim() for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc" or ord in (2, -2):
        # singular values of the matrices moved to the last two dims
        perm = [i for i in range(A.dim()) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(A.permute(perm))
        if ord == "nuc":
            r = s.sum(-1)
        elif ord == 2:
            r = s.amax(-1)
        else:
            r = s.amin(-1)
        if keepdim:
            r = r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return r
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in (1, -1, math.inf, -math.inf):
        # 1: max column sum (sum over rows d0, then max over d1); inf: max row sum
        sum_dim, max_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        s = A.abs().sum(sum_dim, keepdim=True)
        r = s.amax(max_dim, keepdim=True) if ord > 0 else s.amin(max_dim, keepdim=True)
        if not keepdim:
            r = r.squeeze((d0, d1)) if hasattr(r, "squeeze") else r
        return r
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


@supports_out
def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    if isinstance(ord, str) or (dim is not None and not isinstance(dim, int) and len(dim) == 2) or (
            dim is None and ord is not None and A.dim() == 2):
        if ord is None:
            ord = "fro"
        if dim is None:
            if A.dim() != 2:
                raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.dim()}D.")
            dim = (-2, -1)
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    if dim is None and ord is not None and A.dim() != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.dim()}D.")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def logdet(A: Tensor) -> Tensor:
    sign, logabs = _C._linalg_slogdet(A)
    # torch: nan for a negative determinant, -inf for a zero one
    return _C.where(_C.lt(sign, 0), _full_like(logabs, math.nan), logabs)


def _install(module) -> None:
    """torch's top-level aliases (torch.det, torch.inverse ...) and the Tensor methods."""
    for name, fn in (("det", det), ("inverse", inv), ("slogdet", slogdet), ("logdet", logdet)):
        setattr(module, name, fn)
        setattr(Tensor, name, fn)
    Tensor.cholesky = lambda self, upper=False: cholesky(self, upper=upper)
    module.lu_unpack = _lu.lu_unpack
    module.lu_solve = _lu.legacy_lu_solve
    module.lu = _lu.legacy_lu
    Tensor.lu = _lu.legacy_lu
    Tensor.lu_solve = _lu.legacy_lu_solve
