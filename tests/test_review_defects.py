"""Defects from house review 2 (§3): NaN/inf scalars in int contexts, div rounding modes, tensor-bound clamp,
from_numpy byte order / writeability / dtypes, the GIL policy, and Python hooks on views."""
import gc
import threading
import warnings

import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")

NAN, INF = float("nan"), float("inf")


def both(fn):
    """fn(torch) and fn(pynn): (value, None) or (None, (exception type name, message))."""
    out = []
    for lib in (torch, pynn):
        try:
            out.append((fn(lib), None))
        except Exception as e:  # noqa: BLE001 - the point is to compare what each raises
            out.append((None, (type(e).__name__, str(e))))
    return out


def same_error(fn, fragment):
    (tv, te), (pv, pe) = both(fn)
    assert te is not None and pe is not None, (tv, pv)
    assert te[0] == pe[0], (te, pe)
    assert fragment in te[1] and fragment in pe[1], (te, pe)


def same_value(fn):
    (tv, te), (pv, pe) = both(fn)
    assert te is None and pe is None, (te, pe)
    tv = tv.tolist() if hasattr(tv, "tolist") else tv
    pv = pv.tolist() if hasattr(pv, "tolist") else pv
    assert tv == pv
    return pv


# ---- 1. float scalars that don't fit an int ------------------------------------------------------------
@pytest.mark.parametrize("value", [NAN, INF, -INF, 1e30])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_tensor_of_unrepresentable_float_raises(value, dtype):
    same_error(lambda lib: lib.tensor(value, dtype=getattr(lib, dtype)), "value cannot be converted to type int")
    same_error(lambda lib: lib.tensor([1.0, value], dtype=getattr(lib, dtype)), "value cannot be converted to type int")


@pytest.mark.parametrize("value", [NAN, INF, -INF])
def test_full_and_fill_of_unrepresentable_float_raise(value):
    same_error(lambda lib: lib.full((2,), value, dtype=lib.int64), "value cannot be converted to type int")
    same_error(lambda lib: lib.zeros(2, dtype=lib.int32).fill_(value), "value cannot be converted to type int")


def test_float_into_int_still_truncates():
    assert same_value(lambda lib: lib.tensor(-3.7, dtype=lib.int64)) == -3
    assert same_value(lambda lib: lib.zeros(2, dtype=lib.int32).fill_(2147483646.5)) == [2147483646] * 2
    assert same_value(lambda lib: lib.tensor(-2147483648.0, dtype=lib.int32)) == -2147483648
    same_error(lambda lib: lib.zeros(2, dtype=lib.int32).fill_(2147483647.5), "value cannot be converted to type int")
    same_error(lambda lib: lib.tensor(-2147483648.5, dtype=lib.int32), "value cannot be converted to type int")
    assert same_value(lambda lib: lib.tensor(0.1, dtype=lib.float64).item()) == 0.1  # no float32 detour


def test_int_of_nan_and_inf():
    same_error(lambda lib: int(lib.tensor(NAN)), "cannot convert float NaN to integer")
    same_error(lambda lib: int(lib.tensor(INF)), "cannot convert float infinity to integer")
    same_error(lambda lib: int(lib.tensor(-INF, dtype=lib.float64)), "cannot convert float infinity to integer")
    assert same_value(lambda lib: int(lib.tensor(1e30))) == int(np.float32(1e30))
    assert same_value(lambda lib: int(lib.tensor(1e30, dtype=lib.float64))) == int(1e30)
    assert same_value(lambda lib: int(lib.tensor(-2.7))) == -2


