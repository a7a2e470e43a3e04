"""Tensor surface: shape/size/dim/numel/dtype/device, item/tolist/numpy,
__array__, len/iteration, repr, casts, allclose/equal/isnan/isinf, threads."""

import numpy as np
import pytest

import pynn
from conftest import assert_close, check_op, dtype_name, randn, randint_np, to_np, P, T

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------------------
# shape / size / dim / numel
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 2, 3, 4)], ids=str)
def test_shape_size_dim_numel(shape):
    p = pynn.zeros(shape)
    t = torch.zeros(shape)
    assert p.shape == tuple(t.shape)
    assert isinstance(p.shape, tuple)
    assert p.size() == tuple(t.size())
    assert isinstance(p.size(), tuple)
    assert p.dim() == t.dim()
    assert p.ndim == t.ndim
    assert p.numel() == t.numel()
    assert isinstance(p.numel(), int)
    for d in range(len(shape)):
        assert p.size(d) == t.size(d)
        assert p.size(d - len(shape)) == t.size(d - len(shape))
        assert p.shape[d] == shape[d]


def test_shape_equality_and_unpacking():
    p = pynn.zeros(2, 3, 4)
    assert p.shape == (2, 3, 4)
    assert p.shape != (2, 3)
    a, b, c = p.shape
    assert (a, b, c) == (2, 3, 4)
    assert list(p.shape) == [2, 3, 4]
    assert len(p.shape) == 3
    assert p.shape[-1] == 4
    assert p.shape[1:] == (3, 4)
    assert all(isinstance(s, int) for s in p.shape)


def test_size_accepted_by_factories():
    p = pynn.zeros(2, 3)
    assert pynn.zeros(p.shape).shape == (2, 3)
    assert pynn.ones(p.size()).shape == (2, 3)
    assert p.view(p.shape[1], p.shape[0]).shape == (3, 2)
    assert p.reshape(p.size()).shape == (2, 3)


def test_pynn_size_if_present():
    if hasattr(pynn, "Size"):
        s = pynn.zeros(2, 3).shape
        assert isinstance(s, pynn.Size)
        assert isinstance(s, tuple)


@pytest.mark.parametrize("name", ["float32", "float64", "int64", "int32", "bool"])
def test_dtype_attribute(name):
    p = pynn.zeros(2, dtype=getattr(pynn, name))
    assert p.dtype == getattr(pynn, name)
    assert dtype_name(p.dtype) == name


def test_device_attribute():
    p = pynn.tensor([1, 2])
    assert p.device.type == "cpu"
    assert p[0].device.type == "cpu"
    assert (p + 1).device.type == "cpu"


def test_is_tensor_instance():
    assert isinstance(pynn.zeros(1), pynn.Tensor)
    assert isinstance(pynn.zeros(2, 2)[0], pynn.Tensor)
    assert isinstance(pynn.zeros(2) + 1, pynn.Tensor)


# ----------------------------------------------------------------------------
# item / tolist / numpy / __array__
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,dtype,pytype",
    [(3.5, "float32", float), (-2.25, "float64", float), (7, "int64", int), (-3, "int32", int), (True, "bool", bool), (False, "bool", bool)],
)
def test_item(value, dtype, pytype):
    p = pynn.tensor(value, dtype=getattr(pynn, dtype))
    r = p.item()
    assert type(r) is pytype
    assert r == torch.tensor(value, dtype=getattr(torch, dtype)).item()


def test_item_single_element_nd():
    assert pynn.tensor([[2.5]]).item() == 2.5
    assert pynn.tensor([4]).item() == 4


def test_item_float32_precision():
    x = np.float32(0.1)
    assert pynn.tensor(float(x)).item() == torch.tensor(float(x)).item()


def test_python_number_conversions():
    assert float(pynn.tensor(2.5)) == 2.5
    assert int(pynn.tensor(3)) == 3
    assert int(pynn.tensor(3.7)) == 3
    assert bool(pynn.tensor(True)) is True
    assert bool(pynn.tensor([0.0])) is False
    assert pynn.tensor(2) + 0 == 2


