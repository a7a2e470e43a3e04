"""torch names of issue #17, batch 2: reductions into indices (scatter_reduce, index_reduce, masked_scatter, put),
the gamma family on top of the lgamma/digamma/i0 kernels, small arithmetic (gcd/lcm, float_power, ldexp, frexp,
round(decimals=)), dtype queries (finfo, iinfo, can_cast), statistics (cov, corrcoef, histogram, trapezoid), the
*_scatter embeddings, matrix functions (matrix_power, matrix_exp, pinv, lstsq) and the in-place random samplers.
Each is one or a few whole-tensor ops (no Python loop over elements, except apply_/map_, which torch defines as
one), so autograd follows from the ops; scatter_reduce's prod/amax/amin carry torch's own backward formulas.
Installed on pynn and, where torch has them, as Tensor methods (see _install)."""
from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Optional

import numpy as np

from . import _C
from ._C import Tensor
from ._out import supports_out

_pyint, _pyfloat, _pybool = builtins.int, builtins.float, builtins.bool
_c_round = _C.round
_c_round_method = Tensor.round


def _factories():
    from . import _factories as f
    return f


def _full_like(t: Tensor, v) -> Tensor:
    return _factories().full_like(t, v)


def _scalar_like(v, like: Tensor) -> Tensor:
    return _factories().tensor(v, dtype=like.dtype, device=like.device)


def _as_tensor(x, like: Optional[Tensor] = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dt = None
    if like is not None and isinstance(x, (_pyint, _pyfloat)) and not isinstance(x, _pybool):
        from ._functions import get_default_dtype
        dt = like.dtype if (like.is_floating_point() or isinstance(x, _pyint)) else get_default_dtype()
    return _factories().tensor(x, dtype=dt, device=like.device if like is not None else None)


def _wrap(dim: int, ndim: int, op: str) -> int:
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _float_of(x: Tensor) -> Tensor:
    return x if x.is_floating_point() else x.to(_C._get_default_dtype())


# ------------------------------------------------------------------------------------------ rounding, signs
@supports_out
def round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:  # noqa: A001
    if decimals == 0:
        return _c_round(input)
    if not input.is_floating_point():
        raise NotImplementedError(f"\"round_cpu\" not implemented for '{_type_title(input.dtype)}'")
    # torch's round_decimals: the power of ten in the input's dtype, divided for negative decimals
    ten = _pyfloat(np.asarray(10.0 ** builtins.abs(decimals), dtype=_np_dtype(input.dtype)))
    return _c_round(input / ten) * ten if decimals < 0 else _c_round(input * ten) / ten


def _round_method(self: Tensor, decimals: int = 0) -> Tensor:
    return round(self, decimals=decimals)


def _round_inplace(self: Tensor, decimals: int = 0) -> Tensor:
    return self.copy_(round(self, decimals=decimals))


def positive(input: Tensor) -> Tensor:
    if input.dtype == _C.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def sgn(input: Tensor) -> Tensor:
    return _C.sign(input)


def conj(input: Tensor) -> Tensor:
    """Real dtypes only: the conjugate is the tensor itself (torch returns self for non-complex inputs)."""
    return input


def resolve_conj(input: Tensor) -> Tensor:
    return input


def resolve_neg(input: Tensor) -> Tensor:
    return input


def conj_physical(input: Tensor) -> Tensor:
    return input.clone()


def _false(self) -> bool:
    return False


def deg2rad(input: Tensor) -> Tensor:
    return _float_of(input) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    return _float_of(input) * (180.0 / math.pi)


def sinc(input: Tensor) -> Tensor:
    x = _float_of(input)
    zero = x == 0
    px = _C.where(zero, _full_like(x, 1.0), x) * math.pi
    return _C.where(zero, _full_like(x, 1.0), _C.sin(px) / px)


def float_power(input, exponent) -> Tensor:
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    a = input.to(_C.float64) if isinstance(input, Tensor) else input
    b = exponent.to(_C.float64) if isinstance(exponent, Tensor) else exponent
    if not isinstance(a, Tensor):
        return _C.pow(_full_like(b, _pyfloat(a)), b)
    return _C.pow(a, _pyfloat(b) if isinstance(b, (_pyint, _pyfloat)) else b)


_float_power_any_base = float_power  # torch.float_power(2, t): kept from the Tensor-first check at install


def _float_power_inplace(self: Tensor, exponent) -> Tensor:
    if self.dtype != _C.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {_type_title(self.dtype)} but the operation's "
                           "result requires dtype Double")
    return self.copy_(float_power(self, exponent))


def ldexp(input: Tensor, other) -> Tensor:
    other = _as_tensor(other, input)
    return _float_of(input) * _C.exp2(_float_of(other).to(_C.float64)).to(_float_of(input).dtype) \
        if input.is_floating_point() else _float_of(input) * _C.exp2(_float_of(other))


frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input: Tensor):
    if not input.is_floating_point():
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    x = input.to(_C.float64)
    finite_nonzero = _C.logical_and(_C.isfinite(x), x != 0)
    ax = _C.where(finite_nonzero, _C.abs(x), _full_like(x, 1.0))
    e = _C.floor(_C.log2(ax)) + 1
    m = ax / _C.exp2(e)
    # log2 rounds near powers of two: bring the mantissa back into [0.5, 1)
    low, high = m < 0.5, m >= 1
    e = e - low.to(_C.float64) + high.to(_C.float64)
    m = ax / _C.exp2(e)
    mant = _C.where(finite_nonzero, _C.copysign(m, x), x).to(input.dtype)
    expo = _C.where(finite_nonzero, e, _factories().zeros_like(e)).to(_C.int32)
    return frexp_result(mant, expo)


# ------------------------------------------------------------------------------------------ gamma family
def mvlgamma(input: Tensor, p: int) -> Tensor:
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if not input.is_floating_point():
        raise RuntimeError("mvlgamma is not implemented for integral types")
    from ._factories import arange
    shifts = arange(p, dtype=input.dtype, device=input.device) * -0.5
    terms = _C.lgamma(input.unsqueeze(-1) + shifts)
    return terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


# cephes zeta's Euler-Maclaurin coefficients (torch's zeta, used by its polygamma)
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
           -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17,
           -7.1661652561756670113e18)