# ---- 2. div(rounding_mode=) ----------------------------------------------------------------------------
def test_div_trunc_is_exact_for_integers():
    assert same_value(lambda lib: lib.div(2**25 + 1, 1, rounding_mode="trunc")) == 33554433
    assert same_value(lambda lib: lib.div(lib.tensor(2**60 + 1), 1, rounding_mode="trunc")) == 2**60 + 1
    assert same_value(lambda lib: lib.div(lib.tensor(2**25 + 1), 1, rounding_mode="trunc").dtype.itemsize) == 8


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_integers_match_torch(mode):
    a = np.array([7, -7, 7, -7, 0, 9, -9, 2**40 + 3], dtype=np.int64)
    b = np.array([2, 2, -2, -2, 3, 3, 3, -7], dtype=np.int64)
    same_value(lambda lib: lib.div(lib.tensor(a), lib.tensor(b), rounding_mode=mode))
    same_value(lambda lib: lib.tensor(a).div(lib.tensor(b), rounding_mode=mode))
    same_value(lambda lib: lib.tensor(a, dtype=lib.int32).div(lib.tensor(3), rounding_mode=mode))  # int32 stays
    same_value(lambda lib: str(lib.tensor(a, dtype=lib.int32).div(lib.tensor(3), rounding_mode=mode).dtype).split(".")[1])
    same_value(lambda lib: lib.div(lib.tensor(a), lib.tensor(b).reshape(8, 1), rounding_mode=mode))  # broadcast


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_in_place_integers(mode):
    a = [7, -7, 9, -9]
    same_value(lambda lib: lib.tensor(a).div_(2, rounding_mode=mode))
    same_value(lambda lib: lib.tensor(a).div_(lib.tensor([2, -2, 4, 4]), rounding_mode=mode))
    same_error(lambda lib: lib.tensor(a).div_(2.5, rounding_mode=mode), "can't be cast to the desired output type")
    same_error(lambda lib: lib.tensor([5]).div_(lib.tensor([[1], [2]]), rounding_mode=mode), "doesn't match the broadcast shape")


def test_div_trunc_float_matches_torch():
    x = [1.5, -1.5, 7.0, -7.0, 0.3, -0.3, 1e10]
    same_value(lambda lib: lib.div(lib.tensor(x), 0.7, rounding_mode="trunc"))
    same_value(lambda lib: lib.div(lib.tensor([7, -7]), 2.0, rounding_mode="trunc"))  # int / float -> float
    same_value(lambda lib: lib.tensor(x, dtype=lib.float64).div_(lib.tensor(0.7, dtype=lib.float64), rounding_mode="trunc"))
    same_value(lambda lib: lib.div(lib.tensor([1.0, -1.0]), 0.1, rounding_mode="trunc"))


def test_div_floor_is_floor_divide():
    x = pynn.tensor([1.5, -1.5, 7.0, -7.0, 0.3, -0.3])
    assert pynn.div(x, 0.7, rounding_mode="floor").tolist() == pynn.floor_divide(x, 0.7).tolist()
    y = x.clone()
    y.div_(0.7, rounding_mode="floor")
    assert y.tolist() == pynn.floor_divide(x, 0.7).tolist()


def test_div_rounding_errors():
    same_error(lambda lib: lib.div(lib.tensor([7]), lib.tensor([0]), rounding_mode="trunc"), "ZeroDivisionError")
    same_error(lambda lib: lib.tensor([5]).div(lib.tensor([1]), rounding_mode="bad"), "rounding_mode to be one of None")
    with pytest.raises((RuntimeError, NotImplementedError)):
        pynn.div(pynn.tensor([True]), pynn.tensor([True]), rounding_mode="trunc")


def test_div_rounding_gradient_is_zero():
    for lib in (torch, pynn):
        x = lib.tensor([1.5, 2.5, -3.5], requires_grad=True)
        lib.div(x, 2.0, rounding_mode="trunc").sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


# ---- 3. clamp with tensor bounds -----------------------------------------------------------------------
def test_clamp_tensor_bounds_match_torch():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 5.0], dtype=np.float32)
    lo = np.array([-2.0, 0.0, 0.0, 1.0, -1.0, 0.0], dtype=np.float32)
    same_value(lambda lib: lib.clamp(lib.tensor(x), min=lib.tensor(lo)))
    same_value(lambda lib: lib.clamp(lib.tensor(x), max=lib.tensor(lo)))
    same_value(lambda lib: lib.clamp(lib.tensor(x), min=lib.tensor(lo), max=lib.tensor(3.0)))
    same_value(lambda lib: lib.tensor(x).clip(min=lib.tensor(-1.0), max=lib.tensor(lo)))
    # torch refuses a tensor min with a number max; pynn takes it as the same clamp
    assert pynn.clamp(pynn.tensor(x), min=pynn.tensor(lo), max=3.0).tolist() == \
        torch.clamp(torch.tensor(x), min=torch.tensor(lo), max=torch.tensor(3.0)).tolist()
    same_value(lambda lib: lib.arange(10).clamp(min=lib.tensor(2.5)))  # int promoted by a 0-dim float tensor
    same_value(lambda lib: lib.tensor(x).clamp_min(lib.tensor(lo)))
    same_value(lambda lib: lib.tensor(x).reshape(2, 3).clamp(min=lib.tensor([0.0, 1.0, 2.0])))  # broadcast


