"""Embedding and F.embedding against torch: lookups with int64 / int32 indices, the dense weight gradient with
duplicates, padding_idx and scale_grad_by_freq, max_norm renormalisation in place, from_pretrained(freeze=),
float64 gradcheck / gradgradcheck, determinism across thread counts, torch's errors, the tutorials' snippets."""
import numpy as np
import pytest

import pynn
from pynn.autograd import gradcheck

from conftest import assert_close
from nn_testing import copy_state

torch = pytest.importorskip("torch")
F = torch.nn.functional


def table(V, D, dtype="float32", seed=0):
    return np.random.default_rng(seed).standard_normal((V, D)).astype(dtype)


def compare(pm, tm, idx_np, dtype="float32", seed=1):
    ip, it = pynn.tensor(idx_np), torch.tensor(idx_np)
    op, ot = pm(ip), tm(it)
    assert_close(op, ot)
    proj = np.random.default_rng(seed).standard_normal(tuple(ot.shape)).astype(dtype)
    (op * pynn.tensor(proj)).sum().backward()
    (ot * torch.tensor(proj)).sum().backward()
    if tm.weight.grad is None:
        assert pm.weight.grad is None
    else:
        assert_close(pm.weight.grad, tm.weight.grad, rtol=1e-5, atol=1e-6)
    assert_close(pm.weight, tm.weight.detach())


CASES = [
    ({}, np.array([[1, 2, 4, 5], [4, 3, 2, 9]])),
    ({"padding_idx": 0}, np.array([0, 2, 0, 5, 5, 5])),
    ({"padding_idx": -1}, np.array([[9, 1], [9, 9]])),
    ({"scale_grad_by_freq": True}, np.array([[1, 1, 1, 2], [3, 2, 1, 7]])),
    ({"scale_grad_by_freq": True, "padding_idx": 1}, np.array([1, 1, 2, 2, 2])),
    ({"max_norm": 1.0}, np.array([[1, 2, 2], [7, 1, 0]])),
    ({"max_norm": 0.5, "norm_type": 1.0}, np.array([3, 3, 4])),
    ({"max_norm": 2.0, "norm_type": 3.0, "padding_idx": 2}, np.array([[2, 5], [5, 6]])),
]


@pytest.mark.parametrize("index_dtype", ["int64", "int32"])
@pytest.mark.parametrize("kw,idx", CASES)
def test_embedding_matches_torch(kw, idx, index_dtype):
    tm = torch.nn.Embedding(10, 3, **kw)
    pm = pynn.nn.Embedding(10, 3, **kw)
    copy_state(pm, tm)
    assert repr(pm) == repr(tm)
    compare(pm, tm, idx.astype(index_dtype))


def test_embedding_padding_row_initialised_to_zero():
    pm = pynn.nn.Embedding(6, 4, padding_idx=3)
    assert np.all(pm.weight.detach().numpy()[3] == 0)
    assert pm.padding_idx == 3
    assert pynn.nn.Embedding(6, 4, padding_idx=-2).padding_idx == 4


def test_functional_embedding_float64_and_accumulation():
    w = table(7, 5, "float64")
    idx = np.array([[0, 6, 6], [2, 6, 0]])
    wp = pynn.tensor(w, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    for _ in range(2):  # the second backward adds into .grad
        pynn.nn.functional.embedding(pynn.tensor(idx), wp, padding_idx=2).sum().backward()
        F.embedding(torch.tensor(idx), wt, padding_idx=2).sum().backward()
    assert_close(wp.grad, wt.grad, rtol=1e-12, atol=1e-12)


def test_embedding_grad_fn_and_dense_grad():
    w = pynn.tensor(table(5, 2), requires_grad=True)
    out = pynn.nn.functional.embedding(pynn.tensor([1, 1]), w)
    assert out.grad_fn.name() == "EmbeddingBackward0"
    out.sum().backward()
    assert tuple(w.grad.shape) == (5, 2)
    np.testing.assert_array_equal(w.grad.numpy(), [[0, 0], [2, 2], [0, 0], [0, 0], [0, 0]])


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 1}, {"scale_grad_by_freq": True}])
def test_embedding_gradcheck_and_double_backward(kw):
    w = pynn.tensor(table(5, 3, "float64"), requires_grad=True)
    idx = pynn.tensor([[0, 1, 1], [4, 1, 0]])
    fn = lambda w: pynn.nn.functional.embedding(idx, w, **kw)  # noqa: E731
    # padding_idx and scale_grad_by_freq change the gradient by definition: gradcheck only judges the plain one.
    if not kw:
        assert gradcheck(fn, (w,))
    # The weight gradient is linear in the incoming gradient; gradcheck its derivative in that gradient (the
    # double backward's adjoint: a lookup, masked and scaled like the first backward).
    u = pynn.tensor(np.random.default_rng(4).standard_normal((5, 3)))

    def weight_grad(g):
        with pynn.enable_grad():
            (gw,) = pynn.autograd.grad(fn(w), (w,), grad_outputs=(g,), create_graph=True)
            return (gw * u).sum()

    g = pynn.tensor(np.random.default_rng(5).standard_normal((2, 3, 3)), requires_grad=True)
    assert gradcheck(weight_grad, (g,))
    if kw.get("scale_grad_by_freq"):
        return  # torch's double backward drops the frequency scale (embedding_dense_double_backward); pynn keeps it
    v = pynn.tensor(np.random.default_rng(3).standard_normal((2, 3, 3)))

    def first(w):
        with pynn.enable_grad():
            (g,) = pynn.autograd.grad((fn(w) * v * fn(w)).sum(), (w,), create_graph=True)
            return (g * g).sum()

    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    ft = lambda w: F.embedding(torch.tensor(idx.numpy()), w, **kw)  # noqa: E731
    (gt,) = torch.autograd.grad((ft(wt) * torch.tensor(v.numpy()) * ft(wt)).sum(), (wt,), create_graph=True)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), (wt,))
    wp = pynn.tensor(w.detach().numpy(), requires_grad=True)
    (ggp,) = pynn.autograd.grad(first(wp), (wp,))
    assert_close(ggp, ggt, rtol=1e-10, atol=1e-12)


