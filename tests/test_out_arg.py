"""out= on the functions written in Python: the result lands in out (torch's checks), and new_* follow self."""
import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).standard_normal((3, 3)) + 3 * np.eye(3)
V = np.random.default_rng(1).standard_normal(3)

CASES = [
    ("addcmul", lambda L, a, v, **k: L.addcmul(v, v, v, value=2, **k)),
    ("addcdiv", lambda L, a, v, **k: L.addcdiv(v, v, v + 10, value=0.5, **k)),
    ("lerp", lambda L, a, v, **k: L.lerp(v, v * 2, 0.3, **k)),
    ("addmv", lambda L, a, v, **k: L.addmv(v, a, v, beta=0.5, alpha=2, **k)),
    ("addr", lambda L, a, v, **k: L.addr(a, v, v, **k)),
    ("nan_to_num", lambda L, a, v, **k: L.nan_to_num(v, **k)),
    ("fmax", lambda L, a, v, **k: L.fmax(v, -v, **k)),
    ("fmin", lambda L, a, v, **k: L.fmin(v, -v, **k)),
    ("linalg.inv", lambda L, a, v, **k: L.linalg.inv(a, **k)),
    ("linalg.solve", lambda L, a, v, **k: L.linalg.solve(a, v, **k)),
    ("linalg.det", lambda L, a, v, **k: L.linalg.det(a, **k)),
    ("linalg.cholesky", lambda L, a, v, **k: L.linalg.cholesky(a @ a.mT, **k)),
    ("linalg.matmul", lambda L, a, v, **k: L.linalg.matmul(a, a, **k)),
    ("linalg.vector_norm", lambda L, a, v, **k: L.linalg.vector_norm(a, 3, dim=1, **k)),
    ("linalg.matrix_norm", lambda L, a, v, **k: L.linalg.matrix_norm(a, **k)),
    ("linalg.norm", lambda L, a, v, **k: L.linalg.norm(a, **k)),
    ("linalg.svdvals", lambda L, a, v, **k: L.linalg.svdvals(a, **k)),
    ("F.normalize", lambda L, a, v, **k: L.nn.functional.normalize(a, **k)),
]


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
def test_out_receives_the_result(name, fn):
    results = []
    for L in (pynn, torch):
        a, v = L.tensor(A), L.tensor(V)
        expected = fn(L, a, v)
        out = L.empty(tuple(expected.shape), dtype=L.float64)
        assert fn(L, a, v, out=out) is out
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
        results.append(out.numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)


def test_out_tuple_results():
    for L in (pynn, torch):
        a = L.tensor(A)
        sign, logabs = L.empty((), dtype=L.float64), L.empty((), dtype=L.float64)
        r = L.linalg.slogdet(a, out=(sign, logabs))
        assert r[0] is sign and r[1] is logabs
        np.testing.assert_allclose(logabs.item(), np.linalg.slogdet(A)[1])


def test_out_errors_like_torch():
    v = pynn.tensor(V)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        pynn.addcmul(v, v, v, out=pynn.empty(3, dtype=pynn.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        pynn.addcmul(pynn.tensor(V, requires_grad=True), v, v, out=pynn.empty(3, dtype=pynn.float64))
    with pytest.raises(RuntimeError, match="does not resize"):
        pynn.addcmul(v, v, v, out=pynn.empty(4, dtype=pynn.float64))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        pynn.addcmul(v, v, v, out=[1, 2, 3])
    # torch raises the same two
    tv = torch.tensor(V)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        torch.addcmul(tv, tv, tv, out=torch.empty(3, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        torch.addcmul(torch.tensor(V, requires_grad=True), tv, tv, out=torch.empty(3, dtype=torch.float64))


@pytest.mark.parametrize("method, args", [("new_zeros", (2, 3)), ("new_ones", ((2,),)), ("new_empty", (4,)),
                                          ("new_full", ((2,), 7.0)), ("new_tensor", ([1, 2],))])
def test_new_factories_follow_self_and_take_requires_grad(method, args):
    for L in (pynn, torch):
        x = L.ones(2, dtype=L.float64)
        y = getattr(x, method)(*args, requires_grad=True)
        assert y.requires_grad and y.dtype == L.float64 and y.device == x.device
        z = getattr(x, method)(*args, dtype=L.float32)
        assert z.dtype == L.float32 and not z.requires_grad
    p = getattr(pynn.ones(1), method)(*args).numpy()
    t = getattr(torch.ones(1), method)(*args).numpy()
    assert p.shape == t.shape
    if method != "new_empty":
        np.testing.assert_array_equal(p, t)


def test_numel_and_is_floating_point_take_input_keyword():
    for L in (pynn, torch):
        assert L.numel(input=L.ones(2, 3)) == 6
        assert L.is_floating_point(input=L.ones(1))


def test_module_level_clone_records_autograd():
    for L in (pynn, torch):
        x = L.tensor(V, requires_grad=True)
        y = L.clone(x)
        assert y.data_ptr() != x.data_ptr()
        (y * 2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones(3))
