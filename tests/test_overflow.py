"""Size, stride and value overflow (issue #16): every case raises quickly with torch's class, never wraps,
never hangs, never allocates what it cannot hold. Each case is checked against torch itself."""
from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import pynn  # noqa: E402

# (description, call) pairs: `call(lib)` must raise the same exception class in pynn and in torch.
RAISES = [
    ("zeros(2**62)", lambda L: L.zeros(2**62)),
    ("zeros(2**61) fails fast", lambda L: L.zeros(2**61)),
    ("randn(2**61)", lambda L: L.randn(2**61)),
    ("zeros(2**31, 2**31)", lambda L: L.zeros(2**31, 2**31)),
    ("zeros(2**32, 2**32)", lambda L: L.zeros(2**32, 2**32)),
    ("eye(2**40)", lambda L: L.eye(2**40)),
    ("arange(2**62)", lambda L: L.arange(2**62)),
    ("repeat(2**31, 2**31)", lambda L: L.ones(2, 3).repeat(2**31, 2**31)),
    ("expand(3, -2)", lambda L: L.ones(2, 3).expand(3, -2)),
    ("expand(2**62, 4).sum()", lambda L: L.ones(1, 4).expand(2**62, 4).sum()),
    ("as_strided huge stride", lambda L: L.ones(2, 3).as_strided((2, 2), (2**62, 1))),
    ("as_strided huge offset", lambda L: L.ones(2, 3).as_strided((2, 2), (1, 1), 2**62)),
    ("as_strided huge size", lambda L: L.ones(2, 3).as_strided((2**62, 2), (1, 1))),
    ("as_strided past the storage", lambda L: L.ones(2, 3).as_strided((2, 2), (1, 1), 2**60)),
    ("tensor(2**63)", lambda L: L.tensor(2**63)),
    ("tensor([2**63])", lambda L: L.tensor([2**63])),
    ("tensor(-2**63 - 1)", lambda L: L.tensor(-2**63 - 1)),
    ("tensor([3, 2**64])", lambda L: L.tensor([3, 2**64])),
    ("tensor([2**40], dtype=int32)", lambda L: L.tensor([2**40], dtype=L.int32)),
    ("tensor(2**31, dtype=int32)", lambda L: L.tensor(2**31, dtype=L.int32)),
    ("tensor([nan], dtype=int64)", lambda L: L.tensor([math.nan], dtype=L.int64)),
    ("tensor([inf], dtype=int32)", lambda L: L.tensor([math.inf], dtype=L.int32)),
    ("full(2**40, int32)", lambda L: L.full((2,), 2**40, dtype=L.int32)),
    ("full(nan, int64)", lambda L: L.full((2,), math.nan, dtype=L.int64)),
    ("full(1e300) float32", lambda L: L.full((2,), 1e300)),
    ("fill_(2**40) int32", lambda L: L.ones(3, dtype=L.int32).fill_(2**40)),
    ("fill_(inf) int64", lambda L: L.ones(3, dtype=L.int64).fill_(math.inf)),
    ("fill_(1e300) float32", lambda L: L.ones(3).fill_(1e300)),
    ("fill_(2**70)", lambda L: L.ones(3).fill_(2**70)),
    ("x + 2**70", lambda L: L.ones(3) + 2**70),
    ("masked_fill(2**40) int32", lambda L: L.ones(3, dtype=L.int32).masked_fill(L.ones(3, dtype=L.bool), 2**40)),
    ("masked_fill(nan) int64", lambda L: L.ones(3, dtype=L.int64).masked_fill(L.ones(3, dtype=L.bool), math.nan)),
    ("x[0] = nan int64", lambda L: L.ones(3, dtype=L.int64).__setitem__(0, math.nan)),
    ("x[0] = 2**40 int32", lambda L: L.ones(3, dtype=L.int32).__setitem__(0, 2**40)),
    ("clamp(0, 2**40) int32", lambda L: L.ones(3, dtype=L.int32).clamp(0, 2**40)),
    ("add_(alpha=2**40) int32", lambda L: L.ones(3, dtype=L.int32).add_(1, alpha=2**40)),
    ("int(tensor(nan))", lambda L: int(L.tensor(math.nan))),
    ("int(tensor(inf))", lambda L: int(L.tensor(math.inf))),
    ("trunc_normal_(a=2, b=-2)", lambda L: L.nn.init.trunc_normal_(L.empty(3), a=2, b=-2)),
    ("arange(0, inf)", lambda L: L.arange(0, math.inf)),
    ("arange(0, 3, 0.5, dtype=int64): step truncates to 0", lambda L: L.arange(0, 3, 0.5, dtype=L.int64)),
    ("view(2**62, -1)", lambda L: L.ones(4).view(2**62, -1)),
    ("narrow past the end", lambda L: L.ones(4).narrow(0, 2**62, 2)),
]


