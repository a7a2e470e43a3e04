"""The 3-d members of the conv / pool family (conv3d, conv_transpose3d, max/avg/adaptive pool 3d) and max_unpool /
lp_pool 1d-3d with their modules: vs torch over sampled grids (forward and gradients of a random projection), vs a
plain numpy reference, float64 gradcheck and double backward, torch's errors and reprs."""
import itertools

import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from nn_testing import compare_forward_backward, copy_state  # noqa: E402


def _triple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v, v)


def ref_conv3d(x, w, b, stride, pad, dil, groups):
    """Direct 3-d convolution, numpy float64: each output as a sum over its window of the zero-padded input."""
    n, c, *size = x.shape
    o, cg, *k = w.shape
    s, p, d = _triple(stride), _triple(pad), _triple(dil)
    osz = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(3)]
    xp = np.zeros((n, c) + tuple(size[i] + 2 * p[i] for i in range(3)))
    xp[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1], p[2]:p[2] + size[2]] = x
    out = np.zeros((n, o, *osz))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for a, i, j in itertools.product(*(range(kk) for kk in k)):
            patch = xp[:, g * cg:(g + 1) * cg,
                       a * d[0]:a * d[0] + s[0] * (osz[0] - 1) + 1:s[0],
                       i * d[1]:i * d[1] + s[1] * (osz[1] - 1) + 1:s[1],
                       j * d[2]:j * d[2] + s[2] * (osz[2] - 1) + 1:s[2]]
            out[:, oc] += np.einsum("ncdhw,c->ndhw", patch, w[oc, :, a, i, j])
    if b is not None:
        out += b[None, :, None, None, None]
    return out


def gradgradcheck(fn, inputs, seed=3):
    """gradcheck of x -> d/dx <fn(x), v> built with create_graph=True: checks the double backward."""
    v = pynn.tensor(np.random.default_rng(seed).standard_normal(tuple(fn(*inputs).shape)))

    def first_grads(*xs):
        with pynn.enable_grad():  # gradcheck evaluates this under no_grad
            gs = pynn.autograd.grad((fn(*xs) * v).sum(), xs, create_graph=True)
            return sum((g * g).sum() for g in gs)

    return pynn.autograd.gradcheck(first_grads, inputs)


