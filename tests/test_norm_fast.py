"""The norm kernels' float lanes over chunks (cpu/norm.cpp: add_moments, add_sum2) and the embedding backward's
in-order additions (cpu/embedding.cpp), against plain float64 / index-order numpy references: lengths past one chunk
(4096) and off the lane count (32), inputs with a large mean (where a float sum of squares would cancel),
the strided BatchNorm1d walk, and results bitwise the same at 1 and 2 threads."""
import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")


def arr(*shape, seed=0, scale=1.0, shift=0.0, dtype="float32"):
    return (np.random.default_rng(seed).standard_normal(shape) * scale + shift).astype(dtype)


def ref_norm(x, dy, axes, w, eps, center=True):
    """Forward and input gradient of (x - mean) * rsqrt(var + eps) * w over `axes`, in float64; w already
    broadcast to x's shape (or 1)."""
    x, dy = x.astype(np.float64), dy.astype(np.float64)
    mu = x.mean(axis=axes, keepdims=True) if center else 0.0
    xc = x - mu
    r = 1.0 / np.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    xhat = xc * r
    g = dy * w
    t = g - xhat * (g * xhat).mean(axis=axes, keepdims=True)
    if center:
        t = t - g.mean(axis=axes, keepdims=True)
    return xhat, t * r


def run_pynn(fn, x, dy, params):
    xp = pynn.tensor(x, requires_grad=True)
    ps = [pynn.tensor(p, requires_grad=True) for p in params]
    out = fn(xp, *ps)
    out.backward(pynn.tensor(dy))
    return out.detach().numpy(), xp.grad.numpy(), [p.grad.numpy() for p in ps]


def close(a, b, scale_of=None, rtol=5e-5):
    """|a - b| within rtol of b's (or scale_of's) largest magnitude (float32 results against a float64
    reference)."""
    s = np.abs(b if scale_of is None else scale_of).max()
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * s)


# (shape, shift): inner 4900 is past one chunk and not a multiple of 32; (5000, 3) walks channels with stride C.
@pytest.mark.parametrize("shape,shift", [((3, 4, 70, 70), 1000.0), ((5000, 3), -300.0), ((2, 5, 37), 50.0)])
def test_batch_norm_training_vs_float64_reference(shape, shift):
    C = shape[1]
    x = arr(*shape, seed=1, scale=0.5, shift=shift)
    dy = arr(*shape, seed=2)
    w, b = arr(C, seed=3, shift=1.0), arr(C, seed=4)
    axes = tuple(d for d in range(len(shape)) if d != 1)
    bshape = [1] * len(shape)
    bshape[1] = C
    rm, rv = pynn.zeros(C), pynn.ones(C)
    y, dx, (dw, db) = run_pynn(lambda t, wt, bt: pynn.nn.functional.batch_norm(t, rm, rv, wt, bt, True, 0.5, 1e-5),
                               x, dy, [w, b])
    xhat, dx_ref = ref_norm(x, dy, axes, w.reshape(bshape), 1e-5)
    # y = x * (w * invstd) + shift, torch's form: rounding relative to x * w * invstd, not to y.
    close(y, xhat * w.reshape(bshape) + b.reshape(bshape), scale_of=x * w.reshape(bshape) / x.std(axis=axes).max())
    close(dx, dx_ref)
    # The backward centres on the saved float32 mean (as torch's): with a mean of 1000 its rounding moves dw
    # by sum(dy) * ulp / 2, so the reference centres there too.
    x64 = x.astype(np.float64)
    mu32 = x64.mean(axis=axes, keepdims=True).astype(np.float32).astype(np.float64)
    close(dw, (dy * (x64 - mu32)).sum(axis=axes) / np.sqrt(x64.var(axis=axes) + 1e-5))
    close(db, dy.astype(np.float64).sum(axis=axes))
    n = x64.size // C
    close(rm.numpy(), 0.5 * x64.mean(axis=axes))
    close(rv.numpy(), 0.5 + 0.5 * x64.var(axis=axes) * n / (n - 1), rtol=1e-4)


