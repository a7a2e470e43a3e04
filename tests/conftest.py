"""Shared helpers for the pynn test suite.

Testing pattern: build the same numpy input, run the operation through pynn and
through real torch (the oracle), and compare values, shapes and dtypes.

Ops are usually written as ``fn(lib, *tensors)`` so that the very same code can
be run with ``lib=pynn`` and ``lib=torch`` (see :func:`check_op`).
"""
import numbers
import os
import sys

import numpy as np
import pytest

# Make `from conftest import ...` work in test modules regardless of pytest's
# import mode.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import pynn  # noqa: E402

try:  # torch is only the oracle; test modules call pytest.importorskip("torch")
    import torch
except ImportError:  # pragma: no cover
    torch = None

# True when `pynn` is really torch re-exported (a validation shim).  Only used to
# relax checks on pynn-specific error message prefixes / exception types.
PYNN_IS_TORCH = getattr(pynn, "__name__", "pynn") == "torch"


def _machine_has_nvidia_gpu():
    import glob
    import shutil

    return bool(glob.glob("/dev/nvidia[0-9]*")) or shutil.which("nvidia-smi") is not None


# The package may be built with CUDA support (PYNN_CUDA=AUTO); the "no CUDA"
# expectations only apply on machines without an NVIDIA GPU.
MACHINE_HAS_GPU = _machine_has_nvidia_gpu()


def pytest_configure(config):
    config.addinivalue_line("markers", "cuda: needs a CUDA GPU and pynn built with PYNN_CUDA (skips otherwise)")


def pynn_cuda_available():
    try:
        return bool(pynn.cuda.is_available())
    except Exception:  # pragma: no cover
        return False


# ----------------------------------------------------------------------------
# dtype helpers
# ----------------------------------------------------------------------------
def dtype_name(dt):
    """'float32', 'int64', 'bool', ... for pynn, torch or numpy dtypes."""
    if isinstance(dt, np.dtype) or (isinstance(dt, type) and issubclass(dt, np.generic)):
        return np.dtype(dt).name
    return str(dt).split(".")[-1]


def pynn_dtype(name):
    """pynn dtype object for a dtype name ('float32', 'int64', ...)."""
    return getattr(pynn, name)


def torch_dtype(name):
    return getattr(torch, name)


# ----------------------------------------------------------------------------
# conversion helpers
# ----------------------------------------------------------------------------
def is_torch_tensor(x):
    return torch is not None and type(x).__module__.startswith("torch") and isinstance(x, torch.Tensor)


def to_np(t):
    """Copy a pynn tensor / torch tensor / ndarray / scalar into a numpy array."""
    if isinstance(t, np.ndarray):
        return t.copy()
    if isinstance(t, (bool, numbers.Number, list, tuple)):
        return np.array(t)
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().cpu().contiguous().numpy().copy()
    # pynn tensor (a CUDA one is copied to the host first)
    return np.array(t.detach().cpu().contiguous().numpy(), copy=True)


# PYNN_TEST_DEVICE=cuda (scripts/gpu_check.sh) puts the tensors the helpers below build on the GPU, so every
# test written with P / both / check_op compares pynn on cuda against torch on the CPU.
TEST_DEVICE = os.environ.get("PYNN_TEST_DEVICE", "cpu")


def P(arr, dtype=None):
    """pynn tensor from a numpy array (or nested list), on TEST_DEVICE."""
    if dtype is not None:
        t = pynn.tensor(arr, dtype=pynn_dtype(dtype_name(dtype)))
    else:
        t = pynn.tensor(arr)
    return t if TEST_DEVICE == "cpu" else t.to(TEST_DEVICE)


def T(arr, dtype=None):
    """torch tensor from a numpy array (or nested list)."""
    if dtype is not None:
        return torch.tensor(arr, dtype=torch_dtype(dtype_name(dtype)))
    return torch.tensor(arr)


def both(*arrays):
    """For each numpy array return (pynn_tensor, torch_tensor); flattened as
    ([pynn tensors], [torch tensors])."""
    return [P(a) for a in arrays], [T(a) for a in arrays]


def randn(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def rand_pos(*shape, dtype=np.float32, seed=0, low=0.5, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def randint_np(*shape, low=-5, high=6, dtype=np.int64, seed=0):
    return np.random.default_rng(seed).integers(low, high, shape).astype(dtype)


# ----------------------------------------------------------------------------
# assertions
# ----------------------------------------------------------------------------
def assert_close(actual, expected, rtol=1e-5, atol=1e-6, check_dtype=True, equal_nan=True):
    """Compare a pynn tensor with a torch tensor / numpy array.

    Checks: actual is a pynn.Tensor, same shape, same dtype (by name), values
    close (exact for integer / bool dtypes).
    """
    assert isinstance(actual, pynn.Tensor), f"expected a pynn.Tensor, got {type(actual)!r}"
    exp_shape = tuple(expected.shape)
    act_shape = tuple(actual.shape)
    assert act_shape == exp_shape, f"shape mismatch: pynn {act_shape} vs expected {exp_shape}"
    act_dt = dtype_name(actual.dtype)
    exp_dt = dtype_name(expected.dtype)
    if check_dtype:
        assert act_dt == exp_dt, f"dtype mismatch: pynn {act_dt} vs expected {exp_dt}"
    a = to_np(actual)
    e = to_np(expected)
    assert a.shape == e.shape, f"numpy() shape mismatch: {a.shape} vs {e.shape}"
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(
            a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol, equal_nan=equal_nan
        )


def assert_same(actual, expected, **kw):
    """Recursively compare pynn results with torch results: tensors, tuples,
    lists, namedtuples and python scalars."""
    if torch is not None and isinstance(expected, torch.Tensor):
        assert_close(actual, expected, **kw)
    elif isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)), f"expected a sequence, got {type(actual)!r}"
        assert len(actual) == len(expected), f"length {len(actual)} vs {len(expected)}"
        for a, e in zip(actual, expected):
            assert_same(a, e, **kw)
    elif isinstance(expected, bool):
        assert isinstance(actual, bool), f"expected bool, got {type(actual)!r}"
        assert actual == expected
    elif isinstance(expected, int):
        assert isinstance(actual, int) and not isinstance(actual, bool), f"expected int, got {type(actual)!r}"
        assert actual == expected
    elif isinstance(expected, float):
        assert isinstance(actual, float), f"expected float, got {type(actual)!r}"
        rtol = kw.get("rtol", 1e-5)
        atol = kw.get("atol", 1e-6)
        if np.isnan(expected):
            assert np.isnan(actual)
        else:
            assert abs(actual - expected) <= atol + rtol * abs(expected), f"{actual} vs {expected}"
    else:
        assert actual == expected


def check_op(fn, *arrays, **kw):
    """Run fn(pynn, *pynn_tensors) and fn(torch, *torch_tensors) on tensors built
    from the same numpy arrays and compare the results.  Returns both results."""
    ps, ts = both(*arrays)
    expected = fn(torch, *ts)
    actual = fn(pynn, *ps)
    assert_same(actual, expected, **kw)
    return actual, expected


def assert_raises_with_prefix(exc, prefix, fn):
    """fn() must raise `exc`; with the real pynn the message must contain `prefix`
    (errors are prefixed with the op name in brackets, e.g. '[matmul] ...')."""
    with pytest.raises(exc) as info:
        fn()
    if not PYNN_IS_TORCH:
        assert prefix in str(info.value), f"{prefix!r} not in error message {str(info.value)!r}"
    return info


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
