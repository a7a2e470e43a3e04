"""memory_format objects, unique/unique_consecutive over a dim, and as_strided's backward, against torch."""
import pickle

import numpy as np
import pytest
import torch

import pynn


def _np(t):
    return t.detach().numpy()


# ----------------------------------------------------------------------------------------- as_strided backward
AS_STRIDED_CASES = [
    # (view of the input, as_strided args)
    (lambda a: a, ((3, 2), (1, 1))),          # overlapping windows: their gradients accumulate
    (lambda a: a[1:], ((3, 2), (1, 1))),      # default offset: the input's own storage offset
    (lambda a: a, ((3, 2), (1, 1), 2)),       # an explicit storage offset
    (lambda a: a[2:], ((2, 2), (0, 1), 1)),   # an offset before the input's own, a zero stride
    (lambda a: a.reshape(2, 6).t(), ((4,), (3,), 1)),  # a non-contiguous input
    (lambda a: a[:4].expand(3, 4), ((2, 2), (1, 1))),  # an input that overlaps itself: averaged over repeats
    (lambda a: a, ((0, 3), (1, 1))),          # empty
]


@pytest.mark.parametrize("case", range(len(AS_STRIDED_CASES)))
def test_as_strided_backward_matches_torch(case):
    view, args = AS_STRIDED_CASES[case]
    grads = []
    for lib in (pynn, torch):
        a = lib.arange(12.0, dtype=lib.float64).requires_grad_()
        y = view(a * 1).as_strided(*args)
        weight = lib.arange(float(y.numel()), dtype=lib.float64).reshape(y.shape) + 1
        (y * weight).sum().backward()
        grads.append(_np(a.grad))
    np.testing.assert_allclose(grads[0], grads[1])


def test_as_strided_gradcheck_and_gradgradcheck():
    a = pynn.randn(10, dtype=pynn.float64, requires_grad=True)
    fn = lambda t: (t * 1)[1:].as_strided((3, 3), (2, 1), 2) ** 2  # noqa: E731
    assert pynn.autograd.gradcheck(fn, (a,))
    assert pynn.autograd.gradgradcheck(fn, (a,))


def test_as_strided_backward_keeps_dtype_and_name():
    a = pynn.randn(6, requires_grad=True)
    y = a.as_strided((2, 2), (1, 1))
    assert y.grad_fn.name() == "AsStridedBackward0"
    y.sum().backward()
    assert a.grad.dtype == pynn.float32 and a.grad.shape == (6,)


# ---------------------------------------------------------------------------------------- unique over a dim
UNIQUE_SHAPES = [((6, 3), 0), ((6, 3), 1), ((4, 5, 2), 1), ((4, 5, 2), -1), ((5,), 0), ((1, 3), 0),
                 ((0, 3), 0), ((3, 0), 1), ((2, 0, 3), 1)]


@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
@pytest.mark.parametrize("shape,dim", UNIQUE_SHAPES)
def test_unique_dim_matches_torch(fn, shape, dim):
    a = np.random.default_rng(len(shape) * 7 + dim).integers(0, 2, shape).astype(np.float32)
    for extras in [(False, False), (True, True), (True, False)]:
        got = getattr(pynn, fn)(pynn.tensor(a), dim=dim, return_inverse=extras[0], return_counts=extras[1])
        want = getattr(torch, fn)(torch.tensor(a), dim=dim, return_inverse=extras[0], return_counts=extras[1])
        got, want = (got, want) if isinstance(got, tuple) else ((got,), (want,))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert tuple(g.shape) == tuple(w.shape)
            assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
            np.testing.assert_array_equal(_np(g), w.numpy())


def test_unique_dim_integer_rows_sorted_lexicographically():
    rows = [[3, 1], [1, 2], [3, 0], [1, 2], [0, 9]]
    got = pynn.unique(pynn.tensor(rows), dim=0, return_inverse=True)
    want = torch.unique(torch.tensor(rows), dim=0, return_inverse=True)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(_np(g), w.numpy())


@pytest.mark.parametrize("fn", ["unique", "unique_consecutive"])
def test_unique_dim_errors_like_torch(fn):
    for lib in (pynn, torch):
        with pytest.raises(IndexError):
            getattr(lib, fn)(lib.tensor(3.0), dim=0)
        with pytest.raises(IndexError):
            getattr(lib, fn)(lib.zeros(2, 2), dim=2)
        with pytest.raises(RuntimeError, match="0 sized dimensions"):
            getattr(lib, fn)(lib.zeros(3, 0), dim=0)


