"""conv1d / conv2d / conv_transpose1d / conv_transpose2d and their modules vs torch (forward and gradients over a
sampled grid), vs a plain numpy reference (direct loops), float64 gradcheck and double backward, torch's errors,
and the tutorials' CNN snippets."""
import itertools
import math

import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from nn_testing import compare_forward_backward, copy_state  # noqa: E402


def ref_conv2d(x, w, b, stride, pad, dil, groups):
    """Direct convolution: every output element as a sum over its window (zero padding), numpy float64."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, pad, dil
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, oc] += np.einsum("nchw,c->nhw", patch, w[oc, :, i, j])
    if b is not None:
        out += b[None, :, None, None]
    return out


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# (N, C, H, W), out, kernel, stride, padding, dilation, groups, bias
_GRID = list(itertools.product(
    [(2, 4, 7, 6), (1, 2, 5, 9), (3, 6, 8, 8)],
    [4, 6],
    [1, 2, 3, (2, 3)],
    [1, 2, (2, 1)],
    [0, 1, (1, 2), "same", "valid"],
    [1, 2],
    [1, 2],
    [True, False],
))
_RNG = np.random.default_rng(1234)
_SAMPLE = [_GRID[i] for i in _RNG.choice(len(_GRID), 48, replace=False)]


def _usable(shape, out, k, stride, padding, dil, groups):
    if shape[1] % groups or out % groups:
        return False
    if padding == "same" and _pair(stride) != (1, 1):
        return False
    kk, dd = _pair(k), _pair(dil)
    pp = (0, 0) if isinstance(padding, str) else _pair(padding)
    return all(shape[2 + i] + 2 * pp[i] >= dd[i] * (kk[i] - 1) + 1 for i in range(2))


def _leaves(*arrays):
    ps = [pynn.tensor(a).requires_grad_(True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ps, ts


def _check_against_torch(pfn, tfn, arrays, rtol=1e-4, atol=1e-5, seed=0):
    ps, ts = _leaves(*arrays)
    p_out, t_out = pfn(*ps), tfn(*ts)
    assert_close(p_out, t_out.detach(), rtol=rtol, atol=atol)
    proj = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(arrays[0].dtype)
    (p_out * pynn.tensor(proj)).sum().backward()
    (t_out * torch.tensor(proj)).sum().backward()
    for p, t in zip(ps, ts):
        assert_close(p.grad, t.grad, rtol=rtol, atol=atol)


@pytest.mark.parametrize("shape,out,k,stride,padding,dil,groups,bias", _SAMPLE)
def test_conv2d_grid_vs_torch(shape, out, k, stride, padding, dil, groups, bias):
    if not _usable(shape, out, k, stride, padding, dil, groups):
        pytest.skip("not a valid convolution")
    rng = np.random.default_rng(0)
    kk = _pair(k)
    arrays = [rng.standard_normal(shape).astype(np.float32),
              rng.standard_normal((out, shape[1] // groups) + kk).astype(np.float32)]
    if bias:
        arrays.append(rng.standard_normal(out).astype(np.float32))

    def fn(lib):
        return lambda x, w, b=None: lib.conv2d(x, w, b, stride, padding, dil, groups)

    _check_against_torch(fn(F), fn(TF), arrays)


@pytest.mark.parametrize("k,stride,pad,dil,groups", [
    (3, 1, 1, 1, 1), (1, 1, 0, 1, 1), (1, 2, 0, 1, 2), (3, 2, 2, 2, 4), ((2, 3), (1, 2), (0, 1), (2, 1), 1),
])
def test_conv2d_matches_direct_reference(k, stride, pad, dil, groups):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((8, 4 // groups) + _pair(k))
    b = rng.standard_normal(8)
    expect = ref_conv2d(x, w, b, _pair(stride), _pair(pad), _pair(dil), groups)
    got = F.conv2d(pynn.tensor(x), pynn.tensor(w), pynn.tensor(b), stride, pad, dil, groups)
    np.testing.assert_allclose(got.numpy(), expect, rtol=1e-10, atol=1e-10)
    got32 = F.conv2d(pynn.tensor(x.astype(np.float32)), pynn.tensor(w.astype(np.float32)),
                     pynn.tensor(b.astype(np.float32)), stride, pad, dil, groups)
    np.testing.assert_allclose(got32.numpy(), expect, rtol=1e-4, atol=1e-4)


def test_conv2d_threads_and_batch_sizes_agree():
    """Samples in parallel (batch >= threads) and one at a time (tiled GEMMs) give the same result."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 3, 10, 10))
    w = rng.standard_normal((4, 3, 3, 3))
    expect = ref_conv2d(x, w, None, (1, 1), (1, 1), (1, 1), 1)
    prev = pynn.get_num_threads()
    try:
        for threads in (1, 2, 3):
            pynn.set_num_threads(threads)
            xs, ws = pynn.tensor(x).requires_grad_(True), pynn.tensor(w).requires_grad_(True)
            out = F.conv2d(xs, ws, None, 1, 1)
            np.testing.assert_allclose(out.detach().numpy(), expect, rtol=1e-10, atol=1e-10)
            out.sum().backward()
            gw = ws.grad.numpy()
            xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
            TF.conv2d(xt, wt, None, 1, 1).sum().backward()
            np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-10, atol=1e-9)
            np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-9)
    finally:
        pynn.set_num_threads(prev)


