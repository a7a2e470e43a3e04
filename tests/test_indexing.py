"""__getitem__ / __setitem__: ints, slices, None, Ellipsis, bool masks and
integer index tensors (advanced indexing)."""
import numpy as np
import pytest

import pynn
from conftest import assert_close, to_np, P, T

torch = pytest.importorskip("torch")

SHAPE = (4, 5, 6)


def _x(shape=SHAPE, dtype=np.float32):
    return np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)


def _idx(m, arr):
    """index tensor of library m"""
    return m.tensor(np.asarray(arr))


# each entry builds the index for library m (so index tensors have the right type)
BASIC_INDEX = {
    "int": lambda m: 1,
    "neg_int": lambda m: -1,
    "two_ints": lambda m: (1, 2),
    "three_ints": lambda m: (3, 4, 5),
    "neg_ints": lambda m: (-4, -1, -6),
    "slice": lambda m: slice(1, 3),
    "slice_open": lambda m: slice(2, None),
    "slice_step": lambda m: (slice(None), slice(None, None, 2)),
    "slice_start_step": lambda m: (slice(1, None, 2), slice(0, 5, 3), slice(None, None, 4)),
    "slice_neg": lambda m: (slice(-3, -1), slice(None, -2)),
    "slice_out_of_range_clamped": lambda m: slice(2, 100),
    "slice_empty": lambda m: slice(3, 1),
    "none_front": lambda m: None,
    "none_mid": lambda m: (0, None, slice(1, 3)),
    "none_end": lambda m: (Ellipsis, None),
    "two_nones": lambda m: (None, slice(None), None),
    "ellipsis_int": lambda m: (Ellipsis, 1),
    "int_ellipsis": lambda m: (2, Ellipsis),
    "int_ellipsis_int": lambda m: (1, Ellipsis, 2),
    "ellipsis_only": lambda m: Ellipsis,
    "ellipsis_slice": lambda m: (Ellipsis, slice(1, 4, 2)),
    "int_slice_mix": lambda m: (1, slice(None), -2),
    "empty_tuple": lambda m: (),
}

ADVANCED_INDEX = {
    "idx_1d": lambda m: _idx(m, [2, 0, 3]),
    "idx_neg": lambda m: _idx(m, [-1, 0]),
    "idx_dup": lambda m: _idx(m, [1, 1, 1]),
    "idx_2d": lambda m: _idx(m, [[0, 1], [3, 2]]),
    "idx_0d": lambda m: _idx(m, 2),
    "idx_empty": lambda m: m.tensor(np.zeros(0, dtype=np.int64)),
    "two_idx_same_shape": lambda m: (_idx(m, [0, 1, 3]), _idx(m, [4, 0, 2])),
    "two_idx_broadcast": lambda m: (_idx(m, [[0], [2], [3]]), _idx(m, [1, 4])),
    "three_idx": lambda m: (_idx(m, [0, 3]), _idx(m, [1, 2]), _idx(m, [5, 0])),
    "slice_then_idx": lambda m: (slice(None), _idx(m, [4, 0])),
    "idx_then_slice": lambda m: (_idx(m, [3, 1]), slice(1, 4)),
    "slice_idx_slice": lambda m: (slice(1, 3), _idx(m, [0, 2, 4]), slice(None, None, 2)),
    "ellipsis_idx": lambda m: (Ellipsis, _idx(m, [5, 1])),
    "int_then_idx": lambda m: (2, _idx(m, [1, 3])),
    "slice_two_idx": lambda m: (slice(None), _idx(m, [0, 1]), _idx(m, [2, 3])),
    "two_idx_then_slice_bcast": lambda m: (_idx(m, [[1], [2]]), _idx(m, [[0, 4]]), slice(2, 5)),
    "none_and_idx": lambda m: (None, _idx(m, [1, 0])),
    "idx_int32": lambda m: m.tensor(np.array([1, 3], dtype=np.int32)),
}

MASK_INDEX = {
    "mask_full": lambda m, x: x > 50,
    "mask_dim0": lambda m, x: m.tensor(np.array([True, False, True, True])),
    "mask_dim0_all_false": lambda m, x: m.tensor(np.zeros(4, dtype=bool)),
    "mask_2d_prefix": lambda m, x: x.sum(-1) > 100,
    "mask_after_slice": lambda m, x: (slice(None), m.tensor(np.array([True, False, False, True, True]))),
    "mask_and_int": lambda m, x: (1, m.tensor(np.array([False, True, False, True, False]))),
    "mask_ellipsis": lambda m, x: (Ellipsis, m.tensor(np.array([True, False, True, False, True, False]))),
}


