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


# ---- out= on the C++-bound functions (a second pybind overload per name; ops' write_out) ----

P = np.abs(np.random.default_rng(2).standard_normal((3, 4))) + 0.5
Q = np.random.default_rng(3).standard_normal((3, 4))
M = np.random.default_rng(4).standard_normal((4, 5))
BATCH = np.random.default_rng(5).standard_normal((2, 3, 4))
BATCH2 = np.random.default_rng(6).standard_normal((2, 4, 5))

BOUND_CASES = [
    # unary table (one overload covers every entry: a sample of them)
    ("exp", lambda L, p, q, **k: L.exp(q, **k)),
    ("sigmoid", lambda L, p, q, **k: L.sigmoid(q, **k)),
    ("sqrt", lambda L, p, q, **k: L.sqrt(p, **k)),
    ("neg", lambda L, p, q, **k: L.neg(q, **k)),
    ("floor", lambda L, p, q, **k: L.floor(q, **k)),
    # binary table, add/sub with alpha, div with rounding_mode
    ("mul", lambda L, p, q, **k: L.mul(p, q, **k)),
    ("maximum", lambda L, p, q, **k: L.maximum(p, q, **k)),
    ("pow scalar", lambda L, p, q, **k: L.pow(p, 2.5, **k)),
    ("atan2", lambda L, p, q, **k: L.atan2(q, p, **k)),
    ("add alpha", lambda L, p, q, **k: L.add(p, q, alpha=2, **k)),
    ("sub", lambda L, p, q, **k: L.sub(p, q, **k)),
    ("div floor", lambda L, p, q, **k: L.div(q, p, rounding_mode="floor", **k)),
    ("div", lambda L, p, q, **k: L.div(q, p, **k)),
    ("clamp", lambda L, p, q, **k: L.clamp(q, -0.5, 0.5, **k)),
    ("where", lambda L, p, q, **k: L.where(q > 0, p, q, **k)),
    # products
    ("mm", lambda L, p, q, **k: L.mm(q, L.tensor(M), **k)),
    ("matmul", lambda L, p, q, **k: L.matmul(q, L.tensor(M), **k)),
    ("bmm", lambda L, p, q, **k: L.bmm(L.tensor(BATCH), L.tensor(BATCH2), **k)),
    ("addmm", lambda L, p, q, **k: L.addmm(L.ones(3, 5, dtype=L.float64), q, L.tensor(M), beta=0.5, alpha=2, **k)),
    ("baddbmm", lambda L, p, q, **k: L.baddbmm(L.ones(2, 3, 5, dtype=L.float64), L.tensor(BATCH), L.tensor(BATCH2),
                                               **k)),
    ("mv", lambda L, p, q, **k: L.mv(q, L.tensor(M[:, 0]), **k)),
    ("dot", lambda L, p, q, **k: L.dot(q[0], p[0], **k)),
    # reductions and scans
    ("sum dim", lambda L, p, q, **k: L.sum(q, 1, keepdim=True, **k)),
    ("mean dim", lambda L, p, q, **k: L.mean(q, dim=(0, 1), **k)),
    ("prod dim", lambda L, p, q, **k: L.prod(p, 0, **k)),
    ("amax", lambda L, p, q, **k: L.amax(q, 1, **k)),
    ("amin", lambda L, p, q, **k: L.amin(q, (0, 1), **k)),
    ("logsumexp", lambda L, p, q, **k: L.logsumexp(q, 1, **k)),
    ("cumsum", lambda L, p, q, **k: L.cumsum(q, 1, **k)),
    ("cumprod", lambda L, p, q, **k: L.cumprod(p, 0, **k)),
    # joins
    ("cat", lambda L, p, q, **k: L.cat([p, q], 1, **k)),
    ("concat", lambda L, p, q, **k: L.concat([p, q], dim=0, **k)),
    ("stack", lambda L, p, q, **k: L.stack([p, q], 1, **k)),
]


