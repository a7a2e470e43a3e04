"""F.scaled_dot_product_attention against torch and against a plain numpy reference kernel: forward and all
gradients over a sampled grid of batch, heads, lengths (1, block boundaries, lengths not a multiple of the
kernel's blocks), head dims and mask kinds (bool, float, broadcast, causal, both, GQA); fully masked rows as
torch's CPU kernel (0), large logits, dropout checked against the reference with the regenerated mask;
float32 and float64 gradcheck, gradgradcheck through the create_graph path; a mask that requires grad; torch's
errors."""
import numpy as np
import pytest

import pynn
import pynn.nn.functional as PF
from pynn.autograd import gradcheck

from conftest import assert_close
from test_nn_kernels import gradgradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def arr(*shape, dtype="float32", seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def tol(dtype):
    return dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-11)


def reference(q, k, v, mask=None, causal=False, scale=None, z=None, grad=None):
    """Plain float64 attention (the math definition) and, given grad, its gradients: the fused kernels' oracle.
    q (..., L, E), k/v (..., S, E) broadcast over the leading dims (GQA: k, v already repeated); mask additive
    or bool (True = attend); z: dropout multipliers of the (..., L, S) probabilities."""
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    L, S = s.shape[-2:]
    if mask is not None:
        s = s + (np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask.astype(np.float64))
    if causal:
        s = s + np.triu(np.full((L, S), -np.inf), 1)
    valid = np.isfinite(s.max(-1, keepdims=True))
    e = np.exp(np.where(valid, s - np.where(valid, s.max(-1, keepdims=True), 0), -np.inf))
    p = np.where(valid, e / np.where(valid, e.sum(-1, keepdims=True), 1), 0.0)
    pd = p if z is None else p * z
    out = pd @ v
    if grad is None:
        return out
    g = grad.astype(np.float64)
    dv = np.swapaxes(pd, -1, -2) @ g
    dp = g @ np.swapaxes(v, -1, -2)
    if z is not None:
        dp = dp * z
    ds = p * (dp - (p * dp).sum(-1, keepdims=True)) * scale
    return out, ds @ k, np.swapaxes(ds, -1, -2) @ q, dv


def run_both(q, k, v, mask=None, grad=None, **kw):
    """(pynn out, grads) and (torch out, grads) of the same call."""
    res = []
    for lib, F in ((pynn, PF), (torch, TF)):
        ts = [lib.tensor(x, requires_grad=True) for x in (q, k, v)]
        m = None if mask is None else lib.tensor(mask)
        out = F.scaled_dot_product_attention(*ts, attn_mask=m, **kw)
        g = grad if grad is not None else arr(*tuple(out.shape), dtype=q.dtype.name, seed=9)
        (out * lib.tensor(g)).sum().backward()
        res.append((out, [t.grad for t in ts]))
    return res


def check_vs_torch(q, k, v, mask=None, **kw):
    (po, pg), (to, tg) = run_both(q, k, v, mask, **kw)
    t = tol(q.dtype.name)
    assert_close(po, to.detach(), **t)
    for a, b in zip(pg, tg):
        assert_close(a, b, **t)


