"""float16 and bfloat16 as storage dtypes vs torch: casts bit for bit, promotion, the ops that compute on them
(in float32, rounded once, as torch's CPU kernels), autograd through them, numpy, pickling and checkpoints."""
import io
import pickle

import numpy as np
import pytest
import torch

import pynn

HALVES = ["float16", "bfloat16"]


def values(t):
    """A pynn or torch tensor's values as float32 numpy (exact for both 16-bit types)."""
    return t.detach().float().numpy()


def assert_same(p, t, rtol=0.0, atol=0.0):
    assert str(p.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (p.dtype, t.dtype)
    assert tuple(p.shape) == tuple(t.shape)
    np.testing.assert_allclose(values(p), values(t), rtol=rtol, atol=atol, equal_nan=True)


def tricky_float32():
    """Values around every rounding edge of both formats: ties, subnormals, overflow, inf, NaN, signed zero."""
    rng = np.random.default_rng(0)
    special = np.array([0.0, -0.0, 1.0, -1.0, 65504.0, 65519.0, 65520.0, 65536.0, 1e-8, 2.0 ** -24, 2.0 ** -25,
                        3 * 2.0 ** -26, 2.0 ** -14, 6.1e-5, 1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 1 + 2.0 ** -8,
                        1 + 3 * 2.0 ** -8, 3.4e38, -3.4e38, np.inf, -np.inf, np.nan, 1e-40, 1.17549435e-38],
                       dtype=np.float32)
    bits = rng.integers(0, 2 ** 32, size=4000, dtype=np.uint64).astype(np.uint32).view(np.float32)
    spread = (rng.standard_normal(2000) * 10.0 ** rng.integers(-9, 6, 2000)).astype(np.float32)
    return np.concatenate([special, -special, bits, spread])


@pytest.mark.parametrize("name", HALVES)
def test_float32_to_16_bits_rounds_as_torch_bit_for_bit(name):
    src = tricky_float32()
    p = pynn.from_numpy(src).to(getattr(pynn, name))
    t = torch.from_numpy(src).to(getattr(torch, name))
    assert p.dtype == getattr(pynn, name) and p.element_size() == 2
    got, want = values(p), values(t)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok].view(np.uint32), want[ok].view(np.uint32))  # -0.0 kept too
    # and back: 16 -> 32 bits is exact
    np.testing.assert_array_equal(values(p.to(pynn.float64).to(pynn.float32)), got)


@pytest.mark.parametrize("name", HALVES)
@pytest.mark.parametrize("other", ["float64", "int64", "int32", "bool"])
def test_casts_between_every_dtype(name, other):
    src = np.array([0.0, 1.5, -2.75, 100.25, 7.0, -0.0, 300.0, 1e5], dtype=np.float64)
    t_other = torch.from_numpy(src).to(getattr(torch, other))
    p_other = pynn.from_numpy(src).to(getattr(pynn, other))
    ph, th = p_other.to(getattr(pynn, name)), t_other.to(getattr(torch, name))
    assert_same(ph, th)
    if other in ("int64", "int32", "bool"):  # from the 16-bit values back to the other type (no inf for ints)
        finite = th.isfinite()
        np.testing.assert_array_equal(ph[pynn.tensor(finite.numpy())].to(getattr(pynn, other)).numpy(),
                                      th[finite].to(getattr(torch, other)).numpy())
    else:
        np.testing.assert_array_equal(ph.to(getattr(pynn, other)).numpy(), th.to(getattr(torch, other)).numpy())


def test_promotion_matches_torch():
    names = ["bool", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
    for a in names:
        for b in names:
            assert str(pynn.promote_types(getattr(pynn, a), getattr(pynn, b))).split(".")[-1] == \
                str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1], (a, b)
    cases = [  # (dimensioned operand, other operand): torch's three tiers
        (lambda m: m.ones(2, dtype=m.float16), lambda m: 2.5),
        (lambda m: m.ones(2, dtype=m.bfloat16), lambda m: m.tensor(2.5)),
        (lambda m: m.ones(2, dtype=m.int64), lambda m: m.tensor(2.5, dtype=m.float16)),
        (lambda m: m.ones(2, dtype=m.float16), lambda m: m.ones(2, dtype=m.bfloat16)),
        (lambda m: m.ones(2, dtype=m.float16), lambda m: m.ones(2, dtype=m.int32)),
        (lambda m: m.ones(2, dtype=m.bfloat16), lambda m: m.ones(2, dtype=m.float64)),
    ]
    for a, b in cases:
        assert_same(a(pynn) * b(pynn), a(torch) * b(torch))


