"""F.embedding_bag / nn.EmbeddingBag vs torch: sum / mean / max, 1-D input with offsets (include_last_offset,
empty bags), 2-D fixed-length bags, per_sample_weights, padding_idx, max_norm, scale_grad_by_freq, int32 / int64
indices, forward and gradients of weight and per_sample_weights, a numpy reference, gradcheck, torch's errors."""
import numpy as np
import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
from conftest import assert_close

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402


def ref_embedding_bag(idx, w, offsets, mode, psw=None, padding_idx=None):
    """numpy reference over 1-D indices and offsets (no include_last_offset)."""
    bounds = list(offsets) + [len(idx)]
    out = np.zeros((len(offsets), w.shape[1]), w.dtype)
    for b in range(len(offsets)):
        sel = [j for j in range(bounds[b], bounds[b + 1]) if idx[j] != padding_idx]
        if not sel:
            continue
        rows = w[idx[sel]] * (psw[sel, None] if psw is not None else 1)
        out[b] = rows.sum(0) if mode == "sum" else rows.mean(0) if mode == "mean" else rows.max(0)
    return out


_CASES = [
    # indices, offsets, mode, include_last_offset, padding_idx, per_sample_weights
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], "sum", False, None, False),
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4, 6], "mean", False, None, False),  # an empty bag
    ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 8], "max", True, None, False),
    ([1, 2, 2, 5, 2, 3, 2, 9], [0, 2, 5], "mean", False, 2, False),  # padding entries left out of the mean
    ([1, 2, 2, 5, 4, 4, 2, 9], [0, 2, 5], "max", False, 2, False),
    ([1, 7, 4, 5, 7, 3, 0, 9, 1], [0, 1, 5, 9], "sum", True, None, True),
    ([0, 3, 3, 3, 8], [0, 2], "sum", False, -2, True),
]


