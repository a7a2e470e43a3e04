"""Tensor methods that are glue rather than computation: conversions, repr, iteration."""
from __future__ import annotations

import builtins

import numpy as np

from . import _C, _dtypes
from ._C import Tensor
from ._tensor_str import tensor_repr


class Size(tuple):
    """pynn.Size: the type of Tensor.shape, a tuple of ints like torch.Size."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"pynn.Size({list(self)})"


_C._set_size_type(Size)


def _parse_to(args, kwargs):
    """Tensor.to(dtype) / to(device) / to(device, dtype) / to(tensor) / to(dtype=..., device=...); returns
    (dtype, device, copy, memory_format)."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    memory_format = kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, _C.dtype) or a in (builtins.float, builtins.int, builtins.bool):
            dtype = a
        elif isinstance(a, (str, _C.device, builtins.int)):
            device = a
        elif isinstance(a, builtins.bool):
            pass  # non_blocking positional
        else:
            raise TypeError(f"to() received an invalid argument of type {type(a).__name__}")
    return dtype, device, copy, memory_format


def _to(self, *args, **kwargs):
    dtype, device, copy, memory_format = _parse_to(args, dict(kwargs))
    if memory_format is not None:
        from ._memory_format import to_format

        converted = _to(self, dtype=dtype, device=device, copy=copy)
        return to_format(converted, memory_format)
    t = self
    if device is not None:
        dev = _C.device(device) if not isinstance(device, _C.device) else device
        if dev.type != "cpu":
            from . import cuda

            cuda._lazy_check()
        t = self._to_device(dev)
    if dtype is None:
        return self.clone() if copy and t is self else t
    return t._to_dtype(dtype, copy and t is self)


def _cpu(self, memory_format=None):
    return self._to_device(_C.device("cpu"))


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    from . import cuda

    cuda._lazy_check()
    if device is None:
        device = "cuda"
    elif isinstance(device, builtins.int):
        device = f"cuda:{device}"
    return self._to_device(device)


def _make_cast(dt_name):
    def cast(self, memory_format=None):
        return self._to_dtype(getattr(_C, dt_name), False)

    cast.__name__ = dt_name
    return cast


def _type_as(self, other):
    return self._to_dtype(other.dtype, False)


def _tolist(self):
    return _dtypes.host_array(self).tolist()


def _array(self, dtype=None, copy=None):
    a = self.numpy()
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    return a


def _iter(self):
    if self.dim() == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in range(self.shape[0]))


def _repr(self):
    return tensor_repr(self)


def _format(self, spec):
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def _new_factory(fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        shape = size[0] if len(size) == 1 and not isinstance(size[0], builtins.int) else size
        return _new_full(self, shape, fill, dtype=dtype, device=device, requires_grad=requires_grad)

    return new


# torch's new_*: dtype and device default to self's.
def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    from . import _factories

    return _factories.full(tuple(size), fill_value, dtype=dtype or self.dtype,
                           device=self.device if device is None else device, requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    from . import _factories

    return _factories.tensor(data, dtype=dtype or self.dtype, device=self.device if device is None else device,
                             requires_grad=requires_grad)


def _apply_(self, fn):
    a = self.numpy(force=True)
    flat = a.reshape(-1)
    for i in range(flat.size):
        flat[i] = fn(flat[i].item())
    return self


Tensor.to = _to
Tensor.cpu = _cpu
Tensor.cuda = _cuda
Tensor.float = _make_cast("float32")
Tensor.double = _make_cast("float64")
Tensor.half = _make_cast("float16")
Tensor.bfloat16 = _make_cast("bfloat16")
Tensor.long = _make_cast("int64")
Tensor.int = _make_cast("int32")
Tensor.bool = _make_cast("bool")
Tensor.type_as = _type_as
Tensor.tolist = _tolist
Tensor.__array__ = _array
Tensor.__array_priority__ = 1000  # numpy defers to Tensor's reflected operators
Tensor.__iter__ = _iter
Tensor.__repr__ = _repr
Tensor.__str__ = _repr
Tensor.__format__ = _format
Tensor.new_zeros = _new_factory(0)
Tensor.new_ones = _new_factory(1)
Tensor.new_empty = _new_factory(0)
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
Tensor.__module__ = "pynn"


# --- nn methods (torch's Tensor.softmax / log_softmax; the kernels live in pynn.functional's ops)
def _softmax_method(self, dim, dtype=None):
    from . import functional

    return functional.softmax(self, dim, dtype=dtype)


def _log_softmax_method(self, dim, dtype=None):
    from . import functional

    return functional.log_softmax(self, dim, dtype=dtype)


Tensor.softmax = _softmax_method
Tensor.log_softmax = _log_softmax_method


# --- pickling (pickle, copy.deepcopy; pynn.save stores tensor bytes beside the pickle instead, see serialization.py)
def _rebuild_tensor(dtype_name: str, shape, data: bytes, requires_grad: bool) -> Tensor:
    """Inverse of Tensor.__reduce_ex__; validates its input, so a hostile pickle cannot build a bad tensor."""
    if dtype_name not in _dtypes.NAMES:
        raise ValueError(f"cannot rebuild a tensor of unknown dtype {dtype_name!r}")
    shape = tuple(builtins.int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"cannot rebuild a tensor with negative size {list(shape)}")
    count = 1
    for s in shape:
        count *= s
    if len(data) != count * _dtypes.ITEMSIZE[dtype_name]:
        raise ValueError(f"tensor data holds {len(data)} bytes, but a {dtype_name} tensor of shape {list(shape)} "
                         f"needs {count * _dtypes.ITEMSIZE[dtype_name]}")
    t = _dtypes.tensor_from_bytes(dtype_name, data, count).reshape(shape)
    if requires_grad:
        t.requires_grad_(True)
    return t


_tensor_bytes = _dtypes.tensor_bytes


def _reduce_ex(self, protocol):
    return (_rebuild_tensor, (_dtype_name(self.dtype), tuple(self.shape), _tensor_bytes(self), self.requires_grad))


def _dtype_name(dt) -> str:
    return str(dt).split(".")[-1]


def _deepcopy(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol "
                           "at the moment.  If you were attempting to deepcopy a module, this may be because of a "
                           "torch.nn.utils.weight_norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    result = self.detach().clone()
    if self.requires_grad:
        result.requires_grad_(True)
    if self.grad is not None:
        result.grad = _deepcopy(self.grad, memo)
    memo[id(self)] = result
    return result


def _rebuild_device(spec: str):
    return _C.device(spec)


Tensor.__reduce_ex__ = _reduce_ex
Tensor.__deepcopy__ = _deepcopy
Size.__reduce__ = lambda self: (Size, (tuple(self),))
_C.device.__reduce__ = lambda self: (_rebuild_device, (str(self),))


# --- device queries and pinning (pynn has only the CPU; issue #17) ---------------------------------------
def _pin_memory(self, device=None):
    # Pinned (page-locked) memory only speeds up host-to-GPU copies; on the CPU a copy is the whole effect.
    return self.clone()


def _install_device_queries() -> None:
    from ._legacy import tensor_type

    Tensor.type = tensor_type  # dtype, legacy type or type name ('torch.FloatTensor')
    Tensor.is_xpu = property(lambda self: False)
    Tensor.is_mps = property(lambda self: False)
    Tensor.is_meta = property(lambda self: False)
    Tensor.pin_memory = _pin_memory
    Tensor.is_pinned = lambda self, device=None: False


_install_device_queries()