@pytest.mark.parametrize("stride,pad,dil", [(1, 1, 1), (2, 0, 1), (1, 2, 2)])
def test_float32_packed_kernel_matches_direct_reference(stride, pad, dil):
    """float32 with one group runs on the packed AVX-512 kernel where the CPU has it: sizes whose pixel panels
    (11 x 13 = 143 = 4 * 32 + 15 at stride 1), weight columns (37 * 9 = 333 = 10 * 32 + 13) and output channels
    (45 = 5 * 8 + 5) all end in partial blocks, samples over 1-3 threads (3 > batch: the tiled fallback); input
    and weight gradients against the same direct reference's adjoint (torch in float64)."""
    rng = np.random.default_rng(17)
    x = rng.standard_normal((3, 37, 11, 13))
    w = rng.standard_normal((45, 37, 3, 3)) * 0.1
    b = rng.standard_normal(45)
    g = rng.standard_normal(ref_conv2d(x, w, b, _pair(stride), _pair(pad), _pair(dil), 1).shape)
    expect = ref_conv2d(x, w, b, _pair(stride), _pair(pad), _pair(dil), 1)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    TF.conv2d(xt, wt, torch.tensor(b), stride, pad, dil).backward(torch.tensor(g))
    prev = pynn.get_num_threads()
    try:
        for threads in (1, 2, 3):
            pynn.set_num_threads(threads)
            xs = pynn.tensor(x.astype(np.float32)).requires_grad_(True)
            ws = pynn.tensor(w.astype(np.float32)).requires_grad_(True)
            out = F.conv2d(xs, ws, pynn.tensor(b.astype(np.float32)), stride, pad, dil)
            np.testing.assert_allclose(out.detach().numpy(), expect, rtol=1e-4, atol=1e-4)
            out.backward(pynn.tensor(g.astype(np.float32)))
            np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(ws.grad.numpy(), wt.grad.numpy(), rtol=1e-4, atol=1e-3)
    finally:
        pynn.set_num_threads(prev)


def test_conv2d_sample_blocks_with_a_partial_last_block():
    """Small images share GEMMs in blocks of samples (16 of 8x8 here); 37 samples end in a partial block."""
    rng = np.random.default_rng(13)
    x = rng.standard_normal((37, 4, 8, 8))
    w = rng.standard_normal((6, 2, 3, 3))
    b = rng.standard_normal(6)
    np.testing.assert_allclose(F.conv2d(pynn.tensor(x), pynn.tensor(w), pynn.tensor(b), 1, 1, 1, 2).numpy(),
                               ref_conv2d(x, w, b, (1, 1), (1, 1), (1, 1), 2), rtol=1e-10, atol=1e-10)
    prev = pynn.get_num_threads()
    try:
        for threads in (1, 2):
            pynn.set_num_threads(threads)
            _check_against_torch(lambda x, w, b: F.conv2d(x, w, b, 1, 1, 1, 2),
                                 lambda x, w, b: TF.conv2d(x, w, b, 1, 1, 1, 2), [x, w, b], rtol=1e-10, atol=1e-10)
    finally:
        pynn.set_num_threads(prev)