def _hurwitz_zeta(s: float, q: Tensor) -> Tensor:
    """zeta(s, q) = sum_k (q + k)^-s for integer s >= 2: direct terms until q + k > 9 (at least 9), then
    Euler-Maclaurin, each element leaving the series once its term is below machine epsilon (cephes)."""
    eps = 1.11022302462515654042e-16
    nonpos_int = _C.logical_and(q <= 0, q == _C.floor(q))
    q = _C.where(nonpos_int, _full_like(q, 1.0), q)
    lo = q.min().item() if q.numel() else 1.0
    steps = builtins.max(9, _pyint(math.ceil(9.0 - lo)) + 1)
    total = _C.pow(q, -s)
    a = q
    for _ in range(steps):
        a = a + 1.0
        total = total + _C.pow(a, -s)
    b = _C.pow(a, -s)
    w = a
    total = total + b * w / (s - 1) - 0.5 * b
    fac, k = 1.0, 0.0
    done = _factories().zeros_like(q) != 0
    for coef in _ZETA_A:
        fac *= s + k
        b = b / w
        t = fac * b / coef
        total = total + _C.where(done, _factories().zeros_like(t), t)
        done = _C.logical_or(done, _C.abs(t / total) < eps)
        k += 1.0
        fac *= s + k
        b = b / w
        k += 1.0
    return _C.where(nonpos_int, _full_like(total, math.inf), total)


