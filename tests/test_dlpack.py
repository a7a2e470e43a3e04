"""DLPack exchange vs torch: zero-copy both ways, dtypes, strides, and torch's errors."""
import numpy as np
import pytest
import torch

import pynn


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "bool"])
def test_torch_reads_pynn_memory_without_a_copy(dtype):
    x = pynn.tensor(np.arange(6).reshape(2, 3) % 2 == 0 if dtype == "bool" else np.arange(6).reshape(2, 3),
                    dtype=getattr(pynn, dtype))
    t = torch.from_dlpack(x)
    assert t.dtype == getattr(torch, dtype) and list(t.shape) == [2, 3]
    np.testing.assert_array_equal(t.numpy(), x.numpy())
    if dtype != "bool":
        x.add_(1)  # the same memory: torch sees the write
        np.testing.assert_array_equal(t.numpy(), x.numpy())


def test_pynn_reads_torch_memory_without_a_copy_and_keeps_strides():
    t = torch.arange(12.0).reshape(3, 4).t()  # non-contiguous
    x = pynn.from_dlpack(t)
    assert x.shape == (4, 3) and x.stride() == t.stride() and not x.requires_grad
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    t.mul_(2)
    np.testing.assert_array_equal(x.numpy(), t.numpy())
    # the producer may go away: the pynn tensor keeps the memory alive
    del t
    assert float(x.sum()) == 2 * sum(range(12))


def test_capsules_numpy_and_pynn_inputs():
    t = torch.tensor([1.5, 2.5])
    x = pynn.utils.dlpack.from_dlpack(torch.utils.dlpack.to_dlpack(t))  # a bare capsule
    np.testing.assert_array_equal(x.numpy(), [1.5, 2.5])
    back = torch.utils.dlpack.from_dlpack(pynn.utils.dlpack.to_dlpack(x))
    np.testing.assert_array_equal(back.numpy(), [1.5, 2.5])
    a = np.arange(4, dtype=np.int64)
    y = pynn.from_dlpack(a)
    a[0] = 7
    assert y.tolist() == [7, 1, 2, 3]
    z = pynn.tensor([1.0, 2.0], requires_grad=True)
    w = pynn.from_dlpack(z)
    assert not w.requires_grad and w.data_ptr() == z.data_ptr()
    assert pynn.ones(1).__dlpack_device__() == (1, 0) and tuple(torch.ones(1).__dlpack_device__()) == (1, 0)


def test_errors_as_torch():
    for lib in (pynn, torch):
        with pytest.raises(BufferError, match="require gradient"):
            lib.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(TypeError):
        pynn.from_dlpack([1, 2])
    with pytest.raises(TypeError, match="dtype"):  # a dtype pynn lacks is refused, never reinterpreted
        pynn.from_dlpack(torch.ones(2, dtype=torch.uint8))