@pytest.mark.parametrize("what, call", RAISES, ids=[r[0] for r in RAISES])
def test_raises_as_torch(what, call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type):
        call(pynn)


# Calls near the limits that must still work and agree with torch.
WORKS = [
    ("tensor(2**63 - 1)", lambda L: L.tensor(2**63 - 1)),
    ("tensor(-2**63)", lambda L: L.tensor(-2**63)),
    ("tensor([2**31 - 1], dtype=int32)", lambda L: L.tensor([2**31 - 1], dtype=L.int32)),
    ("full(-2**31, int32)", lambda L: L.full((2,), -2**31, dtype=L.int32)),
    ("int32 + 2**40 wraps as torch", lambda L: L.ones(3, dtype=L.int32) + 2**40),
    ("fill_(inf) float32", lambda L: L.ones(3).fill_(math.inf)),
    ("fill_(nan) float32", lambda L: L.ones(3).fill_(math.nan)),
    ("tensor(1e300, dtype=float32) is inf", lambda L: L.tensor(1e300, dtype=L.float32)),
    ("arange(2.5, dtype=int64)", lambda L: L.arange(2.5, dtype=L.int64)),
    ("arange(2.5, dtype=int32)", lambda L: L.arange(2.5, dtype=L.int32)),
    ("arange(-3, 7, 2)", lambda L: L.arange(-3, 7, 2)),
    ("arange(2**40, 2**40 + 3)", lambda L: L.arange(2**40, 2**40 + 3)),
    ("zeros(0, 2**62)", lambda L: L.zeros(0, 2**62)),
    ("expand(2**40, 0)", lambda L: L.ones(1, 0).expand(2**40, 0)),
    ("as_strided within the storage", lambda L: L.arange(6.0).as_strided((2, 2), (1, 2), 1)),
    ("trunc_normal_(a=b)", lambda L: L.nn.init.trunc_normal_(L.empty(3), a=2.0, b=2.0)),
]


@pytest.mark.parametrize("what, call", WORKS, ids=[r[0] for r in WORKS])
def test_works_as_torch(what, call):
    expected, got = call(torch), call(pynn)
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    if got.numel():  # numpy cannot hold an empty (0, 2**62) array
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_allocation_failure_is_torchs_runtime_error():
    # 2^58 floats pass the size checks but no machine has 1 EiB: the allocator's own failure, worded as torch.
    with pytest.raises(RuntimeError, match="can't allocate memory: you tried to allocate 1152921504606846976 bytes"):
        pynn.empty(2**58)


def test_trunc_normal_with_no_mass_in_range_ends():
    # Rejection sampling alone would loop forever: [100, 101] has probability ~0 under N(0, 1).
    t = pynn.nn.init.trunc_normal_(pynn.empty(1000), mean=0.0, std=1.0, a=100.0, b=101.0)
    v = t.numpy()
    assert np.all((v >= 100.0) & (v <= 101.0))