def _trigamma(x: Tensor) -> Tensor:
    """torch's calc_trigamma (its polygamma(1, x)): reflection below 1/2, six recurrence steps, asymptotic series."""
    reflect = x < 0.5
    z = _C.where(reflect, 1 - x, x)
    acc = _C.reciprocal(_C.square(z))
    for k in builtins.range(1, 6):
        acc = acc + _C.reciprocal(_C.square(z + k))
    w = z + 6
    ixx = _C.reciprocal(_C.square(w))
    r = acc + (1 + 0.5 / w + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / w
    s = _C.sin(x * math.pi)
    return _C.where(reflect, math.pi ** 2 / _C.square(s) - r, r)


def polygamma(n: int, input: Tensor) -> Tensor:
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return _C.digamma(input)
    x = _float_of(input)
    if n == 1:
        return _trigamma(x)
    sign = 1.0 if n % 2 else -1.0
    return _hurwitz_zeta(n + 1.0, x) * (sign * math.exp(math.lgamma(n + 1.0)))


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return polygamma(n, self)


def _polygamma_inplace(self: Tensor, n: int) -> Tensor:
    return self.copy_(polygamma(n, self))


# ------------------------------------------------------------------------------------------ integers
def gcd(input: Tensor, other: Tensor) -> Tensor:
    return _C.gcd(input, other)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    other = _as_tensor(other, input)
    g = _C.gcd(input, other)
    zero = g == 0
    q = _C.floor_divide(input, _C.where(zero, _full_like(g, 1), g))
    return _C.where(zero, _full_like(g, 0), _C.abs(q * other))


# ------------------------------------------------------------------------------------------ dtype queries
_TITLES = {"float32": "Float", "float64": "Double", "int32": "Int", "int64": "Long", "bool": "Bool",
           "float16": "Half", "bfloat16": "BFloat16", "uint8": "Byte", "int8": "Char", "int16": "Short"}


def _dtype_key(dt) -> str:
    return str(dt).split(".")[-1]


def _type_title(dt) -> str:
    return _TITLES.get(_dtype_key(dt), _dtype_key(dt))


def _np_dtype(dt):
    return np.dtype(_dtype_key(dt)) if _dtype_key(dt) != "bfloat16" else None


class finfo:
    """Machine limits of a floating dtype, as torch.finfo (numpy's figures for the same IEEE formats)."""

    def __init__(self, type=None):  # noqa: A002
        if type is None:
            from ._functions import get_default_dtype
            type = get_default_dtype()  # noqa: A001
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        self.dtype = _dtype_key(type)
        key = self.dtype
        if key == "bfloat16":
            self.bits, self.eps, self.max, self.min = 16, 2.0 ** -7, 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 2.0 ** -126
            self.resolution = 0.01
        else:
            f = np.finfo(np.dtype(key))
            self.bits, self.eps, self.max, self.min = f.bits, _pyfloat(f.eps), _pyfloat(f.max), _pyfloat(f.min)
            self.tiny = self.smallest_normal = _pyfloat(f.smallest_normal)
            self.resolution = 10.0 ** -_pyint(f.precision)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as torch.iinfo."""

    def __init__(self, type):  # noqa: A002
        key = _dtype_key(type)
        if type.is_floating_point or key == "bool":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        f = np.iinfo(np.dtype(key))
        self.bits, self.max, self.min, self.dtype = f.bits, _pyint(f.max), _pyint(f.min), key

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def can_cast(from_, to) -> bool:
    """torch's canCast: no floating -> integral and no non-bool -> bool."""
    if from_.is_floating_point and not to.is_floating_point:
        return False
    if _dtype_key(from_) != "bool" and _dtype_key(to) == "bool":
        return False
    return True


def is_nonzero(input: Tensor) -> bool:
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return _pybool(input.item() != 0)


# ------------------------------------------------------------------------------------------ factories
@supports_out
def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    f = _factories()
    if dtype is None:
        from ._functions import get_default_dtype
        dtype = get_default_dtype()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    exps = f.linspace(_pyfloat(start), _pyfloat(end), steps, dtype=_C.float64, device=device)
    r = _C.pow(f.full_like(exps, _pyfloat(base)), exps).to(dtype)
    return r.requires_grad_(True) if requires_grad else r


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    need = 0 if 0 in size else 1 + builtins.sum((s - 1) * st for s, st in zip(size, stride))
    kw = {"dtype": dtype} if dtype is not None else {}
    base = _factories().empty(need, device=device, **kw)
    r = base.as_strided(size, stride)
    return r.requires_grad_(True) if requires_grad else r


def vander(x: Tensor, N: Optional[int] = None, increasing: bool = False) -> Tensor:
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    v = x if x.dtype != _C.bool else x.to(_C.int64)
    if n == 0:
        return _factories().empty(x.shape[0], 0, dtype=v.dtype)
    # torch's own construction: ones, then a cumulative product of x (the gradient is exact at x = 0 too)
    ones = _factories().ones(x.shape[0], 1, dtype=v.dtype)
    r = _C.cat([ones, v.unsqueeze(1).expand(x.shape[0], n - 1)], 1).cumprod(1) if n > 1 else ones
    return r if increasing else r.flip(1)


# ------------------------------------------------------------------------------------------ statistics
def cov(input: Tensor, *, correction: int = 1, fweights: Optional[Tensor] = None,
        aweights: Optional[Tensor] = None) -> Tensor:
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    x = input if input.dim() == 2 else input.view(1, -1)
    x = x if x.is_floating_point() else x.to(_C._get_default_dtype())
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.dim() > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights with "
                               f"{fweights.dim()} dimensions")
        if fweights.is_floating_point():
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{_type_title(fweights.dtype)} dtype")
        if fweights.numel() != n_obs:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {fweights.numel()} != {n_obs}")
        if fweights.numel() and (fweights < 0).any().item():
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights.to(x.dtype)
    if aweights is not None:
        if aweights.dim() > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights with "
                               f"{aweights.dim()} dimensions")
        if not aweights.is_floating_point():
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{_type_title(aweights.dtype)} dtype")
        if aweights.numel() != n_obs:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aweights.numel()} != {n_obs}")
        if aweights.numel() and (aweights < 0).any().item():
            raise RuntimeError("cov(): aweights cannot be negative")
        aw = aweights.to(x.dtype)
        w = aw if w is None else w * aw
    if w is None:
        avg = x.mean(1)
        w_sum = _pyfloat(n_obs)
        norm = w_sum - correction
    else:
        w_sum_t = w.sum()
        avg = (x * w).sum(1) / w_sum_t
        w_sum = w_sum_t.item()
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights.to(x.dtype)).sum().item() / w_sum
    if norm <= 0:
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.")
        norm = 0.0
    xm = x - avg.unsqueeze(1)
    c = _C.matmul(xm, (xm * w if w is not None else xm).t())
    return (c / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = _C.sqrt(c.diagonal())
    c = c / d.unsqueeze(1)
    c = c / d.unsqueeze(0)
    return c.clamp(-1, 1)


histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


@supports_out
def histogram(input: Tensor, bins=100, *, range=None, weight: Optional[Tensor] = None,  # noqa: A002
              density: bool = False, out=None):
    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_type_title(input.dtype)}'")
    f = _factories()
    if isinstance(bins, Tensor):
        if bins.dtype != input.dtype:
            raise RuntimeError("torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                               f"input {_type_title(input.dtype).lower()} and bins {_type_title(bins.dtype).lower()}")
        if bins.dim() != 1:
            raise RuntimeError(f"torch.histogram: bins tensor should have one dimension, but got {bins.dim()} "
                               "dimensions")
        if bins.numel() < 1:
            raise RuntimeError("torch.histogram: bins tensor should have at least 1 element, but got 0 elements")
        edges = bins.detach()
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            lo, hi = _pyfloat(range[0]), _pyfloat(range[1])
        elif input.numel():
            lo, hi = input.min().item(), input.max().item()
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo} max {hi} for "
                               "dimension 0")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogram(): range of [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = f.linspace(lo, hi, bins + 1, dtype=input.dtype)
    nb = edges.numel() - 1
    x = input.detach().reshape(-1)
    w = (weight.detach().reshape(-1).to(input.dtype) if weight is not None else f.ones_like(x))
    if weight is not None and weight.shape != input.shape:
        raise RuntimeError("torch.histogram: if weight tensor is provided it should have the same shape as the "
                           "input tensor excluding its innermost dimension")
    hist = f.zeros(builtins.max(nb, 0), dtype=input.dtype)
    if nb > 0 and x.numel() and not isinstance(bins, Tensor):
        # evenly spaced edges: the bin from arithmetic, then one step against the edges themselves (torch's
        # linear interpolation with local search), instead of a binary search per element
        lo_e, hi_e = edges[0].item(), edges[nb].item()
        keep = _C.logical_and(x >= lo_e, x <= hi_e)
        xs, ws = x[keep], w[keep]
        pos = ((xs - lo_e) * (nb / (hi_e - lo_e))).to(_C.int64).clamp(0, nb - 1)
        pos = pos - (xs < edges[pos]).to(_C.int64)
        up = pos + 1
        pos = pos + _C.logical_and(up < nb, xs >= edges[up.clamp(max=nb)]).to(_C.int64)
        hist = hist.index_add(0, pos, ws)
    elif nb > 0 and x.numel():
        pos = _C.searchsorted(edges, x, right=True) - 1
        pos = _C.where(x == edges[nb], _full_like(pos, nb - 1), pos)  # the last bin is closed
        keep = _C.logical_and(_C.logical_and(pos >= 0, pos < nb), _C.logical_not(_C.isnan(x)))
        hist = hist.index_add(0, pos[keep], w[keep])
    if density:
        widths = edges[1:] - edges[:-1]
        hist = hist / (hist.sum() * widths)
    return histogram_result(hist, edges.clone())


def trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    dim = _wrap(dim, y.dim(), "trapezoid")
    n = y.shape[dim] if y.dim() else 0
    yf = _float_of(y)
    if n == 0:
        return yf.sum(dim) * 0.0
    if isinstance(x, Tensor):
        if x.dim() == 1:
            if x.shape[0] != n:
                raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point")
            shape = [1] * y.dim()
            shape[dim] = n
            xv = x.view(shape)
        else:
            xv = x
        dxv = xv.narrow(dim, 1, n - 1) - xv.narrow(dim, 0, n - 1)
        return ((yf.narrow(dim, 1, n - 1) + yf.narrow(dim, 0, n - 1)) * dxv).sum(dim) / 2
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments")
    step = 1.0 if x is None and dx is None else _pyfloat(dx if dx is not None else x)
    return (yf.sum(dim) - (yf.select(dim, 0) + yf.select(dim, n - 1)) * 0.5) * step


def cumulative_trapezoid(y: Tensor, x=None, *, dx=None, dim: int = -1) -> Tensor:
    dim = _wrap(dim, y.dim(), "cumulative_trapezoid")
    n = y.shape[dim]
    yf = _float_of(y)
    if n == 0:
        return yf.narrow(dim, 0, 0)
    mids = (yf.narrow(dim, 1, n - 1) + yf.narrow(dim, 0, n - 1)) / 2
    if isinstance(x, Tensor):
        shape = [1] * y.dim()
        shape[dim] = n
        xv = x.view(shape) if x.dim() == 1 else x
        mids = mids * (xv.narrow(dim, 1, n - 1) - xv.narrow(dim, 0, n - 1))
    else:
        mids = mids * (1.0 if x is None and dx is None else _pyfloat(dx if dx is not None else x))
    return mids.cumsum(dim)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    if not input.is_floating_point():
        raise RuntimeError(f"renorm: input needs to be a floating point tensor, got {_type_title(input.dtype)}")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    dim = _wrap(dim, input.dim(), "renorm")
    from .linalg import vector_norm
    others = [d for d in builtins.range(input.dim()) if d != dim]
    norm = vector_norm(input, p, dim=others, keepdim=True)
    factor = _C.where(norm > maxnorm, maxnorm / (norm + 1e-7), _full_like(norm, 1.0))
    return input * factor


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments")
    e = _as_tensor(elements, test_elements if isinstance(test_elements, Tensor) else None)
    t = _as_tensor(test_elements, e)
    dt = _C.promote_types(e.dtype, t.dtype)
    e2, t2 = e.to(dt), t.reshape(-1).to(dt)
    if t2.numel() == 0:
        hit = _factories().zeros_like(e2, dtype=_C.bool)
    else:
        s = t2.sort()[0]
        idx = _C.searchsorted(s, e2.reshape(-1)).clamp(max=s.numel() - 1)
        hit = (s[idx] == e2.reshape(-1)).view(e.shape)
    return _C.logical_not(hit) if invert else hit


# ------------------------------------------------------------------------------------------ scatter family
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _scatter_reduce_fwd(input, dim, index, src, reduce, include_self):
    """The forward values (no autograd): sum/mean through scatter_add; prod, amax and amin on the contributions
    sorted by their target position."""
    f = _factories()
    if reduce in ("sum", "mean"):
        base = input if include_self else input.scatter(dim, index, 0)
        out = base.scatter_add(dim, index, src)
        if reduce == "mean":
            cnt = (f.ones_like(input) if include_self else f.zeros_like(input)).scatter_add(dim, index, f.ones_like(src))
            safe = _C.where(cnt == 0, _full_like(cnt, 1), cnt)
            mean = _C.floor_divide(out, safe) if not input.is_floating_point() else out / safe
            out = _C.where(cnt == 0, input, mean)
        return out
    input.scatter_add(dim, index, src)  # scatter's own shape and bound checks, with its messages
    lin, vals = _targets(input, dim, index, src)
    if input.device.type == "cpu":
        return _reduce_at_cpu(input, lin, vals, reduce, include_self)
    return _reduce_sorted(input, lin, vals, reduce, include_self)


def _reduce_sorted(input, lin, vals, reduce, include_self):
    """prod/amax/amin with tensor ops only (any device): contributions sorted by target position."""
    f = _factories()
    out = input.clone().reshape(-1)
    if lin.numel() == 0:
        return out.view(input.shape)
    if reduce == "prod":
        # sorted by target, a segmented Hillis-Steele scan: log2(n) whole-tensor passes, exact for integers
        order = lin.argsort(stable=True)
        ts, vs = lin[order], vals[order]
        n, step = ts.numel(), 1
        while step < n:
            same = ts[step:] == ts[:-step]
            vs = _C.cat([vs[:step], _C.where(same, vs[step:] * vs[:-step], vs[step:])])
            step *= 2
        last = _C.cat([ts[1:] != ts[:-1], f.ones(1, dtype=_C.bool, device=ts.device)])
        tgt, prod = ts[last], vs[last]
        out[tgt] = out[tgt] * prod if include_self else prod
        return out.view(input.shape)
    return _extreme(out, input, lin, vals, reduce, include_self)


_UFUNCS = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _reduce_at_cpu(input, lin, vals, reduce, include_self):
    """CPU: numpy's unbuffered ufunc.at, one C loop over the contributions in index order (torch's CPU order;
    maximum/minimum propagate NaN as torch's amax/amin). The sort-based path below serves other devices."""
    out = input.detach().contiguous().numpy().reshape(-1).copy()
    at = lin.numpy()
    if not include_self:
        if reduce == "prod":
            ident = 1
        elif out.dtype.kind == "f":
            ident = -np.inf if reduce == "amax" else np.inf
        else:
            info = np.iinfo(out.dtype) if out.dtype.kind in "iu" else None
            ident = (info.min if reduce == "amax" else info.max) if info is not None else reduce == "amin"
        out[at] = ident
    _UFUNCS[reduce].at(out, at, vals.detach().contiguous().numpy())
    return _C.from_numpy(out.reshape(tuple(input.shape)))


def _targets(input, dim, index, src):
    """The linear (row-major) position in input of every contributing src element, and those elements."""
    f = _factories()
    shape = list(input.shape)
    cstride = [1] * len(shape)
    for d in builtins.range(len(shape) - 2, -1, -1):
        cstride[d] = cstride[d + 1] * shape[d + 1]
    lin = None
    for d in builtins.range(index.dim()):
        if d == dim:
            c = index
        else:
            view = [1] * index.dim()
            view[d] = index.shape[d]
            c = f.arange(index.shape[d], device=index.device).view(view)
        term = c * cstride[d]
        lin = term if lin is None else lin + term
    lin = lin.expand(index.shape).reshape(-1) if lin is not None else f.zeros(0, dtype=_C.int64)
    vals = src[tuple(slice(0, s) for s in index.shape)].reshape(-1)
    return lin, vals


def _extreme(out, input, lin, vals, reduce, include_self):
    """amax / amin: sorted by value then (stably) by target, each target's extreme is its segment's end."""
    f = _factories()
    order = vals.argsort(stable=True, descending=reduce == "amin")
    t1 = lin[order]
    order2 = t1.argsort(stable=True)
    ts, vs = t1[order2], vals[order[order2]]
    last = _C.cat([ts[1:] != ts[:-1], f.ones(1, dtype=_C.bool, device=ts.device)])
    tgt, best = ts[last], vs[last]
    if include_self:
        cur = out[tgt]
        best = _C.maximum(cur, best) if reduce == "amax" else _C.minimum(cur, best)
    out[tgt] = best
    if vals.is_floating_point():
        nan = _C.isnan(vals)
        if nan.any().item():
            out[lin[nan]] = math.nan
    return out.view(input.shape)


def _embed(g_idx: Tensor, like: Tensor) -> Tensor:
    if tuple(g_idx.shape) == tuple(like.shape):
        return g_idx
    z = _factories().zeros_like(like)
    z[tuple(slice(0, s) for s in g_idx.shape)] = g_idx
    return z


def _scatter_reduce_function():
    from .autograd import Function

    class ScatterReduce(Function):
        """prod/amax/amin with torch's scatter_reduce_backward formulas."""

        @staticmethod
        def forward(ctx, input, dim, index, src, reduce, include_self):
            out = _scatter_reduce_fwd(input.detach(), dim, index, src.detach(), reduce, include_self)
            ctx.save_for_backward(input, index, src, out)
            ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
            return out

        @staticmethod
        def backward(ctx, grad):
            input, index, src, result = ctx.saved_tensors
            dim, reduce, include_self = ctx.dim, ctx.reduce, ctx.include_self
            f = _factories()
            srcv = src[tuple(slice(0, s) for s in index.shape)]
            if reduce == "prod":
                masked_self = _C.where(input == 0, _full_like(input, 1), input)
                masked_self_result = _scatter_reduce_fwd(masked_self, dim, index, src, "prod", include_self)
                g_self = grad * masked_self_result / masked_self
                src_zero = srcv == 0
                nz = f.zeros_like(input).scatter_add(dim, index, src_zero.to(input.dtype)).gather(dim, index)
                single = _C.logical_and(src_zero, nz == 1)
                masked_src = _C.where(single, _full_like(srcv, 1), srcv)
                msr = _scatter_reduce_fwd(input, dim, index, masked_src, "prod", include_self)
                g_src = _C.where(single, (grad * msr).gather(dim, index),
                                 (grad * result).gather(dim, index) / _C.where(src_zero, _full_like(srcv, 1), srcv))
            else:
                value = result.gather(dim, index)
                self_is = (input == result).to(input.dtype)
                src_is = (srcv == value).to(input.dtype)
                n = self_is.scatter_add(dim, index, src_is)
                dist = grad / n
                g_self = self_is * dist
                g_src = src_is * dist.gather(dim, index)
            if not include_self:
                g_self = g_self.scatter(dim, index, 0)
            return g_self, None, None, _embed(g_src, src), None, None

    return ScatterReduce


_ScatterReduce = None


def _check_scatter_reduce(input, dim, index, src, reduce):
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if index.dtype not in (_C.int64, _C.int32):
        raise RuntimeError("scatter_reduce(): Expected dtype int64 for index")
    if src.dtype != input.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype")
    return _wrap(dim, input.dim(), "scatter_reduce")


@supports_out
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True, out=None) -> Tensor:
    global _ScatterReduce
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch's older spellings, still accepted
    dim = _check_scatter_reduce(input, dim, index, src, reduce)
    index = index.to(_C.int64)
    if reduce in ("sum", "mean"):
        return _scatter_reduce_fwd(input, dim, index, src, reduce, include_self)  # differentiable as composed
    if _ScatterReduce is None:
        _ScatterReduce = _scatter_reduce_function()
    if (input.requires_grad or src.requires_grad) and input.is_floating_point():
        return _ScatterReduce.apply(input, dim, index, src, reduce, include_self)
    return _scatter_reduce_fwd(input, dim, index, src, reduce, include_self)