@pytest.mark.parametrize(
    "data",
    [[1, 2, 3], [[1.5, 2.0], [3.0, 4.0]], [True, False], 2.5, 4, [], [[1], [2]], [[[1, 2]], [[3, 4]]]],
    ids=repr,
)
def test_tolist(data):
    p = pynn.tensor(data)
    t = torch.tensor(data)
    r = p.tolist()
    e = t.tolist()
    assert r == e
    assert type(r) is type(e)
    # element types
    flat_r, flat_e = np.array(r, dtype=object).ravel(), np.array(e, dtype=object).ravel()
    assert [type(v) for v in flat_r] == [type(v) for v in flat_e]


def test_tolist_noncontiguous():
    x = randint_np(3, 4)
    assert P(x).t().tolist() == T(x).t().tolist()
    assert P(x)[:, ::2].tolist() == x[:, ::2].tolist()


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_])
def test_numpy_dtype_and_values(np_dtype):
    x = (randint_np(2, 3) % 3).astype(np_dtype)
    n = P(x).numpy()
    assert isinstance(n, np.ndarray)
    assert n.dtype == np.dtype(np_dtype)
    np.testing.assert_array_equal(n, x)


def test_numpy_zero_copy_contiguous():
    p = pynn.zeros(2, 3)
    n = p.numpy()
    n[1, 2] = 5.0
    assert p[1, 2].item() == 5.0
    p.add_(1)
    assert n[0, 0] == 1.0 and n[1, 2] == 6.0


def test_numpy_zero_copy_view_of_contiguous_base():
    p = pynn.zeros(4, 3)
    n = p[1].numpy()
    n[:] = 7
    assert_close(p, torch.tensor([[0.0] * 3, [7.0] * 3, [0.0] * 3, [0.0] * 3]))


def test_numpy_noncontiguous_values_and_strides():
    x = randn(3, 4)
    p = P(x)
    n = p.t().numpy()
    np.testing.assert_array_equal(n, x.T)
    n2 = p[:, ::2].numpy()
    np.testing.assert_array_equal(n2, x[:, ::2])


def test_numpy_0d_and_empty():
    n = pynn.tensor(3.5).numpy()
    assert n.shape == () and n == 3.5
    e = pynn.zeros(0, 3).numpy()
    assert e.shape == (0, 3) and e.dtype == np.float32


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_array_protocol(np_dtype):
    x = (randint_np(2, 3) % 2).astype(np_dtype)
    p = P(x)
    a = np.asarray(p)
    assert a.dtype == np.dtype(np_dtype)
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(np.array(p), x)
    np.testing.assert_array_equal(np.asarray(p.t()), x.T)
    # numpy functions work on pynn tensors through __array__
    assert np.sum(np.asarray(p)) == x.sum()


def test_array_protocol_with_dtype():
    p = pynn.tensor([1, 2, 3])
    a = np.asarray(p, dtype=np.float64)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, [1.0, 2.0, 3.0])


# ----------------------------------------------------------------------------
# len / iteration
# ----------------------------------------------------------------------------
def test_len():
    assert len(pynn.zeros(5, 2)) == 5
    assert len(pynn.zeros(0, 2)) == 0
    assert len(pynn.zeros(3)) == 3
    assert len(pynn.zeros(2, 3).t()) == 3


def test_iteration_rows():
    x = randn(3, 4)
    p, t = P(x), T(x)
    rows_p, rows_t = list(p), list(t)
    assert len(rows_p) == 3
    for rp, rt in zip(rows_p, rows_t):
        assert_close(rp, rt)


def test_iteration_1d_yields_0d_tensors():
    p = pynn.tensor([1, 2, 3])
    items = [v for v in p]
    assert len(items) == 3
    for v, e in zip(items, [1, 2, 3]):
        assert isinstance(v, pynn.Tensor)
        assert tuple(v.shape) == ()
        assert v.item() == e


def test_iteration_empty_and_unpack():
    assert list(pynn.zeros(0, 2)) == []
    a, b = pynn.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 4.0]


# ----------------------------------------------------------------------------
# repr
# ----------------------------------------------------------------------------
def _norm(s):
    return s.replace("torch.", "pynn.")