def test_from_pretrained_freeze_and_sharing():
    w = pynn.tensor(table(4, 3))
    frozen = pynn.nn.Embedding.from_pretrained(w)
    assert not frozen.weight.requires_grad
    out = frozen(pynn.tensor([1, 3]))
    assert not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), w.numpy()[[1, 3]])
    trainable = pynn.nn.Embedding.from_pretrained(w, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad
    trainable(pynn.tensor([0, 2])).sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[0], 0)
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[2], 1)
    assert repr(trainable) == "Embedding(4, 3, padding_idx=0)"
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        pynn.nn.Embedding.from_pretrained(pynn.randn(4))


def test_max_norm_renormalises_table_in_place_without_recording():
    w = table(6, 4) * 3
    pw, tw = pynn.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    idx = np.array([5, 1, 5, 5])
    op = pynn.nn.functional.embedding(pynn.tensor(idx), pw, max_norm=1.5)
    ot = F.embedding(torch.tensor(idx), tw, max_norm=1.5)
    assert_close(op, ot)
    assert_close(pw, tw.detach())  # rows 1 and 5 were scaled in place, the others untouched
    op.sum().backward()
    ot.sum().backward()
    assert_close(pw.grad, tw.grad)


def test_backward_deterministic_across_threads():
    rng = np.random.default_rng(0)
    idx = pynn.tensor(rng.integers(0, 50, size=(64, 40)))
    g = pynn.tensor(rng.standard_normal((64, 40, 33)).astype(np.float32))
    results = []
    prev = pynn.get_num_threads()
    try:
        for n in (1, 2, 1):
            pynn.set_num_threads(n)
            w = pynn.tensor(np.zeros((50, 33), np.float32), requires_grad=True)
            (pynn.nn.functional.embedding(idx, w) * g).sum().backward()
            results.append(w.grad.numpy().copy())
    finally:
        pynn.set_num_threads(prev)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_embedding_errors():
    e = pynn.nn.Embedding(10, 3)
    for bad in ([10], [-1], [[1, 2], [3, 11]]):
        with pytest.raises(IndexError, match="index out of range in self"):
            e(pynn.tensor(bad))
    with pytest.raises(IndexError, match="index out of range in self"):
        e(pynn.tensor([-1], dtype=pynn.int32))
    with pytest.raises(RuntimeError, match=r"Expected tensor for argument #1 'indices' to have one of the following "
                                           r"scalar types: Long, Int; but got .*FloatTensor instead"):
        e(pynn.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        pynn.nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        pynn.nn.Embedding(10, 3, padding_idx=-11)
    with pytest.raises(RuntimeError, match="'weight' must be 2-D"):
        pynn.nn.functional.embedding(pynn.tensor([1]), pynn.randn(10))
    with pytest.raises(IndexError, match="index out of range in self"):
        pynn.nn.functional.embedding(pynn.tensor([12]), pynn.randn(10, 2), max_norm=1.0)
    with pytest.raises(NotImplementedError, match="sparse"):
        pynn.nn.Embedding(10, 3, sparse=True)


def test_tutorial_embeddings():
    nn = pynn.nn
    emb = nn.Embedding(num_embeddings=10000, embedding_dim=300)
    assert tuple(emb.weight.shape) == (10000, 300)
    embedding = nn.Embedding(1000, 128)
    x = pynn.randint(0, 1000, (32, 10))
    out = embedding(x)
    assert tuple(out.shape) == (32, 10, 128)
    out.sum().backward()
    assert float(embedding.weight.grad.sum()) == pytest.approx(32 * 10 * 128)