def _scatter_legacy_reduce(input: Tensor, dim: int, index: Tensor, src, value, reduce: str, op: str) -> Tensor:
    """scatter(..., reduce='add' | 'multiply'): torch's older reduction form, for tensor src or a number (value),
    including the original elements; torch gives it no derivative, so a graph through it refuses backward."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if src is None and value is None:
        raise TypeError(f"{op}() missing argument 'src' or 'value'")
    v = src if src is not None else value
    if not isinstance(v, Tensor):
        v = _factories().full(tuple(index.shape), v, dtype=input.dtype, device=input.device)
    with _no_grad():
        out = scatter_reduce(input, dim, index, v.to(input.dtype), "sum" if reduce == "add" else "prod")
    if _C.is_grad_enabled() and (input.requires_grad or v.requires_grad):
        global _NoDerivative
        if _NoDerivative is None:
            _NoDerivative = _no_derivative_function()
        out = _NoDerivative.apply(out, "scatter", input, v)
    return out


def _no_derivative_function():
    from .autograd.function import Function

    class NoDerivative(Function):
        """Passes `out` through as the result of the inputs, with a backward that refuses as torch's does."""

        @staticmethod
        def forward(ctx, out, name, *inputs):
            ctx.name = name
            return out.clone()

        @staticmethod
        def backward(ctx, *grads):
            raise RuntimeError(f"derivative for aten::{ctx.name} is not implemented")

    return NoDerivative