def test_properties_and_constructors():
    assert pynn.half is pynn.float16 and pynn.float16.is_floating_point and pynn.bfloat16.itemsize == 2
    for name in HALVES:
        p_dt, t_dt = getattr(pynn, name), getattr(torch, name)
        assert_same(pynn.zeros(2, 3, dtype=p_dt), torch.zeros(2, 3, dtype=t_dt))
        assert_same(pynn.full((2,), 3.3, dtype=p_dt), torch.full((2,), 3.3, dtype=t_dt))
        assert_same(pynn.arange(5, dtype=p_dt), torch.arange(5, dtype=t_dt))
        assert_same(pynn.tensor([[1.1, 2e5], [-3.3, 1e-6]], dtype=p_dt), torch.tensor([[1.1, 2e5], [-3.3, 1e-6]], dtype=t_dt))
        x = pynn.tensor([1.1, 2.2], dtype=p_dt)
        assert x.is_floating_point() and pynn.is_floating_point(x)
        assert x[0].item() == torch.tensor([1.1, 2.2], dtype=t_dt)[0].item()
        assert x.tolist() == torch.tensor([1.1, 2.2], dtype=t_dt).tolist()
        assert_same(pynn.tensor(x), torch.tensor([1.1, 2.2], dtype=t_dt).detach().clone())  # a copy keeps the dtype
        assert_same(x.clone().contiguous(), torch.tensor([1.1, 2.2], dtype=t_dt))
        assert pynn.finfo(p_dt).eps == torch.finfo(t_dt).eps and pynn.finfo(p_dt).max == torch.finfo(t_dt).max
    assert repr(pynn.tensor([1.5, 2.0], dtype=pynn.half)) == "tensor([1.5000, 2.0000], dtype=pynn.float16)"
    assert pynn.ones(2).half().dtype == pynn.float16 and pynn.ones(2).bfloat16().dtype == pynn.bfloat16


@pytest.mark.parametrize("name", HALVES)
def test_views_indexing_and_joins_move_the_bits(name):
    src = np.arange(24, dtype=np.float32).reshape(4, 6) / 7
    p = pynn.from_numpy(src).to(getattr(pynn, name))
    t = torch.from_numpy(src).to(getattr(torch, name))
    assert_same(p.t().contiguous(), t.t().contiguous())
    assert_same(p[1:, ::2], t[1:, ::2])
    assert_same(p.reshape(3, 8)[2], t.reshape(3, 8)[2])
    assert_same(pynn.where(p > 1, p, pynn.zeros((), dtype=p.dtype)), torch.where(t > 1, t, torch.zeros((), dtype=t.dtype)))
    q = p.clone()
    q[0] = 5.0
    r = t.clone()
    r[0] = 5.0
    assert_same(q, r)