# Sampled grid: (B, H, L, S, E, Ev); the kernels block 128 query rows by 256 keys (causal: 64 x 256 forward,
# 64 x 128 backward).
SHAPES = [
    (1, 1, 1, 1, 4, 4),
    (2, 3, 5, 7, 8, 8),
    (1, 2, 1, 9, 16, 3),
    (2, 1, 9, 1, 5, 6),
    (1, 2, 64, 64, 8, 8),
    (1, 1, 65, 257, 4, 12),
    (2, 2, 130, 129, 32, 16),
    (1, 1, 300, 70, 64, 64),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("causal", [False, True])
def test_sdpa_vs_torch(shape, causal):
    B, H, L, S, E, Ev = shape
    check_vs_torch(arr(B, H, L, E, seed=1), arr(B, H, S, E, seed=2), arr(B, H, S, Ev, seed=3), is_causal=causal)


@pytest.mark.parametrize("kind", ["bool", "float", "bool_bcast_batch", "float_per_head", "bool_rows_masked"])
@pytest.mark.parametrize("shape", [(2, 3, 5, 7, 8, 8), (1, 2, 70, 140, 16, 8)])
def test_sdpa_masks(kind, shape):
    B, H, L, S, E, Ev = shape
    rng = np.random.default_rng(4)
    mask = {
        "bool": lambda: rng.random((L, S)) > 0.3,
        "float": lambda: arr(L, S, seed=5),
        "bool_bcast_batch": lambda: rng.random((B, 1, L, S)) > 0.5,
        "float_per_head": lambda: arr(H, L, S, seed=6),
        "bool_rows_masked": lambda: np.where(np.arange(L)[:, None] % 3 == 0, False, rng.random((L, S)) > 0.2),
    }[kind]()
    check_vs_torch(arr(B, H, L, E, seed=1), arr(B, H, S, E, seed=2), arr(B, H, S, Ev, seed=3), mask)


def test_sdpa_mask_and_causal_combine():
    """torch's CPU kernel applies both an explicit mask and is_causal."""
    check_vs_torch(arr(2, 2, 9, 8), arr(2, 2, 11, 8, seed=2), arr(2, 2, 11, 8, seed=3), arr(9, 11, seed=4),
                   is_causal=True)


@pytest.mark.parametrize("hq,hkv", [(4, 2), (6, 1), (3, 3)])
def test_sdpa_gqa(hq, hkv):
    check_vs_torch(arr(2, hq, 33, 8), arr(2, hkv, 40, 8, seed=2), arr(2, hkv, 40, 5, seed=3), enable_gqa=True,
                   is_causal=True)


@pytest.mark.parametrize("shapes", [
    ((7, 8), (9, 8), (9, 4)),              # unbatched
    ((3, 7, 8), (3, 9, 8), (3, 9, 4)),     # 3-d
    ((2, 3, 2, 7, 8), (2, 3, 2, 9, 8), (2, 3, 2, 9, 8)),  # 5-d
    ((2, 3, 7, 8), (1, 3, 9, 8), (1, 3, 9, 8)),            # broadcast batch
])
def test_sdpa_ranks_and_broadcast(shapes):
    (qs, ks, vs) = shapes
    mask = np.random.default_rng(1).random((qs[-2], ks[-2])) > 0.2
    check_vs_torch(arr(*qs), arr(*ks, seed=2), arr(*vs, seed=3), mask)


def test_sdpa_scale_and_reference_kernel():
    """The fused kernels against the plain reference (float64), with a custom scale and a float mask."""
    q, k, v, m = arr(2, 2, 77, 16, dtype="float64"), arr(2, 2, 300, 16, seed=2, dtype="float64"), \
        arr(2, 2, 300, 8, seed=3, dtype="float64"), arr(77, 300, seed=4, dtype="float64")
    g = arr(2, 2, 77, 8, seed=5, dtype="float64")
    ro, rq, rk, rv = reference(q, k, v, m, causal=True, scale=0.3, grad=g)
    ts = [pynn.tensor(x, requires_grad=True) for x in (q, k, v)]
    po = PF.scaled_dot_product_attention(*ts, attn_mask=pynn.tensor(m), scale=0.3, is_causal=True)
    (po * pynn.tensor(g)).sum().backward()
    pq, pk, pv = (t.grad for t in ts)
    for a, b in ((po, ro), (pq, rq), (pk, rk), (pv, rv)):
        assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_sdpa_fully_masked_rows_are_zero():
    mask = np.ones((5, 6), dtype=bool)
    mask[1] = False
    (po, pg), (to, tg) = run_both(arr(1, 2, 5, 4), arr(1, 2, 6, 4, seed=2), arr(1, 2, 6, 4, seed=3), mask)
    assert np.all(po.detach().numpy()[:, :, 1] == 0) and np.all(pg[0].numpy()[:, :, 1] == 0)
    assert_close(po, to.detach(), **tol("float32"))
    for a, b in zip(pg, tg):
        assert_close(a, b, **tol("float32"))
    # Causal with more keys hidden than shown: every row still sees key 0; S = 0 attends to nothing.
    out = PF.scaled_dot_product_attention(pynn.tensor(arr(1, 1, 3, 4)), pynn.tensor(arr(1, 1, 0, 4)),
                                          pynn.tensor(arr(1, 1, 0, 2)))
    assert tuple(out.shape) == (1, 1, 3, 2) and np.all(out.numpy() == 0)


def test_sdpa_large_logits_stable():
    """Scores around 1e4 overflow a naive exp; the online softmax's running max keeps them finite."""
    q, k, v = arr(1, 2, 70, 8, scale=40.0), arr(1, 2, 300, 8, seed=2, scale=40.0), arr(1, 2, 300, 8, seed=3)
    (po, pg), _ = run_both(q, k, v)
    ro, rq, rk, rv = reference(q, k, v, grad=arr(1, 2, 70, 8, seed=9))
    assert np.isfinite(po.detach().numpy()).all()
    assert_close(po, ro.astype(np.float32), rtol=1e-3, atol=1e-4)
    for a, b in zip(pg, (rq, rk, rv)):
        assert_close(a, b.astype(np.float32), rtol=1e-3, atol=2e-3 * np.abs(b).max())


def test_sdpa_zero_length_query():
    out = PF.scaled_dot_product_attention(pynn.tensor(arr(2, 3, 0, 4)), pynn.tensor(arr(2, 3, 5, 4)),
                                          pynn.tensor(arr(2, 3, 5, 6)))
    assert tuple(out.shape) == (2, 3, 0, 6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sdpa_dropout_matches_reference(dtype):
    """Dropout draws its mask from the counter RNG; rebuilding it from the same seed reproduces the forward
    and every gradient of the reference with that mask (so the backward regenerated the same mask)."""
    B, H, L, S, E = 2, 2, 70, 133, 8
    q, k, v = arr(B, H, L, E, dtype=dtype), arr(B, H, S, E, seed=2, dtype=dtype), arr(B, H, S, E, seed=3, dtype=dtype)
    g = arr(B, H, L, E, seed=4, dtype=dtype)
    pynn.manual_seed(123)
    ts = [pynn.tensor(x, requires_grad=True) for x in (q, k, v)]
    out = PF.scaled_dot_product_attention(*ts, dropout_p=0.3, is_causal=True)
    (out * pynn.tensor(g)).sum().backward()
    pynn.manual_seed(123)
    z = pynn._C._sdpa_dropout_mask([B, H, L, S], 0.3, getattr(pynn, dtype)).numpy()
    kept = z[np.tril(np.ones((L, S), dtype=bool))[None, None].repeat(B, 0).repeat(H, 1)]
    assert 0.6 < np.mean(kept > 0) < 0.8 and np.allclose(kept[kept > 0], 1 / 0.7)
    ro, rq, rk, rv = reference(q, k, v, causal=True, z=z, grad=g)
    t = tol(dtype)
    assert_close(out, ro.astype(dtype), **t)
    for a, b in zip([x.grad for x in ts], (rq, rk, rv)):
        assert_close(a, b.astype(dtype), **t)
    # Successive calls draw fresh masks.
    o2 = PF.scaled_dot_product_attention(*ts, dropout_p=0.3, is_causal=True)
    assert not np.allclose(o2.detach().numpy(), out.detach().numpy())


def test_sdpa_mask_requires_grad_math_path():
    q, k, v, m = arr(2, 2, 6, 4), arr(2, 2, 7, 4, seed=2), arr(2, 2, 7, 4, seed=3), arr(6, 7, seed=4)
    outs = []
    for lib, F in ((pynn, PF), (torch, TF)):
        ts = [lib.tensor(x, requires_grad=True) for x in (q, k, v, m)]
        out = F.scaled_dot_product_attention(*ts[:3], attn_mask=ts[3])
        (out * lib.tensor(arr(2, 2, 6, 4, seed=5))).sum().backward()
        outs.append([out] + [t.grad for t in ts])
    for a, b in zip(*outs):
        assert_close(a.detach(), b.detach(), **tol("float32"))
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        PF.scaled_dot_product_attention(pynn.tensor(q), pynn.tensor(k), pynn.tensor(v),
                                        attn_mask=pynn.tensor(m, requires_grad=True), is_causal=True)


@pytest.mark.parametrize("case", [
    dict(L=1, S=1),
    dict(L=5, S=7, causal=True),
    dict(L=6, S=4, mask="bool"),
    dict(L=4, S=6, mask="float", causal=True),
    dict(L=3, S=5, hq=4, hkv=2),
    dict(L=66, S=130, E=2, causal=True),  # crosses the causal backward's 64-row and 128-key blocks
    dict(L=129, S=257, E=1, hq=1, hkv=1),  # crosses the 128-row and 256-key blocks
])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sdpa_gradcheck(case, dtype):
    L, S, E = case["L"], case["S"], case.get("E", 3)
    hq, hkv = case.get("hq", 2), case.get("hkv", 2)
    if dtype == "float32" and L > 10:
        pytest.skip("float32 finite differences: small shapes only")
    rng = np.random.default_rng(1)
    mask = None
    if case.get("mask") == "bool":
        mask = pynn.tensor(rng.random((L, S)) > 0.3)
    elif case.get("mask") == "float":
        mask = pynn.tensor(arr(L, S, seed=8, dtype=dtype))
    ts = [pynn.tensor(arr(1, h, n, E, seed=s, dtype=dtype), requires_grad=True)
          for h, n, s in ((hq, L, 1), (hkv, S, 2), (hkv, S, 3))]

    def fn(q, k, v):
        return PF.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=case.get("causal", False),
                                               enable_gqa=hq != hkv)

    if dtype == "float64":
        assert gradcheck(fn, tuple(ts))
    else:  # float32: the analytical gradient against float32 central differences, loosely
        assert gradcheck(fn, tuple(ts), eps=1e-2, atol=2e-2, rtol=2e-2)


@pytest.mark.parametrize("causal,mask", [(False, None), (True, None), (False, "bool")])
def test_sdpa_gradgradcheck(causal, mask):
    m = pynn.tensor(np.random.default_rng(3).random((4, 5)) > 0.3) if mask else None
    ts = [pynn.tensor(arr(1, 2, n, 3, seed=s, dtype="float64"), requires_grad=True)
          for n, s in ((4, 1), (5, 2), (5, 3))]
    gradgradcheck(lambda q, k, v: PF.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal), ts)