def _leaves(*arrays):
    return [pynn.tensor(a).requires_grad_(True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays]


def _check(pfn, tfn, arrays, rtol=1e-4, atol=1e-5, seed=0):
    ps, ts = _leaves(*arrays)
    p_out, t_out = pfn(*ps), tfn(*ts)
    if isinstance(t_out, tuple):
        assert_close(p_out[1], t_out[1])
        p_out, t_out = p_out[0], t_out[0]
    assert_close(p_out, t_out.detach(), rtol=rtol, atol=atol)
    proj = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(arrays[0].dtype)
    (p_out * pynn.tensor(proj)).sum().backward()
    (t_out * torch.tensor(proj)).sum().backward()
    for p, t in zip(ps, ts):
        assert_close(p.grad, t.grad, rtol=rtol, atol=atol)


# (N, C, D, H, W), out, kernel, stride, padding, dilation, groups, bias
_CONV_GRID = list(itertools.product(
    [(2, 4, 5, 6, 7), (1, 2, 4, 3, 5)],
    [2, 4],
    [1, 2, (3, 1, 2)],
    [1, 2, (1, 2, 1)],
    [0, 1, (1, 0, 2), "same", "valid"],
    [1, (2, 1, 1)],
    [1, 2],
    [True, False],
))
_CONV_SAMPLE = [_CONV_GRID[i] for i in np.random.default_rng(31).choice(len(_CONV_GRID), 28, replace=False)]


def _usable(shape, out, k, stride, padding, dil, groups):
    if shape[1] % groups or out % groups or (padding == "same" and _triple(stride) != (1, 1, 1)):
        return False
    kk, dd = _triple(k), _triple(dil)
    pp = (0, 0, 0) if isinstance(padding, str) else _triple(padding)
    return all(shape[2 + i] + 2 * pp[i] >= dd[i] * (kk[i] - 1) + 1 for i in range(3))


@pytest.mark.parametrize("shape,out,k,stride,padding,dil,groups,bias", _CONV_SAMPLE)
def test_conv3d_grid_vs_torch(shape, out, k, stride, padding, dil, groups, bias):
    if not _usable(shape, out, k, stride, padding, dil, groups):
        pytest.skip("not a valid convolution")
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((out, shape[1] // groups) + _triple(k)).astype(np.float32)
    arrays = [x, w] + ([rng.standard_normal(out).astype(np.float32)] if bias else [])
    _check(lambda x, w, *b: F.conv3d(x, w, *b, stride=stride, padding=padding, dilation=dil, groups=groups),
           lambda x, w, *b: TF.conv3d(x, w, *b, stride=stride, padding=padding, dilation=dil, groups=groups), arrays)


@pytest.mark.parametrize("k,stride,pad,dil,groups", [(3, 1, 1, 1, 1), ((2, 3, 1), (2, 1, 2), (1, 0, 0), 1, 2),
                                                     (2, 1, 0, (2, 1, 2), 1)])
def test_conv3d_matches_direct_reference(k, stride, pad, dil, groups):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 5, 6, 5))
    w = rng.standard_normal((4, 4 // groups) + _triple(k))
    b = rng.standard_normal(4)
    out = F.conv3d(pynn.tensor(x), pynn.tensor(w), pynn.tensor(b), stride, pad, dil, groups)
    np.testing.assert_allclose(out.numpy(), ref_conv3d(x, w, b, stride, pad, dil, groups), rtol=1e-10, atol=1e-10)


def test_conv3d_unbatched_noncontiguous_and_threads():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 6, 5, 4)).astype(np.float32)  # unbatched
    w = rng.standard_normal((5, 3, 2, 2, 2)).astype(np.float32)
    _check(lambda x, w: F.conv3d(x, w, None, 1, 1), lambda x, w: TF.conv3d(x, w, None, 1, 1), [x, w])
    xt = rng.standard_normal((2, 3, 4, 5, 6)).astype(np.float32)
    px = pynn.tensor(xt).permute(0, 1, 4, 3, 2)  # non-contiguous
    tx = torch.tensor(xt).permute(0, 1, 4, 3, 2)
    assert_close(F.conv3d(px, pynn.tensor(w), None, 2), TF.conv3d(tx, torch.tensor(w), None, 2), rtol=1e-4, atol=1e-5)
    before = pynn.get_num_threads()
    try:
        outs = []
        for n in (1, 2):
            pynn.set_num_threads(n)
            outs.append(F.conv3d(pynn.tensor(xt), pynn.tensor(w), None, 1, 1).numpy())
    finally:
        pynn.set_num_threads(before)
    np.testing.assert_array_equal(outs[0], outs[1])


@pytest.mark.parametrize("shape,cout,k,stride,pad,opad,groups,dil", [
    ((2, 4, 3, 4, 3), 6, 3, 2, 1, 1, 2, 1),
    ((1, 2, 2, 3, 4), 3, (2, 1, 3), (1, 2, 2), (0, 0, 1), (0, 1, 0), 1, 1),
    ((2, 2, 3, 3, 3), 2, 2, 1, 0, 0, 1, (2, 1, 1)),
])
def test_conv_transpose3d_vs_torch(shape, cout, k, stride, pad, opad, groups, dil):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((shape[1], cout // groups) + _triple(k)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    _check(lambda x, w, b: F.conv_transpose3d(x, w, b, stride, pad, opad, groups, dil),
           lambda x, w, b: TF.conv_transpose3d(x, w, b, stride, pad, opad, groups, dil), [x, w, b])


def test_conv3d_gradcheck_and_double_backward():
    rng = np.random.default_rng(6)
    x = pynn.tensor(rng.standard_normal((2, 2, 3, 4, 3))).requires_grad_(True)
    w = pynn.tensor(rng.standard_normal((2, 1, 2, 2, 2))).requires_grad_(True)
    b = pynn.tensor(rng.standard_normal(2)).requires_grad_(True)
    pynn.autograd.gradcheck(lambda x, w, b: F.conv3d(x, w, b, (1, 2, 1), 1, 1, 2), (x, w, b))
    pynn.autograd.gradcheck(lambda x, w: F.conv_transpose3d(x, w, None, 2, 1, 1, 2), (x, w))
    gradgradcheck(lambda x, w: F.conv3d(x, w, None, 1, "same", 1, 2), (x, w))


def test_conv3d_errors_torch_wording():
    x = pynn.randn(1, 2, 3, 3, 3)
    with pytest.raises(RuntimeError, match=r"Expected 4D \(unbatched\) or 5D \(batched\) input to conv3d"):
        F.conv3d(pynn.randn(2, 3, 3), pynn.randn(1, 2, 1, 1, 1))
    with pytest.raises(RuntimeError, match="expected input.* to have 4 channels, but got 2 channels instead"):
        F.conv3d(x, pynn.randn(1, 4, 1, 1, 1))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        F.conv3d(x, pynn.randn(1, 2, 4, 1, 1))
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
        F.conv3d(x, pynn.randn(1, 2, 1, 1, 1), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation, but got "
                                           "output_padding_depth: 1"):
        F.conv_transpose3d(x, pynn.randn(2, 1, 1, 1, 1), output_padding=1)


@pytest.mark.parametrize("cls,args,kwargs,shape", [
    ("Conv3d", (4, 6, 3), dict(stride=2, padding=1, groups=2), (2, 4, 5, 6, 7)),
    ("Conv3d", (2, 3, (1, 2, 3)), dict(padding="same", bias=False, padding_mode="zeros"), (1, 2, 3, 4, 5)),
    ("ConvTranspose3d", (4, 2, 2), dict(stride=2), (2, 4, 3, 3, 2)),
    ("ConvTranspose3d", (2, 4, 3), dict(stride=(1, 2, 2), padding=1, output_padding=(0, 1, 1), groups=2),
     (1, 2, 3, 4, 4)),
])
def test_conv3d_modules_vs_torch(cls, args, kwargs, shape):
    pm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    copy_state(pm, tm)
    assert repr(pm) == repr(tm)
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    compare_forward_backward(pm, tm, x, rtol=1e-4, atol=1e-5)


def test_conv_transpose3d_output_size():
    pm, tm = nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1)
    copy_state(pm, tm)
    x = np.random.default_rng(8).standard_normal((1, 2, 3, 4, 3)).astype(np.float32)
    p = pm(pynn.tensor(x), output_size=(6, 8, 5))
    assert tuple(p.shape) == (1, 3, 6, 8, 5)
    assert_close(p, tm(torch.tensor(x), output_size=(6, 8, 5)), rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------- 3-d pooling
def ref_max_pool3d(x, k, s, p):
    """Direct 3-d max pooling with -inf padding (dilation 1), numpy: values and in-plane argmax positions."""
    k, s, p = _triple(k), _triple(s), _triple(p)
    size = x.shape[-3:]
    osz = [(size[i] + 2 * p[i] - k[i]) // s[i] + 1 for i in range(3)]
    out = np.full(x.shape[:-3] + tuple(osz), -np.inf)
    idx = np.zeros(out.shape, dtype=np.int64)
    for o in itertools.product(*(range(n) for n in osz)):
        for t in itertools.product(*(range(n) for n in k)):
            pos = [o[i] * s[i] - p[i] + t[i] for i in range(3)]
            if all(0 <= pos[i] < size[i] for i in range(3)):
                v = x[..., pos[0], pos[1], pos[2]]
                better = v > out[(...,) + o]
                out[(...,) + o] = np.where(better, v, out[(...,) + o])
                idx[(...,) + o] = np.where(better, (pos[0] * size[1] + pos[1]) * size[2] + pos[2], idx[(...,) + o])
    return out, idx


_POOL_GRID = list(itertools.product([(2, 3, 5, 6, 7), (3, 4, 4, 5)], [2, 3, (2, 3, 1)], [None, 1, (2, 1, 2)], [0, 1],
                                    [False, True]))
_POOL_SAMPLE = [_POOL_GRID[i] for i in np.random.default_rng(9).choice(len(_POOL_GRID), 20, replace=False)]


@pytest.mark.parametrize("shape,k,s,p,ceil", _POOL_SAMPLE)
def test_max_and_avg_pool3d_grid(shape, k, s, p, ceil):
    if any(pp > kk // 2 for pp, kk in zip(_triple(p), _triple(k))):
        pytest.skip("padding larger than half the kernel")
    x = np.random.default_rng(10).standard_normal(shape).astype(np.float32)
    _check(lambda a: F.max_pool3d(a, k, s, p, 1, ceil, True), lambda a: TF.max_pool3d(a, k, s, p, 1, ceil, True), [x])
    try:
        TF.max_pool3d(torch.tensor(x), k, s, p, 2, ceil)
    except RuntimeError:  # the dilated window does not fit: pynn refuses it too
        with pytest.raises(RuntimeError, match="Output size is too small"):
            F.max_pool3d(pynn.tensor(x), k, s, p, 2, ceil)
    else:
        _check(lambda a: F.max_pool3d(a, k, s, p, 2, ceil), lambda a: TF.max_pool3d(a, k, s, p, 2, ceil), [x])
    for include_pad, divisor in ((True, None), (False, None), (True, 3)):
        _check(lambda a: F.avg_pool3d(a, k, s, p, ceil, include_pad, divisor),
               lambda a: TF.avg_pool3d(a, k, s, p, ceil, include_pad, divisor), [x])


def test_max_pool3d_matches_reference():
    x = np.random.default_rng(11).standard_normal((2, 2, 5, 4, 6))
    out, idx = F.max_pool3d(pynn.tensor(x), (2, 3, 2), (2, 1, 2), (1, 1, 0), return_indices=True)
    ref_out, ref_idx = ref_max_pool3d(x, (2, 3, 2), (2, 1, 2), (1, 1, 0))
    np.testing.assert_array_equal(out.numpy(), ref_out)
    np.testing.assert_array_equal(idx.numpy(), ref_idx)


@pytest.mark.parametrize("shape,out", [((2, 3, 5, 6, 7), (2, 3, 4)), ((3, 4, 7, 5), 3), ((1, 2, 3, 3, 3), (5, None, 1))])
def test_adaptive_pool3d(shape, out):
    x = np.random.default_rng(12).standard_normal(shape).astype(np.float32)
    _check(lambda a: F.adaptive_avg_pool3d(a, out), lambda a: TF.adaptive_avg_pool3d(a, out), [x])
    _check(lambda a: F.adaptive_max_pool3d(a, out, True), lambda a: TF.adaptive_max_pool3d(a, out, True), [x])


def test_pool3d_gradcheck_and_double_backward():
    rng = np.random.default_rng(13)
    x = pynn.tensor(rng.standard_normal((1, 2, 4, 5, 3))).requires_grad_(True)
    pynn.autograd.gradcheck(lambda x: F.max_pool3d(x, 2, 1, 1, ceil_mode=True), (x,))
    pynn.autograd.gradcheck(lambda x: F.avg_pool3d(x, 3, 2, 1, True, False), (x,))
    pynn.autograd.gradcheck(lambda x: F.adaptive_avg_pool3d(x, (3, 2, 2)), (x,))
    pynn.autograd.gradcheck(lambda x: F.adaptive_max_pool3d(x, (2, 3, 1)), (x,))
    xa = rng.standard_normal((1, 2, 4, 4, 4))
    for name, args in [("max_pool3d", (2,)), ("avg_pool3d", (3, 2, 1)), ("adaptive_avg_pool3d", ((3, 2, 3),))]:
        res = []
        for lib, fn in ((pynn, F), (torch, TF)):
            xt = lib.tensor(xa, requires_grad=True)
            (g,) = lib.autograd.grad((getattr(fn, name)(xt, *args) ** 3).sum(), (xt,), create_graph=True)
            (gg,) = lib.autograd.grad((g * g).sum(), (xt,))
            res.append(gg.numpy())
        np.testing.assert_allclose(res[0], res[1], rtol=1e-9, atol=1e-9, err_msg=name)


def test_pool3d_errors_torch_wording():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size"):
        F.max_pool3d(pynn.randn(1, 1, 4, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match=r"Given input size: \(1x2x2x2\). Calculated output size: \(1x0x0x0\). "
                                           "Output size is too small"):
        F.avg_pool3d(pynn.randn(1, 1, 2, 2, 2), 3)
    with pytest.raises(RuntimeError, match="kernel_size must either be a single int, or a tuple of three ints"):
        F.max_pool3d(pynn.randn(1, 1, 4, 4, 4), (2, 2))
    with pytest.raises(RuntimeError, match="Expected 4D or 5D"):
        F.max_pool3d(pynn.randn(4, 4, 4), 2)


# ---------------------------------------------------------------------------------------------- max_unpool, lp_pool
@pytest.mark.parametrize("spatial,shape,k,s,p", [
    (1, (2, 3, 9), 2, None, 0), (1, (3, 8), 3, 2, 1),
    (2, (2, 3, 6, 7), 2, None, 0), (2, (2, 2, 7, 7), 3, 2, 1),  # overlapping windows share maxima
    (3, (1, 2, 4, 5, 6), 2, None, 0), (3, (2, 4, 5, 4), (2, 3, 2), (1, 2, 2), (1, 1, 0)),
])
def test_max_unpool_inverts_max_pool_like_torch(spatial, shape, k, s, p):
    x = np.random.default_rng(14).standard_normal(shape).astype(np.float32)
    pool = [(F.max_pool1d, TF.max_pool1d), (F.max_pool2d, TF.max_pool2d), (F.max_pool3d, TF.max_pool3d)][spatial - 1]
    unpool = [(F.max_unpool1d, TF.max_unpool1d), (F.max_unpool2d, TF.max_unpool2d),
              (F.max_unpool3d, TF.max_unpool3d)][spatial - 1]
    po, pi = pool[0](pynn.tensor(x), k, s, p, return_indices=True)
    to, ti = pool[1](torch.tensor(x), k, s, p, return_indices=True)
    size = x.shape[-spatial:]
    _check(lambda a: unpool[0](a, pi, k, s, p, output_size=size), lambda a: unpool[1](a, ti, k, s, p, output_size=size),
           [to.numpy()])
    try:  # the default output size can be smaller than the pooled input: then an index falls outside, for both
        expected = unpool[1](to, ti, k, s, p)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="Found an invalid max index"):
            unpool[0](po, pi, k, s, p)
    else:
        assert_close(unpool[0](po, pi, k, s, p), expected)


def test_max_unpool_modules_gradcheck_and_errors():
    for n in (1, 2, 3):
        pm, tm = getattr(nn, f"MaxUnpool{n}d")(2, 1), getattr(torch.nn, f"MaxUnpool{n}d")(2, 1)
        assert repr(pm) == repr(tm)
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    x = pynn.tensor(np.random.default_rng(15).standard_normal((1, 2, 4, 6)))
    out, idx = pool(x)
    y = unpool(out, idx, output_size=(1, 2, 5, 7))
    assert tuple(y.shape) == (1, 2, 5, 7)
    leaf = out.detach().requires_grad_(True)
    pynn.autograd.gradcheck(lambda a: F.max_unpool2d(a, idx, 2), (leaf,))
    gradgradcheck(lambda a: F.max_unpool2d(a, idx, 2) ** 2, (leaf,))
    assert F.max_unpool2d(leaf, idx, 2).grad_fn.name() == "MaxUnpool2DBackward0"
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: 99 \(output volumes are of size 4x6\)"):
        F.max_unpool2d(out, pynn.full(list(idx.shape), 99, dtype=pynn.int64), 2)
    with pytest.raises(RuntimeError, match="elements in indices should be type int64 but got: Float"):
        F.max_unpool2d(out, idx.float(), 2)
    with pytest.raises(RuntimeError, match="Expected shape of indices to be same as that of the input tensor"):
        F.max_unpool2d(out, idx[..., :1], 2)
    with pytest.raises(RuntimeError, match="Input to max_unpooling2d should be a 3d or 4d Tensor"):
        F.max_unpool2d(out[0, 0], idx[0, 0], 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(out, idx, 2, output_size=(9, 9))


@pytest.mark.parametrize("spatial,norm,k,s,ceil", [(1, 2.0, 3, None, False), (1, 1.5, 2, 1, True),
                                                    (2, 2.0, (2, 3), 2, False), (2, 3, 2, None, True),
                                                    (2, float("inf"), 2, 1, False), (3, 2.0, 2, (1, 2, 1), False)])
def test_lp_pool_vs_torch(spatial, norm, k, s, ceil):
    shape = {1: (2, 3, 9), 2: (2, 3, 6, 7), 3: (1, 2, 4, 5, 6)}[spatial]
    x = np.random.default_rng(16).uniform(0.2, 2.0, shape).astype(np.float32)  # positive: p-th roots stay real
    fn = getattr(F, f"lp_pool{spatial}d")
    tfn = getattr(TF, f"lp_pool{spatial}d")
    _check(lambda a: fn(a, norm, k, s, ceil), lambda a: tfn(a, norm, k, s, ceil), [x])
    pm, tm = getattr(nn, f"LPPool{spatial}d")(norm, k, s, ceil), getattr(torch.nn, f"LPPool{spatial}d")(norm, k, s, ceil)
    assert repr(pm) == repr(tm)
    compare_forward_backward(pm, tm, x, rtol=1e-4, atol=1e-5)
    leaf = pynn.tensor(x.astype(np.float64)).requires_grad_(True)
    if not np.isinf(norm):
        pynn.autograd.gradcheck(lambda a: fn(a, norm, k, s, ceil), (leaf,))


@pytest.mark.parametrize("cls,args", [("MaxPool3d", (3, 2, 1)), ("MaxPool3d", ((2, 1, 2),)), ("AvgPool3d", (2,)),
                                      ("AvgPool3d", (3, 1, 1, True, False, 2)), ("AdaptiveAvgPool3d", ((2, 3, 1),)),
                                      ("AdaptiveMaxPool3d", (2,))])
def test_pool3d_modules_repr_and_forward(cls, args):
    pm, tm = getattr(nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(pm) == repr(tm)
    x = np.random.default_rng(17).standard_normal((2, 3, 5, 6, 5)).astype(np.float32)
    compare_forward_backward(pm, tm, x, rtol=1e-5, atol=1e-6)


def test_tutorial_3d_cnn_shapes():
    model = nn.Sequential(nn.Conv3d(1, 8, 3, padding=1), nn.BatchNorm3d(8), nn.ReLU(), nn.MaxPool3d(2),
                          nn.Conv3d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool3d(1), nn.Flatten(),
                          nn.Linear(16, 4))
    out = model(pynn.randn(2, 1, 8, 8, 8))
    assert tuple(out.shape) == (2, 4)
    out.sum().backward()
    assert model[0].weight.grad is not None and tuple(model[0].weight.grad.shape) == (8, 1, 3, 3, 3)
    up = nn.ConvTranspose3d(16, 8, 2, stride=2)
    assert tuple(up(pynn.randn(1, 16, 4, 4, 4)).shape) == (1, 8, 8, 8, 8)
