"""Tensor factories, dtypes, devices and random number generation."""

import numpy as np
import pytest

import pynn
from conftest import assert_close, dtype_name, to_np, PYNN_IS_TORCH, MACHINE_HAS_GPU, pynn_cuda_available

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "int64", "int32", "bool"]


# ----------------------------------------------------------------------------
# dtypes / device
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", DTYPES)
def test_dtype_objects_exist(name):
    dt = getattr(pynn, name)
    assert dtype_name(dt) == name
    assert repr(dt).replace("torch.", "pynn.") == "pynn." + name
    assert str(dt).replace("torch.", "pynn.") == "pynn." + name


@pytest.mark.parametrize(
    "alias,name",
    [("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32")],
)
def test_dtype_aliases(alias, name):
    assert getattr(pynn, alias) == getattr(pynn, name)
    assert dtype_name(getattr(pynn, alias)) == name


def test_dtypes_distinct():
    dts = [getattr(pynn, n) for n in DTYPES]
    for i in range(len(dts)):
        for j in range(len(dts)):
            assert (dts[i] == dts[j]) == (i == j)


def test_default_dtype_float32():
    assert pynn.tensor([1.0, 2.0]).dtype == pynn.float32
    assert pynn.zeros(2).dtype == pynn.float32
    assert pynn.ones(2).dtype == pynn.float32
    assert pynn.empty(2).dtype == pynn.float32
    assert pynn.randn(2).dtype == pynn.float32
    assert pynn.rand(2).dtype == pynn.float32
    assert pynn.linspace(0, 1, 3).dtype == pynn.float32


def test_device():
    d = pynn.device("cpu")
    assert d.type == "cpu"
    t = pynn.zeros(2)
    assert t.device.type == "cpu"
    assert t.device == pynn.device("cpu")


def test_factory_device_kwarg_cpu():
    t = pynn.zeros(2, 3, device="cpu")
    assert t.device.type == "cpu"
    t = pynn.tensor([1.0], device=pynn.device("cpu"))
    assert t.device.type == "cpu"


def test_cuda_is_available_returns_bool():
    avail = pynn.cuda.is_available()
    assert avail is True or avail is False
    if not MACHINE_HAS_GPU:
        assert avail is False


def test_to_cpu_ok_to_cuda_raises():
    t = pynn.ones(3)
    assert_close(t.to("cpu"), torch.ones(3))
    assert_close(t.to(pynn.device("cpu")), torch.ones(3))
    if pynn_cuda_available():
        pytest.skip("CUDA is available: .to('cuda') is expected to work")
    exc = (RuntimeError, AssertionError) if PYNN_IS_TORCH else RuntimeError
    with pytest.raises(exc):
        t.to("cuda")


# ----------------------------------------------------------------------------
# tensor / as_tensor / from_numpy
# ----------------------------------------------------------------------------
TENSOR_DATA = [
    pytest.param([1, 2, 3], id="ints"),
    pytest.param([1.0, 2.5, -3.0], id="floats"),
    pytest.param([True, False, True], id="bools"),
    pytest.param([1, 2.5], id="mixed_int_float"),
    pytest.param([[1, 2], [3, 4]], id="nested_ints"),
    pytest.param([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], id="nested_floats"),
    pytest.param(3.5, id="scalar_float"),
    pytest.param(7, id="scalar_int"),
    pytest.param(True, id="scalar_bool"),
    pytest.param([], id="empty"),
    pytest.param([[[1]], [[2]]], id="3d"),
]