@pytest.mark.parametrize("size,shift", [(5000, 500.0), (37, -20.0), (4096, 3.0)])
@pytest.mark.parametrize("rms", [False, True])
def test_row_norms_vs_float64_reference(size, shift, rms):
    x = arr(6, size, seed=5, shift=0.0 if rms else shift)
    dy = arr(6, size, seed=6)
    w = arr(size, seed=7, shift=1.0)
    if rms:
        fn = lambda t, wt: pynn.nn.functional.rms_norm(t, [size], wt, 1e-6)  # noqa: E731
        y, dx, (dw,) = run_pynn(fn, x, dy, [w])
        xhat, dx_ref = ref_norm(x, dy, (1,), w, 1e-6, center=False)
    else:
        b = arr(size, seed=8)
        fn = lambda t, wt, bt: pynn.nn.functional.layer_norm(t, [size], wt, bt, 1e-5)  # noqa: E731
        y, dx, (dw, db) = run_pynn(fn, x, dy, [w, b])
        xhat, dx_ref = ref_norm(x, dy, (1,), w, 1e-5)
        close(db, dy.astype(np.float64).sum(axis=0))
    close(y, xhat * w + (0 if rms else b))
    close(dx, dx_ref)
    close(dw, (dy * xhat).sum(axis=0))


@pytest.mark.parametrize("shape,groups,shift", [((2, 6, 40, 41), 3, 200.0), ((3, 4, 7), 2, -5.0)])
def test_group_norm_vs_float64_reference(shape, groups, shift):
    N, C = shape[:2]
    x = arr(*shape, seed=9, scale=0.3, shift=shift)
    dy = arr(*shape, seed=10)
    w, b = arr(C, seed=11, shift=1.0), arr(C, seed=12)
    bshape = [1, C] + [1] * (len(shape) - 2)
    y, dx, (dw, db) = run_pynn(lambda t, wt, bt: pynn.nn.functional.group_norm(t, groups, wt, bt, 1e-5),
                               x, dy, [w, b])
    grouped = (N, groups, -1)
    wg = np.broadcast_to(w.reshape(bshape), shape).reshape(grouped)
    xhat, dx_ref = ref_norm(x.reshape(grouped), dy.reshape(grouped), (2,), wg, 1e-5)
    xhat, dx_ref = xhat.reshape(shape), dx_ref.reshape(shape)
    axes = tuple(d for d in range(len(shape)) if d != 1)
    close(y, xhat * w.reshape(bshape) + b.reshape(bshape))
    close(dx, dx_ref)
    close(dw, (dy * xhat).sum(axis=axes))
    close(db, dy.astype(np.float64).sum(axis=axes))


def _at_threads(n, f):
    old = pynn.get_num_threads()
    pynn.set_num_threads(n)
    try:
        return f()
    finally:
        pynn.set_num_threads(old)


@pytest.mark.parametrize("which", ["layer", "group", "batch1d"])
def test_norms_bitwise_across_threads(which):
    if which == "layer":
        x, dy, params = arr(64, 1500, seed=13, shift=4.0), arr(64, 1500, seed=14), [arr(1500, seed=15)]
        fn = lambda t, wt: pynn.nn.functional.layer_norm(t, [1500], wt)  # noqa: E731
    elif which == "group":
        x, dy, params = arr(4, 8, 33, 30, seed=13), arr(4, 8, 33, 30, seed=14), [arr(8, seed=15)]
        fn = lambda t, wt: pynn.nn.functional.group_norm(t, 4, wt)  # noqa: E731
    else:
        x, dy, params = arr(9000, 40, seed=13), arr(9000, 40, seed=14), [arr(40, seed=15)]
        fn = lambda t, wt: pynn.nn.functional.batch_norm(t, None, None, wt, None, True)  # noqa: E731
    one = _at_threads(1, lambda: run_pynn(fn, x, dy, params))
    two = _at_threads(2, lambda: run_pynn(fn, x, dy, params))
    for a, b in zip(one[:2] + tuple(one[2]), two[:2] + tuple(two[2])):
        np.testing.assert_array_equal(a, b)


# A kernel whose input and output together exceed the last-level cache writes the output with streaming
# stores (cpu/vec/stream.h); runs of 111 * 119 floats start off the vector alignment. Samples are independent
# in layer/group norm and eval-mode batch norm, so the large (streamed) results must equal, bit for bit, those
# of the first sample alone (plain stores).
def _streamed_shape():
    per_sample = 64 * 111 * 119 * 4
    n = pynn._C._cpu_last_level_cache_bytes() // (2 * per_sample) + 1
    if n > 64:
        pytest.skip("last-level cache too large for a streamed test tensor of reasonable size")
    return (n, 64, 111, 119)


