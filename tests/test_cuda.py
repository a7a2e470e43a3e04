"""The CUDA backend (issue #14).

Two halves. The first runs everywhere: device parsing, the queries and errors of a machine without a GPU (or of a
build without CUDA), the Python-side glue. The second needs a GPU (marked `cuda`, skipped without one): every
kernel family the backend has is run on cuda and compared with the same op on the CPU (pynn's CPU results are
themselves held to torch by the rest of the suite), GEMM through cuBLAS against the tiled reference kernel kept
in csrc/cuda/linalg.cu, the random streams against the CPU's (both draw from (seed, offset)), and an MLP trained
on both devices to the same losses. scripts/gpu_check.sh runs this file and the suite on a GPU machine.
"""
import numpy as np
import pytest

import pynn
from conftest import MACHINE_HAS_GPU, pynn_cuda_available

HAS_CUDA = pynn_cuda_available()
cuda = pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA GPU and pynn built with CUDA")
no_gpu = pytest.mark.skipif(MACHINE_HAS_GPU or HAS_CUDA, reason="only on a machine without a GPU")


def rnd(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ------------------------------------------------------------------------------------------------------------
# Everywhere


def test_device_parsing_with_an_index():
    d = pynn.device("cuda:1")
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1", "device(type='cuda', index=1)")
    assert pynn.device("cuda").index is None and pynn.device("cuda").type == "cuda"
    assert pynn.device("cpu") == "cpu" and pynn.device("cuda:0") == pynn.device("cuda:0")
    assert pynn.device("cuda:0") != pynn.device("cuda:1")
    for bad in ["cuda:x", "gpu", "cuda:-1", "cuda:"]:
        with pytest.raises(RuntimeError):
            pynn.device(bad)


def test_cuda_module_surface():
    assert pynn.cuda.is_available() is HAS_CUDA
    assert isinstance(pynn.cuda.device_count(), int)
    assert (pynn.cuda.device_count() > 0) is HAS_CUDA
    assert isinstance(pynn._C._cuda_compiled, bool)


@no_gpu
def test_without_a_gpu_is_available_is_false_and_counters_are_zero():
    assert pynn.cuda.is_available() is False
    assert pynn.cuda.device_count() == 0
    assert pynn.cuda.memory_allocated() == 0
    assert pynn.cuda.max_memory_allocated() == 0
    assert pynn.cuda.memory_reserved() == 0
    pynn.cuda.empty_cache()  # nothing to free, nothing raised
    pynn.cuda.synchronize()
    pynn.cuda.reset_peak_memory_stats()


@no_gpu
@pytest.mark.parametrize("move", [
    lambda x: x.cuda(),
    lambda x: x.cuda(1),
    lambda x: x.to("cuda"),
    lambda x: x.to(pynn.device("cuda:0")),
    lambda x: x.to("cuda", pynn.float64),
    lambda x: pynn.zeros(2, device="cuda"),
    lambda x: pynn.randn(2, 3, device="cuda:0"),
    lambda x: pynn.nn.Linear(2, 2).cuda(),
    lambda x: pynn.nn.Linear(2, 2).to("cuda"),
    lambda x: pynn.cuda.current_device(),
    lambda x: pynn.cuda.get_device_name(),
])
def test_without_a_gpu_cuda_tensors_raise_a_clear_error(move):
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        move(pynn.ones(2))


@no_gpu
def test_without_a_gpu_the_reason_is_given():
    with pytest.raises(RuntimeError) as info:
        pynn.ones(2).cuda()
    msg = str(info.value)
    if pynn._C._cuda_compiled:
        assert "no NVIDIA driver" in msg or "No CUDA GPUs" in msg or "CUDA initialisation failed" in msg, msg
    else:
        assert "built without CUDA support" in msg, msg
    # The C++ allocator refuses too when reached directly, with the same reason and the op's name.
    with pytest.raises((RuntimeError, NotImplementedError), match=r"\[empty\]"):
        pynn._C._empty([2], pynn.float32, pynn.device("cuda"))


def test_cpu_moves_return_the_tensor_itself():
    x = pynn.arange(6.0).reshape(2, 3)
    assert x.cpu() is x
    assert x.to("cpu") is x
    assert x.to(pynn.device("cpu")) is x
    y = x.to("cpu", copy=True)
    assert y is not x and np.array_equal(y.numpy(), x.numpy())
    z = x.to("cpu", pynn.float64)
    assert z.dtype == pynn.float64 and np.array_equal(z.numpy(), x.numpy())


def test_cublas_wheel_lookup_returns_a_folder_or_none():
    import os

    from pynn._cuda_libs import cublas_dir

    d = cublas_dir()
    assert d is None or (os.path.isdir(d) and any(n.startswith("libcublas.so") for n in os.listdir(d)))


# ------------------------------------------------------------------------------------------------------------
# On a GPU: cuda against the CPU


def both_devices(*arrays, dtype=None):
    cpu = [pynn.tensor(a) if dtype is None else pynn.tensor(a, dtype=dtype) for a in arrays]
    return cpu, [t.cuda() for t in cpu]


def close(gpu, cpu, rtol=1e-5, atol=1e-6):
    assert gpu.device.type == "cuda", gpu.device
    assert gpu.dtype == cpu.dtype and tuple(gpu.shape) == tuple(cpu.shape)
    a, e = gpu.detach().cpu().numpy(), cpu.detach().numpy()
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)