REPR_CASES = [
    lambda m: m.tensor([[1.0, 2.0]]),
    lambda m: m.tensor([1, 2, 3]),
    lambda m: m.tensor(3.5),
    lambda m: m.tensor([True, False]),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64),
    lambda m: m.tensor(3),
    lambda m: m.tensor([1, 2], dtype=m.int32),
    lambda m: m.tensor([1.5, 2.25]),
    lambda m: m.tensor([0.5, 0.125, 3.0]),
    lambda m: m.tensor([[1, 2], [3, 4]]),
    lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]]),
    lambda m: m.zeros(3),
    lambda m: m.ones(2, 2, dtype=m.int64),
    lambda m: m.tensor(True),
    lambda m: m.tensor(2.0, dtype=m.float64),
]
REPR_IDS = [
    "float_2d_row", "int_1d", "float_0d", "bool_1d", "float64_1d", "int_0d", "int32_1d",
    "float_decimals", "float_decimals3", "int_2d", "float_2d", "zeros", "ones_int", "bool_0d", "float64_0d",
]


@pytest.mark.parametrize("case", REPR_CASES, ids=REPR_IDS)
def test_repr_matches_torch(case):
    p, t = case(pynn), case(torch)
    assert _norm(repr(p)) == _norm(repr(t))


def test_repr_spec_examples():
    assert _norm(repr(pynn.tensor([[1.0, 2.0]]))) == "tensor([[1., 2.]])"
    assert _norm(repr(pynn.tensor([1, 2, 3]))) == "tensor([1, 2, 3])"
    assert _norm(repr(pynn.tensor(3.5))) == "tensor(3.5000)"
    # torch pads bools to equal width: "tensor([ True, False])"
    assert _norm(repr(pynn.tensor([True, False]))) == "tensor([ True, False])"
    assert _norm(repr(pynn.tensor([1.0, 2.0], dtype=pynn.float64))) == "tensor([1., 2.], dtype=pynn.float64)"


def test_str_is_text():
    s = str(pynn.tensor([1, 2, 3]))
    assert "1" in s and "3" in s


# ----------------------------------------------------------------------------
# casts
# ----------------------------------------------------------------------------
CAST_SRC = {
    "float": np.array([[-1.7, 0.0, 2.5], [1.2, -0.2, 3.0]], np.float32),
    "double": np.array([-1.7, 0.0, 2.5], np.float64),
    "int": np.array([-2, 0, 3]),
    "int32": np.array([-2, 0, 3], np.int32),
    "bool": np.array([True, False, True]),
}
CASTS = {
    "to_float32": lambda m, a: a.to(m.float32),
    "to_float64": lambda m, a: a.to(m.float64),
    "to_int64": lambda m, a: a.to(m.int64),
    "to_int32": lambda m, a: a.to(m.int32),
    "to_bool": lambda m, a: a.to(m.bool),
    "to_kw": lambda m, a: a.to(dtype=m.float64),
    "float": lambda m, a: a.float(),
    "double": lambda m, a: a.double(),
    "long": lambda m, a: a.long(),
    "int": lambda m, a: a.int(),
    "bool": lambda m, a: a.bool(),
    "type_as_f64": lambda m, a: a.type_as(m.zeros(1, dtype=m.float64)),
    "type_as_i64": lambda m, a: a.type_as(m.zeros(1, dtype=m.int64)),
    "type_as_bool": lambda m, a: a.type_as(m.zeros(1, dtype=m.bool)),
}


@pytest.mark.parametrize("src", list(CAST_SRC))
@pytest.mark.parametrize("cast", list(CASTS))
def test_cast(cast, src):
    check_op(CASTS[cast], CAST_SRC[src])


@pytest.mark.parametrize("cast", ["to_float64", "long", "bool", "int"])
def test_cast_noncontiguous(cast):
    check_op(lambda m, a: CASTS[cast](m, a.t()), CAST_SRC["float"])


def test_cast_returns_new_storage_when_dtype_changes():
    p = pynn.tensor([1.0, 2.0])
    d = p.double()
    d.add_(1)
    assert p.tolist() == [1.0, 2.0]