@pytest.mark.parametrize("data", TENSOR_DATA)
def test_tensor_from_python(data):
    assert_close(pynn.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("data", [[1, 0, 3], [1.5, 0.0, -2.0]], ids=["ints", "floats"])
def test_tensor_with_dtype(data, dtype):
    assert_close(pynn.tensor(data, dtype=getattr(pynn, dtype)), torch.tensor(data, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_])
def test_tensor_from_numpy_array_copies(np_dtype):
    arr = np.array([[1, 0, 2], [3, 4, 0]]).astype(np_dtype)
    t = pynn.tensor(arr)
    assert_close(t, torch.tensor(arr))
    # pynn.tensor always copies
    arr[0, 0] = 0 if np_dtype is not np.bool_ else False
    assert to_np(t)[0, 0] == (np_dtype(1))


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_])
def test_from_numpy_dtype_and_values(np_dtype):
    arr = np.array([[1, 0, 2], [3, 4, 0]]).astype(np_dtype)
    assert_close(pynn.from_numpy(arr), torch.from_numpy(arr.copy()))


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.int32])
def test_from_numpy_zero_copy(np_dtype):
    arr = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = pynn.from_numpy(arr)
    arr[1, 2] = 42
    arr[0, 0] = -7
    assert to_np(t)[1, 2] == 42
    assert t[0, 0].item() == -7
    # and the other way round: writing through the tensor changes the array
    t.fill_(3)
    assert (arr == 3).all()


def test_from_numpy_keeps_array_alive():
    t = pynn.from_numpy(np.arange(5, dtype=np.float32) * 2)
    import gc

    gc.collect()
    assert_close(t, torch.arange(5, dtype=torch.float32) * 2)


def test_from_numpy_noncontiguous_array():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    arr = base[:, ::2]
    t = pynn.from_numpy(arr)
    assert_close(t, torch.from_numpy(arr.copy()))
    assert tuple(t.stride()) == tuple(torch.from_numpy(base)[:, ::2].stride())


@pytest.mark.parametrize(
    "data",
    [[1, 2, 3], [1.0, 2.0], np.array([1.0, 2.0], dtype=np.float64), np.array([1, 2], dtype=np.int32), 2.5],
    ids=["ints", "floats", "np_f64", "np_i32", "scalar"],
)
def test_as_tensor(data):
    assert_close(pynn.as_tensor(data), torch.as_tensor(data))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_as_tensor_dtype(dtype):
    data = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert_close(pynn.as_tensor(data, dtype=getattr(pynn, dtype)), torch.as_tensor(data, dtype=getattr(torch, dtype)))


def test_as_tensor_of_tensor():
    t = pynn.tensor([1.0, 2.0])
    assert_close(pynn.as_tensor(t), torch.tensor([1.0, 2.0]))
    assert_close(pynn.as_tensor(t, dtype=pynn.float64), torch.tensor([1.0, 2.0], dtype=torch.float64))


