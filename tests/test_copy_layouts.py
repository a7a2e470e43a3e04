"""Same-dtype copies between layouts (csrc/cpu/elementwise.cpp copy_kernel): the tiled path for transposed copies
(one side dense along the inner dim, the other along another dim: 8x8 blocks, ragged edges element by element)
and the row path, checked against a plain numpy reference and torch for every element size."""
import numpy as np
import pytest
import torch

import pynn

DTYPES = ["float32", "float64", "int64", "int32", "bool", "float16", "bfloat16"]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    vals = rng.integers(-1000, 1000, size=shape)
    if dtype == "bool":
        return vals > 0
    return vals.astype("float32" if dtype == "bfloat16" else dtype)


def _pair(shape, dtype):
    a = _data(shape, dtype)
    return pynn.tensor(a).to(getattr(pynn, dtype)), torch.tensor(a).to(getattr(torch, dtype)), a


def _same(p, t, ref=None):
    assert tuple(p.shape) == tuple(t.shape)
    pn = p.float().numpy() if p.dtype in (pynn.float16, pynn.bfloat16) else p.numpy()
    tn = t.float().numpy() if t.dtype in (torch.float16, torch.bfloat16) else t.numpy()
    np.testing.assert_array_equal(pn, tn)
    if ref is not None:
        np.testing.assert_array_equal(pn, ref)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(64, 64), (67, 93), (8, 4096), (513, 9), (3, 200)])
def test_transpose_contiguous(dtype, shape):
    p, t, a = _pair(shape, dtype)
    ref = np.ascontiguousarray(a.T).astype(np.float32) if dtype == "bfloat16" else np.ascontiguousarray(a.T)
    _same(p.t().contiguous(), t.t().contiguous(), ref if dtype not in ("float16", "bfloat16") else None)
    assert p.t().contiguous().is_contiguous()


@pytest.mark.parametrize("perm", [(0, 2, 1), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
def test_permuted_batch_contiguous(perm, dtype):
    p, t, a = _pair((5, 37, 70), dtype)
    _same(p.permute(*perm).contiguous(), t.permute(*perm).contiguous())
    if dtype != "float16":
        np.testing.assert_array_equal(p.permute(*perm).contiguous().numpy(), np.ascontiguousarray(a.transpose(perm)))


def test_four_dim_head_split_and_merge():
    p, t, a = _pair((4, 33, 6, 40), "float32")
    _same(p.permute(0, 2, 1, 3).contiguous(), t.permute(0, 2, 1, 3).contiguous())
    _same(p.permute(0, 2, 3, 1).contiguous(), t.permute(0, 2, 3, 1).contiguous(),
          np.ascontiguousarray(a.transpose(0, 2, 3, 1)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "bool"])
def test_copy_into_transposed_destination(dtype):
    p, t, a = _pair((90, 130), dtype)
    pd = pynn.zeros(130, 90).to(getattr(pynn, dtype))
    td = torch.zeros(130, 90).to(getattr(torch, dtype))
    pd.t().copy_(p)
    td.t().copy_(t)
    _same(pd, td, np.ascontiguousarray(a.T))


def test_sliced_and_strided_sources():
    p, t, a = _pair((100, 120), "float32")
    _same(p[3:90:2, 5:].t().contiguous(), t[3:90:2, 5:].t().contiguous(), np.ascontiguousarray(a[3:90:2, 5:].T))
    _same(p[:, ::3].contiguous(), t[:, ::3].contiguous(), np.ascontiguousarray(a[:, ::3]))
    _same(p.flip(0).t().contiguous(), t.flip(0).t().contiguous(), np.ascontiguousarray(a[::-1].T))


def test_broadcast_source_into_transposed_layout():
    row = np.arange(70, dtype=np.float32)
    pd, td = pynn.zeros(70, 50), torch.zeros(70, 50)
    pd.t().copy_(pynn.tensor(row))
    td.t().copy_(torch.tensor(row))
    _same(pd, td, np.broadcast_to(row, (50, 70)).T)


def test_transposed_copy_gradient_and_dtype_change():
    x = pynn.tensor(_data((40, 24), "float64"), requires_grad=True)
    xt = torch.tensor(_data((40, 24), "float64"), requires_grad=True)
    w = _data((24, 40), "float64")
    (x.t().contiguous() * pynn.tensor(w)).sum().backward()
    (xt.t().contiguous() * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    # a cast and a transpose in one copy takes the converting loop, not the bit-moving one
    _same(x.detach().t().float().contiguous(), xt.detach().t().float().contiguous())