@pytest.mark.parametrize("shape,k,stride,padding,dil,groups", [
    ((2, 4, 9), 3, 1, 1, 1, 1), ((1, 2, 7), 2, 2, 0, 2, 2), ((3, 4, 6), 4, 1, "same", 1, 4), ((4, 5), 3, 1, 0, 1, 1),
])
def test_conv1d_vs_torch(shape, k, stride, padding, dil, groups):
    rng = np.random.default_rng(2)
    c = shape[-2]
    arrays = [rng.standard_normal(shape).astype(np.float32),
              rng.standard_normal((4, c // groups, k)).astype(np.float32),
              rng.standard_normal(4).astype(np.float32)]

    def fn(lib):
        return lambda x, w, b: lib.conv1d(x, w, b, stride, padding, dil, groups)

    _check_against_torch(fn(F), fn(TF), arrays)


def test_conv2d_unbatched_depthwise_noncontiguous():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 9, 7)).astype(np.float32)
    w = rng.standard_normal((6, 1, 3, 3)).astype(np.float32)
    _check_against_torch(lambda a, b: F.conv2d(a, b, None, 1, 1, 1, 6), lambda a, b: TF.conv2d(a, b, None, 1, 1, 1, 6),
                         [x, w])
    # a transposed (non-contiguous) input and weight
    xt = rng.standard_normal((2, 3, 8, 6)).astype(np.float32)
    wt = rng.standard_normal((4, 3, 3, 2)).astype(np.float32)
    _check_against_torch(lambda a, b: F.conv2d(a.transpose(2, 3), b.transpose(2, 3), None, (2, 1), 1),
                         lambda a, b: TF.conv2d(a.transpose(2, 3), b.transpose(2, 3), None, (2, 1), 1), [xt, wt])


@pytest.mark.parametrize("shape,cout,k,stride,pad,opad,groups,dil", [
    ((2, 4, 5, 5), 6, 3, 2, 1, 1, 2, 1), ((1, 3, 4, 6), 2, 2, 2, 0, 0, 1, 1), ((2, 2, 3, 4), 4, (3, 2), (1, 2),
                                                                           (1, 0), (0, 1), 2, (2, 1)),
    ((3, 5, 6), 4, 3, 1, 1, 0, 1, 1),
])
def test_conv_transpose2d_vs_torch(shape, cout, k, stride, pad, opad, groups, dil):
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(shape).astype(np.float32),
              rng.standard_normal((shape[-3], cout // groups) + _pair(k)).astype(np.float32),
              rng.standard_normal(cout).astype(np.float32)]

    def fn(lib):
        return lambda x, w, b: lib.conv_transpose2d(x, w, b, stride, pad, opad, groups, dil)

    _check_against_torch(fn(F), fn(TF), arrays)


def test_conv_transpose1d_vs_torch():
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((2, 4, 7)).astype(np.float32), rng.standard_normal((4, 3, 3)).astype(np.float32),
              rng.standard_normal(3).astype(np.float32)]
    _check_against_torch(lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1),
                         lambda x, w, b: TF.conv_transpose1d(x, w, b, 2, 1, 1), arrays)


def test_gradcheck_float64():
    rng = np.random.default_rng(8)
    x = pynn.tensor(rng.standard_normal((2, 4, 5, 4))).requires_grad_(True)
    w = pynn.tensor(rng.standard_normal((4, 2, 2, 3))).requires_grad_(True)
    b = pynn.tensor(rng.standard_normal(4)).requires_grad_(True)
    pynn.autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, (2, 1), "valid", (2, 1), 2), (x, w, b))
    pynn.autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, 1, "same", 1, 2), (x, w, b))
    wt = pynn.tensor(rng.standard_normal((4, 3, 3, 2))).requires_grad_(True)
    pynn.autograd.gradcheck(lambda x, w: F.conv_transpose2d(x, w, None, 2, 1, 1), (x, wt))