# ----------------------------------------------------------------------------
# zeros / ones / full / empty (+ _like)
# ----------------------------------------------------------------------------
SHAPES = [(), (3,), (2, 3), (2, 0, 3), (1, 2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("fn", ["zeros", "ones"])
def test_zeros_ones_tuple_shape(fn, shape):
    assert_close(getattr(pynn, fn)(shape), getattr(torch, fn)(shape))


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_factories_varargs_shape(fn):
    t = getattr(pynn, fn)(2, 3, 4)
    assert tuple(t.shape) == (2, 3, 4)
    assert t.dtype == pynn.float32
    t = getattr(pynn, fn)([4, 1])
    assert tuple(t.shape) == (4, 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["zeros", "ones"])
def test_zeros_ones_dtype(fn, dtype):
    assert_close(getattr(pynn, fn)(2, 3, dtype=getattr(pynn, dtype)), getattr(torch, fn)(2, 3, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_shape_dtype(dtype):
    t = pynn.empty(3, 2, dtype=getattr(pynn, dtype))
    assert tuple(t.shape) == (3, 2)
    assert dtype_name(t.dtype) == dtype
    assert t.numel() == 6


@pytest.mark.parametrize(
    "fill", [7, 2.5, True, -1.0], ids=["int", "float", "bool", "negfloat"]
)
def test_full_infers_dtype(fill):
    assert_close(pynn.full((2, 3), fill), torch.full((2, 3), fill))


@pytest.mark.parametrize("dtype", DTYPES)
def test_full_dtype(dtype):
    assert_close(pynn.full((3,), 1, dtype=getattr(pynn, dtype)), torch.full((3,), 1, dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
def test_like_preserves_dtype(fn, dtype):
    src_np = np.arange(6).reshape(2, 3)
    p = pynn.tensor(src_np, dtype=getattr(pynn, dtype))
    t = torch.tensor(src_np, dtype=getattr(torch, dtype))
    assert_close(getattr(pynn, fn)(p), getattr(torch, fn)(t))


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like"])
def test_like_dtype_override(fn):
    p = pynn.zeros(2, 2, dtype=pynn.int64)
    t = torch.zeros(2, 2, dtype=torch.int64)
    assert_close(getattr(pynn, fn)(p, dtype=pynn.float64), getattr(torch, fn)(t, dtype=torch.float64))


def test_full_like():
    p = pynn.zeros(2, 3)
    t = torch.zeros(2, 3)
    assert_close(pynn.full_like(p, 4.5), torch.full_like(t, 4.5))
    p = pynn.zeros(2, 3, dtype=pynn.int64)
    t = torch.zeros(2, 3, dtype=torch.int64)
    assert_close(pynn.full_like(p, 4), torch.full_like(t, 4))


def test_empty_like():
    p = pynn.zeros(4, 1, dtype=pynn.float64)
    e = pynn.empty_like(p)
    assert tuple(e.shape) == (4, 1)
    assert e.dtype == pynn.float64


def test_like_of_noncontiguous_is_same_shape():
    p = pynn.zeros(3, 4).t()
    assert tuple(pynn.zeros_like(p).shape) == (4, 3)
    assert tuple(pynn.ones_like(p[:, ::2]).shape) == (4, 2)


# ----------------------------------------------------------------------------
# arange / linspace / eye
# ----------------------------------------------------------------------------
ARANGE_ARGS = [
    ((5,), {}),
    ((0,), {}),
    ((2, 7), {}),
    ((0, 10, 3), {}),
    ((5, 0, -1), {}),
    ((10, 0, -3), {}),
    ((5.0,), {}),
    ((1, 2.5, 0.5), {}),
    ((-1.0, 1.0, 0.25), {}),
    ((0, 1, 0.1), {}),
    ((5,), {"dtype": "float32"}),
    ((5,), {"dtype": "float64"}),
    ((0, 6, 2), {"dtype": "int32"}),
    ((1.0, 4.0), {"dtype": "int64"}),
]


def _dtype_kw(kw, lib):
    kw = dict(kw)
    if "dtype" in kw:
        kw["dtype"] = getattr(lib, kw["dtype"])
    return kw


@pytest.mark.parametrize("args,kw", ARANGE_ARGS, ids=[f"{a}{k}" for a, k in ARANGE_ARGS])
def test_arange(args, kw):
    assert_close(pynn.arange(*args, **_dtype_kw(kw, pynn)), torch.arange(*args, **_dtype_kw(kw, torch)))


LINSPACE_ARGS = [
    ((0, 1, 5), {}),
    ((-1, 1, 1), {}),
    ((-3.0, 2.0, 11), {}),
    ((2, -2, 4), {}),
    ((0, 1, 0), {}),
    ((0, 10, 6), {"dtype": "float64"}),
]


@pytest.mark.parametrize("args,kw", LINSPACE_ARGS, ids=[f"{a}{k}" for a, k in LINSPACE_ARGS])
def test_linspace(args, kw):
    assert_close(pynn.linspace(*args, **_dtype_kw(kw, pynn)), torch.linspace(*args, **_dtype_kw(kw, torch)))


def test_linspace_steps_kwarg():
    assert_close(pynn.linspace(0, 2, steps=5), torch.linspace(0, 2, steps=5))


EYE_ARGS = [((3,), {}), ((1,), {}), ((2, 4), {}), ((4, 2), {}), ((3,), {"dtype": "int64"}), ((2,), {"dtype": "float64"}), ((3,), {"dtype": "bool"})]


@pytest.mark.parametrize("args,kw", EYE_ARGS, ids=[f"{a}{k}" for a, k in EYE_ARGS])
def test_eye(args, kw):
    assert_close(pynn.eye(*args, **_dtype_kw(kw, pynn)), torch.eye(*args, **_dtype_kw(kw, torch)))


# ----------------------------------------------------------------------------
# random
# ----------------------------------------------------------------------------
RANDOM_FACTORIES = {
    "randn": lambda m: m.randn(3, 4),
    "rand": lambda m: m.rand(3, 4),
    "randn_tuple": lambda m: m.randn((2, 5)),
    "randint": lambda m: m.randint(0, 100, (3, 4)),
    "randint_high_only": lambda m: m.randint(10, (7,)),
    "randperm": lambda m: m.randperm(10),
    "randn_like": lambda m: m.randn_like(m.zeros(2, 3)),
    "rand_like": lambda m: m.rand_like(m.zeros(2, 3, dtype=m.float64)),
    "randn_f64": lambda m: m.randn(4, dtype=m.float64),
    "rand_f64": lambda m: m.rand(4, dtype=m.float64),
}


@pytest.mark.parametrize("name", list(RANDOM_FACTORIES))
def test_random_shape_and_dtype_match_torch(name):
    fn = RANDOM_FACTORIES[name]
    p = fn(pynn)
    t = fn(torch)
    assert tuple(p.shape) == tuple(t.shape)
    assert dtype_name(p.dtype) == dtype_name(t.dtype)


@pytest.mark.parametrize("name", list(RANDOM_FACTORIES))
def test_manual_seed_reproducible(name):
    fn = RANDOM_FACTORIES[name]
    pynn.manual_seed(123)
    a = to_np(fn(pynn))
    b_nonseeded = to_np(fn(pynn))
    pynn.manual_seed(123)
    b = to_np(fn(pynn))
    np.testing.assert_array_equal(a, b)
    if name not in ("randint_high_only",):  # tiny value space; others must differ
        assert not np.array_equal(a, b_nonseeded), "consecutive draws should differ"


def test_manual_seed_different_seeds_differ():
    pynn.manual_seed(1)
    a = to_np(pynn.randn(100))
    pynn.manual_seed(2)
    b = to_np(pynn.randn(100))
    assert not np.array_equal(a, b)


def test_manual_seed_covers_inplace_random():
    pynn.manual_seed(7)
    a = to_np(pynn.empty(50).normal_())
    c = to_np(pynn.empty(50).uniform_())
    pynn.manual_seed(7)
    b = to_np(pynn.empty(50).normal_())
    d = to_np(pynn.empty(50).uniform_())
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, d)


N_STAT = 100_000


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_statistics(dtype):
    pynn.manual_seed(0)
    x = to_np(pynn.randn(N_STAT, dtype=getattr(pynn, dtype))).astype(np.float64)
    assert abs(x.mean()) < 0.02
    assert abs(x.std() - 1.0) < 0.02
    # roughly gaussian: ~68.3% within one sigma
    assert abs(np.mean(np.abs(x) < 1.0) - 0.6827) < 0.01
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_statistics(dtype):
    pynn.manual_seed(0)
    x = to_np(pynn.rand(N_STAT, dtype=getattr(pynn, dtype))).astype(np.float64)
    assert x.min() >= 0.0
    assert x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01
    assert abs(x.var() - 1.0 / 12) < 0.005
    # roughly uniform histogram
    hist, _ = np.histogram(x, bins=10, range=(0, 1))
    assert np.all(np.abs(hist / N_STAT - 0.1) < 0.01)


def test_randn_like_statistics():
    pynn.manual_seed(3)
    x = to_np(pynn.randn_like(pynn.zeros(N_STAT)))
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02


def test_rand_like_statistics():
    pynn.manual_seed(3)
    x = to_np(pynn.rand_like(pynn.zeros(N_STAT)))
    assert x.min() >= 0 and x.max() < 1 and abs(x.mean() - 0.5) < 0.01


@pytest.mark.parametrize("low,high", [(0, 10), (-5, 5), (3, 4), (100, 1000)])
def test_randint_range(low, high):
    pynn.manual_seed(0)
    x = to_np(pynn.randint(low, high, (20_000,)))
    assert x.dtype == np.int64
    assert x.min() >= low and x.max() < high
    if high - low <= 10:
        assert set(np.unique(x).tolist()) == set(range(low, high))
    else:
        assert abs(x.mean() - (low + high - 1) / 2) < 0.05 * (high - low)


def test_randint_high_only():
    pynn.manual_seed(0)
    x = to_np(pynn.randint(6, (5000,)))
    assert set(np.unique(x).tolist()) == set(range(6))


def test_randint_dtype():
    x = pynn.randint(0, 5, (10,), dtype=pynn.int32)
    assert x.dtype == pynn.int32


@pytest.mark.parametrize("n", [0, 1, 2, 17, 1000])
def test_randperm_is_permutation(n):
    pynn.manual_seed(0)
    p = pynn.randperm(n)
    assert p.dtype == pynn.int64
    x = to_np(p)
    assert x.shape == (n,)
    np.testing.assert_array_equal(np.sort(x), np.arange(n))


def test_randperm_shuffles():
    pynn.manual_seed(0)
    x = to_np(pynn.randperm(1000))
    assert not np.array_equal(x, np.arange(1000))


def test_normal_inplace_statistics():
    pynn.manual_seed(0)
    t = pynn.empty(N_STAT)
    r = t.normal_(2.0, 3.0)
    x = to_np(t).astype(np.float64)
    assert abs(x.mean() - 2.0) < 0.06
    assert abs(x.std() - 3.0) < 0.06
    np.testing.assert_array_equal(to_np(r), to_np(t))


def test_normal_inplace_kwargs():
    pynn.manual_seed(0)
    x = to_np(pynn.zeros(N_STAT).normal_(mean=-1.0, std=0.5)).astype(np.float64)
    assert abs(x.mean() + 1.0) < 0.01
    assert abs(x.std() - 0.5) < 0.01


def test_uniform_inplace_statistics():
    pynn.manual_seed(0)
    t = pynn.empty(N_STAT, dtype=pynn.float64)
    r = t.uniform_(-1.0, 3.0)
    x = to_np(t)
    assert x.dtype == np.float64
    assert x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.var() - 16.0 / 12) < 0.03
    np.testing.assert_array_equal(to_np(r), x)


def test_uniform_inplace_default_range():
    pynn.manual_seed(0)
    x = to_np(pynn.empty(N_STAT).uniform_())
    assert x.min() >= 0 and x.max() < 1 and abs(x.mean() - 0.5) < 0.01


def test_normal_inplace_on_view_writes_through():
    pynn.manual_seed(0)
    base = pynn.zeros(4, 1000)
    base[1].normal_()
    b = to_np(base)
    assert np.all(b[0] == 0) and np.all(b[2:] == 0)
    assert np.std(b[1]) > 0.5


def test_random_factories_draw_from_a_given_generator():
    for make in (lambda g: pynn.randperm(7, generator=g), lambda g: pynn.rand(3, 2, generator=g),
                 lambda g: pynn.randn(4, generator=g, dtype=pynn.float64), lambda g: pynn.randint(2, 9, (5,), generator=g)):
        g = pynn.Generator().manual_seed(11)
        a = make(g)
        b = make(g)
        g.manual_seed(11)
        again = make(g)
        assert pynn.equal(a, again) and not pynn.equal(a, b)
    assert sorted(pynn.randperm(7, generator=pynn.Generator()).tolist()) == list(range(7))
    assert pynn.randint(2, 9, (100,), generator=pynn.Generator()).min().item() >= 2
    with pytest.raises(TypeError):
        pynn.rand(2, generator=object())


def test_factories_write_into_out():
    out = pynn.empty(2, 3)
    assert pynn.ones(2, 3, out=out) is out and out.tolist() == [[1.0] * 3] * 2
    ints = pynn.empty(4, dtype=pynn.int64)
    pynn.arange(4, out=ints)
    assert ints.tolist() == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="shape"):
        pynn.zeros(3, out=out)