@pytest.mark.parametrize("name", list(BASIC_INDEX))
def test_getitem_basic(name):
    x = _x()
    p, t = P(x), T(x)
    pr, tr = p[BASIC_INDEX[name](pynn)], t[BASIC_INDEX[name](torch)]
    assert_close(pr, tr)
    assert tuple(pr.stride()) == tuple(tr.stride())


@pytest.mark.parametrize("name", list(BASIC_INDEX))
def test_getitem_basic_is_view(name):
    x = _x()
    p, t = P(x), T(x)
    pr, tr = p[BASIC_INDEX[name](pynn)], t[BASIC_INDEX[name](torch)]
    pr.fill_(-1)
    tr.fill_(-1)
    assert_close(p, t)


@pytest.mark.parametrize("name", list(ADVANCED_INDEX))
def test_getitem_advanced(name):
    x = _x()
    p, t = P(x), T(x)
    assert_close(p[ADVANCED_INDEX[name](pynn)], t[ADVANCED_INDEX[name](torch)])


@pytest.mark.parametrize("name", [n for n in ADVANCED_INDEX if n != "idx_0d"])
def test_getitem_advanced_is_copy(name):
    x = _x()
    p = P(x)
    r = p[ADVANCED_INDEX[name](pynn)]
    r.fill_(-1)
    np.testing.assert_array_equal(to_np(p), x)


@pytest.mark.parametrize("name", list(MASK_INDEX))
def test_getitem_bool_mask(name):
    x = _x()
    p, t = P(x), T(x)
    assert_close(p[MASK_INDEX[name](pynn, p)], t[MASK_INDEX[name](torch, t)])


def test_getitem_on_noncontiguous():
    x = _x()
    p, t = P(x).transpose(0, 2), T(x).transpose(0, 2)
    assert_close(p[1], t[1])
    assert_close(p[:, ::2, 1], t[:, ::2, 1])
    assert_close(p[pynn.tensor([0, 3])], t[torch.tensor([0, 3])])
    assert_close(p[p > 60], t[t > 60])
    assert_close(p[..., pynn.tensor([1, 2]), 0:2], t[..., torch.tensor([1, 2]), 0:2])


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.float64, np.int32])
def test_getitem_dtypes(dtype):
    x = (_x((3, 4)) % 3).astype(dtype)
    p, t = P(x), T(x)
    assert_close(p[1], t[1])
    assert_close(p[:, 1:3], t[:, 1:3])
    assert_close(p[pynn.tensor([2, 0])], t[torch.tensor([2, 0])])


def test_getitem_1d_and_0d_results():
    x = np.array([1.5, 2.5, 3.5], np.float32)
    p, t = P(x), T(x)
    assert_close(p[0], t[0])
    assert tuple(p[0].shape) == ()
    assert_close(p[-1], t[-1])
    assert_close(p[None], t[None])
    assert_close(p[..., None], t[..., None])
    # indexing a 0-d tensor
    assert_close(p[1][...], t[1][...])
    assert_close(p[1][None], t[1][None])
    assert_close(p[1][()], t[1][()])


def test_getitem_empty_tensor():
    x = np.zeros((0, 3), np.float32)
    p, t = P(x), T(x)
    assert_close(p[:, 1], t[:, 1])
    assert_close(p[1:], t[1:])
    assert_close(p[p > 0], t[t > 0])


def test_iterate_nested_getitem_consistent():
    x = _x((2, 3))
    p = P(x)
    for i in range(2):
        for j in range(3):
            assert p[i][j].item() == x[i, j]
            assert p[i, j].item() == x[i, j]


