"""Tensor factories with torch's signatures; the filling happens in C++."""
from __future__ import annotations

import builtins
import operator

import numpy as np

from . import _C, _dtypes, _memory_format
from ._C import Tensor

_NUMPY_DTYPES = {
    "float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32, "bool": np.bool_,
    "float16": np.float16, "bfloat16": np.float32,  # numpy has no bfloat16: the values go through float32
}


def _dtype_name(dt) -> str:
    return str(dt).split(".")[-1]


_CPU = _C.device("cpu")


def _check_device(device, default=None):
    """The factory's target device (`default`, else cpu, when None); a CUDA device without CUDA raises torch's error."""
    if device is None:
        return default if default is not None else _CPU
    dev = device if isinstance(device, _C.device) else _C.device(device)
    if dev.type != "cpu":
        from . import cuda

        cuda._lazy_check()
    return dev


def _finish(t: Tensor, requires_grad: bool, out: Tensor | None = None) -> Tensor:
    if out is not None:
        # torch resizes `out`; pynn has no resize_, so only an exact shape (or dtype-only change) is accepted.
        if not isinstance(out, Tensor):
            raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
        if tuple(out.shape) != tuple(t.shape):
            raise RuntimeError(f"out= has shape {list(out.shape)} but the result has shape {list(t.shape)}; "
                               "pynn does not resize out= tensors")
        out.copy_(t)
        return out
    if requires_grad:
        t.requires_grad_(True)
    return t


def _from_generator(generator, draw, dtype) -> Tensor:
    """Values drawn from a pynn.Generator's own stream (numpy-backed), as a tensor of `dtype`."""
    from ._generator import Generator

    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a pynn.Generator, not {type(generator).__name__}")
    return tensor(draw(generator._rng), dtype=dtype)


def _shape(size, size_kw=None) -> list:
    # zeros(2, 3), zeros((2, 3)), zeros([2, 3]) and zeros(size=(2, 3)) are the same call.
    if size_kw is not None:
        if size:
            raise TypeError("got multiple values for argument 'size'")
        size = (size_kw,)
    if not size:  # zeros() is no 0-d tensor in torch: zeros(()) is
        raise TypeError('missing 1 required positional arguments: "size"')
    if len(size) == 1 and not isinstance(size[0], (builtins.int, np.integer)):
        size = size[0]
    try:
        # operator.index, not int(): a float size (2.5), None or a bool is a TypeError in torch, not a truncation.
        if isinstance(size, builtins.bool) or any(isinstance(s, builtins.bool) for s in size):
            raise TypeError
        return [operator.index(s) for s in size]
    except TypeError:
        raise TypeError(f"size must be tuple of ints, got {size!r}") from None


def _int_arg(fn: str, name: str, value, position: int) -> int:
    """An int argument checked as torch's parser does: eye(2.5) is a TypeError, not eye(2)."""
    try:
        if isinstance(value, builtins.bool):
            raise TypeError
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be int, "
                        f"not {type(value).__name__}") from None


def _tensor_arg(fn: str, value, name: str = "input", position: int = 1) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}")
    return value


def _filled(shape, value, dtype, device=_CPU):
    return _C._full(list(shape), value, dtype if dtype is not None else _C._get_default_dtype(), device)


