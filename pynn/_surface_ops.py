"""torch functions that are thin compositions of pynn's C++ ops: views (movedim, tensor_split, meshgrid,
broadcast_tensors, atleast_nd), joins (block_diag, hstack ...), and small arithmetic (addcmul, lerp, logaddexp,
nan_to_num ...). Each is one or a few whole-tensor ops: no Python loop over elements. Installed on pynn and, where
torch has them, as Tensor methods (see _install)."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Optional, Sequence

import numpy as np

from . import _C
from ._C import Tensor
from ._out import supports_out


def _full_like(t, v):
    from ._factories import full_like
    return full_like(t, v)


def _zeros_like(t):
    from ._factories import zeros_like
    return zeros_like(t)


def _ones_like(t):
    from ._factories import ones_like
    return ones_like(t)

_pyint, _pyfloat, _pybool = builtins.int, builtins.float, builtins.bool

_values_indices = {n: namedtuple(n, ["values", "indices"]) for n in ("median", "nanmedian", "kthvalue", "mode", "cummax", "cummin")}
aminmax_result = namedtuple("aminmax", ["min", "max"])


def _wrap(dim: int, ndim: int, op: str) -> int:
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"[{op}] Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _as_tensor(x, like: Optional[Tensor] = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    from ._factories import tensor
    return tensor(x, dtype=like.dtype if like is not None and isinstance(x, (_pyint, _pyfloat)) and like.is_floating_point() else None)


# ------------------------------------------------------------------------------------------ shapes and views
def broadcast_shapes(*shapes):
    out: list = []
    for s in shapes:
        s = (s,) if isinstance(s, _pyint) else tuple(s)
        if len(s) > len(out):
            out = [1] * (len(s) - len(out)) + out
        for i, d in enumerate(s):
            j = len(out) - len(s) + i
            if d < 0:
                raise RuntimeError("Trying to create tensor with negative dimension")
            if out[j] == 1:
                out[j] = d
            elif d != 1 and d != out[j]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg 0 and arg 1.")
    from ._tensor import Size
    return Size(out)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    try:
        shape = broadcast_shapes(*[t.shape for t in tensors])
    except RuntimeError:
        shapes = ", ".join(str(list(t.shape)) for t in tensors)
        raise RuntimeError(f"The size of tensors do not match and cannot be broadcast: {shapes}") from None
    return tuple(t.expand(shape) for t in tensors)


def meshgrid(*tensors, indexing: Optional[str] = None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.dim()}D")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.shape[0] for t in ts]
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        out.append(t.reshape(view).expand(shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def movedim(input: Tensor, source, destination) -> Tensor:
    src = [source] if isinstance(source, _pyint) else list(source)
    dst = [destination] if isinstance(destination, _pyint) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the same "
                           f"number of dims as destination ({dst} dims)")
    n = input.dim()
    src = [_wrap(d, n, "movedim") for d in src]
    dst = [_wrap(d, n, "movedim") for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    if n == 0:  # a 0-d tensor's dims 0 and -1 name no real dim: nothing moves
        return input.permute([])
    order = [-1] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src)
    order = [o if o >= 0 else next(rest) for o in order]
    return input.permute(order)


def tile(input: Tensor, dims) -> Tensor:
    dims = list(dims) if not isinstance(dims, _pyint) else [dims]
    if len(dims) < input.dim():
        dims = [1] * (input.dim() - len(dims)) + dims
    return input.repeat(dims)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = _wrap(dim, input.dim(), "tensor_split")
    n = input.shape[dim]
    if isinstance(indices_or_sections, Tensor):
        t = indices_or_sections
        if t.dtype not in (_C.int64,):
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype of long, but got {t.dtype}")
        if t.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {t.dim()} dims")
        indices_or_sections = t.item() if t.dim() == 0 else t.tolist()
    if isinstance(indices_or_sections, _pyint):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, extra = divmod(n, sections)
        bounds, start = [], 0
        for i in range(sections):
            step = size + (1 if i < extra else 0)
            bounds.append((start, step))
            start += step
    else:
        bounds, start = [], 0
        for idx in list(indices_or_sections) + [n]:
            stop = builtins.min(builtins.max(idx, start), n) if idx >= 0 else builtins.max(n + idx, start)
            bounds.append((builtins.min(start, n), builtins.max(stop - start, 0)))
            start = builtins.max(start, stop)
    return tuple(input.narrow(dim, s, l) for s, l in bounds)


def _split_dim(name: str, need: int, dim: int):
    def split(input: Tensor, indices_or_sections):
        if input.dim() < need:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor with "
                               f"{input.dim()} dimensions!")
        d = 0 if name == "hsplit" and input.dim() == 1 else dim
        if isinstance(indices_or_sections, _pyint) and input.shape[d] % indices_or_sections != 0:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    split.__name__ = name
    return split


hsplit = _split_dim("hsplit", 1, 1)
vsplit = _split_dim("vsplit", 2, 0)
dsplit = _split_dim("dsplit", 3, 2)


def _atleast(n: int):
    def f(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tuple(tensors[0])
        out = []
        for t in tensors:
            if t.dim() < n:
                if n == 1 or t.dim() == 0:
                    t = t.reshape([1] * n)
                elif n == 2:
                    t = t.unsqueeze(0)
                else:  # 3-d: (n,) -> (1, n, 1), (a, b) -> (a, b, 1)
                    t = t.reshape(1, -1, 1) if t.dim() == 1 else t.unsqueeze(-1)
            out.append(t)
        return out[0] if len(out) == 1 else tuple(out)
    f.__name__ = f"atleast_{n}d"
    return f


atleast_1d, atleast_2d, atleast_3d = _atleast(1), _atleast(2), _atleast(3)


def hstack(tensors) -> Tensor:
    ts = atleast_1d(*tensors) if len(tensors) > 1 else (atleast_1d(*tensors),)
    return _C.cat(list(ts), 0 if ts[0].dim() == 1 else 1)


def vstack(tensors) -> Tensor:
    ts = atleast_2d(*tensors) if len(tensors) > 1 else (atleast_2d(*tensors),)
    return _C.cat(list(ts), 0)


def dstack(tensors) -> Tensor:
    ts = atleast_3d(*tensors) if len(tensors) > 1 else (atleast_3d(*tensors),)
    return _C.cat(list(ts), 2)


def column_stack(tensors) -> Tensor:
    ts = [t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors]
    return _C.cat(ts, 1)


row_stack = vstack


def block_diag(*tensors) -> Tensor:
    mats = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has {t.dim()} dimensions")
        mats.append(t.reshape(1, -1) if t.dim() == 1 else t.reshape(1, 1) if t.dim() == 0 else t)
    if not mats:
        return _empty2d()
    dtype = mats[0].dtype
    for m in mats[1:]:
        dtype = _C.promote_types(dtype, m.dtype)
    cols = builtins.sum(m.shape[1] for m in mats)
    rows, start = [], 0
    for m in mats:
        r, c = m.shape
        parts = []
        if start:
            parts.append(m.to(dtype).new_zeros((r, start)))
        parts.append(m.to(dtype))
        if cols - start - c:
            parts.append(m.to(dtype).new_zeros((r, cols - start - c)))
        rows.append(_C.cat(parts, 1))
        start += c
    return _C.cat(rows, 0)


def _empty2d() -> Tensor:
    from ._factories import empty
    return empty(1, 0)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    n = input.shape[-1] + builtins.abs(offset) if input.dim() else 1
    nd = input.dim() + 1
    d1, d2 = _wrap(dim1, nd, "diag_embed"), _wrap(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape = list(input.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    out = input.new_zeros(shape)
    out.diagonal(offset, d1, d2).copy_(input)
    return out


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.dim() == 1:
        return diag_embed(input, diagonal)
    if input.dim() == 2:
        return input.diagonal(diagonal).clone()
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.dim()}D")


def trace(input: Tensor) -> Tensor:
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    d = input.diagonal()
    return d.sum() if input.is_floating_point() else d.to(_C.int64).sum()


def cartesian_prod(*tensors) -> Tensor:
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return _C.stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    import itertools
    n = input.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    if r == 0 or idx.shape[0] == 0:
        return input.new_zeros((0,) if r == 0 else (0, r))
    from ._factories import tensor
    return input[tensor(idx.reshape(-1))].reshape(-1, r)


def _tri_indices(lower: bool):
    def f(row: int, col: int, offset: int = 0, *, dtype=None, device="cpu", layout=None) -> Tensor:
        r, c = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
        from ._factories import tensor
        return tensor(np.stack([r, c]).astype(np.int64), dtype=dtype or _C.int64, device=device)
    f.__name__ = "tril_indices" if lower else "triu_indices"
    return f


tril_indices, triu_indices = _tri_indices(True), _tri_indices(False)


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (_wrap(d, input.dim(), "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return input.flip([d1]).transpose(d0, d1)
    if k == 2:
        return input.flip([d0, d1])
    if k == 3:
        return input.flip([d0]).transpose(d0, d1)
    return input.clone()


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = _wrap(dim, input.dim(), "diff")
    parts = [p for p in (prepend, input, append) if p is not None]
    x = _C.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        a, b = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = _C.logical_xor(a, b) if x.dtype == _C.bool else a - b
    return x


def cross(input: Tensor, other: Tensor, dim: Optional[int] = None) -> Tensor:
    a, b = broadcast_tensors(input, other)
    if dim is None:
        dim = next((i for i, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    dim = _wrap(dim, a.dim(), "cross")
    if a.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and {other.shape[dim]}")
    a0, a1, a2 = a.unbind(dim)
    b0, b1, b2 = b.unbind(dim)
    return _C.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


# ------------------------------------------------------------------------------------------ arithmetic
@supports_out
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else prod * value)


@supports_out
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    if not tensor1.is_floating_point() and not tensor2.is_floating_point():
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv will "
                           "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be "
                           "implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           "for all dtypes.")
    q = tensor1 / tensor2
    return input + (q if value == 1 else q * value)


@supports_out
def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    if input.dtype != end.dtype:
        raise RuntimeError(f"expected dtype {input.dtype} for `end`, but got dtype {end.dtype}")
    # torch's two-sided formula: exact at weight 0 and 1
    w = weight
    if isinstance(w, Tensor):
        return _C.where(w.abs() < 0.5, input + w * (end - input), end - (end - input) * (1 - w))
    if builtins.abs(w) < 0.5:
        return input + w * (end - input)
    return end - (end - input) * (1 - w)


@supports_out
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    p = _C.mv(mat, vec)
    return _scaled_sum(input, p, beta, alpha)


@supports_out
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    return _scaled_sum(input, _C.outer(vec1, vec2), beta, alpha)


@supports_out
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    return _scaled_sum(input, _C.bmm(batch1, batch2).sum(0), beta, alpha)


def _scaled_sum(input: Tensor, p: Tensor, beta, alpha) -> Tensor:
    p = p if alpha == 1 else p * alpha
    if beta == 0:
        return p.expand(broadcast_shapes(input.shape, p.shape)).clone() if input.shape != p.shape else p
    return (input if beta == 1 else input * beta) + p


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    m = _C.maximum(input, other)
    both_inf = _C.logical_and(_C.isinf(m), _C.eq(input, other))
    safe = _C.where(both_inf, _zeros_like(m), (input - other).abs())
    return _C.where(both_inf, m, m + _C.log1p(_C.exp(-safe)))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


@supports_out
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: Optional[float] = None, neginf: Optional[float] = None,
               *, out=None) -> Tensor:
    if not input.is_floating_point():
        return input.clone()
    from ._surface_ops_batch2 import finfo  # the dtype's own limits (float16's 65504 included)

    big = finfo(input.dtype).max
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    x = _C.where(_C.isnan(input), _full_like(input, nan), input)
    x = _C.where(_C.logical_and(_C.isinf(x), x > 0), _full_like(input, posinf), x)
    return _C.where(_C.logical_and(_C.isinf(x), x < 0), _full_like(input, neginf), x)


def xlogy(input, other) -> Tensor:
    input, other = _as_tensor(input, other if isinstance(other, Tensor) else None), _as_tensor(other, input if isinstance(input, Tensor) else None)
    r = input * _C.log(other)
    return _C.where(_C.logical_and(_C.eq(input, 0), _C.logical_not(_C.isnan(other))), _zeros_like(r), r)


@supports_out
def frac(input: Tensor) -> Tensor:
    if not input.is_floating_point():
        raise NotImplementedError(f"[frac] not implemented for dtype {str(input.dtype).split('.')[-1]}")
    return input - _C.trunc(input)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    nz = _C.ne(input, 0).to(_C.int64)
    return nz.sum() if dim is None else nz.sum(dim)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    x = _C.where(_C.isnan(input), _zeros_like(input), input) if input.is_floating_point() else input
    if dtype is not None:
        x = x.to(dtype)
    return x.sum() if dim is None and not keepdim else x.sum(tuple(range(x.dim())) if dim is None else dim, keepdim=keepdim)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got {input.dtype}")
    cnt = _C.logical_not(_C.isnan(input)).to(input.dtype if dtype is None else dtype)
    total = nansum(input, dim, keepdim, dtype=dtype)
    return total / (cnt.sum() if dim is None and not keepdim else cnt.sum(tuple(range(cnt.dim())) if dim is None else dim, keepdim=keepdim))


def aminmax(input: Tensor, *, dim: Optional[int] = None, keepdim: bool = False):
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
        lo, hi = input.min(), input.max()
        if keepdim:
            lo, hi = lo.reshape([1] * input.dim()), hi.reshape([1] * input.dim())
        return aminmax_result(lo, hi)
    return aminmax_result(_C.amin(input, dim, keepdim), _C.amax(input, dim, keepdim))


# ------------------------------------------------------------------------------------------ indexing
def _index_along(index: Tensor, dim: int, like: Tensor) -> Tensor:
    view = [1] * like.dim()
    view[dim] = -1
    return index.reshape(view if like.dim() else [-1]).expand(like.shape)


def _check_index(op: str, input: Tensor, dim: int, index: Tensor, source: Optional[Tensor]) -> int:
    if index.dim() > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    if index.dtype not in (_C.int64, _C.int32):
        raise IndexError(f"{op}(): Expected dtype int32/int64 for index")
    dim = _wrap(dim, input.dim(), op)
    if source is not None:
        if source.dim() != builtins.max(input.dim(), 0) and not (source.dim() == 0 and input.dim() == 0):
            raise IndexError(f"{op}(): Source/destination tensor must have same slice shapes.")
        if source.dim() and source.shape[dim] != index.numel():
            raise IndexError(f"{op}(): Number of indices ({index.numel()}) should be equal to source.size(dim) "
                             f"({source.shape[dim]})")
    return dim


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    dim = _check_index("index_add", input, dim, index, source)
    src = source if alpha == 1 else source * alpha
    return _C.scatter_add(input, dim, _index_along(index.to(_C.int64), dim, src), src)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    dim = _check_index("index_copy", input, dim, index, source)
    return _C.scatter(input, dim, _index_along(index.to(_C.int64), dim, source), source)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    dim = _check_index("index_fill", input, dim, index, None)
    shape = list(input.shape)
    if input.dim():
        shape[dim] = index.numel()
    like = input.new_zeros(shape)
    idx = _index_along(index.to(_C.int64), dim, like)
    if isinstance(value, Tensor):
        return _C.scatter(input, dim, idx, value.to(input.dtype).expand(shape))
    return _C.scatter(input, dim, idx, value)


def take(input: Tensor, index: Tensor) -> Tensor:
    return input.reshape(-1)[index]


def repeat_interleave(input, repeats=None, dim: Optional[int] = None, *, output_size=None) -> Tensor:
    if repeats is None:  # torch.repeat_interleave(repeats): indices repeated by themselves
        counts = input
        if counts.dim() > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        c = counts.numpy()
        if (c < 0).any():
            raise RuntimeError("repeats can not be negative")
        from ._factories import tensor
        return tensor(np.repeat(np.arange(len(c), dtype=np.int64), c))
    x = input.reshape(-1) if dim is None else input
    dim = 0 if dim is None else _wrap(dim, x.dim(), "repeat_interleave")
    if isinstance(repeats, Tensor) and repeats.numel() == 1 and repeats.dim() <= 1:
        repeats = _pyint(repeats.item())
    if isinstance(repeats, _pyint):
        if repeats < 0:
            raise RuntimeError("repeats can not be negative")
        n = x.shape[dim]
        expanded = x.unsqueeze(dim + 1).expand(*x.shape[:dim + 1], repeats, *x.shape[dim + 1:])
        return expanded.reshape(*x.shape[:dim], n * repeats, *x.shape[dim + 1:])
    if repeats.dim() != 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats.shape[0] != x.shape[dim]:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{repeats.shape[0]} and input.size({dim}) = {x.shape[dim]}")
    return _C.index_select(x, dim, repeat_interleave(repeats))


# ------------------------------------------------------------------------------------------ order statistics
def _select_sorted(input: Tensor, dim: Optional[int], keepdim: bool, pick, name: str, nan_aware: bool = False,
                   nan_wins: bool = True):
    """Sorts along dim, picks one position per row (pick(n_valid) -> position tensor or int), gathers values and
    the original indices; values keep their gradient through gather."""
    if dim is None:
        x = input.reshape(-1)
        if x.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        s, i = _C.sort(x, 0, False, stable=True)
        if nan_aware:
            valid = _C.logical_not(_C.isnan(x)).sum()
            pos = _pyint(pick(valid).item()) if isinstance(pick(valid), Tensor) else pick(valid)
        else:
            nan = _C.isnan(x).any().item() if x.is_floating_point() and nan_wins else False
            pos = x.numel() - 1 if nan else pick(x.numel())
        return s[pos]
    d = _wrap(dim, input.dim(), name)
    if input.dim() and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    s, i = _C.sort(input, d, False, stable=True)
    n = input.shape[d] if input.dim() else 1
    if nan_aware:
        valid = _C.logical_not(_C.isnan(input)).to(_C.int64).sum(d, keepdim=True) if input.dim() else None
        pos = pick(valid).clamp(min=0)
    else:
        p = pick(n)
        if input.is_floating_point() and nan_wins:  # a NaN in the row sorts last and is median's answer, as in torch
            has_nan = _C.isnan(input).any(d, keepdim=True) if input.dim() else _C.isnan(input)
            pos = _C.where(has_nan, _full_like(has_nan.to(_C.int64), n - 1), _full_like(has_nan.to(_C.int64), p))
        else:
            pos = _full_like(s.narrow(d, 0, 1).to(_C.int64), p) if input.dim() else None
    if input.dim() == 0:
        return _values_indices[name](input.clone(), _zeros_like(input.to(_C.int64)))
    v = _C.gather(s, d, pos)
    idx = _C.gather(i, d, pos)
    if not keepdim:
        v, idx = v.squeeze(d), idx.squeeze(d)
    return _values_indices[name](v, idx)


@supports_out
def median(input: Tensor, dim: Optional[int] = None, keepdim: bool = False):
    return _select_sorted(input, dim, keepdim, lambda n: (n - 1) // 2, "median")


@supports_out
def nanmedian(input: Tensor, dim: Optional[int] = None, keepdim: bool = False):
    return _select_sorted(input, dim, keepdim, lambda n: _C.floor_divide(n - 1, 2) if isinstance(n, Tensor) else builtins.max((n - 1) // 2, 0),
                          "nanmedian", nan_aware=True)


@supports_out
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    n = input.shape[_wrap(dim, input.dim(), "kthvalue")] if input.dim() else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    return _select_sorted(input, dim, keepdim, lambda n: k - 1, "kthvalue", nan_wins=False)


@supports_out
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """Most frequent value along dim (the smallest among ties), index of its last occurrence, as torch CPU."""
    d = _wrap(dim, input.dim(), "mode")
    if input.dim() == 0:
        return _values_indices["mode"](input.clone(), _zeros_like(input.to(_C.int64)))
    x = movedim(input, d, -1)
    n = x.shape[-1]
    s, _ = _C.sort(x, -1, False, stable=True)
    eq = _C.eq(s.unsqueeze(-1), s.unsqueeze(-2)).to(_C.int64).sum(-1)  # count of each sorted value (n^2 per row)
    best = eq.max(-1, keepdim=True).values
    first = _C.argmax(_C.eq(eq, best).to(_C.int64), -1, True)
    val = _C.gather(s, -1, first)
    hits = _C.eq(x, val).to(_C.int64)
    from ._factories import arange
    last = (hits * arange(1, n + 1)).argmax(-1, keepdim=True)
    v = movedim(val, -1, d)
    idx = movedim(last, -1, d)
    if not keepdim:
        v, idx = v.squeeze(d), idx.squeeze(d)
    return _values_indices["mode"](v, idx)


@supports_out
def quantile(input: Tensor, q, dim: Optional[int] = None, keepdim: bool = False, *, interpolation: str = "linear",
             _ignore_nan: bool = False) -> Tensor:
    name = "nanquantile" if _ignore_nan else "quantile"
    if not input.is_floating_point():
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    qt = _as_tensor(q, input).reshape(1) if scalar_q else q  # q in input's dtype (float64 keeps 0.3 exact)
    if qt.dim() > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if qt.dtype != input.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    qv = qt.reshape(-1)
    if qv.numel() and ((qv < 0).any().item() or (qv > 1).any().item()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    x = input.reshape(-1) if dim is None else movedim(input, _wrap(dim, input.dim(), name), -1)
    if x.dim() == 0:
        x = x.reshape(1)
    if x.shape[-1] == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    s, _ = _C.sort(x, -1, False, stable=True)
    n = x.shape[-1]
    isnan = _C.isnan(x)
    if _ignore_nan:
        valid = _C.logical_not(isnan).to(input.dtype).sum(-1, keepdim=True)
    else:
        valid = _full_like(s.narrow(-1, 0, 1), n)
    last = (valid - 1).clamp(min=0)
    rank = qv.reshape([1] * (s.dim() - 1) + [-1]) * last  # (..., Q)
    if interpolation == "lower":
        rank = _C.floor(rank)
    elif interpolation == "higher":
        rank = _C.ceil(rank)
    elif interpolation == "nearest":
        rank = _C.round(rank)
    lo = _C.floor(rank).to(_C.int64)
    hi = _C.ceil(rank).to(_C.int64)
    vlo, vhi = _C.gather(s, -1, lo), _C.gather(s, -1, hi)
    if interpolation == "midpoint":
        out = vlo + (vhi - vlo) * _C.where(_C.eq(lo, hi), _zeros_like(rank), _full_like(rank, 0.5))
    else:
        out = vlo + (vhi - vlo) * (rank - lo.to(input.dtype))
    nan_row = isnan.any(-1, keepdim=True) if not _ignore_nan else _C.eq(valid, 0)
    out = _C.where(nan_row.expand(out.shape), _full_like(out, math.nan), out)
    # out: (..., Q) -> torch's layout: Q first (absent for a scalar q), then the reduced shape
    out = movedim(out, -1, 0)
    if dim is None:
        if keepdim:
            out = out.reshape([out.shape[0]] + [1] * input.dim())
        else:
            out = out.reshape(out.shape[0])
    else:
        d = _wrap(dim, input.dim(), name)
        if keepdim:
            out = out.unsqueeze(d + 1)
    return out[0] if scalar_q else out


@supports_out
def nanquantile(input: Tensor, q, dim: Optional[int] = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    return quantile(input, q, dim, keepdim, interpolation=interpolation, _ignore_nan=True)


# ------------------------------------------------------------------------------------------ counting and sets
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: Optional[int] = None):
    if dim is not None:
        return _unique_dim(input, dim, True, return_inverse, return_counts, "unique")
    x = input.reshape(-1)
    s, order = _C.sort(x, 0, False, stable=True)
    return _unique_sorted(s, order, input.shape, return_inverse, return_counts)


def _unique_sorted(s: Tensor, order: Optional[Tensor], shape, return_inverse: bool, return_counts: bool):
    n = s.shape[0]
    if n == 0:
        vals = s
        flags = s.to(_C.bool)
    else:
        flags = _C.cat([_ones_like(s.narrow(0, 0, 1)).to(_C.bool), _C.ne(s.narrow(0, 1, n - 1), s.narrow(0, 0, n - 1))], 0)
        vals = s[flags]
    return _with_groups(vals, flags, order, shape, return_inverse, return_counts)


def _with_groups(vals: Tensor, flags: Tensor, order: Optional[Tensor], inverse_shape, return_inverse: bool,
                 return_counts: bool):
    """vals plus, as asked, each element's group (in the input's order) and each group's size; flags marks the
    first element of every group in the (sorted) sequence, order maps that sequence back to the input."""
    n = flags.shape[0]
    out = [vals]
    if return_inverse:
        group = flags.to(_C.int64).cumsum(0) - 1
        inv = group if order is None else _C.scatter(_zeros_like(group), 0, order, group)
        out.append(inv.reshape(inverse_shape))
    if return_counts:
        starts = _C.nonzero(flags).reshape(-1)
        from ._factories import tensor
        ends = _C.cat([starts.narrow(0, 1, builtins.max(starts.shape[0] - 1, 0)), tensor([n])], 0) if n else starts
        out.append(ends - starts)
    return out[0] if len(out) == 1 else tuple(out)


def _unique_dim(input: Tensor, dim: int, sort: bool, return_inverse: bool, return_counts: bool, name: str):
    """Unique slices along dim: the slices are flattened to rows, sorted lexicographically (one stable sort
    per column, last column first) when asked, and a row starts a group where it differs from the previous."""
    if input.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _wrap(dim, input.dim(), name)
    n = input.shape[d]
    rest = list(input.shape[:d]) + list(input.shape[d + 1:])
    if n == 0:
        from ._factories import tensor
        return _with_groups(input.clone(), tensor([], dtype=_C.bool), None, (0,), return_inverse, return_counts)
    if 0 in rest:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    rows = movedim(input, d, 0).reshape(n, -1)
    order = None
    if sort and n > 1:
        from ._factories import arange
        order = arange(n)
        for c in builtins.reversed(builtins.range(rows.shape[1])):
            perm = _C.argsort(rows.select(1, c).index_select(0, order), 0, False, stable=True)
            order = order.index_select(0, perm)
        rows = rows.index_select(0, order)
    from ._factories import tensor
    differs = _C.ne(rows.narrow(0, 1, n - 1), rows.narrow(0, 0, n - 1)).any(1)
    flags = _C.cat([tensor([True]), differs], 0)
    vals = movedim(rows[flags].reshape([-1] + rest), 0, d)
    return _with_groups(vals, flags, order, (n,), return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: Optional[int] = None):
    if dim is not None:
        return _unique_dim(input, dim, False, return_inverse, return_counts, "unique_consecutive")
    return _unique_sorted(input.reshape(-1), None, input.shape, return_inverse, return_counts)


def bincount(input: Tensor, weights: Optional[Tensor] = None, minlength: int = 0) -> Tensor:
    if input.dim() != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input.is_floating_point() or input.dtype == _C.bool:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None and (weights.dim() != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if input.numel() and input.min().item() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    size = builtins.max(minlength, (input.max().item() + 1) if input.numel() else 0)
    idx = input.to(_C.int64)
    if weights is None:
        from ._factories import zeros
        return _C.scatter_add(zeros(size, dtype=_C.int64), 0, idx, _ones_like(idx))
    w = weights if weights.is_floating_point() else weights.to(_C.float64)
    if weights.dtype == _C.float32:
        w = weights
    return _C.scatter_add(w.new_zeros(size), 0, idx, w)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    if not input.is_floating_point():
        raise RuntimeError(f"\"histogram_cpu\" not implemented for '{ {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool'}.get(repr(input.dtype).split('.')[-1], '?')}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for bins")
    lo, hi = _pyfloat(min), _pyfloat(max)
    if lo == hi and input.numel():
        lo, hi = input.min().item(), input.max().item()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {min} max {max}")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    # torch's linear binning, step by step in the input's dtype: the edges are cast to it, then
    # (x - lo) * bins / (hi - lo), so values on a bin edge fall where torch puts them
    x = input.reshape(-1)
    lo_t, hi_t = _full_like(input.new_zeros(()), lo), _full_like(input.new_zeros(()), hi)
    inside = _C.logical_and(x >= lo_t, x <= hi_t)
    v = x[inside]
    b = _C.floor((v - lo_t) * bins / (hi_t - lo_t)).to(_C.int64).clamp(max=bins - 1)
    return _C.scatter_add(input.new_zeros(bins), 0, b, _ones_like(v))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values")
    if not x1.is_floating_point() or not x2.is_floating_point():
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}")
    d = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    from .linalg import vector_norm
    return vector_norm(d, p, -1)


# ------------------------------------------------------------------------------------------ sampling
@supports_out
def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    prob = input if p is None else _full_like(input, p)
    if prob.numel() and ((prob < 0).any().item() or (prob > 1).any().item()):
        raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=" + str(prob.min().item() if (prob < 0).any().item() else prob.max().item()))
    u = _rand_like(input, generator)
    return (u < prob).to(input.dtype)


def _rand_like(t: Tensor, generator=None) -> Tensor:
    from ._factories import rand
    dt = t.dtype if t.is_floating_point() else _C._get_default_dtype()
    return rand(*t.shape, dtype=dt, generator=generator) if generator is not None else rand(*t.shape, dtype=dt)


@supports_out
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    p = input if input.dim() == 2 else input.unsqueeze(0)
    n = p.shape[1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if p.numel():
        if not _C.isfinite(p).all().item():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (p < 0).any().item():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (p.sum(1) == 0).any().item():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    from ._factories import rand
    rows = p.shape[0]
    kw = {"generator": generator} if generator is not None else {}
    if replacement:
        cdf = p.to(_C.float64).cumsum(1)
        cdf = cdf / cdf.narrow(1, n - 1, 1)
        u = rand(rows, num_samples, dtype=_C.float64, **kw)
        idx = _C.searchsorted(cdf, u, right=True).clamp(max=n - 1)
    else:
        # Exponential races (Efraimidis-Spirakis): the num_samples largest p / E, E ~ Exp(1), are a draw without
        # replacement with torch's probabilities; zero-probability entries never win.
        e = -_C.log1p(-rand(rows, n, dtype=_C.float64, **kw))
        keys = _C.where(p > 0, p.to(_C.float64) / e, _full_like(e, -1.0))
        idx = _C.topk(keys, num_samples, 1, True, True)[1]
        short = (_C.gt(p, 0).to(_C.int64).sum(1) < num_samples).any().item()
        if short:
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)")
    return idx if input.dim() == 2 else idx.squeeze(0)


# ------------------------------------------------------------------------------------------ install
_FUNCTIONS = [
    "broadcast_shapes", "broadcast_tensors", "meshgrid", "movedim", "tile", "tensor_split", "hsplit", "vsplit",
    "dsplit", "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack", "column_stack", "row_stack",
    "block_diag", "diag_embed", "diag", "trace", "cartesian_prod", "combinations", "tril_indices", "triu_indices",
    "rot90", "diff", "cross", "addcmul", "addcdiv", "lerp", "addmv", "addr", "addbmm", "logaddexp", "logaddexp2",
    "nan_to_num", "xlogy", "frac", "count_nonzero", "nansum", "nanmean", "aminmax", "index_add", "index_copy",
    "index_fill", "take", "repeat_interleave", "median", "nanmedian", "kthvalue", "mode", "quantile", "nanquantile",
    "unique", "unique_consecutive", "bincount", "histc", "cdist", "bernoulli", "multinomial",
]
_METHODS = [
    "movedim", "tile", "tensor_split", "hsplit", "vsplit", "dsplit", "diag_embed", "diag", "trace", "rot90", "diff",
    "cross", "addcmul", "addcdiv", "lerp", "addmv", "addr", "addbmm", "logaddexp", "logaddexp2", "nan_to_num", "xlogy",
    "frac", "count_nonzero", "nansum", "nanmean", "aminmax", "index_add", "index_copy", "index_fill", "take",
    "repeat_interleave", "median", "nanmedian", "kthvalue", "mode", "quantile", "nanquantile", "unique",
    "unique_consecutive", "bincount", "histc", "bernoulli", "multinomial",
]


def _install(module) -> None:
    g = globals()
    for name in _FUNCTIONS:
        setattr(module, name, g[name])
    for name in _METHODS:
        setattr(Tensor, name, g[name])
    Tensor.moveaxis = movedim
    module.moveaxis = movedim
    # in-place variants torch code uses
    for name in ("addcmul", "addcdiv", "lerp", "index_add", "index_copy", "index_fill", "nan_to_num", "frac"):
        fn = g[name]

        def inplace(self, *args, _fn=fn, **kwargs):
            return self.copy_(_fn(self, *args, **kwargs))
        setattr(Tensor, name + "_", inplace)


# ------------------------------------------------------------------------------------------ NaN-ignoring extremes
@supports_out
def fmax(input, other, *, out=None) -> Tensor:
    """max ignoring NaN; the gradient goes to input where input >= other or other is NaN (ties included), as in
    torch."""
    take_a = _C.logical_or(input >= other, _C.isnan(_as_tensor(other, input)))
    return _C.where(take_a, input, other)


@supports_out
def fmin(input, other, *, out=None) -> Tensor:
    take_a = _C.logical_or(input <= other, _C.isnan(_as_tensor(other, input)))
    return _C.where(take_a, input, other)


_FUNCTIONS += ["fmax", "fmin"]
_METHODS += ["fmax", "fmin"]


def logit(input: Tensor, eps: Optional[float] = None) -> Tensor:
    x = input if eps is None else input.clamp(eps, 1 - eps)
    return _C.log(x / (1 - x))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    if input.dtype != values.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes")
    pos = (input > 0).to(input.dtype)
    return _C.where(input == 0, values, pos)


def signbit(input: Tensor) -> Tensor:
    if not input.is_floating_point():
        return input < 0
    # -0.0 has its sign bit set: copysign(1, x) sees it
    return _C.copysign(_full_like(input, 1.0), input) < 0


_FUNCTIONS += ["logit", "heaviside", "signbit"]
_METHODS += ["logit", "heaviside", "signbit"]