@pytest.mark.parametrize("which", ["layer", "group", "batch_eval", "batch_train"])
def test_streamed_outputs_match_plain_stores(which):
    STREAMED = _streamed_shape()
    x, dy, w = arr(*STREAMED, seed=16, shift=2.0), arr(*STREAMED, seed=17), arr(64, seed=18, shift=1.0)
    assert 2 * x.nbytes > pynn._C._cpu_last_level_cache_bytes()
    if which == "layer":
        params = [arr(*STREAMED[1:], seed=19)]
        fn = lambda t, wt: pynn.nn.functional.layer_norm(t, list(STREAMED[1:]), wt)  # noqa: E731
    elif which == "group":
        params = [w]
        fn = lambda t, wt: pynn.nn.functional.group_norm(t, 8, wt)  # noqa: E731
    else:
        params = [w]
        rm, rv = pynn.tensor(arr(64, seed=20)), pynn.tensor(arr(64, seed=21) ** 2 + 0.5)
        training = which == "batch_train"
        fn = lambda t, wt: pynn.nn.functional.batch_norm(t, rm, rv, wt, None, training)  # noqa: E731
    y, dx, _ = run_pynn(fn, x, dy, params)
    if which == "batch_train":  # channels sum over the batch: against the float64 reference instead
        xhat, dx_ref = ref_norm(x, dy, (0, 2, 3), w.reshape(1, 64, 1, 1), 1e-5)
        close(y, xhat * w.reshape(1, 64, 1, 1), scale_of=x * w.reshape(1, 64, 1, 1) / x.std(axis=(0, 2, 3)).max())
        close(dx, dx_ref)
        return
    y1, dx1, _ = run_pynn(fn, x[:1], dy[:1], params)
    np.testing.assert_array_equal(y[:1], y1)
    np.testing.assert_array_equal(dx[:1], dx1)


def ref_embedding_grad(idx, g, V, padding_idx=None, by_freq=False):
    """A zero table plus each index's gradient row in index order (np.add.at adds sequentially)."""
    flat, rows = idx.reshape(-1), g.reshape(-1, g.shape[-1])
    scale = np.ones(flat.size, dtype=g.dtype)
    if by_freq:
        counts = np.bincount(flat, minlength=V)
        scale = (1.0 / counts[flat]).astype(g.dtype)
    if padding_idx is not None:
        scale[flat == padding_idx] = 0
    out = np.zeros((V, g.shape[-1]), dtype=g.dtype)
    np.add.at(out, flat, rows * scale[:, None] if by_freq else rows * (scale[:, None] != 0))
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 3}, {"scale_grad_by_freq": True},
                                {"padding_idx": 0, "scale_grad_by_freq": True}])
def test_embedding_backward_vs_index_order_reference(kw):
    V, D = 50, 37
    idx = np.random.default_rng(16).integers(0, V, (40, 7))
    idx[0, :4] = 3  # duplicates, some on the padding row
    idx[1, :2] = 0
    g = arr(40, 7, D, seed=17)
    emb = pynn.nn.Embedding(V, D, **kw)
    for threads in (1, 2):
        emb.weight.grad = None
        _at_threads(threads, lambda: emb(pynn.tensor(idx)).backward(pynn.tensor(g)))
        ref = ref_embedding_grad(idx, g, V, kw.get("padding_idx"), kw.get("scale_grad_by_freq", False))
        # Same additions in the same order as the reference: bitwise equal.
        np.testing.assert_array_equal(emb.weight.grad.numpy(), ref)


def test_embedding_backward_signed_zero_like_torch():
    """A row looked up once with a -0 gradient gets 0 + -0 = +0, as torch's zero fill plus addition."""
    idx = np.array([1, 2, 2])
    g = np.array([[-0.0, 1.0], [-0.0, 2.0], [-0.0, 3.0]], dtype=np.float32)
    pe, te = pynn.nn.Embedding(4, 2), torch.nn.Embedding(4, 2)
    pe(pynn.tensor(idx)).backward(pynn.tensor(g))
    te(torch.tensor(idx)).backward(torch.tensor(g))
    got, want = pe.weight.grad.numpy(), te.weight.grad.numpy()
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