_NoDerivative = None  # made on first use (autograd.function imports this module's package)


def _with_legacy_reduce(cpp_scatter, inplace: bool, method: bool):
    """The C++ scatter binding, with reduce= handled here (calls without it go straight to C++); `method`: the
    Tensor method's signature (self first), else the function's (input first)."""
    op = "scatter_" if inplace else "scatter"

    def run(input, dim, index, src, value, reduce):
        if reduce is None:
            return cpp_scatter(input, dim, index, src, value=value)
        out = _scatter_legacy_reduce(input, dim, index, src, value, reduce, op)
        if inplace:
            with _no_grad():
                input.copy_(out)
            return input
        return out

    if method:
        def scatter(self, dim, index, src=None, *, value=None, reduce=None):
            return run(self, dim, index, src, value, reduce)
    else:
        def scatter(input, dim, index, src=None, *, value=None, reduce=None):
            return run(input, dim, index, src, value, reduce)
    scatter.__name__ = scatter.__qualname__ = op
    scatter.__doc__ = cpp_scatter.__doc__
    return scatter


def _scatter_reduce_inplace(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                            include_self: bool = True) -> Tensor:
    return self.copy_(scatter_reduce(self, dim, index, src, reduce, include_self=include_self))


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if index.dim() > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    if index.dtype not in (_C.int64, _C.int32):
        raise IndexError("index_reduce_(): Expected dtype int32/int64 for index")
    if source.dtype != input.dtype:
        raise RuntimeError("index_reduce_(): self (" + _type_title(input.dtype) + ") and source (" +
                           _type_title(source.dtype) + ") must have the same scalar type")
    d = _wrap(dim, input.dim(), "index_reduce")
    src = source if source.dim() else source.view(1)
    if index.numel() != (src.shape[d] if src.dim() else 1):
        raise IndexError("index_reduce_(): Index should have the same number of elements as dimension "
                         f"{d} of source")
    if index.numel() and ((index < -input.shape[d]).any().item() or (index >= input.shape[d]).any().item()):
        raise IndexError(f"index out of range in self")
    view = [1] * src.dim()
    view[d] = -1
    idx = index.to(_C.int64).remainder(input.shape[d]).view(view).expand(src.shape)
    return scatter_reduce(input, d, idx, src, reduce, include_self=include_self)