def zeros(*size_args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    return _finish(_filled(_shape(size_args, size), 0, dtype, _check_device(device)), requires_grad, out)


def ones(*size_args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _finish(_filled(_shape(size_args, size), 1, dtype, _check_device(device)), requires_grad, out)


def empty(*size_args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          memory_format=None):
    dev = _check_device(device)
    dtype = dtype if dtype is not None else _C._get_default_dtype()
    shape = _shape(size_args, size)
    if memory_format is not None and memory_format is not _memory_format.contiguous_format:
        if memory_format is _memory_format.preserve_format:
            raise RuntimeError("preserve memory format is unsupported by the empty operator")
        empty_shaped = _C._empty(shape, dtype, dev)  # the format's rank check needs a tensor of that shape
        order = _memory_format.dim_order(empty_shaped, memory_format, "empty")
        return _finish(_memory_format.laid_out(lambda s: _C._empty(s, dtype, dev), shape, order), requires_grad, out)
    return _finish(_C._empty(shape, dtype, dev), requires_grad, out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dev = _check_device(device)
    if dtype is None:
        dtype = _C.bool if isinstance(fill_value, builtins.bool) else (
            _C.int64 if isinstance(fill_value, (builtins.int, np.integer)) else _C._get_default_dtype())
    shape = _shape((size,)) if not isinstance(size, builtins.int) else [size]
    return _finish(_filled(shape, fill_value, dtype, dev), requires_grad, out)


def _like(t, dtype):
    return dtype if dtype is not None else t.dtype


def _like_layout(t, memory_format, op: str, make):
    """make(shape) -> a fresh tensor; the *_like result laid out as memory_format says (default preserve_format:
    the input's dimension order when it is dense, as torch)."""
    if t.dim() <= 1 or ((memory_format is None or memory_format is _memory_format.preserve_format)
                        and _memory_format.row_major_is_contiguous(t)):
        return make(list(t.shape))
    order = _memory_format.dim_order(t, memory_format, op)
    return _memory_format.laid_out(make, list(t.shape), order)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _tensor_arg("zeros_like", input)
    dev = _check_device(device, input.device)
    return _finish(_like_layout(input, memory_format, "zeros_like", lambda s: _filled(s, 0, _like(input, dtype), dev)),
                   requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _tensor_arg("ones_like", input)
    dev = _check_device(device, input.device)
    return _finish(_like_layout(input, memory_format, "ones_like", lambda s: _filled(s, 1, _like(input, dtype), dev)),
                   requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _tensor_arg("empty_like", input)
    dev = _check_device(device, input.device)
    return _finish(_like_layout(input, memory_format, "empty_like", lambda s: _C._empty(s, _like(input, dtype), dev)),
                   requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _tensor_arg("full_like", input)
    dev = _check_device(device, input.device)
    make = lambda s: _filled(s, fill_value, _like(input, dtype), dev)  # noqa: E731
    return _finish(_like_layout(input, memory_format, "full_like", make), requires_grad)


def rand(*size_args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    dev = _check_device(device)
    dtype = dtype if dtype is not None else _C._get_default_dtype()
    if generator is not None:
        shape = _shape(size_args, size)
        return _finish(_from_generator(generator, lambda g: g.random(shape), dtype), requires_grad, out)
    return _finish(_C._rand(_shape(size_args, size), dtype, dev), requires_grad, out)


def randn(*size_args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    dev = _check_device(device)
    dtype = dtype if dtype is not None else _C._get_default_dtype()
    if generator is not None:
        shape = _shape(size_args, size)
        return _finish(_from_generator(generator, lambda g: g.standard_normal(shape), dtype), requires_grad, out)
    return _finish(_C._randn(_shape(size_args, size), dtype, dev), requires_grad, out)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _tensor_arg("rand_like", input)
    dev = _check_device(device, input.device)
    return _finish(_like_layout(input, memory_format, "rand_like", lambda s: rand(s, dtype=_like(input, dtype), device=dev)),
                   requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    _tensor_arg("randn_like", input)
    dev = _check_device(device, input.device)
    make = lambda s: randn(s, dtype=_like(input, dtype), device=dev)  # noqa: E731
    return _finish(_like_layout(input, memory_format, "randn_like", make), requires_grad)


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """randint(high, size) or randint(low, high, size), as in torch."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    dev = _check_device(device)
    dtype = dtype if dtype is not None else _C.int64
    if generator is not None:
        if builtins.int(low) >= builtins.int(high):
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        shape = _shape((size,))
        draw = lambda g: g.integers(builtins.int(low), builtins.int(high), size=shape)  # noqa: E731
        return _finish(_from_generator(generator, draw, dtype), requires_grad, out)
    return _finish(_C._randint(builtins.int(low), builtins.int(high), _shape((size,)), dtype, dev), requires_grad, out)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None):
    _tensor_arg("randint_like", input)
    if high is None:
        low, high = 0, low
    return randint(low, high, list(input.shape), dtype=_like(input, dtype), device=_check_device(device, input.device))


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dev = _check_device(device)
    dtype = dtype if dtype is not None else _C.int64
    n = _int_arg("randperm", "n", n, 1)
    if generator is not None:
        return _finish(_from_generator(generator, lambda g: g.permutation(n), dtype), requires_grad, out)
    return _finish(_C._randperm(n, dtype, dev), requires_grad, out)


_MISSING = object()  # torch's parser takes no None for these ints: eye(3, None) and arange(0, None) are TypeErrors


def arange(start, end=_MISSING, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    if end is _MISSING:
        start, end = 0, start
    if start is None or end is None or step is None:
        raise TypeError("arange() received an invalid combination of arguments - got None where a Number is expected")
    dev = _check_device(device)
    vals = []
    for v in (start, end, step):
        if isinstance(v, Tensor):
            v = v.item()
        if isinstance(v, np.generic):
            v = v.item()
        vals.append(v)
    return _finish(_C._arange(*vals, dtype, dev), requires_grad, out)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    t = _C._linspace(builtins.float(start), builtins.float(end), _int_arg("linspace", "steps", steps, 3),
                     dtype if dtype is not None else _C._get_default_dtype(), _check_device(device))
    return _finish(t, requires_grad, out)


def eye(n, m=_MISSING, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    dev = _check_device(device)
    dtype = dtype if dtype is not None else _C._get_default_dtype()
    n = _int_arg("eye", "n", n, 1)
    m = n if m is _MISSING else _int_arg("eye", "m", m, 2)
    return _finish(_C._eye(n, m, dtype, dev), requires_grad, out)


def _infer_numpy(data, dtype=None) -> np.ndarray:
    """Python data -> numpy array with torch's default dtypes (float32 for Python floats)."""
    if isinstance(data, Tensor):
        return _dtypes.host_array(data)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        data = [_dtypes.host_array(x) if isinstance(x, Tensor) else x for x in data]
    arr = np.asarray(data)
    python_data = not isinstance(data, np.ndarray) and not isinstance(data, np.generic)
    if python_data and arr.dtype.kind in "USVO" and isinstance(data, (list, tuple)):
        _check_python_leaves(data, dtype)  # only when something non-numeric is there: it walks every element
    if python_data and arr.dtype.kind in "USV":
        raise ValueError(f"too many dimensions '{type(data).__name__}'" if isinstance(data, str) else
                         f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str' or arr.dtype}'")
    if python_data and arr.dtype.kind in "fuO" and _has_int_past_int64(data):
        # numpy turns Python ints past int64 into uint64, float64 or objects; torch refuses them.
        raise ValueError("Overflow when unpacking long long")
    if python_data and arr.dtype == object:
        flat = arr.reshape(-1).tolist()
        if all(isinstance(x, builtins.int) and not isinstance(x, builtins.bool) for x in flat):
            arr = arr.astype(np.int64)
    if python_data and arr.dtype.kind == "u":
        arr = arr.astype(np.int64)
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}: nested sequences must be regular and numeric")
    if python_data:
        if dtype is not None:  # Python numbers go straight to the asked dtype (no float32 detour)
            if arr.dtype.kind in "fiu" and _dtype_name(dtype) in ("int32", "int64"):
                _check_fits(arr, _dtype_name(dtype))
        elif arr.dtype.kind == "f":  # Python floats take the default dtype (bfloat16's through float32)
            arr = arr.astype(_NUMPY_DTYPES[_dtype_name(_C._get_default_dtype())])
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
    return arr


def _leaves(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _leaves(x)
        else:
            yield x


def _check_python_leaves(data, dtype) -> None:
    """A None or str among Python data raises what torch's element-by-element parser raises, at the first one."""
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, str):  # the shape is read from the first elements: a str looks like one more dim
        raise ValueError("too many dimensions 'str'")
    name = None if dtype is None else _dtype_name(dtype)
    info = np.iinfo(_NUMPY_DTYPES[name]) if name in ("int32", "int64") else None
    for x in _leaves(data):
        if x is None or isinstance(x, str):
            kind = type(x).__name__
            if name is None:
                if x is None:
                    raise RuntimeError("Could not infer dtype of NoneType")
                raise TypeError("new(): invalid data type 'str'")
            if name.startswith("float"):
                raise TypeError(f"must be real number, not {kind}")
            raise TypeError(f"'{kind}' object cannot be interpreted as an integer")
        if info is not None and isinstance(x, builtins.int) and not info.min <= x <= info.max:
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _has_int_past_int64(data) -> bool:
    if isinstance(data, builtins.int) and not isinstance(data, builtins.bool):
        return not -2**63 <= data < 2**63
    if isinstance(data, (list, tuple)):
        return any(_has_int_past_int64(x) for x in data)
    return False


def _check_fits(arr: np.ndarray, name: str) -> None:
    """Python numbers into an integer dtype: NaN, inf and out-of-range values raise, as in torch."""
    info = np.iinfo(_NUMPY_DTYPES[name])
    if arr.dtype.kind in "iu":
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        return
    with np.errstate(invalid="ignore"):  # the limits as csrc/core/scalar.h applies them
        fits = bool(np.all((arr >= float(info.min)) & (arr <= float(info.max)) & (arr < -float(info.min))))
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _from_array(arr: np.ndarray, dtype) -> Tensor:
    # Without a dtype an array keeps its own: one pynn lacks (float16, uint8, int16, ...) is refused by
    # from_numpy rather than silently widened.
    if dtype is not None:
        with np.errstate(over="ignore"):  # past float16's range is inf, as torch rounds it
            arr = arr.astype(_NUMPY_DTYPES[_dtype_name(dtype)], copy=False)
    if not arr.flags.c_contiguous:
        arr = np.array(arr, order="C")
    t = _C.from_numpy(arr)
    return t.to(dtype) if dtype is not None and t.dtype != dtype else t


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (numbers, nested lists, numpy arrays or tensors)."""
    _check_device(device)
    if dtype is None and isinstance(data, Tensor):
        dtype = data.dtype  # a bfloat16 tensor reaches numpy as float32
    arr = _infer_numpy(data, dtype)
    if dtype is None and _C._get_default_dtype() == _C.bfloat16 and arr.dtype == np.float32 and \
            not isinstance(data, (np.ndarray, np.generic)):
        dtype = _C.bfloat16  # Python floats under a bfloat16 default
    return _finish(_from_array(np.array(arr, copy=True), dtype), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with `data` when it is a tensor or numpy array of the wanted dtype."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        try:
            t = _C.from_numpy(data)
        except (TypeError, RuntimeError):
            return _from_array(np.array(data), dtype)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype)