UNARY = ["neg", "abs", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor", "round", "reciprocal", "erf"]


@pytest.mark.parametrize("name", HALVES)
def test_elementwise_ops_compute_in_float32_and_round_once(name):
    rng = np.random.default_rng(1)
    a = (rng.standard_normal((5, 7)) * 3).astype(np.float32)
    b = (rng.standard_normal((7,)) * 3).astype(np.float32)
    pa, pb = pynn.from_numpy(a).to(getattr(pynn, name)), pynn.from_numpy(b).to(getattr(pynn, name))
    ta, tb = torch.from_numpy(a).to(getattr(torch, name)), torch.from_numpy(b).to(getattr(torch, name))
    for op in UNARY:
        assert_same(getattr(pynn, op)(pa.abs() if op in ("log", "sqrt") else pa),
                    getattr(torch, op)(ta.abs() if op in ("log", "sqrt") else ta))
    for op in ["add", "sub", "mul", "div", "maximum", "atan2"]:
        assert_same(getattr(pynn, op)(pa, pb), getattr(torch, op)(ta, tb))
    assert_same(pa ** 2, ta ** 2)
    assert_same(pa * 0.1 + 3, ta * 0.1 + 3)
    assert_same(pa.clamp(-1, 1), ta.clamp(-1, 1))
    for op in ["eq", "lt", "ge"]:
        np.testing.assert_array_equal(getattr(pynn, op)(pa, pb).numpy(), getattr(torch, op)(ta, tb).numpy())
    np.testing.assert_array_equal(pynn.isfinite(pa / 0).numpy(), torch.isfinite(ta / 0).numpy())
    qa, ra = pa.clone(), ta.clone()
    qa.mul_(pb).add_(1.5).exp_()
    ra.mul_(tb).add_(1.5).exp_()
    assert_same(qa, ra)
    # erf/exp-based activations: pynn's float32 kernels and torch's differ in the last float32 bit, which can
    # move the rounded result by one 16-bit step
    ulp = 2.0 ** -10 if name == "float16" else 2.0 ** -7
    assert_same(pynn.nn.functional.gelu(pa), torch.nn.functional.gelu(ta), rtol=ulp)
    assert_same(pynn.nn.functional.silu(pa), torch.nn.functional.silu(ta), rtol=ulp)


@pytest.mark.parametrize("name", HALVES)
def test_reductions_softmax_and_products(name):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((6, 40)).astype(np.float32)
    w = rng.standard_normal((40, 9)).astype(np.float32)
    pa, ta = pynn.from_numpy(a).to(getattr(pynn, name)), torch.from_numpy(a).to(getattr(torch, name))
    pw, tw = pynn.from_numpy(w).to(getattr(pynn, name)), torch.from_numpy(w).to(getattr(torch, name))
    tol = dict(rtol=1e-2, atol=1e-2)  # torch may sum in another order: the float32 sums round differently
    assert_same(pa.sum(), ta.sum(), **tol)
    assert_same(pa.sum(1), ta.sum(1), **tol)
    assert_same(pa.mean(0, keepdim=True), ta.mean(0, keepdim=True), **tol)
    assert_same(pa.var(1), ta.var(1), **tol)
    assert_same(pa.cumsum(1), ta.cumsum(1), **tol)
    assert_same(pa.logsumexp(1), ta.logsumexp(1), **tol)
    assert_same(pa.amax(1), ta.amax(1))  # the extremes are exact
    assert_same(pa.max(1).values, ta.max(1).values)
    np.testing.assert_array_equal(pa.argmax(1).numpy(), ta.argmax(1).numpy())
    assert_same(pa.norm(), ta.norm(), **tol)
    assert_same(pa.sum(dtype=pynn.float32), ta.sum(dtype=torch.float32), rtol=1e-5, atol=1e-5)
    assert_same(pynn.softmax(pa, 1), torch.softmax(ta, 1), **tol)
    assert_same(pynn.log_softmax(pa, 1), torch.log_softmax(ta, 1), **tol)
    assert_same(pa @ pw, ta @ tw, **tol)
    assert_same(pynn.mv(pa, pw[:, 0]), torch.mv(ta, tw[:, 0]), **tol)
    assert_same(pynn.dot(pa[0], pw[:, 0]), torch.dot(ta[0], tw[:, 0]), **tol)
    assert_same(pynn.bmm(pa.reshape(2, 3, 40), pw.expand(2, 40, 9)), torch.bmm(ta.reshape(2, 3, 40), tw.expand(2, 40, 9)), **tol)
    assert_same(pynn.addmm(pw[0], pa, pw), torch.addmm(tw[0], ta, tw), **tol)


@pytest.mark.parametrize("name", HALVES)
def test_linear_layer_in_16_bits_matches_torch(name):
    torch.manual_seed(0)
    ref = torch.nn.Sequential(torch.nn.Linear(12, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    model = pynn.nn.Sequential(pynn.nn.Linear(12, 16), pynn.nn.Tanh(), pynn.nn.Linear(16, 3))
    model.load_state_dict({k: pynn.from_numpy(v.numpy()) for k, v in ref.state_dict().items()})
    method = "half" if name == "float16" else "bfloat16"
    getattr(ref, method)()
    getattr(model, method)()
    assert all(p.dtype == getattr(pynn, name) for p in model.parameters())
    x = np.random.default_rng(3).standard_normal((4, 12)).astype(np.float32)
    with torch.no_grad():
        want = ref(torch.from_numpy(x).to(getattr(torch, name)))
    assert_same(model(pynn.from_numpy(x).to(getattr(pynn, name))), want, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("name", HALVES)
def test_autograd_flows_through_16_bit_tensors(name):
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 5)).astype(np.float32)
    results = []
    for m in (pynn, torch):
        x = m.tensor(a, requires_grad=True)
        h = x.to(getattr(m, name))
        w = h.detach().clone().requires_grad_(True)
        y = ((h * w).sigmoid().sum(1) + (h @ w.t()).mean()).sum()
        y.backward()
        assert w.grad.dtype == getattr(m, name) and x.grad.dtype == m.float32
        results.append((x.grad, w.grad, y))
    (pxg, pwg, py), (txg, twg, ty) = results
    np.testing.assert_allclose(pxg.numpy(), txg.numpy(), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(values(pwg), values(twg), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(values(py), values(ty), rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("name", HALVES)
def test_cast_backward_hands_the_gradient_back_in_the_source_dtype(name):
    # A cast's backward is the cast back (torch's ToCopyBackward0): exact, so it is compared with torch directly;
    # finite differences say nothing at 16-bit resolution (the ops' own backwards are gradchecked in float64).
    g = np.array([0.1, -2.5, 3e4, 1e-6], dtype=np.float64)
    grads = []
    for m in (pynn, torch):
        x = m.tensor(np.ones(4), dtype=m.float64, requires_grad=True)
        y = x.to(getattr(m, name))
        assert y.grad_fn is not None and y.requires_grad
        y.backward(m.tensor(g).to(getattr(m, name)))
        assert x.grad.dtype == m.float64
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_numpy_exchange():
    arr = np.array([1.5, -2.0, 65504.0], dtype=np.float16)
    p = pynn.from_numpy(arr)
    assert p.dtype == pynn.float16
    arr[0] = 7.0  # shared memory, as torch
    assert p[0].item() == 7.0
    assert p.numpy().dtype == np.float16 and np.shares_memory(p.numpy(), arr)
    assert pynn.tensor(arr).dtype == pynn.float16 and pynn.as_tensor(arr).dtype == pynn.float16
    b = pynn.ones(2, dtype=pynn.bfloat16)
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        b.numpy()
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        torch.ones(2, dtype=torch.bfloat16).numpy()
    assert b.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("name", HALVES)
def test_pickle_and_save_load_round_trip(name, tmp_path):
    src = tricky_float32()[:300]
    x = pynn.from_numpy(src).to(getattr(pynn, name))
    for back in (pickle.loads(pickle.dumps(x)), _saved_and_loaded(x, tmp_path)):
        assert back.dtype == x.dtype
        np.testing.assert_array_equal(values(back).view(np.uint32)[~np.isnan(values(x))],
                                      values(x).view(np.uint32)[~np.isnan(values(x))])
    # a torch checkpoint holding this dtype loads as it is
    buf = io.BytesIO()
    torch.save({"w": torch.from_numpy(src).to(getattr(torch, name))}, buf)
    buf.seek(0)
    w = pynn.load(buf)["w"]
    assert w.dtype == x.dtype
    np.testing.assert_array_equal(np.isnan(values(w)), np.isnan(values(x)))


def _saved_and_loaded(x, tmp_path):
    path = tmp_path / "x.pt"
    pynn.save({"x": x}, path)
    return pynn.load(path)["x"]


def test_errors_are_torchs():
    h = pynn.zeros(2, dtype=pynn.half)
    with pytest.raises(RuntimeError, match="value cannot be converted to type c10::Half without overflow"):
        h.fill_(1e5)
    with pytest.raises(RuntimeError, match="value cannot be converted to type c10::Half without overflow"):
        torch.zeros(2, dtype=torch.half).fill_(1e5)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: c10::Half != float"):
        pynn.mm(pynn.ones(2, 2, dtype=pynn.half), pynn.ones(2, 2))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: c10::Half != float"):
        torch.mm(torch.ones(2, 2, dtype=torch.half), torch.ones(2, 2))
    for m in (pynn, torch):  # a float16 result does not fit an int64 tensor in place
        with pytest.raises(RuntimeError, match="result type Half can't be cast to the desired output type Long"):
            m.ones(2, dtype=m.int64).add_(m.zeros(2, dtype=m.half))
    # an op with no 16-bit path says so rather than computing garbage (torch refuses this one too)
    with pytest.raises(TypeError, match="float16"):
        pynn.linalg.inv(pynn.eye(3, dtype=pynn.half))
    with pytest.raises(RuntimeError, match="Half"):
        torch.linalg.inv(torch.eye(3, dtype=torch.half))


@pytest.mark.parametrize("name", HALVES)
def test_the_layers_of_a_small_transformer_block_run_in_16_bits(name):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    idx = rng.integers(0, 11, (2, 5))
    table = rng.standard_normal((11, 8)).astype(np.float32)
    target = rng.integers(0, 8, (10,))
    tol = dict(rtol=2e-2, atol=2e-2)
    outs = []
    for m in (pynn, torch):
        dt = getattr(m, name)
        F = m.nn.functional
        h = m.tensor(x).to(dt)
        w, b = m.ones(8, dtype=dt) * 1.5, m.zeros(8, dtype=dt) + 0.25
        emb = F.embedding(m.tensor(idx), m.tensor(table).to(dt))
        normed = F.layer_norm(h + emb, (8,), w, b)
        mask = m.ones(5, 5, dtype=m.bool).triu(1)
        scores = (normed @ normed.transpose(1, 2)).masked_fill(mask, float("-inf")).softmax(-1)
        loss = F.cross_entropy(normed.reshape(10, 8), m.tensor(target))
        outs.append((emb, normed, scores, loss, m.eye(3, dtype=dt), m.linspace(0, 1, 7, dtype=dt)))
    for p, t in zip(*outs):
        assert_same(p, t, **tol)
    r = pynn.randn(1000, dtype=getattr(pynn, name))
    assert r.dtype == getattr(pynn, name) and abs(r.float().mean().item()) < 0.15 and 0.8 < r.float().std().item() < 1.2
    d = pynn.nn.functional.dropout(pynn.ones(1000, dtype=getattr(pynn, name)), 0.5)
    assert d.dtype == getattr(pynn, name) and set(d.float().unique().tolist()) <= {0.0, 2.0}


# Names whose one- or two-tensor call is not an op on values (context managers, seeding, I/O, allocation).
_NOT_VALUE_OPS = {"manual_seed", "set_num_threads", "seed", "load", "save", "compile", "set_default_dtype", "empty",
                  "empty_like", "empty_strided", "set_printoptions", "use_deterministic_algorithms",
                  "set_grad_enabled", "set_default_device", "initial_seed", "get_rng_state", "set_rng_state",
                  "no_grad", "enable_grad", "inference_mode"}
_RANDOM = {"rand_like", "randn_like", "bernoulli", "poisson", "multinomial", "normal", "rand", "randn",
           "randint_like", "dropout", "alpha_dropout", "feature_alpha_dropout", "rrelu"}


@pytest.mark.filterwarnings("ignore")  # torch's deprecation notes for some of the calls
@pytest.mark.parametrize("name", HALVES)
def test_every_op_torch_runs_on_16_bit_tensors_runs_alike(name):
    """Each pynn name that torch also has, called as torch accepts it with one or two 16-bit tensors: where torch
    computes, pynn computes the same (to 16-bit resolution); no op silently reads the 2-byte elements as another type."""
    rng = np.random.default_rng(6)
    a = rng.standard_normal((4, 6)).astype(np.float32)
    b = rng.standard_normal((4, 6)).astype(np.float32)
    names = sorted(n for n in dir(pynn) if not n.startswith("_") and not n[0].isupper() and hasattr(torch, n)
                   and callable(getattr(pynn, n)) and n not in _NOT_VALUE_OPS)
    checked, failures = 0, []
    for op in names:
        for operands in ([a], [a, b]):
            try:
                want = getattr(torch, op)(*[torch.from_numpy(x).to(getattr(torch, name)) for x in operands])
            except Exception:  # noqa: BLE001 - not this arity or not for this dtype in torch either
                continue
            try:
                got = getattr(pynn, op)(*[pynn.from_numpy(x).to(getattr(pynn, name)) for x in operands])
            except Exception as e:  # noqa: BLE001
                failures.append(f"{op}: {type(e).__name__}: {e}")
                break
            for g, w in zip(got if isinstance(got, (tuple, list)) else [got], want if isinstance(want, (tuple, list)) else [want]):
                if not isinstance(w, torch.Tensor):
                    continue
                try:
                    if op in _RANDOM:
                        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1] and tuple(g.shape) == tuple(w.shape)
                    else:
                        assert_same(g, w, rtol=2e-2, atol=2e-2)
                except AssertionError as e:
                    failures.append(f"{op}: {str(e)[:200]}")
            checked += 1
            break
    assert checked > 150 and not failures, failures


@pytest.mark.parametrize("name", HALVES)
def test_sorting_searching_and_accumulating_writes(name):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 9)).astype(np.float32)
    a[0, :3] = a[0, 3:6]  # ties: the stable order must match
    outs = []
    for m in (pynn, torch):
        dt = getattr(m, name)
        x = m.tensor(a).to(dt)
        srt = x.sort(dim=1, stable=True)
        seq = x[0].sort().values
        acc = m.zeros(5, dtype=dt).index_put_((m.tensor([0, 2, 2, 4]),), m.tensor([1.5, 2.0, 3.25, -1.0]).to(dt), accumulate=True)
        sc = m.zeros(3, 4, dtype=dt).scatter_add(1, m.tensor([[0, 1, 1, 3]] * 3), x[:, :4])
        outs.append((srt.values, srt.indices, x.argsort(dim=1, descending=True, stable=True), x.topk(3, 1).values,
                     m.searchsorted(seq, x[1:]), x.cummax(1).values, x.cummax(1).indices, x.logcumsumexp(1),
                     x.median(1).values, m.nan_to_num(m.tensor([float("nan"), float("inf"), -float("inf")]).to(dt)),
                     m.histc(x, bins=4, min=-2, max=2), acc, sc))
    for p, t in zip(*outs):
        assert_same(p, t, rtol=1e-2, atol=1e-2) if p.is_floating_point() else np.testing.assert_array_equal(p.numpy(), t.numpy())


# torch.nn.functional calls with their operand shapes and extra arguments: each computes on 16-bit tensors.
_LAYER_CALLS = {
    "conv1d": ([(2, 3, 8), (4, 3, 3), (4,)], ()), "conv2d": ([(2, 3, 8, 8), (4, 3, 3, 3), (4,)], ()),
    "conv3d": ([(1, 2, 4, 4, 4), (3, 2, 2, 2, 2)], ()), "conv_transpose2d": ([(2, 3, 6, 6), (3, 4, 3, 3)], ()),
    "max_pool2d": ([(2, 3, 8, 8)], (2,)), "avg_pool2d": ([(2, 3, 8, 8)], (2,)),
    "adaptive_avg_pool2d": ([(2, 3, 8, 8)], (3,)), "adaptive_max_pool2d": ([(2, 3, 8, 8)], (3,)),
    "max_pool1d": ([(2, 3, 8)], (2,)), "lp_pool2d": ([(2, 3, 8, 8)], (2, 2)),
    "group_norm": ([(4, 6, 5)], (2,)), "instance_norm": ([(4, 3, 5)], ()), "local_response_norm": ([(2, 4, 5)], (2,)),
    "unfold": ([(1, 2, 5, 5)], (2,)), "fold": ([(1, 8, 9)], ((4, 4), (2, 2))), "pixel_shuffle": ([(1, 4, 3, 3)], (2,)),
    "scaled_dot_product_attention": ([(2, 2, 4, 8), (2, 2, 4, 8), (2, 2, 4, 8)], ()),
    "binary_cross_entropy_with_logits": ([(3, 5), (3, 5)], ()), "prelu": ([(3, 5), (1,)], ()),
    "mse_loss": ([(3, 5), (3, 5)], ()), "smooth_l1_loss": ([(3, 5), (3, 5)], ()), "glu": ([(3, 6)], (-1,)),
    "cosine_similarity": ([(3, 5), (3, 5)], ()), "normalize": ([(3, 5)], ()), "mish": ([(3, 5)], ()),
    "hardswish": ([(3, 5)], ()), "logsigmoid": ([(3, 5)], ()), "elu": ([(3, 5)], ()),
}


@pytest.mark.parametrize("name", HALVES)
def test_layer_functions_compute_on_16_bit_tensors(name):
    rng = np.random.default_rng(8)
    for fn, (shapes, extra) in _LAYER_CALLS.items():
        arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        got, want = [getattr(m.nn.functional, fn)(*[m.tensor(a).to(getattr(m, name)) for a in arrays], *extra)
                     for m in (pynn, torch)]
        got, want = (got[0], want[0]) if isinstance(want, tuple) else (got, want)
        assert_same(got, want, rtol=3e-2, atol=3e-2)
    for m in (pynn, torch):  # interpolate takes its arguments by keyword
        outs = [m.nn.functional.interpolate(m.tensor(np.arange(16.0).reshape(1, 1, 4, 4)).to(getattr(m, name)),
                                            scale_factor=2, mode="bilinear")]
        if m is pynn:
            got = outs[0]
        else:
            assert_same(got, outs[0], rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("name", HALVES)
def test_a_16_bit_cnn_trains_like_torchs(name):
    """Conv, batch norm (its 16-bit running statistics included), pooling, Linear, cross-entropy and Adam/SGD steps
    on a model converted with .half() / .bfloat16(), step by step against torch."""
    method = "half" if name == "float16" else "bfloat16"

    def build(m):
        return m.nn.Sequential(m.nn.Conv2d(2, 4, 3, padding=1), m.nn.BatchNorm2d(4), m.nn.ReLU(), m.nn.MaxPool2d(2),
                               m.nn.Flatten(), m.nn.Linear(4 * 3 * 3, 5))

    torch.manual_seed(1)
    ref = build(torch)
    model = build(pynn)
    model.load_state_dict({k: pynn.from_numpy(v.numpy()) for k, v in ref.state_dict().items()})
    getattr(ref, method)()
    getattr(model, method)()
    rng = np.random.default_rng(9)
    x = rng.standard_normal((8, 2, 6, 6)).astype(np.float32)
    y = rng.integers(0, 5, 8)
    # Adam's default eps=1e-8 is 0 in float16, and torch's 16-bit step then divides by zero; pynn's steps run in
    # float32, so the comparison uses an eps both represent.
    for make in (lambda m, ps: m.optim.Adam(ps, lr=1e-2, eps=1e-3), lambda m, ps: m.optim.SGD(ps, lr=0.1, momentum=0.9)):
        opt_t, opt_p = make(torch, ref.parameters()), make(pynn, model.parameters())
        for _ in range(2):
            losses = []
            for m, net, opt in ((torch, ref, opt_t), (pynn, model, opt_p)):
                opt.zero_grad()
                loss = m.nn.functional.cross_entropy(net(m.tensor(x).to(getattr(m, name))), m.tensor(y))
                loss.backward()
                opt.step()
                losses.append(loss)
            assert_same(losses[1], losses[0], rtol=3e-2, atol=3e-2)
    for k, v in ref.state_dict().items():
        got = model.state_dict()[k]
        if v.is_floating_point():
            assert_same(got, v, rtol=5e-2, atol=5e-2)
        else:
            assert got.item() == v.item()  # num_batches_tracked