def _index_reduce_inplace(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                          include_self: bool = True) -> Tensor:
    return self.copy_(index_reduce(self, dim, index, source, reduce, include_self=include_self))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    if mask.dtype != _C.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype_key(mask.dtype) if _dtype_key(mask.dtype) != 'int64' else 'long int'}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{_type_title(input.dtype)} and {_type_title(source.dtype)}")
    from ._surface_ops import broadcast_shapes
    shape = broadcast_shapes(input.shape, mask.shape)
    m = mask.expand(shape)
    x = input.expand(shape)
    flat = m.reshape(-1)
    n = _pyint(flat.sum().item())
    if n > source.numel():
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as the ones in mask")
    if n == 0:
        return x.clone()
    pos = (flat.to(_C.int64).cumsum(0) - 1).clamp(min=0)
    taken = source.reshape(-1).index_select(0, pos).view(shape)
    return _C.where(m, taken, x)


def _masked_scatter_inplace(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    return self.copy_(masked_scatter(self, mask, source))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    if index.dtype != _C.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {_type_title(index.dtype)}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_type_title(input.dtype)} and source.dtype = {_type_title(source.dtype)}")
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    n = input.numel()
    idx = index.reshape(-1)
    if idx.numel():
        lo, hi = idx.min().item(), idx.max().item()
        bad = lo if lo < -n else (hi if hi >= n else None)
        if bad is not None:
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    idx = idx.remainder(builtins.max(n, 1))
    flat = input.reshape(-1)
    src = source.reshape(-1)
    if accumulate:
        return flat.index_add(0, idx, src).view(input.shape)
    from ._surface_ops import index_copy
    return index_copy(flat, 0, idx, src).view(input.shape)


def _put_inplace(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    return self.copy_(put(self, index, source, accumulate))


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    return input.clone().index_put_(indices, values, accumulate)


def _positions(input: Tensor) -> Tensor:
    return _factories().arange(input.numel(), device=input.device).view(input.shape)


def _scatter_into(op: str, input: Tensor, src: Tensor, where: Tensor) -> Tensor:
    """input with the positions of the view `where` (linear indices of input) replaced by src."""
    if tuple(src.shape) != tuple(where.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(where.shape)}")
    from ._surface_ops import index_copy
    flat = input.reshape(-1)
    return index_copy(flat, 0, where.reshape(-1), src.reshape(-1).to(input.dtype)).view(input.shape)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    return _scatter_into("select_scatter", input, src, _positions(input).select(dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: Optional[int] = None, end: Optional[int] = None,
                  step: int = 1) -> Tensor:
    d = _wrap(dim, input.dim(), "slice_scatter")
    sl = [slice(None)] * input.dim()
    sl[d] = slice(start, end, step)
    return _scatter_into("slice_scatter", input, src, _positions(input)[tuple(sl)])


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    return _scatter_into("diagonal_scatter", input, src, _positions(input).diagonal(offset, dim1, dim2))


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    return input.narrow(dim, start, length).clone()


# ------------------------------------------------------------------------------------------ matrices
def adjoint(input: Tensor) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.dim()}-D tensor.")
    return input.transpose(-2, -1)


def _matrix_h(self: Tensor) -> Tensor:
    if self.dim() != 2:
        hint = " For batches of matrices, consider using tensor.mH" if self.dim() > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor.{hint}")
    return self.transpose(0, 1)


def _check_square(op: str, a: Tensor) -> None:
    if a.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")


def _eye_like(a: Tensor) -> Tensor:
    n = a.shape[-1]
    return _factories().eye(n, dtype=a.dtype, device=a.device).expand(a.shape)


def matrix_power(input: Tensor, n: int) -> Tensor:
    _check_square("linalg.matrix_power", input)
    if n == 0:
        return _eye_like(input).clone()
    a = input
    if n < 0:
        from .linalg import inv
        a, n = inv(input), -n
    result = None
    while n:  # repeated squaring: log2(n) products
        if n & 1:
            result = a if result is None else _C.matmul(result, a)
        n >>= 1
        if n:
            a = _C.matmul(a, a)
    return result


def matrix_exp(input: Tensor) -> Tensor:
    """Scaling and squaring: A / 2^s has 1-norm <= 1/2, an 18-term Taylor sum, then s squarings."""
    _check_square("linalg.matrix_exp", input)
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point tensor as input. Got "
                           f"{_type_title(input.dtype)}")
    if input.numel() == 0:
        return input.clone()
    norm = input.detach().abs().sum(-2).max().item()
    s = builtins.max(0, _pyint(math.ceil(math.log2(norm))) + 1) if norm > 0 and math.isfinite(norm) else 0
    a = input / (2.0 ** s)
    term = _eye_like(input)
    total = term
    for k in builtins.range(1, 19):
        term = _C.matmul(term, a) / k
        total = total + term
    for _ in builtins.range(s):
        total = _C.matmul(total, total)
    return total