def test_sdpa_grad_fn_name():
    q = pynn.tensor(arr(1, 1, 3, 4), requires_grad=True)
    out = PF.scaled_dot_product_attention(q, q, q)
    assert out.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"


def test_sdpa_errors():
    q, k, v = (pynn.tensor(arr(2, 4, 5, 8, seed=s)) for s in (1, 2, 3))
    sdpa = PF.scaled_dot_product_attention
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        sdpa(q[0, 0, 0], k[0, 0, 0], v[0, 0, 0])
    with pytest.raises(RuntimeError, match="to have the same dtype, but got query.dtype: float key.dtype: double"):
        sdpa(q, k.double(), v)
    with pytest.raises(RuntimeError, match="attn_mask dtype to be bool or float or to match query dtype"):
        sdpa(q, k, v, attn_mask=pynn.zeros(5, 5, dtype=pynn.int64))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(5\) must match the size of tensor b \(7\) at "
                                           r"non-singleton dimension 3"):
        sdpa(q, k, v, attn_mask=pynn.zeros(5, 7))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(4\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 1"):
        sdpa(q, k[:, :2], v[:, :2])
    with pytest.raises(RuntimeError, match="Number of heads in key and value must divide the number of heads in"):
        sdpa(q, k[:, :3], v[:, :3], enable_gqa=True)
    with pytest.raises(RuntimeError, match="Expected size for first two dimensions of batch2 tensor"):
        sdpa(q, k[..., :7], v)
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Long"):
        sdpa(q.long(), k.long(), v.long())
    with pytest.raises(RuntimeError, match="same sequence length"):
        sdpa(q, k, v[:, :, :4])