@pytest.mark.parametrize("idx,offsets,mode,last,padding_idx,weighted", _CASES)
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_embedding_bag_1d_vs_torch(idx, offsets, mode, last, padding_idx, weighted, dtype):
    w = np.random.default_rng(1).standard_normal((10, 4)).astype(np.float32)
    psw = np.random.default_rng(2).uniform(0.5, 2, len(idx)).astype(np.float32) if weighted else None
    pw, tw = pynn.tensor(w).requires_grad_(True), torch.tensor(w, requires_grad=True)
    pp = pynn.tensor(psw).requires_grad_(True) if weighted else None
    tp = torch.tensor(psw, requires_grad=True) if weighted else None
    kw = dict(mode=mode, include_last_offset=last, padding_idx=padding_idx)
    a = np.array(idx, dtype)
    o = np.array(offsets, dtype)
    po = F.embedding_bag(pynn.tensor(a), pw, pynn.tensor(o), per_sample_weights=pp, **kw)
    to = TF.embedding_bag(torch.tensor(a), tw, torch.tensor(o), per_sample_weights=tp, **kw)
    assert_close(po, to.detach(), rtol=1e-5, atol=1e-6)
    proj = np.random.default_rng(3).standard_normal(tuple(to.shape)).astype(np.float32)
    (po * pynn.tensor(proj)).sum().backward()
    (to * torch.tensor(proj)).sum().backward()
    assert_close(pw.grad, tw.grad, rtol=1e-5, atol=1e-6)
    if weighted:
        assert_close(pp.grad, tp.grad, rtol=1e-5, atol=1e-6)
    if not last:
        pad = None if padding_idx is None else padding_idx % 10
        np.testing.assert_allclose(po.detach().numpy(), ref_embedding_bag(np.array(idx), w, offsets, mode, psw, pad),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_module_2d_input_max_norm_and_freq(mode):
    idx = np.random.default_rng(4).integers(0, 12, (5, 6))
    for kw in (dict(), dict(max_norm=1.0), dict(padding_idx=3)):
        pm, tm = nn.EmbeddingBag(12, 3, mode=mode, **kw), torch.nn.EmbeddingBag(12, 3, mode=mode, **kw)
        assert repr(pm) == repr(tm)
        pm.load_state_dict({"weight": pynn.tensor(tm.weight.detach().numpy())})
        po, to = pm(pynn.tensor(idx)), tm(torch.tensor(idx))
        assert_close(po, to.detach(), rtol=1e-5, atol=1e-6)
        assert_close(pm.weight, tm.weight.detach(), rtol=1e-5, atol=1e-6)  # max_norm renormalised in place alike
        (po ** 2).sum().backward()
        (to ** 2).sum().backward()
        assert_close(pm.weight.grad, tm.weight.grad, rtol=1e-4, atol=1e-5)


def test_embedding_bag_scale_grad_by_freq_is_embedding_then_reduce():
    """Each row's gradient divided by its frequency in the input, as F.embedding's (torch's embedding_bag divides
    some rows by another index's count here, e.g. [[0, 1, 1], [1, 2, 3]] scales rows 2 and 3 by 1/3)."""
    w = np.random.default_rng(7).standard_normal((6, 3)).astype(np.float32)
    idx = np.array([[0, 1, 1], [1, 2, 3]])
    for mode in ("sum", "mean"):
        a, b = pynn.tensor(w).requires_grad_(True), torch.tensor(w, requires_grad=True)
        out = F.embedding_bag(pynn.tensor(idx), a, mode=mode, scale_grad_by_freq=True)
        rows = TF.embedding(torch.tensor(idx), b, scale_grad_by_freq=True)
        expect = rows.sum(1) if mode == "sum" else rows.mean(1)
        assert_close(out, expect.detach(), rtol=1e-6, atol=1e-6)
        (out * out).sum().backward()
        (expect * expect).sum().backward()
        assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_embedding_bag_from_pretrained_and_gradcheck():
    w = np.random.default_rng(5).standard_normal((6, 3))
    bag = nn.EmbeddingBag.from_pretrained(pynn.tensor(w), mode="sum")
    assert not bag.weight.requires_grad
    out = bag(pynn.tensor([[0, 2], [5, 5]]))
    np.testing.assert_allclose(out.numpy(), np.stack([w[0] + w[2], 2 * w[5]]), rtol=1e-12)
    leaf = pynn.tensor(w).requires_grad_(True)
    psw = pynn.tensor(np.random.default_rng(6).uniform(0.5, 1.5, 5)).requires_grad_(True)
    idx, off = pynn.tensor([0, 3, 3, 1, 5]), pynn.tensor([0, 2, 2])
    for mode in ("sum", "mean", "max"):
        pynn.autograd.gradcheck(lambda a: F.embedding_bag(idx, a, off, mode=mode), (leaf,))
    pynn.autograd.gradcheck(lambda a, p: F.embedding_bag(idx, a, off, mode="sum", per_sample_weights=p), (leaf, psw))


def test_embedding_bag_errors_torch_wording():
    w = pynn.randn(10, 3)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(pynn.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(pynn.tensor([[1, 2]]), w, pynn.tensor([0]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(pynn.tensor([[1, 2]]), w, mode="min")
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(pynn.tensor([[1, 2]]), w, per_sample_weights=pynn.ones(1, 2))
    with pytest.raises(ValueError, match="per_sample_weights .* must have the same shape as the input"):
        F.embedding_bag(pynn.tensor([[1, 2]]), w, mode="sum", per_sample_weights=pynn.ones(2))
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(pynn.tensor([1, 2]), w, pynn.tensor([1]))
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(pynn.tensor([[1, 2]]), w, mode="max", scale_grad_by_freq=True)
    with pytest.raises(IndexError, match="index out of range"):
        F.embedding_bag(pynn.tensor([[1, 12]]), w)
    with pytest.raises(ValueError, match="weight has to be a 2D Tensor"):
        F.embedding_bag(pynn.tensor([[1, 2]]), pynn.randn(10))