def pinv(input: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError(f"linalg.pinv(A): The input tensor A must have at least 2 dimensions.")
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.pinv(A): Expected a floating point tensor. Got {_type_title(input.dtype)}")
    from .linalg import svd
    m, n = input.shape[-2], input.shape[-1]
    if input.numel() == 0:
        return _factories().zeros(*input.shape[:-2], n, m, dtype=input.dtype)
    u, s, vh = svd(input, full_matrices=False)
    smax = s.max(-1, keepdim=True)[0] if s.numel() else s
    if rtol is None:
        rtol = 0.0 if atol is not None and not (isinstance(atol, _pyfloat) and atol == 0) else \
            builtins.max(m, n) * finfo(input.dtype).eps
    tol = smax * rtol
    if atol is not None:
        tol = _C.maximum(tol, _as_tensor(atol, s) if isinstance(atol, Tensor) else _full_like(tol, _pyfloat(atol)))
    keep = s > tol
    sinv = _C.where(keep, 1 / _C.where(keep, s, _full_like(s, 1.0)), _full_like(s, 0.0))
    return _C.matmul(vh.transpose(-2, -1) * sinv.unsqueeze(-2), u.transpose(-2, -1))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return pinv(input, rtol=rcond)


lstsq_result = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """The minimum-norm least-squares solution (what gelsy, torch's CPU default, returns) through the
    pseudo-inverse; residuals and singular_values are empty and rank is reported, as gelsy's."""
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if driver not in (None, "gelsy", "gelsd", "gelss", "gels"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_type_title(A.dtype)} and other's dtype {_type_title(B.dtype)}")
    vector = B.dim() == A.dim() - 1
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2], A.shape[-1]
    rt = rcond if rcond is not None else builtins.max(m, n) * finfo(A.dtype).eps
    sol = _C.matmul(pinv(A, rtol=rt), b)
    from .linalg import svdvals
    sv = svdvals(A.detach())
    rank = (sv > sv.max(-1, keepdim=True)[0] * rt).sum(-1) if sv.numel() else sv.sum(-1).to(_C.int64)
    empty = _factories().empty(0, dtype=A.dtype)
    return lstsq_result(sol.squeeze(-1) if vector else sol, empty, rank.to(_C.int64), empty.clone())


def chain_matmul(*matrices) -> Tensor:
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for t in matrices:
        if t.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {t.dim()}, expected 2 instead.")
    if len(matrices) == 1:
        return matrices[0].clone()
    from .linalg import multi_dot
    return multi_dot(list(matrices))


# ------------------------------------------------------------------------------------------ Tensor-only methods
def _sum_to_size(self: Tensor, *size) -> Tensor:
    if len(size) == 1 and isinstance(size[0], (list, tuple)) or (len(size) == 1 and hasattr(size[0], "__len__")):
        size = tuple(size[0])
    shape = tuple(self.shape)
    ok = len(size) <= len(shape) and all(s == d or s == 1 for s, d in zip(size[::-1], shape[::-1]))
    if not ok:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    lead = len(shape) - len(size)
    r = self.sum(list(builtins.range(lead))) if lead else self
    dims = [i for i, (s, d) in enumerate(zip(size, r.shape)) if s == 1 and d != 1]
    return r.sum(dims, keepdim=True) if dims else r


def _fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    f = _factories()
    if self.dim() > 2:
        if len(set(self.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        ar = f.arange(self.shape[0], device=self.device)
        self[(ar,) * self.dim()] = fill_value
        return self
    rows, cols = self.shape
    if wrap and rows > cols + 1:
        # torch's wrap walks the row-major storage with step cols + 1
        pos = f.arange(0, rows * cols, cols + 1, device=self.device)
        self[pos // cols, pos % cols] = fill_value
    else:
        ar = f.arange(builtins.min(rows, cols), device=self.device)
        self[ar, ar] = fill_value
    return self


def _addmm_inplace(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return self.copy_(_C.addmm(self, mat1, mat2, beta=beta, alpha=alpha))


def _uniform(self: Tensor, generator) -> Tensor:
    """Uniform [0, 1) draws in float64 shaped like self (the generator's stream as rand's)."""
    f = _factories()
    kw = {"generator": generator} if generator is not None else {}
    return f.rand(*self.shape, dtype=_C.float64, device=self.device, **kw)


# The C++ samplers draw from pynn's global stream; with a Generator the draw comes from its own stream instead.
_global_uniform_, _global_normal_, _global_bernoulli_ = Tensor.uniform_, Tensor.normal_, Tensor.bernoulli_


def _uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None, **kw) -> Tensor:
    """uniform_(from=0, to=1, *, generator=None) -> Tensor

    Fills self with draws from U[from, to), from generator's stream when one is given."""
    from_ = kw.pop("from", from_)
    if kw:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kw))}'")
    if generator is None:
        return _global_uniform_(self, from_, to)
    _global_uniform_(self[:0] if self.dim() else self.reshape(1)[:0], from_, to)  # the C++ argument checks
    with _no_grad():
        return self.copy_(_uniform(self, generator) * (to - from_) + from_)


def _normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """normal_(mean=0, std=1, *, generator=None) -> Tensor

    Fills self with draws from N(mean, std^2), from generator's stream when one is given."""
    if generator is None:
        return _global_normal_(self, mean, std)
    _global_normal_(self[:0] if self.dim() else self.reshape(1)[:0], mean, std)
    f = _factories()
    with _no_grad():
        return self.copy_(f.randn(*self.shape, dtype=_C.float64, generator=generator) * std + mean)


def _bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """bernoulli_(p=0.5, *, generator=None) -> Tensor

    Fills self with 0/1 draws that are 1 with probability p (a float, or a tensor broadcast to self)."""
    if generator is None and not isinstance(p, Tensor):
        return _global_bernoulli_(self, p)
    if not isinstance(p, Tensor) and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    prob = p if isinstance(p, Tensor) else _factories().tensor(float(p), dtype=_C.float64)
    if prob.numel() and (bool((prob < 0).any()) or bool((prob > 1).any())):
        raise RuntimeError("bernoulli_ expects all values of p to be in [0, 1]")
    with _no_grad():
        return self.copy_((_uniform(self, generator) < prob).to(self.dtype))


def _check_float_sampler(self: Tensor, op: str) -> None:
    if not self.is_floating_point():
        raise RuntimeError(f"{op} expects floating point dtypes, got: {_type_title(self.dtype)}")


def _exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    _check_float_sampler(self, "exponential_")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    with _no_grad():
        return self.copy_(-_C.log1p(-_uniform(self, generator)) / lambd)


def _geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    with _no_grad():
        return self.copy_(_C.ceil(_C.log1p(-_uniform(self, generator)) / math.log1p(-p)).clamp(min=1))


def _log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    _check_float_sampler(self, "log_normal_")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    f = _factories()
    kw = {"generator": generator} if generator is not None else {}
    with _no_grad():
        return self.copy_(_C.exp(f.randn(*self.shape, dtype=_C.float64, **kw) * std + mean))


def _cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    _check_float_sampler(self, "cauchy_")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    with _no_grad():
        return self.copy_(_C.tan((_uniform(self, generator) - 0.5) * math.pi) * sigma + median)


