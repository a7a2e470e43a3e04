"""Start-up surface (issue #17): device/backend queries, inference_mode, legacy tensor types, Tensor.type,
factories with size=, compile and jit; compared with torch where torch's CPU build defines the answer."""
import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")


def test_device_and_backend_queries_like_a_cpu_torch():
    assert pynn.accelerator.is_available() is torch.accelerator.is_available() is False
    assert pynn.accelerator.current_accelerator() is None and pynn.accelerator.device_count() == 0
    assert pynn.backends.mps.is_available() is False and pynn.backends.cudnn.is_available() is False
    for name in ("benchmark", "deterministic", "enabled"):
        assert getattr(pynn.backends.cudnn, name) == getattr(torch.backends.cudnn, name)
    saved = pynn.backends.cudnn.benchmark
    pynn.backends.cudnn.benchmark = True
    pynn.backends.cudnn.deterministic = 1
    assert pynn.backends.cudnn.benchmark is True and pynn.backends.cudnn.deterministic is True
    with pynn.backends.cudnn.flags(enabled=False, benchmark=False):
        assert pynn.backends.cudnn.enabled is False
    assert pynn.backends.cudnn.enabled is True and pynn.backends.cudnn.benchmark is True
    pynn.backends.cudnn.benchmark, pynn.backends.cudnn.deterministic = saved, False
    assert pynn.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    assert pynn.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    if not pynn.cuda.is_available():
        assert pynn.cuda.memory_allocated() == pynn.cuda.max_memory_allocated() == 0
    pynn.cuda.empty_cache()
    x = pynn.ones(2)
    assert (x.is_cuda, x.is_xpu, x.is_mps, x.is_pinned()) == (False, False, False, False)
    with pytest.raises(AttributeError):
        pynn.backends.cudnn.no_such_flag  # noqa: B018


def test_inference_mode():
    w = pynn.ones(3, requires_grad=True)
    assert not pynn.is_inference_mode_enabled()
    with pynn.inference_mode():
        assert pynn.is_inference_mode_enabled() and not pynn.is_grad_enabled()
        x = pynn.ones(3) * 2
        y = x * w
        assert y.requires_grad is False and x.is_inference()
        x.add_(1)  # in-place inside the mode is fine
    assert pynn.is_grad_enabled() and not pynn.is_inference_mode_enabled()
    assert not pynn.ones(1).is_inference()
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        (x * w).sum()
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        x.mul_(2)
    with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor outside InferenceMode"):
        x.requires_grad_()
    z = x.clone()  # a clone is a normal tensor
    assert not z.is_inference()
    (z * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), x.numpy())
    # torch agrees on each of these
    with torch.inference_mode():
        tx = torch.ones(3)
    tw = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        (tx * tw).sum()


def test_inference_mode_as_decorator_and_disabled():
    @pynn.inference_mode()
    def f():
        return pynn.ones(1).is_inference(), pynn.is_grad_enabled()

    @pynn.inference_mode
    def g():
        return pynn.ones(1).is_inference()

    @pynn.inference_mode(False)
    def h():
        return pynn.ones(1).is_inference(), pynn.is_grad_enabled()

    assert f() == (True, False) and g() is True and h() == (False, True)
    with pynn.no_grad():
        with pynn.inference_mode():
            pass
        assert not pynn.is_grad_enabled()


@pytest.mark.parametrize("name,dtype", [("FloatTensor", "float32"), ("DoubleTensor", "float64"),
                                        ("LongTensor", "int64"), ("IntTensor", "int32"), ("BoolTensor", "bool")])
def test_legacy_constructors(name, dtype):
    P, T = getattr(pynn, name), getattr(torch, name)
    for args in [([1, 0, 3],), ([[1, 2], [3, 4]],)]:
        a, b = P(*args), T(*args)
        assert str(a.dtype).split(".")[-1] == dtype == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for args in [(2, 3), (pynn.Size([4]),), ()]:
        targs = (torch.Size(list(args[0])),) if args and isinstance(args[0], pynn.Size) else args
        assert tuple(P(*args).shape) == tuple(T(*targs).shape)
    assert isinstance(pynn.zeros(2, dtype=getattr(pynn, dtype)), P)
    assert not isinstance(pynn.zeros(2, dtype=pynn.float64 if dtype != "float64" else pynn.float32), P)
    with pytest.raises(TypeError):
        P([1], [2])


def test_tensor_type_strings():
    x = pynn.tensor([1.5, -2.0])
    assert x.type() == "pynn.FloatTensor" and torch.tensor([1.5]).type() == "torch.FloatTensor"
    for s in ("torch.LongTensor", "pynn.DoubleTensor", "torch.IntTensor", "torch.BoolTensor"):
        a, b = x.type(s), torch.tensor([1.5, -2.0]).type(s.replace("pynn.", "torch."))
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert x.type(pynn.DoubleTensor).dtype == pynn.float64 and x.type(pynn.float32) is x
    with pytest.raises(ValueError, match="invalid type"):
        x.type("torch.NoSuchTensor")


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_factories_size_keyword(name):
    for size in [(2, 3), [4], ()]:
        a = getattr(pynn, name)(size=size)
        b = getattr(torch, name)(size=size)
        assert tuple(a.shape) == tuple(b.shape) and a.dtype == pynn.float32
    assert getattr(pynn, name)(size=(2,), dtype=pynn.float64).dtype == pynn.float64
    with pytest.raises(TypeError):
        getattr(pynn, name)(2, size=(2,))


def test_compile_and_jit():
    m = pynn.nn.Linear(3, 2)
    assert pynn.compile(m) is m and pynn.compile(m, mode="max-autotune") is m
    assert pynn.compile(fullgraph=True)(len) is len

    @pynn.compile
    def f(x):
        return x * 2

    np.testing.assert_array_equal(f(pynn.ones(2)).numpy(), [2.0, 2.0])
    with pytest.raises(RuntimeError, match="Unrecognized mode"):
        pynn.compile(m, mode="fastest")
    for fn in (lambda: pynn.jit.script(m), lambda: pynn.jit.trace(m, pynn.ones(1, 3))):
        with pytest.raises(RuntimeError, match="TorchScript is not supported by pynn"):
            fn()
    assert pynn.jit.is_scripting() is False and pynn.jit.ignore(len) is len