@cuda
@pytest.mark.cuda
def test_round_trip_dtypes_and_views():
    for dt in [pynn.float32, pynn.float64, pynn.int32, pynn.int64, pynn.bool]:
        x = pynn.tensor(np.arange(24).reshape(2, 3, 4) % 5, dtype=dt)
        g = x.cuda()
        assert g.device == pynn.device("cuda:0") and g.is_cuda and g.dtype == dt
        np.testing.assert_array_equal(g.cpu().numpy(), x.numpy())
        # non-contiguous both ways, dtype change on the way
        np.testing.assert_array_equal(g.transpose(0, 2).cpu().numpy(), x.transpose(0, 2).numpy())
        np.testing.assert_array_equal(x.transpose(0, 2).to("cuda").cpu().numpy(), x.transpose(0, 2).numpy())
    assert g.cuda() is g and g.to("cuda:0") is g


@cuda
@pytest.mark.cuda
def test_copy_across_devices_broadcasts_and_converts():
    src = pynn.tensor(rnd(1, 4))
    dst = pynn.zeros(3, 4, dtype=pynn.float64).cuda()
    dst.copy_(src)
    np.testing.assert_allclose(dst.cpu().numpy(), np.broadcast_to(src.numpy(), (3, 4)).astype(np.float64))
    host = pynn.zeros(4, 3)
    host.t().copy_(dst)  # into a strided CPU view
    np.testing.assert_allclose(host.numpy(), dst.cpu().numpy().T.astype(np.float32), rtol=1e-6)


@cuda
@pytest.mark.cuda
def test_item_numpy_and_mixed_devices():
    g = pynn.tensor([2.5, 3.0]).cuda()
    assert g[1].item() == 3.0 and g.sum().item() == 5.5
    with pytest.raises((TypeError, RuntimeError), match=r"cpu\(\)"):
        g.numpy()
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        g + pynn.tensor([1.0, 2.0])
    assert (g + 1).cpu().tolist() == [3.5, 4.0]  # a Python number is fine on any device


@cuda
@pytest.mark.cuda
def test_missing_kernels_raise_not_implemented():
    x = pynn.randn(2, 4, 3).cuda()
    with pytest.raises(NotImplementedError, match="not implemented for cuda"):
        pynn.nn.functional.group_norm(x, 2)


UNARY = ["neg", "abs", "sign", "relu", "floor", "ceil", "round", "trunc", "exp", "expm1", "log", "log2", "log10",
         "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "sigmoid", "reciprocal",
         "erf", "isnan", "isinf", "isfinite", "logical_not"]


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("op", UNARY)
def test_unary_matches_cpu(op):
    a = np.abs(rnd(5, 7)) + 0.1 if op in ("log", "log2", "log10", "log1p", "sqrt", "rsqrt") else rnd(5, 7)
    (c,), (g,) = both_devices(a)
    close(getattr(g, op)(), getattr(c, op)(), rtol=2e-6, atol=1e-6)
    close(getattr(g.t(), op)(), getattr(c.t(), op)(), rtol=2e-6, atol=1e-6)  # strided input


BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "floor_divide", "atan2", "eq", "ne",
          "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor"]


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("op", BINARY)
def test_binary_matches_cpu_with_broadcasting_and_scalars(op):
    a, b = rnd(4, 1, 5), rnd(3, 1, seed=1)
    if op == "pow":
        a = np.abs(a) + 0.5
    (ca, cb), (ga, gb) = both_devices(a, b)
    close(getattr(pynn, op)(ga, gb), getattr(pynn, op)(ca, cb), rtol=1e-5)
    close(getattr(pynn, op)(ga, 1.5), getattr(pynn, op)(ca, 1.5), rtol=1e-5)  # a wrapped number from the host


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("dt", [pynn.int32, pynn.int64])
def test_integer_ops_match_cpu(dt):
    a = np.random.default_rng(0).integers(-20, 20, (6, 5))
    b = np.random.default_rng(1).integers(1, 7, (6, 5))
    (ca, cb), (ga, gb) = both_devices(a, b, dtype=dt)
    for f in [lambda x, y: x + y * 3, lambda x, y: x * y, lambda x, y: pynn.remainder(x, y),
              lambda x, y: pynn.floor_divide(x, y), lambda x, y: x & y, lambda x, y: x | y, lambda x, y: ~x,
              lambda x, y: pynn.pow(y, 3), lambda x, y: pynn.clamp(x, -5, 5), lambda x, y: pynn.where(x > 0, x, y)]:
        close(f(ga, gb), f(ca, cb))


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("dims", [None, 0, 1, 2, (0, 2), -1])
def test_reductions_match_cpu(dims):
    a = rnd(6, 33, 5)
    (c,), (g,) = both_devices(a)
    kw = {} if dims is None else {"dim": dims}
    close(g.sum(**kw), c.sum(**kw), rtol=1e-5)
    close(g.mean(**kw), c.mean(**kw), rtol=1e-5)
    close(g.amax(**kw) if dims is not None else g.max(), c.amax(**kw) if dims is not None else c.max())
    close(g.var(**kw), c.var(**kw), rtol=1e-5)
    close(g.norm(), c.norm(), rtol=1e-5)
    if dims is None or isinstance(dims, int):
        close(g.argmax(**kw), c.argmax(**kw))
        close(g.argmin(**kw), c.argmin(**kw))
    if isinstance(dims, int):
        close(pynn.logsumexp(g, dims), pynn.logsumexp(c, dims), rtol=1e-5)
        close(g.cumsum(dims), c.cumsum(dims), rtol=1e-5)


@cuda
@pytest.mark.cuda
def test_reduction_edge_cases():
    a = rnd(4, 50)
    a[1, 7] = np.nan
    a[2, 3:5] = 9.0  # ties: the first index wins
    (c,), (g,) = both_devices(a)
    close(g.amax(1), c.amax(1))
    close(g.argmax(1), c.argmax(1))
    (ci,), (gi,) = both_devices(np.arange(20).reshape(4, 5), dtype=pynn.int32)
    close(gi.sum(), ci.sum())  # int64 result
    close(gi.prod(1), ci.prod(1))
    close((gi > 3).all(1), (ci > 3).all(1))
    close((gi > 3).any(0), (ci > 3).any(0))


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("dt", [pynn.float32, pynn.float64])
@pytest.mark.parametrize("shape", [(1, 7, 5, 3), (3, 64, 48, 80), (2, 1, 1, 9), (4, 17, 0, 3)])
def test_gemm_cublas_matches_the_tiled_reference_and_the_cpu(dt, shape):
    batch, m, k, n = shape
    a, b = rnd(batch, m, k), rnd(batch, k, n, seed=1)
    (ca, cb), (ga, gb) = both_devices(a, b, dtype=dt)
    tol = 1e-4 if dt == pynn.float32 else 1e-10
    fast = ga @ gb
    pynn._C._cuda_use_reference_gemm(True)
    try:
        ref = ga @ gb
        ref_t = ga.transpose(1, 2).contiguous().transpose(1, 2) @ gb.transpose(1, 2).contiguous().transpose(1, 2)
    finally:
        pynn._C._cuda_use_reference_gemm(False)
    close(fast, ref.cpu().cuda(), rtol=tol, atol=tol)
    close(ref_t, ca @ cb, rtol=tol, atol=tol)
    close(fast, ca @ cb, rtol=tol, atol=tol)
    close(ga.transpose(1, 2).contiguous().transpose(1, 2) @ gb, ca @ cb, rtol=tol, atol=tol)  # column-major A