def _random_(self: Tensor, from_=None, to=None, *, generator=None, **kw) -> Tensor:
    if "from" in kw:
        from_ = kw.pop("from")
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    if from_ is not None and to is None:
        lo, hi = 0, _pyint(from_)  # random_(to)
    else:
        lo = 0 if from_ is None else _pyint(from_)
        if to is None:
            key = _dtype_key(self.dtype)
            hi = {"float32": 2 ** 24, "float64": 2 ** 53, "bool": 1}.get(key)
            hi = (np.iinfo(np.dtype(key)).max if hi is None else hi) + 1
        else:
            hi = _pyint(to)
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    f = _factories()
    kwg = {"generator": generator} if generator is not None else {}
    with _no_grad():
        if hi - lo <= 2 ** 63 - 1:
            draw = f.randint(0, hi - lo, tuple(self.shape), dtype=_C.int64, **kwg) + lo
        else:
            draw = f.randint(lo, 2 ** 63 - 1, tuple(self.shape), dtype=_C.int64, **kwg)
        return self.copy_(draw.to(self.dtype) if self.dtype != _C.bool else draw != 0)


def _no_grad():
    from .autograd import no_grad
    return no_grad()


def _share_memory_(self: Tensor) -> Tensor:
    """CPU tensors: a no-op returning self. pynn's DataLoader workers pass batches through their own shared
    memory, so a tensor need not be moved there first (torch moves its storage; pynn's stays where it is)."""
    return self


def _check_cpu(self: Tensor, op: str) -> None:
    if not self.device.type == "cpu":
        raise TypeError(f"{op} is only implemented on CPU tensors")


def _apply_(self: Tensor, callable) -> Tensor:  # noqa: A002
    _check_cpu(self, "apply_")
    if self.requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    vals = self.tolist()
    flat = [callable(v) for v in (np.asarray(vals, dtype=object).reshape(-1) if self.dim() else [vals])]
    with _no_grad():
        self.copy_(_factories().tensor(flat, dtype=self.dtype).view(self.shape))
    return self


def _map_(self: Tensor, tensor: Tensor, callable) -> Tensor:  # noqa: A002
    _check_cpu(self, "map_")
    if self.requires_grad:
        raise RuntimeError("Can't call map_() on Variable that requires grad. Use var.detach().map_() instead.")
    other = tensor.expand(self.shape)
    a = np.asarray(self.tolist(), dtype=object).reshape(-1)
    b = np.asarray(other.tolist(), dtype=object).reshape(-1)
    flat = [callable(x, y) for x, y in zip(a, b)]
    with _no_grad():
        self.copy_(_factories().tensor(flat, dtype=self.dtype).view(self.shape))
    return self


# ------------------------------------------------------------------------------------------ install
_FUNCTIONS = [
    "round", "positive", "sgn", "conj", "resolve_conj", "resolve_neg", "conj_physical", "deg2rad", "rad2deg", "sinc",
    "float_power", "ldexp", "frexp", "mvlgamma", "polygamma", "gcd", "lcm", "finfo", "iinfo", "can_cast",
    "is_nonzero", "logspace", "empty_strided", "vander", "cov", "corrcoef", "histogram", "trapezoid",
    "cumulative_trapezoid", "renorm", "isin", "scatter_reduce", "index_reduce", "masked_scatter", "put", "index_put",
    "select_scatter", "slice_scatter", "diagonal_scatter", "narrow_copy", "adjoint", "matrix_power", "matrix_exp",
    "pinverse", "chain_matmul",
]
_METHODS = [
    "positive", "sgn", "conj", "resolve_conj", "resolve_neg", "conj_physical", "deg2rad", "rad2deg", "sinc",
    "float_power", "ldexp", "frexp", "mvlgamma", "lcm", "is_nonzero", "cov", "corrcoef", "histogram", "renorm",
    "isin", "scatter_reduce", "index_reduce", "masked_scatter", "put", "index_put", "select_scatter",
    "slice_scatter", "diagonal_scatter", "narrow_copy", "adjoint", "matrix_power", "matrix_exp", "pinverse",
]


def _install(module) -> None:
    g = globals()
    for name in _FUNCTIONS:
        setattr(module, name, g[name])
    for name in _METHODS:
        if not hasattr(Tensor, name):  # the C++ bindings that exist (index_put) stay
            setattr(Tensor, name, g[name])
    module.trapz = trapezoid
    module.float_power = _float_power_any_base
    module.special = __import__(__package__ + ".special", fromlist=["special"])
    module.linalg.lstsq, module.linalg.matrix_power, module.linalg.matrix_exp = lstsq, matrix_power, matrix_exp
    module.linalg.pinv = pinv
    Tensor.round, Tensor.round_ = _round_method, _round_inplace
    Tensor.polygamma, Tensor.polygamma_ = _polygamma_method, _polygamma_inplace
    Tensor.float_power_ = _float_power_inplace
    Tensor.is_conj = Tensor.is_neg = _false
    module.scatter = _with_legacy_reduce(module.scatter, False, method=False)
    Tensor.scatter = _with_legacy_reduce(Tensor.scatter, False, method=True)
    Tensor.scatter_ = _with_legacy_reduce(Tensor.scatter_, True, method=True)
    Tensor.mH = Tensor.mT if hasattr(Tensor, "mT") else property(adjoint)
    Tensor.H = property(_matrix_h)
    for name, fn in [("scatter_reduce_", _scatter_reduce_inplace), ("index_reduce_", _index_reduce_inplace),
                     ("masked_scatter_", _masked_scatter_inplace), ("put_", _put_inplace), ("sum_to_size", _sum_to_size),
                     ("fill_diagonal_", _fill_diagonal_), ("addmm_", _addmm_inplace), ("exponential_", _exponential_),
                     ("geometric_", _geometric_), ("log_normal_", _log_normal_), ("cauchy_", _cauchy_),
                     ("random_", _random_), ("share_memory_", _share_memory_), ("apply_", _apply_), ("map_", _map_),
                     ("uniform_", _uniform_), ("normal_", _normal_), ("bernoulli_", _bernoulli_)]:
        setattr(Tensor, name, fn)
    # in-place twins of the out-of-place compositions
    for name in ("deg2rad", "rad2deg", "sinc", "ldexp", "lcm", "renorm", "mvlgamma", "sgn"):
        fn = g[name]

        def inplace(self, *args, _fn=fn, **kwargs):
            return self.copy_(_fn(self, *args, **kwargs))
        setattr(Tensor, name + "_", inplace)