def test_clamp_tensor_bounds_in_place():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 5.0], dtype=np.float32)
    lo = np.array([-2.0, 0.0, 0.0, 1.0, -1.0, 0.0], dtype=np.float32)
    same_value(lambda lib: lib.tensor(x).clamp_(min=lib.tensor(lo), max=lib.tensor(lo + 2)))
    same_value(lambda lib: lib.tensor(x).clip_(max=lib.tensor(lo)))
    same_value(lambda lib: lib.tensor(x).clamp_max_(lib.tensor(lo)))
    same_error(lambda lib: lib.arange(3).clamp_(min=lib.tensor([0.5, 0.5, 0.5])), "can't be cast to the desired output type")
    t = pynn.arange(3)
    with pytest.raises(RuntimeError):  # the bad max is found before min is written
        t.clamp_(min=pynn.tensor([1, 1, 1]), max=pynn.tensor([1.5, 1.5, 1.5]))
    assert t.tolist() == [0, 1, 2]
    same_error(lambda lib: lib.zeros(3).clamp_(min=lib.zeros(2, 3)), "doesn't match the broadcast shape")


def test_clamp_tensor_bounds_gradients():
    grads = []
    for lib in (torch, pynn):
        x = lib.tensor([-3.0, -1.0, 0.5, 2.0, 5.0], requires_grad=True)
        lo = lib.tensor([-2.0, 0.0, 0.0, 1.0, 0.0], requires_grad=True)
        lib.clamp(x * 1, min=lo, max=lib.tensor(3.0)).sum().backward()
        grads.append((x.grad.tolist(), lo.grad.tolist()))
        y = (x * 1)
        y.clamp_(min=lo)
        y.sum().backward()
        grads.append((x.grad.tolist(), lo.grad.tolist()))
    assert grads[:2] == grads[2:]


# ---- 4. from_numpy -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dt", [">f4", ">i8", ">f8"])
def test_from_numpy_non_native_byte_order_refused(dt):
    frag = "byte order different from the native byte order"
    same_error(lambda lib: lib.from_numpy(np.arange(3, dtype=dt)), frag)
    same_error(lambda lib: lib.tensor(np.arange(3, dtype=dt)), frag)
    same_error(lambda lib: lib.as_tensor(np.arange(3, dtype=dt)), frag)
    assert pynn.from_numpy(np.arange(3, dtype=dt).astype("=" + dt[1:])).tolist() == [0, 1, 2]