@cuda
@pytest.mark.cuda
def test_gemm_integers_and_vectors():
    a, b = np.arange(12).reshape(3, 4), np.arange(8).reshape(4, 2)
    (ca, cb), (ga, gb) = both_devices(a, b, dtype=pynn.int64)
    close(ga @ gb, ca @ cb)
    (cv, cw), (gv, gw) = both_devices(rnd(9), rnd(9, seed=1))
    close(pynn.dot(gv, gw), pynn.dot(cv, cw), rtol=1e-5)
    (cm,), (gm,) = both_devices(rnd(5, 9))
    close(gm @ gv, cm @ cv, rtol=1e-5)


@cuda
@pytest.mark.cuda
def test_random_streams_equal_the_cpu():
    for draw in [lambda d: pynn.rand(1001, device=d), lambda d: pynn.randn(1001, device=d),
                 lambda d: pynn.randn(7, dtype=pynn.float64, device=d),
                 lambda d: pynn.nn.functional.dropout(pynn.ones(500, device=d), 0.3)]:
        pynn.manual_seed(123)
        c = draw("cpu")
        pynn.manual_seed(123)
        g = draw("cuda")
        close(g, c, rtol=1e-6, atol=1e-7)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_forward_and_backward(dim):
    a = rnd(6, 10, 3)
    F = pynn.nn.functional
    for f in [lambda x: F.softmax(x, dim), lambda x: F.log_softmax(x, dim)]:
        c = pynn.tensor(a).requires_grad_(True)
        g = pynn.tensor(a).cuda().requires_grad_(True)
        yc, yg = f(c), f(g)
        close(yg, yc, rtol=1e-5)
        w = rnd(6, 10, 3, seed=2)
        (yc * pynn.tensor(w)).sum().backward()
        (yg * pynn.tensor(w).cuda()).sum().backward()
        close(g.grad, c.grad, rtol=1e-4, atol=1e-6)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("kw", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.1},
                                {"ignore_index": 2}, {"weight": True}])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_class_losses_forward_and_backward(loss, kw):
    if loss == "nll_loss" and "label_smoothing" in kw:
        pytest.skip("nll_loss has no label smoothing")
    x, t = rnd(8, 5), np.random.default_rng(3).integers(0, 5, 8)
    F = pynn.nn.functional
    res = []
    for dev in ["cpu", "cuda"]:
        k = dict(kw)
        if k.get("weight"):
            k["weight"] = pynn.tensor(np.linspace(0.5, 2, 5).astype(np.float32)).to(dev)
        xi = pynn.tensor(x).to(dev).requires_grad_(True)
        inp = F.log_softmax(xi, 1) if loss == "nll_loss" else xi
        out = getattr(F, loss)(inp, pynn.tensor(t).to(dev), **k)
        out.sum().backward()
        res.append((out, xi.grad))
    close(res[1][0], res[0][0], rtol=1e-5)
    close(res[1][1], res[0][1], rtol=1e-5, atol=1e-7)


@cuda
@pytest.mark.cuda
def test_bad_target_raises_index_error():
    x, t = pynn.randn(3, 4).cuda(), pynn.tensor([0, 9, 1]).cuda()
    with pytest.raises(IndexError, match="out of bounds"):
        pynn.nn.functional.cross_entropy(x, t)


def _train(device, opt_name, steps=5):
    pynn.manual_seed(0)
    nn = pynn.nn
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5))
    model.to(device)
    for p in model.parameters():
        assert p.device.type == device
    opt = getattr(pynn.optim, opt_name)(model.parameters(), lr=0.05, **({"momentum": 0.9} if opt_name == "SGD" else {}))
    x = pynn.tensor(rnd(16, 20)).to(device)
    y = pynn.tensor(np.random.default_rng(1).integers(0, 5, 16)).to(device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = pynn.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()]


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("opt_name", ["SGD", "Adam", "AdamW"])
def test_mlp_trains_to_the_same_losses_on_both_devices(opt_name):
    lc, pc = _train("cpu", opt_name)
    lg, pg = _train("cuda", opt_name)
    np.testing.assert_allclose(lg, lc, rtol=1e-4)
    for a, b in zip(pg, pc):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@cuda
@pytest.mark.cuda
def test_gradients_flow_back_across_devices():
    x = pynn.tensor(rnd(3, 4)).requires_grad_(True)
    y = (x.cuda() * 2).sum()
    y.backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 4), 2.0, np.float32))


