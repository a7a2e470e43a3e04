"""The direct depthwise kernels (csrc/cpu/conv_depthwise.cpp: one input channel per group, incl. channel
multipliers and a single-channel input with groups=1) vs a plain numpy reference kernel for the forward and both
gradients (float64 and float32), vs torch, float64 gradcheck / gradgradcheck, thread counts and every CPU
capability."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pynn
import pynn.nn.functional as F

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402


def _out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _windows(shape, wshape, stride, pad, dil):
    """For every tap (i, j): the slices of the zero-padded input that tap reads for all outputs."""
    _, _, h, w = shape
    _, _, kh, kw = wshape
    (sh, sw), (ph, pw), (dh, dw) = stride, pad, dil
    oh, ow = _out_size(h, kh, sh, ph, dh), _out_size(w, kw, sw, pw, dw)
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


def ref_depthwise(x, w, b, go, stride, pad, dil):
    """Plain reference: out[n, oc] = sum_ij w[oc, 0, i, j] * xpad[n, oc // m, window_ij], and its adjoints in x
    and w applied to go, in float64."""
    n, c, h, wd = x.shape
    o = w.shape[0]
    m = o // c
    (ph, pw) = pad
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    src = np.repeat(np.arange(c), m)  # input channel of each output channel
    out, gxp, gw = None, np.zeros_like(xp), np.zeros(w.shape)
    for i, j, win in _windows(x.shape, w.shape, stride, pad, dil):
        patch = xp[:, src][(slice(None), slice(None)) + win]
        term = patch * w[None, :, 0, i, j, None, None]
        out = term if out is None else out + term
        gw[:, 0, i, j] = np.einsum("nohw,nohw->o", patch, go)
        contrib = go * w[None, :, 0, i, j, None, None]
        for k in range(m):  # output channels k, k + m, ... of each input channel
            gxp[(slice(None), slice(None)) + win] += contrib[:, k::m]
    if b is not None:
        out = out + b[None, :, None, None]
    return out, gxp[:, :, ph:ph + h, pw:pw + wd], gw, go.sum(axis=(0, 2, 3))


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# (N, C, H, W), multiplier, kernel, stride, padding, dilation
CASES = [
    ((2, 4, 7, 6), 1, 3, 1, 1, 1),
    ((1, 3, 9, 11), 2, 3, 1, 1, 1),
    ((2, 4, 7, 6), 2, 3, 2, 1, 1),
    ((2, 2, 10, 9), 1, (2, 3), (2, 1), (0, 2), (2, 1)),
    ((2, 3, 5, 6), 1, 5, 1, 3, 1),        # padding wider than half the kernel
    ((2, 2, 5, 7), 3, 1, (1, 3), 0, 1),   # 1x1, strided
    ((3, 2, 6, 6), 2, (3, 2), 1, (3, 0), 2),
    ((1, 1, 8, 8), 5, 3, 1, 1, 1),        # a 1-channel input, groups=1
    ((2, 3, 13, 12), 1, 3, 3, 2, 2),
    ((2, 2, 1, 17), 1, (1, 4), (1, 2), (0, 1), (1, 3)),  # conv1d's lifted shape
    ((1, 2, 40, 70), 1, 3, 1, 1, 1),      # a plane larger than one accumulator tile
]


def _run(x, w, b, go, stride, pad, dil, groups):
    xt, wt, bt = (pynn.tensor(a).requires_grad_(True) for a in (x, w, b))
    out = F.conv2d(xt, wt, bt, stride, pad, dil, groups)
    (out * pynn.tensor(go)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("shape,mult,k,stride,pad,dil", CASES)
def test_depthwise_matches_plain_reference(shape, mult, k, stride, pad, dil):
    rng = np.random.default_rng(11)
    c = shape[1]
    kh, kw = _pair(k)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((c * mult, 1, kh, kw))
    b = rng.standard_normal(c * mult)
    s, p, d = _pair(stride), _pair(pad), _pair(dil)
    oh, ow = _out_size(shape[2], kh, s[0], p[0], d[0]), _out_size(shape[3], kw, s[1], p[1], d[1])
    go = rng.standard_normal((shape[0], c * mult, oh, ow))
    expect = ref_depthwise(x, w, b, go, s, p, d)
    got = _run(x, w, b, go, stride, pad, dil, c)
    for g, e in zip(got, expect):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)
    got32 = _run(*(a.astype(np.float32) for a in (x, w, b, go)), stride, pad, dil, c)
    for g, e in zip(got32, expect):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(e).max()))


@pytest.mark.parametrize("shape,mult,k,stride,pad,dil", CASES[:8])
def test_depthwise_vs_torch(shape, mult, k, stride, pad, dil):
    rng = np.random.default_rng(12)
    c = shape[1]
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((c * mult, 1) + _pair(k)).astype(np.float32)
    b = rng.standard_normal(c * mult).astype(np.float32)
    t = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    tout = TF.conv2d(*t, stride, pad, dil, c)
    go = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    (tout * torch.tensor(go)).sum().backward()
    got = _run(x, w, b, go, stride, pad, dil, c)
    for g, e in zip(got, [tout.detach().numpy()] + [a.grad.numpy() for a in t]):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4)


def test_depthwise_conv1d_and_transposed_vs_torch():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 4, 15)).astype(np.float32)
    w = rng.standard_normal((8, 1, 3)).astype(np.float32)
    wt = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)  # conv_transpose2d weight (in, out / groups, k, k)
    xt = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    cases = [(lambda lib, a, b: lib.conv1d(a, b, None, 2, 1, 2, 4), x, w),
             (lambda lib, a, b: lib.conv_transpose2d(a, b, None, 2, 1, 1, 4), xt, wt),
             (lambda lib, a, b: lib.conv_transpose2d(a, b, None, 1, 1, 0, 4), xt, wt)]
    for fn, a, b in cases:
        p = [pynn.tensor(v).requires_grad_(True) for v in (a, b)]
        t = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        po, to = fn(F, *p), fn(TF, *t)
        np.testing.assert_allclose(po.detach().numpy(), to.detach().numpy(), rtol=1e-4, atol=1e-4)
        go = rng.standard_normal(tuple(to.shape)).astype(np.float32)
        (po * pynn.tensor(go)).sum().backward()
        (to * torch.tensor(go)).sum().backward()
        for pp, tt in zip(p, t):
            np.testing.assert_allclose(pp.grad.numpy(), tt.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride,pad,dil,mult", [(1, 1, 1, 1), (2, 1, 1, 2), ((1, 2), (2, 0), (2, 1), 1)])
def test_depthwise_gradcheck_and_gradgradcheck(stride, pad, dil, mult):
    rng = np.random.default_rng(14)
    x = pynn.tensor(rng.standard_normal((2, 3, 6, 5))).requires_grad_(True)
    w = pynn.tensor(rng.standard_normal((3 * mult, 1, 3, 2))).requires_grad_(True)
    b = pynn.tensor(rng.standard_normal(3 * mult)).requires_grad_(True)

    def fn(x, w, b):
        return F.conv2d(x, w, b, stride, pad, dil, 3)

    assert pynn.autograd.gradcheck(fn, (x, w, b))
    assert pynn.autograd.gradgradcheck(fn, (x, w, b))


def test_depthwise_thread_counts_agree_bitwise():
    rng = np.random.default_rng(15)
    args = [rng.standard_normal(s).astype(np.float32) for s in ((5, 6, 12, 11), (12, 1, 3, 3), (12,), (5, 12, 6, 6))]
    prev = pynn.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            pynn.set_num_threads(threads)
            results.append(_run(*args, 2, 1, 1, 6))
    finally:
        pynn.set_num_threads(prev)
    for r in results[1:]:
        for a, b in zip(r, results[0]):
            np.testing.assert_array_equal(a, b)


def test_depthwise_empty_batch_and_noncontiguous():
    w = pynn.randn(4, 1, 3, 3, requires_grad=True)
    x = pynn.zeros(0, 4, 5, 5, requires_grad=True)
    out = F.conv2d(x, w, None, 1, 1, 1, 4)
    assert tuple(out.shape) == (0, 4, 5, 5)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((4, 1, 3, 3), np.float32))
    rng = np.random.default_rng(16)
    xa = rng.standard_normal((2, 4, 7, 9)).astype(np.float32)
    wa = rng.standard_normal((4, 1, 3, 3)).astype(np.float32)
    got = F.conv2d(pynn.tensor(xa).transpose(2, 3), pynn.tensor(wa).transpose(2, 3), None, 1, 1, 1, 4)
    expect = TF.conv2d(torch.tensor(xa).transpose(2, 3), torch.tensor(wa).transpose(2, 3), None, 1, 1, 1, 4)
    np.testing.assert_allclose(got.numpy(), expect.numpy(), rtol=1e-4, atol=1e-5)


_CAP_SCRIPT = """
import sys, numpy as np
sys.path.insert(0, {tests!r})
import pynn
from test_conv_depthwise import CASES, _run, _pair, _out_size
rng = np.random.default_rng(17)
res = {{}}
for idx, (shape, mult, k, stride, pad, dil) in enumerate(CASES):
    c = shape[1]
    kh, kw = _pair(k)
    s, p, d = _pair(stride), _pair(pad), _pair(dil)
    oh, ow = _out_size(shape[2], kh, s[0], p[0], d[0]), _out_size(shape[3], kw, s[1], p[1], d[1])
    arrays = [rng.standard_normal(shape), rng.standard_normal((c * mult, 1, kh, kw)), rng.standard_normal(c * mult),
              rng.standard_normal((shape[0], c * mult, oh, ow))]
    for dt in (np.float32, np.float64):
        for j, r in enumerate(_run(*(a.astype(dt) for a in arrays), stride, pad, dil, c)):
            res[f"{{idx}}_{{np.dtype(dt).name}}_{{j}}"] = r
np.savez({out!r}, capability=pynn._C._cpu_capability(), **res)
"""


def test_every_cpu_capability_matches_the_reference(tmp_path):
    caps = ["default", "avx2", "avx512"]
    supported = pynn._C._cpu_capability()
    caps = caps[:caps.index(supported) + 1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(pynn.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    results = {}
    for cap in caps:
        out = str(tmp_path / f"{cap}.npz")
        code = _CAP_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__)), out=out)
        subprocess.run([sys.executable, "-c", code], check=True, env=dict(env, PYNN_CPU_CAPABILITY=cap))
        results[cap] = dict(np.load(out))
        assert str(results[cap].pop("capability")) == cap
    rng = np.random.default_rng(17)
    for idx, (shape, mult, k, stride, pad, dil) in enumerate(CASES):
        c = shape[1]
        kh, kw = _pair(k)
        s, p, d = _pair(stride), _pair(pad), _pair(dil)
        oh, ow = _out_size(shape[2], kh, s[0], p[0], d[0]), _out_size(shape[3], kw, s[1], p[1], d[1])
        arrays = [rng.standard_normal(shape), rng.standard_normal((c * mult, 1, kh, kw)),
                  rng.standard_normal(c * mult), rng.standard_normal((shape[0], c * mult, oh, ow))]
        expect = ref_depthwise(*arrays, s, p, d)
        for cap in caps:
            for dt, tol in (("float32", 1e-4), ("float64", 1e-10)):
                for j, e in enumerate(expect):
                    got = results[cap][f"{idx}_{dt}_{j}"]
                    np.testing.assert_allclose(got, e, rtol=tol, atol=tol * max(1.0, np.abs(e).max()),
                                               err_msg=f"{cap} case {idx} {dt} output {j}")
