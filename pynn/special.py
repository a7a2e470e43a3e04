"""torch.special for real dtypes: the names pynn computes, each one of pynn's ops or a short composition of them."""
from __future__ import annotations

import math

from . import _C
from ._C import Tensor
from . import _surface_ops_batch2 as _b2


def _full_like(t: Tensor, v) -> Tensor:
    from ._factories import full_like
    return full_like(t, v)


def _float_of(x: Tensor) -> Tensor:
    return x if x.is_floating_point() else x.to(_C._get_default_dtype())


def expit(input: Tensor) -> Tensor:
    return _C.sigmoid(input)


def logit(input: Tensor, eps=None) -> Tensor:
    from ._surface_ops import logit as _logit
    return _logit(input, eps)


def erf(input: Tensor) -> Tensor:
    return _C.erf(input)


def erfc(input: Tensor) -> Tensor:
    return _C.erfc(input)


def erfinv(input: Tensor) -> Tensor:
    return _C.erfinv(input)


def exp2(input: Tensor) -> Tensor:
    return _C.exp2(input)


def expm1(input: Tensor) -> Tensor:
    return _C.expm1(input)


def log1p(input: Tensor) -> Tensor:
    return _C.log1p(input)


def sinc(input: Tensor) -> Tensor:
    return _b2.sinc(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    return _b2.round(input, decimals=decimals)


def xlogy(input, other) -> Tensor:
    from ._surface_ops import xlogy as _xlogy
    return _xlogy(input, other)


def xlog1py(input, other) -> Tensor:
    """x * log1p(y), 0 where x == 0 (NaN y stays NaN), as torch."""
    x = input if isinstance(input, Tensor) else _full_like(other, float(input))
    y = other if isinstance(other, Tensor) else _full_like(x, float(other))
    x, y = _float_of(x), _float_of(y)
    r = x * _C.log1p(y)
    return _C.where(_C.logical_and(x == 0, _C.logical_not(_C.isnan(y))), _full_like(r, 0.0), r)


def gammaln(input: Tensor) -> Tensor:
    return _C.lgamma(input)


def digamma(input: Tensor) -> Tensor:
    return _C.digamma(input)


psi = digamma


def polygamma(n: int, input: Tensor) -> Tensor:
    return _b2.polygamma(n, input)


def multigammaln(input: Tensor, p: int) -> Tensor:
    return _b2.mvlgamma(input, p)


def i0(input: Tensor) -> Tensor:
    return _C.i0(input)


def i1(input: Tensor) -> Tensor:
    return _C._special_i1(input)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    return _C.logsumexp(input, dim, keepdim)


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    from .functional import softmax as _softmax
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    from .functional import log_softmax as _log_softmax
    return _log_softmax(input, dim, dtype=dtype)


def ndtr(input: Tensor) -> Tensor:
    x = _float_of(input)
    return _C.erfc(x * (-1 / math.sqrt(2))) * 0.5


def ndtri(input: Tensor) -> Tensor:
    """The inverse of ndtr: erfinv's estimate (a tail formula below 1e-10), then Newton steps on
    log ndtr(x) = log q, which converge in the tails too; the upper half by symmetry, q = 1 - p."""
    p = _float_of(input)
    out_dtype, p = p.dtype, p.to(_C.float64)  # float32's 2q - 1 is -1 below 6e-8
    upper = p > 0.5
    q = _C.where(upper, 1 - p, p)
    inside = _C.logical_and(q > 0, q <= 0.5)
    qs = _C.where(inside, q, _full_like(q, 0.25))
    tail = qs < 1e-10
    x = _C.where(tail, -_C.sqrt(_C.log(qs) * -2.0), _C.erfinv(qs * 2 - 1) * math.sqrt(2))
    log_q = _C.log(qs)
    for _ in range(6):
        cdf = ndtr(x)
        pdf = _C.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))
        x = x - (_C.log(cdf) - log_q) * cdf / pdf
    x = _C.where(upper, -x, x)
    edge = _C.where(p == 0, _full_like(p, -math.inf), _C.where(p == 1, _full_like(p, math.inf), _full_like(p, math.nan)))
    return _C.where(inside, x, edge).to(out_dtype)


def entr(input: Tensor) -> Tensor:
    """-x log x; 0 at 0, -inf below 0, NaN stays NaN."""
    x = _float_of(input)
    pos = x > 0
    safe = _C.where(pos, x, _full_like(x, 1.0))
    r = _C.where(pos, -x * _C.log(safe), _full_like(x, 0.0))
    r = _C.where(x < 0, _full_like(x, -math.inf), r)
    return _C.where(_C.isnan(x), x, r)


__all__ = ["expit", "logit", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "sinc", "round", "xlogy", "xlog1py",
           "gammaln", "digamma", "psi", "polygamma", "multigammaln", "i0", "i1", "logsumexp", "softmax",
           "log_softmax", "ndtr", "ndtri", "entr"]
