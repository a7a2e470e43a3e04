"""einsum (its planner over bmm), tensordot, inner, kron against torch: values, shapes, dtypes, views, torch's
errors, float64 gradcheck (first and second order through the ops the planner composes)."""
import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

torch = pytest.importorskip("torch")


def arr(*shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def both(*arrays):
    return [pynn.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def close(p, t, rtol=1e-5, atol=1e-5):
    t = t.detach().numpy()
    p = p.detach().numpy()
    assert p.shape == t.shape
    assert p.dtype == t.dtype
    np.testing.assert_allclose(p, t, rtol=rtol, atol=atol)


EINSUM_CASES = [
    ("bij,bjk->bik", [(3, 4, 5), (3, 5, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ijk->", [(2, 3, 4)]),
    ("ijk->j", [(2, 3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,cd->", [(2, 3), (4, 5)]),
    ("ab,cd->dbca", [(2, 3), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4, 5), (3, 5, 2)]),
    ("...ij,...jk", [(2, 1, 4, 5), (3, 5, 2)]),
    ("i...->...", [(3, 2, 4)]),
    ("...i->...", [(3, 2, 4)]),
    ("b...,b...->b", [(3, 4, 2), (3, 4, 2)]),
    ("Ab,bA->", [(3, 4), (4, 3)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 0), (0, 4)]),
    ("i,i->i", [(1,), (4,)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum_values(eq, shapes):
    arrays = [arr(*s, seed=i) for i, s in enumerate(shapes)]
    p, t = both(*arrays)
    close(pynn.einsum(eq, *p), torch.einsum(eq, *t))


@pytest.mark.parametrize("eq,shapes", [c for c in EINSUM_CASES if 0 not in sum(c[1], ())])
def test_einsum_gradcheck(eq, shapes):
    xs = [pynn.tensor(arr(*s, dtype="float64", seed=i), requires_grad=True) for i, s in enumerate(shapes)]
    assert gradcheck(lambda *a: pynn.einsum(eq, *a), xs)


def test_einsum_grad_matches_torch_and_double_backward():
    a, b = arr(2, 3, 4, dtype="float64"), arr(2, 4, 5, dtype="float64", seed=1)
    pa, pb = pynn.tensor(a, requires_grad=True), pynn.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (pynn.einsum("bij,bjk->bik", pa, pb) ** 2).sum().backward()
    (torch.einsum("bij,bjk->bik", ta, tb) ** 2).sum().backward()
    close(pa.grad, ta.grad, 1e-10, 1e-10)
    close(pb.grad, tb.grad, 1e-10, 1e-10)
    from test_nn_kernels import gradgradcheck
    assert gradgradcheck(lambda x, y: pynn.einsum("ij,jk->ik", x, y) ** 2,
                         [pynn.tensor(a[0], requires_grad=True), pynn.tensor(b[0], requires_grad=True)])


def test_einsum_forms_and_views():
    a, b = arr(3, 4), arr(4, 5, seed=1)
    (pa, pb), (ta, tb) = both(a, b)
    close(pynn.einsum("ij,jk", [pa, pb]), torch.einsum("ij,jk", [ta, tb]))
    close(pynn.einsum(pa, [0, 1], pb, [1, 2], [0, 2]), torch.einsum(ta, [0, 1], tb, [1, 2], [0, 2]))
    close(pynn.einsum(pa, [Ellipsis, 1], pb, [1, 2]), torch.einsum(ta, [Ellipsis, 1], tb, [1, 2]))
    v = pynn.einsum("ij->ji", pa)
    assert v._storage_ptr() == pa._storage_ptr()  # a transposed view, as torch's
    close(pynn.einsum("ij,jk->ik", pynn.tensor(a.astype("float64")), pynn.tensor(b.astype("float64"))),
          torch.einsum("ij,jk->ik", torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)))
    ia, ib = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    close(pynn.einsum("ij,jk->ik", pynn.tensor(ia), pynn.tensor(ib)), torch.einsum("ij,jk->ik", torch.tensor(ia), torch.tensor(ib)))


def test_einsum_one_operand_plans_cached_per_equation_and_rank():
    # einsum(eq, x) keeps the permutation of each (equation, rank) it has seen: the same equation at another rank,
    # equations that sum or take diagonals, and more equations than the cache holds must still plan afresh.
    eqs = ["ij->ji", "...ij->...ji", "ij", "ji", "ii->i", "ij->i", "...i->...", "abc->cab", "i->i", "ba", "...",
           "ijk->kji", "ij->ij"]
    shapes = {"ij->ji": [(3, 4)], "...ij->...ji": [(3, 4), (2, 3, 4), (2, 2, 3, 4)], "ij": [(3, 4)],
              "ji": [(3, 4)], "ii->i": [(3, 3)], "ij->i": [(3, 4)], "...i->...": [(4,), (3, 4)],
              "abc->cab": [(2, 3, 4)], "i->i": [(5,)], "ba": [(3, 4)], "...": [(), (3,), (3, 4)],
              "ijk->kji": [(2, 3, 4)], "ij->ij": [(3, 4)]}
    for rnd in range(3):  # the second and third rounds hit (or, past the cache's size, replace) cached plans
        for eq in eqs:
            for shape in shapes[eq]:
                a = arr(*shape, seed=rnd) if shape else np.array(1.5, dtype=np.float32)
                (pa,), (ta,) = both(a)
                got, want = pynn.einsum(eq, pa), torch.einsum(eq, ta)
                close(got, want)
                assert got.shape == tuple(want.shape) and got.stride() == want.stride(), (eq, shape)
        with pytest.raises(RuntimeError, match="number of subscripts"):  # a known equation at a wrong rank
            pynn.einsum("ij->ji", pynn.tensor(arr(2, 3, 4)))
        with pytest.raises(RuntimeError, match="appears more than once"):  # never cached as a plan
            pynn.einsum("ij->jj", pynn.tensor(arr(2, 3)))
    x = pynn.tensor(arr(3, 4), requires_grad=True)
    pynn.einsum("ij->ji", x).sum().backward()
    close(x.grad, torch.ones(3, 4))
    assert pynn.einsum("ij->ji", x).requires_grad


@pytest.mark.parametrize("eq,shapes,match", [
    ("ij,jk->ik", [(2, 3)], "fewer operands"),
    ("ij->ij", [(2, 3), (3, 2)], "more operands"),
    ("ijk->ij", [(2, 3)], "number of subscripts"),
    ("ij->ii", [(2, 3)], "appears more than once"),
    ("ij->k", [(2, 3)], "does not appear"),
    ("i1->i", [(2, 3)], "invalid subscript"),
    ("ii->i", [(2, 3)], "repeated for operand 0"),
    ("ij,jk->ik", [(2, 3), (4, 5)], "broadcast"),
    ("i.j->i", [(2, 3)], "ellipsis"),
])
def test_einsum_errors(eq, shapes, match):
    ops = [pynn.tensor(arr(*s)) for s in shapes]
    with pytest.raises(RuntimeError, match=match):
        pynn.einsum(eq, *ops)
    with pytest.raises(RuntimeError):
        torch.einsum(eq, *[torch.tensor(arr(*s)) for s in shapes])


@pytest.mark.parametrize("sa,sb,dims", [
    ((3, 4, 5), (4, 5, 6), 2),
    ((3, 4), (4, 5), 1),
    ((3, 4), (5, 6), 0),
    ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])),
    ((3, 4, 5), (5, 4), ((1, 2), (1, 0))),
])
def test_tensordot(sa, sb, dims):
    (pa, pb), (ta, tb) = both(arr(*sa), arr(*sb, seed=1))
    close(pynn.tensordot(pa, pb, dims=dims), torch.tensordot(ta, tb, dims=dims))
    xa = pynn.tensor(arr(*sa, dtype="float64"), requires_grad=True)
    xb = pynn.tensor(arr(*sb, dtype="float64", seed=1), requires_grad=True)
    assert gradcheck(lambda x, y: pynn.tensordot(x, y, dims=dims), [xa, xb])


def test_tensordot_errors():
    (pa, pb), _ = both(arr(3, 4), arr(5, 6))
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        pynn.tensordot(pa, pb, dims=([1], [0]))
    with pytest.raises(RuntimeError, match="same length"):
        pynn.tensordot(pa, pb, dims=([1, 0], [0]))
    with pytest.raises(RuntimeError, match="dims >= 0"):
        pynn.tensordot(pa, pb, dims=-1)


@pytest.mark.parametrize("sa,sb", [((3, 4), (5, 4)), ((4,), (4,)), ((2, 3, 4), (4,)), ((), (3, 4)), ((3,), ())])
def test_inner(sa, sb):
    (pa, pb), (ta, tb) = both(arr(*sa), arr(*sb, seed=1))
    close(pynn.inner(pa, pb), torch.inner(ta, tb))
    close(pa.inner(pb), ta.inner(tb))


def test_inner_error():
    (pa, pb), _ = both(arr(3, 4), arr(3, 5))
    with pytest.raises(RuntimeError, match="last dimension must match"):
        pynn.inner(pa, pb)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (4,)), ((2, 1, 3), (3, 2)), ((), (2, 2))])
def test_kron(sa, sb):
    (pa, pb), (ta, tb) = both(arr(*sa), arr(*sb, seed=1))
    close(pynn.kron(pa, pb), torch.kron(ta, tb))
    xa = pynn.tensor(arr(*sa, dtype="float64"), requires_grad=True)
    xb = pynn.tensor(arr(*sb, dtype="float64", seed=1), requires_grad=True)
    assert gradcheck(pynn.kron, [xa, xb])
    ia, ib = np.arange(4).reshape(2, 2), np.arange(3)
    assert pynn.kron(pynn.tensor(ia), pynn.tensor(ib)).tolist() == torch.kron(torch.tensor(ia), torch.tensor(ib)).tolist()