@cuda
@pytest.mark.cuda
def test_caching_allocator_counters():
    pynn.cuda.synchronize()
    pynn.cuda.empty_cache()
    base = pynn.cuda.memory_allocated()
    pynn.cuda.reset_peak_memory_stats()
    x = pynn.empty(1 << 20, device="cuda")  # 4 MiB
    assert pynn.cuda.memory_allocated() >= base + (4 << 20)
    assert pynn.cuda.max_memory_allocated() >= pynn.cuda.memory_allocated()
    del x
    assert pynn.cuda.memory_allocated() == base
    assert pynn.cuda.memory_reserved() >= 4 << 20  # cached, not returned
    y = pynn.empty(1 << 20, device="cuda")  # the cached block is reused
    assert pynn.cuda.memory_reserved() >= pynn.cuda.memory_allocated()
    del y
    pynn.cuda.empty_cache()
    assert pynn.cuda.memory_reserved() == pynn.cuda.memory_allocated()


@cuda
@pytest.mark.cuda
def test_module_to_moves_parameters_and_buffers():
    m = pynn.nn.BatchNorm1d(4)
    m.cuda()
    assert all(t.device.type == "cuda" for t in list(m.parameters()) + list(m.buffers()))
    m.cpu()
    assert all(t.device.type == "cpu" for t in list(m.parameters()) + list(m.buffers()))


def _grads_on_both(fn, *arrays, seed=5):
    """fn's output and the gradients of its inputs, on the CPU and on cuda (the same output projection)."""
    res = []
    for dev in ["cpu", "cuda"]:
        ts = [pynn.tensor(a).to(dev).requires_grad_(True) for a in arrays]
        y = fn(*ts)
        w = pynn.tensor(rnd(*y.shape, seed=seed)).to(dev)
        (y * w).sum().backward()
        res.append([y] + [t.grad for t in ts])
    return res


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": "same"},
                                {"groups": 2, "padding": (0, 2)}, {"stride": (2, 1), "bias": False}])