# ------------------------------------------------------------------------------------------- memory formats
def _layouts(lib):
    x = lib.arange(120.0).reshape(2, 3, 4, 5)
    cl = x.contiguous(memory_format=lib.channels_last)
    x5 = lib.arange(240.0).reshape(2, 3, 2, 4, 5)
    return {
        "cl_strides": cl.stride(),
        "cl_is_contiguous": (cl.is_contiguous(), cl.is_contiguous(memory_format=lib.channels_last),
                             x.is_contiguous(memory_format=lib.channels_last)),
        "cl_same_object": cl.contiguous(memory_format=lib.channels_last) is cl,
        "cl_values": cl.contiguous().numpy().tolist(),
        "to": x.to(memory_format=lib.channels_last).stride(),
        "to_dtype": x.to(lib.float64, memory_format=lib.channels_last).stride(),
        "back": cl.contiguous().stride(),
        "clone_preserve": (cl.clone().stride(), x.t().clone().stride() if x.dim() == 2 else None,
                           x.transpose(1, 3).clone().stride()),
        "clone_contig": cl.clone(memory_format=lib.contiguous_format).stride(),
        "clone_cl": x.clone(memory_format=lib.channels_last).stride(),
        "empty_like": (lib.empty_like(cl).stride(), lib.zeros_like(x.transpose(1, 2)).stride(),
                       lib.ones_like(cl, memory_format=lib.contiguous_format).stride(),
                       lib.full_like(x, 2.0, memory_format=lib.channels_last).stride(),
                       lib.randn_like(cl).stride(), lib.rand_like(cl).stride()),
        "empty": lib.empty(2, 3, 4, 5, memory_format=lib.channels_last).stride(),
        "cl3d": x5.contiguous(memory_format=lib.channels_last_3d).stride(),
        "size1": lib.zeros(2, 1, 4, 5).is_contiguous(memory_format=lib.channels_last),
        "repr": repr(lib.channels_last).split(".")[-1],
    }


def test_memory_format_layouts_match_torch():
    got, want = _layouts(pynn), _layouts(torch)
    for key in want:
        assert got[key] == want[key], key


def test_memory_format_values_and_gradient_flow():
    for lib in (pynn, torch):
        x = lib.arange(24.0).reshape(1, 2, 3, 4).requires_grad_()
        y = x.contiguous(memory_format=lib.channels_last)
        (y * lib.arange(24.0).reshape(1, 2, 3, 4)).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy().reshape(-1), np.arange(24.0))


def test_channels_last_conv_and_module_to():
    torch.manual_seed(0)
    tconv = torch.nn.Conv2d(3, 4, 3)
    pconv = pynn.nn.Conv2d(3, 4, 3)
    pconv.load_state_dict({k: pynn.tensor(v.detach().numpy()) for k, v in tconv.state_dict().items()})
    tconv, pconv = tconv.to(memory_format=torch.channels_last), pconv.to(memory_format=pynn.channels_last)
    assert pconv.weight.stride() == tconv.weight.stride()
    assert isinstance(pconv.weight, pynn.nn.Parameter)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    got = pconv(pynn.tensor(x).to(memory_format=pynn.channels_last))
    want = tconv(torch.tensor(x).to(memory_format=torch.channels_last))
    np.testing.assert_allclose(_np(got), want.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_memory_format_errors_like_torch():
    for lib in (pynn, torch):
        with pytest.raises(RuntimeError, match="rank 4"):
            lib.zeros(2, 3).contiguous(memory_format=lib.channels_last)
        with pytest.raises(RuntimeError, match="rank 5"):
            lib.zeros(2, 3, 4, 5).contiguous(memory_format=lib.channels_last_3d)
        with pytest.raises(RuntimeError, match="preserve"):
            lib.zeros(2, 3).t().contiguous(memory_format=lib.preserve_format)
        assert lib.zeros(2, 3).contiguous(memory_format=lib.preserve_format).shape == (2, 3)
        with pytest.raises(TypeError):
            lib.zeros(2, 3).contiguous(memory_format="channels_last")
        with pytest.raises(RuntimeError, match="rank 4"):
            lib.zeros(2, 3).to(memory_format=lib.channels_last)


def test_memory_format_type_and_pickling():
    assert isinstance(pynn.channels_last, pynn.memory_format)
    for fmt in (pynn.contiguous_format, pynn.preserve_format, pynn.channels_last, pynn.channels_last_3d):
        assert pickle.loads(pickle.dumps(fmt)) is fmt
    assert repr(pynn.preserve_format) == "pynn.preserve_format"