def test_cast_same_dtype_values():
    p = pynn.tensor([1.0, 2.0])
    assert_close(p.to(pynn.float32), torch.tensor([1.0, 2.0]))
    assert_close(p.float(), torch.tensor([1.0, 2.0]))


def test_float64_roundtrip_precision():
    x = np.array([1.0 + 1e-12, np.pi], np.float64)
    p = P(x)
    np.testing.assert_array_equal(p.numpy(), x)
    np.testing.assert_array_equal(p.float().double().numpy(), x.astype(np.float32).astype(np.float64))


def test_large_int64_values_exact():
    x = np.array([2**62, -(2**62) + 7, 2**53 + 1], np.int64)
    p = P(x)
    np.testing.assert_array_equal(p.numpy(), x)
    assert p[2].item() == 2**53 + 1
    assert_close(p + 1, T(x) + 1)


# ----------------------------------------------------------------------------
# allclose / equal / isnan / isinf
# ----------------------------------------------------------------------------
def test_allclose():
    a = pynn.tensor([1.0, 2.0, 3.0])
    assert pynn.allclose(a, a + 1e-9) is True
    assert pynn.allclose(a, a + 1e-3) is False
    assert pynn.allclose(a, a + 1e-3, atol=1e-2) is True
    assert pynn.allclose(a, a * 1.001, rtol=1e-2) is True
    assert pynn.allclose(a, a * 1.1, rtol=1e-2) is False
    assert a.allclose(a.clone()) is True


def test_allclose_broadcast_and_nan():
    a = pynn.tensor([[1.0, 2.0], [1.0, 2.0]])
    b = pynn.tensor([1.0, 2.0])
    assert pynn.allclose(a, b) == torch.allclose(torch.tensor([[1.0, 2.0], [1.0, 2.0]]), torch.tensor([1.0, 2.0]))
    n = pynn.tensor([float("nan"), 1.0])
    assert pynn.allclose(n, n) is False
    assert pynn.allclose(n, n, equal_nan=True) is True


def test_equal():
    a = pynn.tensor([[1, 2], [3, 4]])
    assert pynn.equal(a, pynn.tensor([[1, 2], [3, 4]])) is True
    assert pynn.equal(a, pynn.tensor([[1, 2], [3, 5]])) is False
    assert pynn.equal(a, pynn.tensor([1, 2])) is False  # shape mismatch -> False
    assert a.equal(a.clone()) is True
    assert pynn.equal(a.t(), a.t().contiguous()) is True


@pytest.mark.parametrize("name", ["isnan", "isinf"])
def test_isnan_isinf(name):
    x = np.array([[np.nan, 1.0, -np.inf], [np.inf, 0.0, np.nan]], np.float32)
    check_op(lambda m, a: getattr(m, name)(a), x)
    check_op(lambda m, a: getattr(a, name)(), x)
    check_op(lambda m, a: getattr(m, name)(a.t()), x)
    check_op(lambda m, a: getattr(m, name)(a), randint_np(4))
    check_op(lambda m, a: getattr(m, name)(a), x.astype(np.float64))


def test_nan_from_ops_detected():
    p = pynn.tensor([0.0, 1.0, -1.0])
    assert pynn.isnan(p / 0).tolist() == [True, False, False]
    assert pynn.isinf(p / 0).tolist() == [False, True, True]


# ----------------------------------------------------------------------------
# threads
# ----------------------------------------------------------------------------
def test_num_threads():
    orig = pynn.get_num_threads()
    assert isinstance(orig, int) and orig >= 1
    try:
        pynn.set_num_threads(1)
        assert pynn.get_num_threads() == 1
        r1 = to_np(pynn.ones(500, 300).sum(0))
        pynn.set_num_threads(2)
        assert pynn.get_num_threads() == 2
        r2 = to_np(pynn.ones(500, 300).sum(0))
        np.testing.assert_array_equal(r1, r2)
    finally:
        pynn.set_num_threads(orig)
    assert pynn.get_num_threads() == orig
