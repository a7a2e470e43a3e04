"""Legacy tensor types of torch's tutorials: pynn.FloatTensor(...), LongTensor, DoubleTensor, IntTensor,
BoolTensor, HalfTensor, BFloat16Tensor, and Tensor.type(...) with their names.

FloatTensor(2, 3) / FloatTensor(pynn.Size([2, 3])) make an uninitialised tensor of that shape,
FloatTensor([1, 2]) one from data, FloatTensor() an empty one; isinstance(t, pynn.FloatTensor) tests the dtype.
"""
from __future__ import annotations

import builtins

import numpy as np

from . import _C
from ._C import Tensor


class _LegacyMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'pynn.{cls.__name__}'>"


def _is_size(args) -> bool:
    if all(isinstance(a, (builtins.int, np.integer)) and not isinstance(a, builtins.bool) for a in args):
        return True
    from ._tensor import Size

    return len(args) == 1 and isinstance(args[0], Size)


class _LegacyTensor(metaclass=_LegacyMeta):
    dtype = None

    def __new__(cls, *args, device=None):
        from . import _factories

        if device is not None and _C.device(device).type != "cpu":
            from . import cuda

            cuda._lazy_check()
        if not args:
            return _factories.empty(0, dtype=cls.dtype)
        if _is_size(args):
            shape = list(args[0]) if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)) else args
            return _factories.empty(*[builtins.int(s) for s in shape], dtype=cls.dtype)
        if len(args) > 1:
            raise TypeError(f"{cls.__name__}() takes sizes (ints) or one sequence of data, got "
                            f"{', '.join(type(a).__name__ for a in args)}")
        data = args[0]
        if isinstance(data, Tensor):
            if data.dtype != cls.dtype:
                raise TypeError(f"expected {cls._torch_name} (got {_type_name(data.dtype)})")
            return data
        return _factories.tensor(data, dtype=cls.dtype)


def _make(name: str, dtype) -> type:
    return _LegacyMeta(name, (_LegacyTensor,), {"dtype": dtype, "_torch_name": name.replace("Tensor", ""),
                                               "__module__": "pynn"})


FloatTensor = _make("FloatTensor", _C.float32)
DoubleTensor = _make("DoubleTensor", _C.float64)
LongTensor = _make("LongTensor", _C.int64)
IntTensor = _make("IntTensor", _C.int32)
BoolTensor = _make("BoolTensor", _C.bool)
HalfTensor = _make("HalfTensor", _C.float16)
BFloat16Tensor = _make("BFloat16Tensor", _C.bfloat16)
_TYPES = {t.__name__: t for t in (FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor, HalfTensor,
                                  BFloat16Tensor)}
_BY_DTYPE = {str(t.dtype): t.__name__ for t in _TYPES.values()}


def _type_name(dtype) -> str:
    return _BY_DTYPE.get(str(dtype), str(dtype)).replace("Tensor", "")


def tensor_type(self, dtype=None, non_blocking: bool = False, **kwargs):
    """Tensor.type(): the type name ('pynn.FloatTensor'); Tensor.type(t) casts to t, given as a dtype, a legacy
    type or its name ('torch.LongTensor' and 'pynn.LongTensor' both work, as do the 'torch.cuda.*' names
    where CUDA is available)."""
    dtype = kwargs.pop("dst_type", dtype)
    if kwargs:
        raise TypeError(f"type() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if dtype is None:
        return "pynn." + _BY_DTYPE[str(self.dtype)]
    if isinstance(dtype, str):
        module, _, name = dtype.rpartition(".")
        if module in ("torch.cuda", "pynn.cuda"):
            from . import cuda

            cuda._lazy_check()
        if module not in ("torch", "pynn", "torch.cuda", "pynn.cuda") or name not in _TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _TYPES[name].dtype
    elif isinstance(dtype, type) and issubclass(dtype, _LegacyTensor):
        dtype = dtype.dtype
    elif not isinstance(dtype, _C.dtype):
        raise TypeError(f"type() argument must be a dtype, a type name or a tensor type, not {type(dtype).__name__}")
    return self if dtype == self.dtype else self._to_dtype(dtype, False)


def set_default_tensor_type(t) -> None:
    """torch.set_default_tensor_type (deprecated in torch for set_default_dtype, and warned about as torch does):
    a floating legacy type, as the class (pynn.DoubleTensor) or its name ('torch.DoubleTensor'), sets the default
    dtype; CUDA type names raise on this CPU build."""
    import warnings

    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        module, _, name = t.rpartition(".")
        if module in ("torch.cuda", "pynn.cuda") and name in _TYPES:
            raise TypeError(f"type {t} not available. Torch not compiled with CUDA enabled.")
        if module not in ("torch", "pynn") or name not in _TYPES:
            raise TypeError(f"invalid type: '{t}'")
        t = _TYPES[name]
    if not (isinstance(t, type) and issubclass(t, _LegacyTensor)) or not t.dtype.is_floating_point:
        raise TypeError("invalid type object: only floating-point types are supported as the default type")
    _C._set_default_dtype(t.dtype)