@pytest.mark.parametrize("name, fn", BOUND_CASES, ids=[c[0] for c in BOUND_CASES])
def test_out_on_bound_functions(name, fn):
    got = {}
    for L in (pynn, torch):
        p, q = L.tensor(P), L.tensor(Q)
        expected = fn(L, p, q)
        out = L.empty(tuple(expected.shape), dtype=L.float64)
        assert fn(L, p, q, out=out) is out
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        assert fn(L, p, q, out=None).shape == expected.shape  # out=None computes as usual
        got[L.__name__] = out.numpy().copy()
    np.testing.assert_allclose(got["pynn"], got["torch"], rtol=1e-12, atol=1e-12)


def test_out_on_bound_functions_casts_and_aliases_as_torch():
    for L in (pynn, torch):
        i = L.tensor([1, 2, 3])
        f32 = L.empty(3)
        L.add(i, i, out=f32)  # an int64 result into a float32 out: cast
        assert f32.dtype == L.float32 and f32.tolist() == [2.0, 4.0, 6.0]
        d = L.tensor([1.0, 2.0], dtype=L.float64)
        h = L.empty(2)
        L.mul(d, 1.0 / 3.0, out=h)  # float64 into float32: rounded once
        assert h.tolist() == L.tensor([1.0 / 3.0, 2.0 / 3.0]).tolist()
        x = L.tensor(Q)
        L.exp(x, out=x)  # out aliasing the input
        np.testing.assert_allclose(x.numpy(), np.exp(Q), rtol=1e-15)
        a = L.tensor(P)
        L.cat([a[:1], a[1:]], out=L.empty(3, 4, dtype=L.float64))
        idx = L.empty(3, dtype=L.int64)
        assert L.argmax(a, 1, out=idx) is idx and idx.tolist() == np.argmax(P, 1).tolist()
        flags = L.empty(4, dtype=L.bool)
        assert L.any(a > 1.5, 0, out=flags) is flags and flags.tolist() == (P > 1.5).any(0).tolist()
        assert L.all(a > 0.5, 1, out=L.empty(3, dtype=L.bool)).tolist() == (P > 0.5).all(1).tolist()


def test_out_errors_on_bound_functions_like_torch():
    for L in (pynn, torch):
        q = L.tensor(Q)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            L.exp(q, out=L.empty(3, 4, dtype=L.int64))
        wrong = L.empty(2, dtype=L.int64)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            L.exp(q, out=wrong)
        assert wrong.shape == (2,)  # refused before any resize
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Bool"):
            L.add(L.tensor([1]), 1, out=L.empty(1, dtype=L.bool))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.mul(L.tensor(Q, requires_grad=True), q, out=L.empty(3, 4, dtype=L.float64))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            L.cat([q, L.tensor(Q, requires_grad=True)], out=L.empty(6, 4, dtype=L.float64))
        with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
            L.exp(q, out=3)


@pytest.mark.parametrize("make_out", ["empty", "other shape", "same numel"])
def test_out_of_another_shape_is_resized_as_torch(make_out):
    import warnings

    for L in (pynn, torch):
        q, m, v = L.tensor(Q), L.tensor(M), L.tensor(V)
        shape = {"empty": (0,), "other shape": (2, 2), "same numel": (5, 3)}[make_out]
        for call in (lambda o: L.exp(q, out=o), lambda o: L.mm(q, m, out=o), lambda o: L.cat([q, q], out=o),
                     lambda o: L.addcmul(v, v, v, out=o)):  # the last is written in Python (pynn/_out.py)
            out = L.empty(shape, dtype=L.float64)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                r = call(out)
            assert r is out
            expected = call(None)
            assert out.shape == expected.shape and out.is_contiguous()
            np.testing.assert_array_equal(out.numpy(), expected.numpy())
            resized = [x for x in w if "was resized" in str(x.message)]
            assert len(resized) == (0 if make_out == "empty" else 1), (L.__name__, make_out, [str(x.message) for x in w])