def test_double_backward_vs_torch():
    """Gradients of gradients: each backward op's own backward is made of the other conv ops."""
    rng = np.random.default_rng(9)
    xa = rng.standard_normal((2, 4, 6, 5))
    wa = rng.standard_normal((6, 2, 3, 2))
    ga = rng.standard_normal((2, 6, 3, 6))

    def run(lib, fn):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        out = fn.conv2d(x, w, None, (2, 1), 1, 1, 2)
        gx, gw = lib.autograd.grad((out * lib.tensor(ga)).sum(), (x, w), create_graph=True)
        z = (gx * gx).sum() + (gw * gw * gw).sum()
        return lib.autograd.grad(z, (x, w))

    for p, t in zip(run(pynn, F), run(torch, TF)):
        np.testing.assert_allclose(p.numpy(), t.numpy(), rtol=1e-9, atol=1e-9)
    # gradcheck of the first-order gradient itself
    x = pynn.tensor(xa[:1, :, :4, :3]).requires_grad_(True)
    w = pynn.tensor(wa[:, :, :2, :2]).requires_grad_(True)

    def grad_of(x, w):
        with pynn.enable_grad():  # gradcheck's finite differences run under no_grad
            out = F.conv2d(x, w, None, 1, 1, 1, 2)
            return pynn.autograd.grad((out * out).sum(), (w,), create_graph=True)[0]

    pynn.autograd.gradcheck(grad_of, (x, w))


