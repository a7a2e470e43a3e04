"""torch.linalg for pynn: factorizations and solvers run LAPACK in C++ (pynn._C._linalg_*); norms compose the
reductions and svdvals."""
from __future__ import annotations

import math
from collections import namedtuple
from typing import Optional, Sequence, Union

from . import _C
from ._C import Tensor
from ._out import _title, supports_out  # _title: torch's dtype names in messages ("Float", "Long")
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

__all__ = ["inv", "inv_ex", "solve", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "solve_triangular", "det", "slogdet", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals",
           "norm", "vector_norm", "matrix_norm", "matmul", "vecdot", "cross", "diagonal", "multi_dot"]

slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
qr_result = namedtuple("qr", ["Q", "R"])
eigh_result = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
svd_result = namedtuple("svd", ["U", "S", "Vh"])
inv_ex_result = namedtuple("inv_ex", ["inverse", "info"])


@supports_out
def inv(A: Tensor, *, out=None) -> Tensor:
    return _C._linalg_inv(A)


def inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    return inv_ex_result(*_lu.inv_ex(A, check_errors=check_errors))


@supports_out
def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    return _C._linalg_solve(A, B, left)


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