def test_resize_as_torch():
    for L in (pynn, torch):
        x = L.arange(6.0)
        view = x[2:]
        assert x.resize_(2, 5) is x and x.shape == (2, 5) and x.stride() == (5, 1)
        assert x.flatten()[:6].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # the old elements stay in front
        assert view.tolist() == [2.0, 3.0, 4.0, 5.0]  # a view of the grown storage still reads its elements
        x[1, 4] = 7.0
        assert x.resize_((3,)).tolist() == [0.0, 1.0, 2.0]  # shrinking keeps the storage
        assert x.resize_(10)[9].item() == 7.0
        y = L.zeros(2, 3, 4, 5).resize_(2, 3, 4, 6, memory_format=L.channels_last)
        assert y.stride() == (72, 1, 18, 3) and y.is_contiguous(memory_format=L.channels_last)
        assert L.zeros(2, 3).resize_as_(L.zeros(4, 1)).shape == (4, 1)
        assert L.zeros(2).resize_([]).shape == ()
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            L.zeros(2, requires_grad=True).resize_(3)
        with pytest.raises(RuntimeError, match="Unsupported memory format"):
            L.zeros(2).resize_(3, memory_format=L.preserve_format)
        with pytest.raises(RuntimeError, match="not resizable"):
            L.from_numpy(np.zeros(2, dtype=np.float32)).resize_(10)
        with pytest.raises(RuntimeError):
            L.zeros(2).resize_(-1)


TUPLE_CASES = [
    ("max dim", lambda L, x, **k: L.max(x, 1, **k)),
    ("min dim keepdim", lambda L, x, **k: L.min(x, 0, keepdim=True, **k)),
    ("sort", lambda L, x, **k: L.sort(x, 1, descending=True, **k)),
    ("topk", lambda L, x, **k: L.topk(x, 2, **k)),
    ("cummax", lambda L, x, **k: L.cummax(x, 1, **k)),
    ("cummin", lambda L, x, **k: L.cummin(x, 0, **k)),
    ("median dim", lambda L, x, **k: L.median(x, 1, **k)),
    ("kthvalue", lambda L, x, **k: L.kthvalue(x, 2, 0, **k)),
]
SINGLE_CASES = [
    ("max all", lambda L, x, **k: L.max(x, **k)),
    ("max other", lambda L, x, **k: L.max(x, other=-x, **k)),
    ("std", lambda L, x, **k: L.std(x, 1, **k)),
    ("var correction", lambda L, x, **k: L.var(x, 0, correction=0, **k)),
    ("norm", lambda L, x, **k: L.norm(x, 1, **k)),
    ("norm dim", lambda L, x, **k: L.norm(x, 2, 1, **k)),
    ("nonzero", lambda L, x, **k: L.nonzero(x > 0, **k)),
    ("frac", lambda L, x, **k: L.frac(x * 3, **k)),
    ("softmax", lambda L, x, **k: L.softmax(x, 1, **k)),
    ("log_softmax", lambda L, x, **k: L.log_softmax(x, 0, **k)),
    ("quantile", lambda L, x, **k: L.quantile(x, 0.3, 1, **k)),
]


@pytest.mark.parametrize("name, fn", TUPLE_CASES, ids=[c[0] for c in TUPLE_CASES])
def test_out_tuple_on_bound_and_python_functions(name, fn):
    got = {}
    for L in (pynn, torch):
        x = L.tensor(Q)
        expected = fn(L, x)
        outs = tuple(L.empty(tuple(e.shape), dtype=e.dtype) for e in expected)
        r = fn(L, x, out=outs)
        assert len(r) == 2 and all(a is b for a, b in zip(r, outs))  # torch names the type max_out
        assert r.values is outs[0] and r.indices is outs[1]
        for o, e in zip(outs, expected):
            np.testing.assert_array_equal(o.numpy(), e.numpy())
        got[L.__name__] = [o.numpy().copy() for o in outs]
    for p, t in zip(got["pynn"], got["torch"]):
        np.testing.assert_allclose(p, t, rtol=1e-12)
    with pytest.raises(TypeError, match="tuple of 2 Tensors"):
        fn(pynn, pynn.tensor(Q), out=(pynn.empty(1, dtype=pynn.float64),))


@pytest.mark.parametrize("name, fn", SINGLE_CASES, ids=[c[0] for c in SINGLE_CASES])
def test_out_on_object_results(name, fn):
    got = {}
    for L in (pynn, torch):
        x = L.tensor(Q)
        expected = fn(L, x)
        out = L.empty(tuple(expected.shape), dtype=expected.dtype)
        assert fn(L, x, out=out) is out
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
        got[L.__name__] = out.numpy().copy()
    np.testing.assert_allclose(got["pynn"], got["torch"], rtol=1e-12, atol=1e-15)