def _err(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


def test_conv_errors_torch_wording():
    x, w = pynn.randn(2, 3, 5, 5), pynn.randn(4, 3, 3, 3)
    _err(lambda: F.conv2d(pynn.randn(3, 5), w), RuntimeError,
         r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[3, 5\]")
    _err(lambda: F.conv2d(pynn.randn(2, 4, 5, 5), w), RuntimeError,
         r"Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[2, 4, 5, 5\] to have 3 channels, but got 4 "
         r"channels instead")
    _err(lambda: F.conv2d(x, pynn.randn(3, 3, 3, 3), groups=2), RuntimeError,
         r"Given groups=2, expected weight to be divisible by 2 at dimension 0")
    _err(lambda: F.conv2d(pynn.randn(2, 3, 2, 2), w), RuntimeError,
         r"Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). Kernel size can't be greater "
         r"than actual input size")
    _err(lambda: F.conv2d(x, w, stride=0), RuntimeError, "non-positive stride is not supported")
    _err(lambda: F.conv2d(x, w, padding=-1), RuntimeError, "negative padding is not supported")
    _err(lambda: F.conv2d(x, w, dilation=0), RuntimeError, "non-positive dilation is not supported")
    _err(lambda: F.conv2d(x, w, groups=0), RuntimeError, "non-positive groups is not supported")
    _err(lambda: F.conv2d(x, w, pynn.randn(3)), RuntimeError,
         r"expected bias to be 1-dimensional with 4 elements, but got bias of size \[3\] instead")
    _err(lambda: F.conv2d(x, w, padding="same", stride=2), RuntimeError,
         "padding='same' is not supported for strided convolutions")
    _err(lambda: F.conv2d(x, w, padding="foo"), RuntimeError, "Invalid padding string: 'foo'")
    _err(lambda: F.conv2d(x.double(), w), RuntimeError, "expected scalar type Double but found Float")
    _err(lambda: F.conv2d(x, w, stride=(1, 2, 3)), RuntimeError,
         r"expected stride to be a single integer value or a list of 2 values")
    _err(lambda: F.conv1d(pynn.randn(2, 3, 5, 5), pynn.randn(4, 3, 3)), RuntimeError,
         r"Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d")
    _err(lambda: F.conv_transpose2d(pynn.randn(1, 32, 4, 4), pynn.randn(64, 32, 2, 2)), RuntimeError,
         r"Given transposed=1, weight of size \[64, 32, 2, 2\], expected input\[1, 32, 4, 4\] to have 64 channels")
    _err(lambda: F.conv_transpose2d(pynn.randn(1, 2, 4, 4), pynn.randn(2, 2, 3, 3), output_padding=1), RuntimeError,
         "output padding must be smaller than either stride or dilation")
    _err(lambda: nn.Conv2d(3, 4, 3, padding="foo"), ValueError, "Invalid padding string 'foo'")
    _err(lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups")
    _err(lambda: nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible by groups")
    _err(lambda: nn.Conv2d(4, 4, 3, stride=2, padding="same"), ValueError,
         "padding='same' is not supported for strided convolutions")


def test_empty_batch_and_zero_channels():
    out = F.conv2d(pynn.randn(0, 3, 4, 4), pynn.randn(4, 3, 3, 3))
    assert tuple(out.shape) == (0, 4, 2, 2)
    b = pynn.randn(4)
    out = F.conv2d(pynn.zeros(1, 0, 4, 4), pynn.zeros(4, 0, 3, 3), b)
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(b.numpy()[None, :, None, None], (1, 4, 2, 2)))


# ------------------------------------------------------------------------------------------ modules
@pytest.mark.parametrize("cls,args,kwargs,shape", [
    ("Conv2d", (3, 8, 3), dict(padding=1), (2, 3, 7, 7)),
    ("Conv2d", (4, 8, (3, 2)), dict(stride=2, dilation=(1, 2), groups=2, bias=False), (2, 4, 9, 9)),
    ("Conv2d", (3, 4, 3), dict(padding=2, padding_mode="reflect"), (2, 3, 6, 6)),
    ("Conv2d", (3, 4, 4), dict(padding="same", padding_mode="circular"), (1, 3, 6, 5)),
    ("Conv2d", (3, 4, 3), dict(padding=(1, 2), padding_mode="replicate"), (3, 6, 5)),
    ("Conv1d", (4, 6, 3), dict(groups=2, padding=1), (2, 4, 10)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2), (2, 4, 5, 5)),
    ("ConvTranspose1d", (4, 2, 3), dict(stride=3, dilation=2), (2, 4, 5)),
])
def test_modules_vs_torch(cls, args, kwargs, shape):
    pm, tm = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    assert repr(pm) == repr(tm)
    assert list(pm.state_dict()) == list(tm.state_dict())
    copy_state(pm, tm)
    x = np.random.default_rng(10).standard_normal(shape).astype(np.float32)
    compare_forward_backward(pm, tm, x, rtol=1e-4, atol=1e-5)


def test_conv_transpose_output_size():
    pm, tm = nn.ConvTranspose2d(3, 2, 3, stride=2), torch.nn.ConvTranspose2d(3, 2, 3, stride=2)
    copy_state(pm, tm)
    x = np.random.default_rng(11).standard_normal((1, 3, 4, 4)).astype(np.float32)
    out = pm(pynn.tensor(x), output_size=[10, 10])
    assert tuple(out.shape) == (1, 2, 10, 10)
    assert_close(out, tm(torch.tensor(x), output_size=[10, 10]).detach(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="requested an output size of"):
        pm(pynn.tensor(x), output_size=[12, 12])


def test_default_init_bounds():
    pynn.manual_seed(0)
    m = nn.Conv2d(16, 8, 3)
    bound = 1 / math.sqrt(16 * 9)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    t = nn.ConvTranspose2d(16, 8, 3)
    assert tuple(t.weight.shape) == (16, 8, 3, 3)
    assert np.abs(t.bias.detach().numpy()).max() <= 1 / math.sqrt(8 * 9)


# ------------------------------------------------------------------------------------------ tutorials
def test_tutorial_conv_shapes():
    conv = nn.Conv2d(3, 64, 3, padding=1)
    assert repr(conv) == "Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    y = conv(pynn.randn(32, 3, 32, 32))
    assert tuple(y.shape) == (32, 64, 32, 32)
    assert tuple(nn.MaxPool2d(2, 2)(y).shape) == (32, 64, 16, 16)
    assert tuple(nn.AdaptiveAvgPool2d((1, 1))(y).shape) == (32, 64, 1, 1)
    assert tuple(nn.ConvTranspose2d(64, 32, 2, stride=2)(y).shape) == (32, 32, 64, 64)
    assert tuple(nn.Conv2d(in_channels=3, out_channels=64, kernel_size=3)(pynn.randn(1, 3, 8, 8)).shape) == (1, 64, 6, 6)


class _Residual:
    """The tutorials' basic residual block, written once for both libraries."""

    @staticmethod
    def build(lib):
        class ResidualBlock(lib.nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv1 = lib.nn.Conv2d(channels, channels, kernel_size=3, padding=1)
                self.relu = lib.nn.ReLU()
                self.conv2 = lib.nn.Conv2d(channels, channels, kernel_size=3, padding=1)

            def forward(self, x):
                residual = x
                out = self.relu(self.conv1(x))
                out = self.conv2(out)
                out += residual
                return self.relu(out)

        return ResidualBlock


def test_tutorial_residual_block_and_forward_hook():
    pm, tm = _Residual.build(pynn)(4), _Residual.build(torch)(4)
    copy_state(pm, tm)
    seen = {}
    def hook(module, inputs, output):
        seen["shape"] = tuple(output.shape)

    handle = pm.conv1.register_forward_hook(hook)
    x = np.random.default_rng(12).standard_normal((2, 4, 6, 6)).astype(np.float32)
    compare_forward_backward(pm, tm, x, rtol=1e-4, atol=1e-5)
    assert seen["shape"] == (2, 4, 6, 6)
    handle.remove()


def test_tutorial_functional_conv_in_module():
    class DynamicConv(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(pynn.randn(16, 3, 3, 3))
            self.bias = nn.Parameter(pynn.zeros(16))

        def forward(self, x):
            return F.conv2d(x, self.weight, bias=self.bias)

    out = DynamicConv()(pynn.randn(2, 3, 8, 8))
    assert tuple(out.shape) == (2, 16, 6, 6)
    out.sum().backward()


# ------------------------------------------------------------------------------------------ unfold / fold
@pytest.mark.parametrize("shape,k,d,p,s", [
    ((2, 3, 7, 6), 2, 1, 0, 1), ((1, 2, 8, 9), (3, 2), (2, 1), (1, 2), (2, 3)), ((3, 6, 5), 3, 1, 1, 2),
])
def test_unfold_fold_vs_torch(shape, k, d, p, s):
    rng = np.random.default_rng(14)
    x = rng.standard_normal(shape).astype(np.float32)
    _check_against_torch(lambda a: F.unfold(a, k, d, p, s), lambda a: TF.unfold(a, k, d, p, s), [x])
    cols = TF.unfold(torch.tensor(x), k, d, p, s).numpy()
    size = shape[-2:]
    _check_against_torch(lambda a: F.fold(a, size, k, d, p, s), lambda a: TF.fold(a, size, k, d, p, s), [cols])


def test_unfold_is_the_conv_columns():
    rng = np.random.default_rng(15)
    x, w = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 3, 2))
    cols = F.unfold(pynn.tensor(x), (3, 2), 1, 1, (2, 1))
    out = (pynn.tensor(w.reshape(4, -1)) @ cols).numpy()
    expect = ref_conv2d(x, w, None, (2, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(out.reshape(expect.shape), expect, rtol=1e-10, atol=1e-10)


def test_unfold_fold_gradcheck_and_errors():
    rng = np.random.default_rng(16)
    x = pynn.tensor(rng.standard_normal((1, 2, 4, 5))).requires_grad_(True)
    pynn.autograd.gradcheck(lambda a: F.unfold(a, 2, 1, 1, 2), (x,))
    c = pynn.tensor(rng.standard_normal((1, 8, 12))).requires_grad_(True)
    pynn.autograd.gradcheck(lambda a: F.fold(a, (4, 5), 2), (c,))
    _err(lambda: F.unfold(pynn.randn(1, 3, 2, 2), 3), RuntimeError,
         r"Given input with spatial size \(2, 2\), kernel_size=\(3, 3\), dilation=\(1, 1\), padding=\(0, 0\), "
         r"calculated shape of the array of sliding blocks as \(0, 0\), but its components must be at least one.")
    _err(lambda: F.unfold(pynn.randn(1, 3, 5, 5), 2, stride=0), RuntimeError,
         "stride should be greater than zero, but got stride_height: 0 stride_width: 0")
    _err(lambda: F.unfold(pynn.randn(1, 3, 5, 5), 2, padding=-1), RuntimeError,
         "padding should be non-negative, but got pad_height: -1 pad_width: -1")
    _err(lambda: F.fold(pynn.randn(1, 11, 16), (5, 5), 2), RuntimeError,
         r"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
         r"input.size\(1\)=11 and kernel_size=\(2, 2\).")
    _err(lambda: F.fold(pynn.randn(1, 12, 15), (5, 5), 2), RuntimeError,
         r"expected size of input's dimension 2 to match the calculated number of sliding blocks 4 \* 4 = 16, but got "
         r"input.size\(2\)=15.")
    assert repr(nn.Unfold((2, 3), 2, 1, (1, 2))) == repr(torch.nn.Unfold((2, 3), 2, 1, (1, 2)))
    assert repr(nn.Fold((5, 5), 2)) == repr(torch.nn.Fold((5, 5), 2))
    assert tuple(nn.Fold((5, 5), 2)(nn.Unfold(2)(pynn.randn(2, 3, 5, 5))).shape) == (2, 3, 5, 5)