def test_trunc_normal_is_still_truncated_normal():
    v = pynn.nn.init.trunc_normal_(pynn.empty(20000), mean=0.0, std=1.0, a=-1.0, b=2.0).numpy()
    assert v.min() >= -1.0 and v.max() <= 2.0
    # mean of N(0, 1) truncated to [-1, 2]: (phi(-1) - phi(2)) / (Phi(2) - Phi(-1))
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    assert abs(v.mean() - (phi(-1) - phi(2)) / (cdf(2) - cdf(-1))) < 0.03


OVERLAPS = [
    ("x[1:].copy_(x[:-1])", lambda L: (lambda x: x[1:].copy_(x[:-1]))(L.arange(6.0))),
    ("x[:2].copy_(x[1:])", lambda L: (lambda x: x[:2].copy_(x[1:]))(L.arange(3.0))),
    ("x.copy_(x.t())", lambda L: (lambda x: x.copy_(x.t()))(L.zeros(2, 2))),
    ("x.add_(x.t())", lambda L: (lambda x: x.add_(x.t()))(L.ones(3, 3))),
    ("x.mul_(x.t())", lambda L: (lambda x: x.mul_(x.t()))(L.ones(3, 3))),
    ("x[1:] += x[:-1]", lambda L: (lambda x: x[1:].__iadd__(x[:-1]))(L.arange(6.0))),
    ("x[1:] = x[:-1]", lambda L: (lambda x: x.__setitem__(slice(1, None), x[:-1]))(L.arange(6.0))),
    ("expand(2, 3).add_(1)", lambda L: L.zeros(3).expand(2, 3).add_(1)),
    ("expand(2, 3).exp_()", lambda L: L.zeros(3).expand(2, 3).exp_()),
    ("expand(2, 3).copy_(ones)", lambda L: L.zeros(3).expand(2, 3).copy_(L.ones(2, 3))),
    ("expand(2, 3).clamp_(0, 1)", lambda L: L.zeros(3).expand(2, 3).clamp_(0, 1)),
    ("scatter_ src overlaps self", lambda L: (lambda y: y.scatter_(0, L.tensor([0, 1]), y[1:3]))(L.zeros(5))),
    ("index_put_ value overlaps self", lambda L: (lambda y: y.index_put_((L.tensor([0, 1]),), y[1:3]))(L.zeros(5))),
    ("x[idx] = x[1:3]", lambda L: (lambda y: y.__setitem__(L.tensor([0, 1]), y[1:3]))(L.zeros(5))),
]


@pytest.mark.parametrize("what, call", OVERLAPS, ids=[r[0] for r in OVERLAPS])
def test_overlap_refused_as_torch(what, call):
    with pytest.raises(RuntimeError, match="unsupported operation") as expected:
        call(torch)
    with pytest.raises(RuntimeError, match="unsupported operation") as got:
        call(pynn)
    # the same of torch's two texts (internal overlap vs input/output overlap)
    assert ("more than one element" in str(got.value)) == ("more than one element" in str(expected.value))


ALLOWED = [
    ("x.add_(x)", lambda L: (lambda x: x.add_(x))(L.arange(4.0))),
    ("x.copy_(x)", lambda L: (lambda x: x.copy_(x))(L.arange(4.0))),
    ("x[:2].copy_(x[2:]) (disjoint)", lambda L: (lambda x: (x[:2].copy_(x[2:]), x)[1])(L.arange(4.0))),
    ("x[:] = x", lambda L: (lambda x: (x.__setitem__(slice(None), x), x)[1])(L.arange(4.0))),
    ("expand(2, 3).fill_(1)", lambda L: (lambda z: (z.expand(2, 3).fill_(1), z)[1])(L.zeros(3))),
    ("expand(2, 3).zero_()", lambda L: (lambda z: (z.expand(2, 3).zero_(), z)[1])(L.ones(3))),
    ("x.t().exp_()", lambda L: (lambda x: (x.t().exp_(), x)[1])(L.zeros(3, 3))),
]


@pytest.mark.parametrize("what, call", ALLOWED, ids=[r[0] for r in ALLOWED])
def test_overlap_allowed_as_torch(what, call):
    np.testing.assert_array_equal(call(pynn).numpy(), call(torch).numpy())