def test_conv2d_forward_and_backward_match_cpu(kw):
    kw = dict(kw)
    use_bias = kw.pop("bias", True)
    F = pynn.nn.functional
    x, w, b = rnd(3, 4, 9, 8), rnd(6, 4 // kw.get("groups", 1), 3, 3, seed=1), rnd(6, seed=2)
    cpu, gpu = _grads_on_both(lambda x, w, b: F.conv2d(x, w, b if use_bias else None, **kw), x, w, b)
    for g, c in zip(gpu, cpu):
        if c is None:
            assert g is None
            continue
        close(g, c, rtol=1e-4, atol=1e-5)


@cuda
@pytest.mark.cuda
def test_conv1d_conv3d_and_transpose_match_cpu():
    F = pynn.nn.functional
    for fn, shapes in [
        (lambda x, w: F.conv1d(x, w, stride=2, padding=1), [(2, 3, 11), (4, 3, 3)]),
        (lambda x, w: F.conv3d(x, w, padding=1), [(1, 2, 4, 5, 6), (3, 2, 3, 3, 3)]),
        (lambda x, w: F.conv_transpose2d(x, w, stride=2), [(2, 3, 4, 5), (3, 2, 3, 3)]),
    ]:
        cpu, gpu = _grads_on_both(fn, *[rnd(*s, seed=i) for i, s in enumerate(shapes)])
        for g, c in zip(gpu, cpu):
            close(g, c, rtol=1e-4, atol=1e-5)


@cuda
@pytest.mark.cuda
def test_unfold_fold_match_cpu():
    F = pynn.nn.functional
    cpu, gpu = _grads_on_both(lambda x: F.unfold(x, 3, padding=1, stride=2), rnd(2, 3, 7, 6))
    for g, c in zip(gpu, cpu):
        close(g, c, rtol=1e-5, atol=1e-6)
    cols = rnd(2, 3 * 4, 9)
    cpu, gpu = _grads_on_both(lambda c: F.fold(c, (5, 6), 2, padding=1, stride=(2, 3)), cols)
    for g, c in zip(gpu, cpu):
        close(g, c, rtol=1e-5, atol=1e-6)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("pool", [
    lambda x: pynn.nn.functional.max_pool2d(x, 2),
    lambda x: pynn.nn.functional.max_pool2d(x, 3, stride=2, padding=1, dilation=1, ceil_mode=True),
    lambda x: pynn.nn.functional.max_pool2d(x, 2, stride=1, dilation=2),
    lambda x: pynn.nn.functional.avg_pool2d(x, 3, stride=2, padding=1),
    lambda x: pynn.nn.functional.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    lambda x: pynn.nn.functional.avg_pool2d(x, 2, divisor_override=3),
    lambda x: pynn.nn.functional.adaptive_avg_pool2d(x, (3, 4)),
    lambda x: pynn.nn.functional.adaptive_max_pool2d(x, 3),
    lambda x: pynn.nn.functional.max_pool1d(x.flatten(2), 3),
])
def test_pooling_forward_and_backward_match_cpu(pool):
    a = rnd(2, 3, 9, 10)
    a[0, 0, 0, :2] = 5.0  # a tie inside one window: the first index wins on both
    cpu, gpu = _grads_on_both(pool, a)
    for g, c in zip(gpu, cpu):
        close(g, c, rtol=1e-5, atol=1e-6)


def _train_cnn(device, steps=3):
    pynn.manual_seed(0)
    nn = pynn.nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.2),
                          nn.Conv2d(8, 16, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 3 * 3, 10))
    model.to(device)
    opt = pynn.optim.Adam(model.parameters(), lr=1e-3)
    x = pynn.tensor(rnd(8, 3, 16, 16)).to(device)
    y = pynn.tensor(np.random.default_rng(1).integers(0, 10, 8)).to(device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = pynn.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@cuda
@pytest.mark.cuda
def test_cnn_trains_to_the_same_losses_on_both_devices():
    np.testing.assert_allclose(_train_cnn("cuda"), _train_cnn("cpu"), rtol=1e-4)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("act", [
    lambda x: pynn.nn.functional.gelu(x), lambda x: pynn.nn.functional.gelu(x, approximate="tanh"),
    lambda x: pynn.nn.functional.elu(x, 0.7), lambda x: pynn.nn.functional.selu(x), lambda x: pynn.nn.functional.silu(x),
    lambda x: pynn.nn.functional.mish(x), lambda x: pynn.nn.functional.softplus(x, 2.0, 5.0),
    lambda x: pynn.nn.functional.leaky_relu(x, 0.1), lambda x: pynn.nn.functional.hardtanh(x, -0.5, 0.5),
])
def test_activations_forward_and_backward_match_cpu(act):
    cpu, gpu = _grads_on_both(act, rnd(7, 9) * 3)
    for g, c in zip(gpu, cpu):
        close(g, c, rtol=1e-5, atol=2e-6)


@cuda
@pytest.mark.cuda
def test_prelu_matches_cpu():
    cpu, gpu = _grads_on_both(lambda x, w: pynn.nn.functional.prelu(x, w), rnd(4, 3, 5), np.array([0.1, 0.2, 0.3], np.float32))
    for g, c in zip(gpu, cpu):
        close(g, c, rtol=1e-5, atol=1e-6)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("norm", [
    lambda x, w, b: pynn.nn.functional.layer_norm(x, (6,), w, b),
    lambda x, w, b: pynn.nn.functional.layer_norm(x, (5, 6)),
    lambda x, w, b: pynn.nn.functional.rms_norm(x, (6,), w),
])
def test_row_norms_forward_and_backward_match_cpu(norm):
    cpu, gpu = _grads_on_both(norm, rnd(4, 5, 6), rnd(6, seed=1), rnd(6, seed=2))
    for g, c in zip(gpu, cpu):
        if c is None:
            assert g is None
            continue
        close(g, c, rtol=1e-4, atol=1e-5)


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("kw", [{}, {"padding_idx": 2}, {"scale_grad_by_freq": True}])
def test_embedding_forward_and_backward_match_cpu(kw):
    idx = np.array([[1, 2, 1], [0, 4, 1]])
    res = []
    for dev in ["cpu", "cuda"]:
        w = pynn.tensor(rnd(5, 3)).to(dev).requires_grad_(True)
        y = pynn.nn.functional.embedding(pynn.tensor(idx).to(dev), w, **kw)
        (y * pynn.tensor(rnd(2, 3, 3, seed=3)).to(dev)).sum().backward()
        res.append((y, w.grad))
    close(res[1][0], res[0][0])
    close(res[1][1], res[0][1], rtol=1e-6)
    with pytest.raises(IndexError, match="index out of range"):
        pynn.nn.functional.embedding(pynn.tensor([0, 7]).cuda(), pynn.randn(5, 3).cuda())