# ----------------------------------------------------------------------------
# __setitem__
# ----------------------------------------------------------------------------
SETITEM = {
    "int_scalar": lambda m, x: x.__setitem__(0, 5.0),
    "int_int_scalar": lambda m, x: x.__setitem__((1, 2), -1.0),
    "full_int_index": lambda m, x: x.__setitem__((1, 2, 3), 99.0),
    "neg_int_scalar": lambda m, x: x.__setitem__(-1, 7),
    "slice_scalar": lambda m, x: x.__setitem__(slice(1, 3), 0.5),
    "step_slice_scalar": lambda m, x: x.__setitem__((slice(None), slice(None, None, 2)), -2.0),
    "col_tensor": lambda m, x: x.__setitem__((slice(None), 1), m.arange(24.0).view(4, 6)),
    "row_tensor_bcast": lambda m, x: x.__setitem__(0, m.arange(6.0)),
    "slice_tensor_bcast_col": lambda m, x: x.__setitem__((slice(1, 3), slice(None), 0), m.tensor([[10.0], [20.0]])),
    "ellipsis_tensor": lambda m, x: x.__setitem__((Ellipsis, 0), m.ones(4, 5) * 3),
    "ellipsis_scalar": lambda m, x: x.__setitem__(Ellipsis, 1.0),
    "none_scalar": lambda m, x: x.__setitem__((None, 1), 4.0),
    "mask_scalar": lambda m, x: x.__setitem__(x > 60, 0.0),
    "mask_tensor_values": lambda m, x: x.__setitem__(x < 10, -m.arange(10.0)),
    "mask_dim0_bcast": lambda m, x: x.__setitem__(m.tensor(np.array([True, False, True, False])), m.arange(6.0)),
    "mask_scalar_tensor_value": lambda m, x: x.__setitem__(x > 100, m.tensor(-3.0)),
    "idx_scalar": lambda m, x: x.__setitem__(m.tensor([0, 2]), 1.5),
    "idx_tensor_bcast": lambda m, x: x.__setitem__(m.tensor([3, 1]), m.arange(6.0)),
    "two_idx_values": lambda m, x: x.__setitem__((m.tensor([0, 1, 3]), m.tensor([4, 0, 2])), m.tensor([[1.0], [2.0], [3.0]]).expand(3, 6)),
    "slice_idx_scalar": lambda m, x: x.__setitem__((slice(None), m.tensor([1, 3])), -5.0),
    "idx_slice_tensor": lambda m, x: x.__setitem__((m.tensor([2, 0]), slice(1, 3)), m.zeros(2, 2, 6)),
    "int_value_into_float": lambda m, x: x.__setitem__(1, m.tensor([1, 2, 3, 4, 5, 6])),
    "float64_value_into_float32": lambda m, x: x.__setitem__(2, m.tensor([0.1] * 6, dtype=m.float64)),
    "self_view_value": lambda m, x: x.__setitem__(0, x[1].clone()),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem(name):
    x = _x()
    p, t = P(x), T(x)
    SETITEM[name](pynn, p)
    SETITEM[name](torch, t)
    assert_close(p, t)
    assert not np.array_equal(to_np(t), x), "sanity: setitem changed something"


def test_setitem_int_tensor():
    x = _x((3, 4), np.int64)
    p, t = P(x), T(x)
    p[1] = 7
    t[1] = 7
    p[:, 0] = pynn.tensor([1, 2, 3])
    t[:, 0] = torch.tensor([1, 2, 3])
    p[p > 8] = -1
    t[t > 8] = -1
    assert_close(p, t)


def test_setitem_bool_tensor():
    x = np.zeros((2, 3), dtype=bool)
    p, t = P(x), T(x)
    p[0, 1] = True
    t[0, 1] = True
    p[1] = pynn.tensor([True, False, True])
    t[1] = torch.tensor([True, False, True])
    assert_close(p, t)


def test_setitem_on_noncontiguous_view_writes_base():
    x = _x((4, 6))
    p, t = P(x), T(x)
    pv, tv = p.t(), t.t()
    pv[1] = 0.0
    tv[1] = 0.0
    pv[::2, 1:3] = pynn.tensor([9.0, 8.0])
    tv[::2, 1:3] = torch.tensor([9.0, 8.0])
    pv[pynn.tensor([5, 4]), 0] = -1.0
    tv[torch.tensor([5, 4]), 0] = -1.0
    assert_close(p, t)


def test_setitem_through_view_of_view():
    x = _x((4, 6))
    p, t = P(x), T(x)
    pv, tv = p[1:, ::2], t[1:, ::2]
    pv[0] = 100.0
    tv[0] = 100.0
    pv[pv > 20] = 0
    tv[tv > 20] = 0
    assert_close(p, t)


def test_setitem_0d():
    p, t = pynn.tensor(1.0), torch.tensor(1.0)
    p[...] = 4.0
    t[...] = 4.0
    assert_close(p, t)
    p[()] = 2.0
    t[()] = 2.0
    assert_close(p, t)


# ----------------------------------------------------------------------------
# index values are checked by the kernels as they read them: torch's error text,
# and an in-place write with a bad index leaves the destination untouched
# ----------------------------------------------------------------------------
KERNEL_INDEX_ERRORS = {
    # name: (fn(lib), exception, text both libraries put in the message)
    "gather": (lambda m: m.zeros(2, 3).gather(1, m.tensor([[0, 5]])), RuntimeError,
               "index 5 is out of bounds for dimension 1 with size 3"),
    "gather_neg": (lambda m: m.zeros(2, 3).gather(0, m.tensor([[-1, 0, 0]])), RuntimeError,
                   "index -1 is out of bounds for dimension 0 with size 2"),
    "scatter": (lambda m: m.zeros(2, 3).scatter(1, m.tensor([[1, 3]]), 1.0), RuntimeError,
                "index 3 is out of bounds for dimension 1 with size 3"),
    "scatter_add": (lambda m: m.zeros(2, 3).scatter_add(0, m.tensor([[2]]), m.ones(1, 1)), RuntimeError,
                    "index 2 is out of bounds for dimension 0 with size 2"),
    # torch counts the dim among the indexed ones here ("dimension 0"); pynn names the tensor's dim
    "getitem": (lambda m: m.zeros(2, 3)[:, m.tensor([0, -4])], IndexError,
                "index -4 is out of bounds for dimension"),
    "getitem_2_tensors": (lambda m: m.zeros(2, 3)[m.tensor([1]), m.tensor([3])], IndexError,
                          "index 3 is out of bounds for dimension 1 with size 3"),
}


def test_take_along_dim_checks_broadcast_index():
    # torch 2.13 does not raise here (its broadcast index skips the check); gather of the same operands does
    with pytest.raises(RuntimeError, match="index 4 is out of bounds for dimension 1 with size 3"):
        torch.gather(torch.zeros(2, 3), 1, torch.tensor([[4]]).expand(2, 1))
    with pytest.raises(RuntimeError, match=r"\[gather\] index 4 is out of bounds for dimension 1 with size 3"):
        pynn.take_along_dim(pynn.zeros(2, 3), pynn.tensor([[4]]), 1)


@pytest.mark.parametrize("name", list(KERNEL_INDEX_ERRORS))
def test_kernel_index_errors_match_torch(name):
    fn, exc, text = KERNEL_INDEX_ERRORS[name]
    with pytest.raises(exc, match=text):
        fn(torch)
    with pytest.raises(exc, match=text):
        fn(pynn)


def test_index_select_refuses_negative_index():
    # torch raises too (a RuntimeError for a negative index); pynn names the index, as for any other
    with pytest.raises((IndexError, RuntimeError)):
        torch.zeros(2, 3).index_select(1, torch.tensor([0, -1]))
    with pytest.raises(IndexError, match=r"\[index_select\] index -1 is out of bounds for dimension 1 with size 3"):
        pynn.zeros(2, 3).index_select(1, pynn.tensor([0, -1]))


IN_PLACE_WITH_BAD_INDEX = {
    "scatter_": lambda x: x.scatter_(1, pynn.tensor([[0, 1, 7]]), pynn.ones(1, 3)),
    "scatter_value": lambda x: x.scatter_(1, pynn.tensor([[0, 1, 7]]), 5.0),
    "scatter_add_": lambda x: x.scatter_add_(0, pynn.tensor([[0, 1, 2]]), pynn.ones(1, 3)),
    "setitem": lambda x: x.__setitem__(pynn.tensor([0, 1, 2]), 5.0),
    "setitem_2d": lambda x: x.__setitem__((pynn.tensor([0, 1]), pynn.tensor([2, -5])), 5.0),
    "index_put_": lambda x: x.index_put_((pynn.tensor([1, 0, 9]),), pynn.ones(3, 4)),
    "index_put_accumulate": lambda x: x.index_put_((pynn.tensor([1, 0, 9]),), pynn.ones(3, 4), accumulate=True),
}


@pytest.mark.parametrize("name", list(IN_PLACE_WITH_BAD_INDEX))
def test_in_place_write_with_bad_index_writes_nothing(name):
    x = pynn.tensor(np.arange(8, dtype=np.float32).reshape(2, 4))
    before = to_np(x).copy()
    with pytest.raises((IndexError, RuntimeError), match="out of bounds"):
        IN_PLACE_WITH_BAD_INDEX[name](x)
    np.testing.assert_array_equal(to_np(x), before)


def test_index_put_out_of_place_leaves_input():
    x = _x((3, 4))
    p, t = P(x), T(x)
    idx = [0, 2, 0]
    v = np.ones((3, 4), np.float32)
    assert_close(p.index_put((P(np.array(idx)),), P(v), accumulate=True),
                 t.index_put((T(np.array(idx)),), T(v), accumulate=True))
    assert_close(p, t)


@pytest.mark.parametrize("bad", [[0, -1], [0, 4]])
def test_one_hot_class_range_errors(bad):
    with pytest.raises(RuntimeError):
        torch.nn.functional.one_hot(torch.tensor(bad), 4)
    with pytest.raises(RuntimeError, match="Class values must be"):
        pynn.one_hot(pynn.tensor(bad), 4)