def test_from_numpy_read_only_warns_and_shares():
    buf = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    ro = buf.view()
    ro.flags.writeable = False
    with pytest.warns(UserWarning, match="The given NumPy array is not writable"):
        t = pynn.from_numpy(ro)
    buf[0] = 7.0
    assert t.tolist() == [7.0, 2.0, 3.0]  # shared, as torch does
    with pytest.warns(UserWarning, match="not writable"):
        pynn.as_tensor(np.frombuffer(b"\x00\x00\x80\x3f" * 2, dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pynn.from_numpy(buf)  # writable: no warning
        assert pynn.tensor(ro).tolist() == [7.0, 2.0, 3.0]  # tensor() copies: no warning either


@pytest.mark.parametrize("dt", ["uint8", "int16", "int8", "uint16", "uint64"])
def test_numpy_dtypes_pynn_lacks_are_refused(dt):
    arr = np.arange(3, dtype=dt)
    for make in (pynn.from_numpy, pynn.tensor, pynn.as_tensor):
        with pytest.raises(TypeError, match=f"numpy.{dt}: pynn does not support"):
            make(arr)
    # with an explicit dtype torch converts, and so does pynn
    assert pynn.tensor(arr, dtype=pynn.float32).tolist() == torch.tensor(arr, dtype=torch.float32).tolist()


# ---- 5. GIL --------------------------------------------------------------------------------------------
def test_threads_share_big_ops_and_backward():
    n = 1 << 16  # above the release threshold
    errors, hook_calls = [], []

    def work(seed):
        try:
            pynn.manual_seed(seed)
            x = pynn.randn(n, requires_grad=True)
            y = (x * 2).mul(x).add_(1.0)
            y.register_hook(lambda g: hook_calls.append(g.shape[0]))
            y.sum().backward()
            assert np.allclose(x.grad.numpy(), 4 * x.detach().numpy())
            a = pynn.ones(n, dtype=pynn.int64)
            a.mul_(3)
            a.div_(2, rounding_mode="floor")
            assert a.sum().item() == n
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert hook_calls == [n] * 4


# ---- 6. hooks ------------------------------------------------------------------------------------------
def test_hook_registered_after_base_written_fires_once():
    # torch 2.13 crashes on this sequence; its rule (a hook goes on the grad_fn the tensor has now) says
    # the hook fires once, on the re-derived node.
    x = pynn.ones(2, 3, requires_grad=True)
    base = x * 2
    v = base[0]
    base.mul_(3)
    calls = []
    v.register_hook(lambda g: calls.append(g.tolist()))
    v.sum().backward()
    assert calls == [[1.0, 1.0, 1.0]]
    assert x.grad.tolist() == [[6.0, 6.0, 6.0], [0.0, 0.0, 0.0]]


def test_hook_registered_before_base_written_follows_torch():
    # A hook belongs to the value the tensor had when it was registered; after base.mul_ the view is a new
    # value, and torch does not run the old hook for it.
    out = []
    for lib in (torch, pynn):
        x = lib.ones(2, 3, requires_grad=True)
        base = x * 2
        v = base[0]
        calls = []
        v.register_hook(lambda g, calls=calls: calls.append(g.tolist()))
        base.mul_(3)
        v.sum().backward()
        out.append((calls, x.grad.tolist()))
    assert out[0] == out[1]


def test_retain_grad_after_base_written():
    out = []
    for lib in (torch, pynn):
        x = lib.ones(2, 3, requires_grad=True)
        base = x * 2
        v = base[0]
        base.mul_(3)
        v.retain_grad()
        v.sum().backward()
        out.append((v.grad.tolist(), x.grad.tolist()))
    assert out[0] == out[1]


def test_hook_dropped_inside_gil_free_op():
    # The view's stale node (and the hook's callable) dies while `v * 2` runs without the GIL: the callable
    # must be released with the GIL held.
    deleted = []

    class Hook:
        def __call__(self, g):
            return None

        def __del__(self):
            deleted.append(threading.current_thread() is threading.main_thread())

    n = 1 << 16
    x = pynn.ones(2, n, requires_grad=True)
    base = x * 2
    v = base[0]
    v.register_hook(Hook())
    base.mul_(3)
    y = v * 2  # big: runs GIL-free, re-derives v's grad_fn, drops the old one
    gc.collect()
    assert deleted == [True]
    y.sum().backward()
    assert x.grad[0].sum().item() == 12.0 * n


def test_float_floor_divide_follows_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, -1.0, 7.5, -7.5, 0.0, -0.0, 1e10, 3.0, np.inf], dtype=np.float64)
    b = np.array([0.1, 0.1, -2.0, 2.0, 3.0, -3.0, 3.3, 0.0, 2.0], dtype=np.float64)
    for dt in ("float32", "float64"):
        got = pynn.floor_divide(pynn.tensor(a.astype(dt)), pynn.tensor(b.astype(dt))).numpy()
        want = torch.floor_divide(torch.tensor(a.astype(dt)), torch.tensor(b.astype(dt))).numpy()
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
        got = pynn.div(pynn.tensor(a.astype(dt)), pynn.tensor(b.astype(dt)), rounding_mode="floor").numpy()
        np.testing.assert_array_equal(got, want)
