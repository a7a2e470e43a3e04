"""pynn.save / pynn.load: tensors, state_dicts, optimizer state and whole modules.

File format: a zip archive (stored, CRC-checked) holding
    pynn/format     b"pynn-serialization-1"
    pynn/data.pkl   a pickle of the object, in which each tensor is a persistent id
                    ("tensor", key, dtype, shape, requires_grad)
    pynn/data/<key> that tensor's elements, C order, little-endian
Loading with weights_only=True (the default, as in torch >= 2.6) unpickles with an allowlist of globals:
containers, pynn's tensor/Parameter/dtype/device/Size rebuilders and what add_safe_globals() added. No other
code from the file can run. weights_only=False is the explicit opt-in to full pickle (whole modules).
Writes are atomic: the archive is written to a temporary file next to the target, then renamed over it.

pynn.load also reads what real torch.save writes (torch's zip layout: <name>/data.pkl, whose tensors are
persistent ids ('storage', <torch.XStorage>, key, location, numel) naming <name>/data/<key>). The same kind of
allowlist unpickler resolves torch's names (torch._utils._rebuild_tensor_v2, _rebuild_parameter, the storage
classes, torch.Size, dtypes, devices) to pynn's own rebuilders; torch need not be installed and nothing from
the file runs. Tensors that shared a storage in torch share one here (as strided views). dtypes pynn lacks
are widened exactly: float16 and bfloat16 to float32, uint8/int8/int16 to int64.
"""
from __future__ import annotations

import builtins
import collections
import contextlib
import io
import os
import pickle
import tempfile
import zipfile
from typing import Any, BinaryIO, Callable, Dict, Iterable, Optional, Tuple, Union

from . import _C
from ._C import Tensor

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_FORMAT_ENTRY = "pynn/format"
_PICKLE_ENTRY = "pynn/data.pkl"
_DATA_DIR = "pynn/data/"
_FORMAT = b"pynn-serialization-1"
_DTYPES = ("float32", "float64", "int64", "int32", "bool")
DEFAULT_PROTOCOL = 4

FileLike = Union[str, os.PathLike, BinaryIO, io.BytesIO]


# ---- save -------------------------------------------------------------------------------------------------

class _Pickler(pickle.Pickler):
    """Pickles tensors as persistent ids; their bytes are written as separate archive entries."""

    def __init__(self, file, protocol: int) -> None:
        super().__init__(file, protocol)
        self.tensors: Dict[int, Tuple[str, Tensor]] = {}

    def persistent_id(self, obj):
        # Only plain tensors: a Parameter reduces to (rebuild, (plain tensor, requires_grad)) and that tensor
        # comes back here. The same tensor object saved twice is stored once and loads as one object.
        if type(obj) is not Tensor:
            return None
        from ._tensor import _dtype_name

        entry = self.tensors.get(id(obj))
        if entry is None:
            entry = (str(len(self.tensors)), obj)
            self.tensors[id(obj)] = entry
        return ("tensor", entry[0], _dtype_name(obj.dtype), tuple(obj.shape), bool(obj.requires_grad))


def _write_archive(obj, f: BinaryIO, protocol: int) -> None:
    from ._tensor import _tensor_bytes

    buf = io.BytesIO()
    pickler = _Pickler(buf, protocol)
    pickler.dump(obj)
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_FORMAT_ENTRY, _FORMAT)
        zf.writestr(_PICKLE_ENTRY, buf.getvalue())
        for key, t in pickler.tensors.values():
            zf.writestr(_DATA_DIR + key, _tensor_bytes(t))


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Saves obj (a tensor, a state_dict, nested dicts/lists/tuples of tensors and plain values, a module...).

    f is a path or a writable binary file object. A path is replaced atomically: an interrupted save leaves
    the previous file (or none), never a partial one.
    """
    if pickle_module is not pickle:
        raise ValueError("pynn.save supports only the standard pickle module")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(obj, out, pickle_protocol)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return
    if not hasattr(f, "write"):
        raise TypeError(f"pynn.save expects a path or a writable binary file object, got {type(f).__name__}")
    _write_archive(obj, f, pickle_protocol)


# ---- safe globals -----------------------------------------------------------------------------------------

def _default_safe_globals() -> Dict[Tuple[str, str], Any]:
    from . import _tensor
    from .nn import parameter

    allowed: Dict[Tuple[str, str], Any] = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("collections", "defaultdict"): collections.defaultdict,
        ("pynn._tensor", "_rebuild_tensor"): _tensor._rebuild_tensor,
        ("pynn._tensor", "_rebuild_device"): _tensor._rebuild_device,
        ("pynn._tensor", "Size"): _tensor.Size,
        ("pynn.nn.parameter", "_rebuild_parameter"): parameter._rebuild_parameter,
    }
    for name in ("set", "frozenset", "complex", "slice", "bytearray", "range"):
        allowed[("builtins", name)] = getattr(builtins, name)
    for name in _DTYPES:
        allowed[("pynn._C", name)] = getattr(_C, name)
        allowed[("pynn", name)] = getattr(_C, name)
    return allowed


_user_safe_globals: Dict[Tuple[str, str], Any] = {}


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allows these classes/functions in weights_only loads (for trusted custom types in checkpoints).
    An entry is the object itself or (object, "module.name") when it is pickled under another name."""
    for entry in safe_globals:
        if isinstance(entry, tuple):
            obj, full_name = entry
            module, _, name = full_name.rpartition(".")
        else:
            obj, module, name = entry, entry.__module__, entry.__qualname__
        _user_safe_globals[(module, name)] = obj


def get_safe_globals() -> list:
    return list(_user_safe_globals.values())


def clear_safe_globals() -> None:
    _user_safe_globals.clear()


class safe_globals:
    """Context manager: add_safe_globals for the duration of a with block."""

    def __init__(self, safe_globals: Iterable[Any]) -> None:
        self._globals = list(safe_globals)
        self._saved: Dict[Tuple[str, str], Any] = {}

    def __enter__(self):
        self._saved = dict(_user_safe_globals)
        add_safe_globals(self._globals)
        return self

    def __exit__(self, *exc):
        _user_safe_globals.clear()
        _user_safe_globals.update(self._saved)
        return False


_WEIGHTS_ONLY_HINT = (
    "Weights only load failed. pynn.load uses weights_only=True by default, which refuses to run code stored in "
    "the file. If you trust the file (for instance a whole model saved with pynn.save(model, ...)), load it with "
    "weights_only=False; to allow only specific trusted types, use pynn.serialization.add_safe_globals([...]).")


# ---- load -------------------------------------------------------------------------------------------------

class _Unpickler(pickle.Unpickler):
    def __init__(self, file, zf: zipfile.ZipFile, weights_only: bool, map_location) -> None:
        super().__init__(file)
        self._zf = zf
        self._weights_only = weights_only
        self._map_location = map_location
        self._loaded: Dict[str, Tensor] = {}
        self._allowed = {**_default_safe_globals(), **_user_safe_globals} if weights_only else None

    def find_class(self, module: str, name: str):
        if not self._weights_only:
            return super().find_class(module, name)
        obj = self._allowed.get((module, name))
        if obj is None:
            raise pickle.UnpicklingError(f"{_WEIGHTS_ONLY_HINT}\nUnsupported global: GLOBAL {module}.{name} is not "
                                         "an allowed global by default.")
        return obj

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "tensor"):
            raise pickle.UnpicklingError(f"unknown persistent id in checkpoint: {pid!r:.80}")
        _, key, dtype_name, shape, requires_grad = pid
        if not isinstance(key, str) or not key.isdigit():
            raise pickle.UnpicklingError(f"bad tensor key in checkpoint: {key!r:.80}")
        if key in self._loaded:
            return self._loaded[key]
        if not isinstance(shape, tuple) or not all(isinstance(s, int) for s in shape):
            raise pickle.UnpicklingError(f"bad tensor shape in checkpoint: {shape!r:.80}")
        from ._tensor import _rebuild_tensor

        try:
            data = self._zf.read(_DATA_DIR + key)
        except KeyError:
            raise pickle.UnpicklingError(f"checkpoint is missing the data of tensor {key}") from None
        try:
            t = _rebuild_tensor(dtype_name, shape, data, bool(requires_grad))
        except ValueError as e:
            raise pickle.UnpicklingError(f"corrupted tensor {key} in checkpoint: {e}") from None
        t = _apply_map_location(t, self._map_location)
        self._loaded[key] = t
        return t


def _apply_map_location(t: Tensor, map_location, location: str = "cpu") -> Tensor:
    # location: where the tensor was saved ('cpu', 'cuda:0', ...); without a map_location it loads there.
    if map_location is None:
        return t if location == "cpu" else t.to(location)
    if callable(map_location):
        out = map_location(t, location)
        return t if out is None else out
    if isinstance(map_location, dict):
        target = map_location.get(location)
        return t if target is None else t.to(target)
    return t.to(map_location)


# ---- torch's own checkpoints -------------------------------------------------------------------------------

class _TorchStorageType:
    """Stands for torch.FloatStorage & co. while unpickling: the element type of a storage."""

    def __init__(self, name: str, np_dtype: str, pynn_dtype: str) -> None:
        self.name, self.np_dtype, self.pynn_dtype = name, np_dtype, pynn_dtype

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_TORCH_STORAGES = {t.name: t for t in (
    _TorchStorageType("FloatStorage", "<f4", "float32"), _TorchStorageType("DoubleStorage", "<f8", "float64"),
    _TorchStorageType("LongStorage", "<i8", "int64"), _TorchStorageType("IntStorage", "<i4", "int32"),
    _TorchStorageType("BoolStorage", "|b1", "bool"), _TorchStorageType("HalfStorage", "<f2", "float32"),
    _TorchStorageType("BFloat16Storage", "<u2", "float32"), _TorchStorageType("ByteStorage", "|u1", "int64"),
    _TorchStorageType("CharStorage", "|i1", "int64"), _TorchStorageType("ShortStorage", "<i2", "int64"))}


def _storage_tensor(stype: _TorchStorageType, data: bytes, numel: int, big_endian: bool) -> Tensor:
    import numpy as np

    dt = np.dtype(stype.np_dtype)
    if big_endian:
        dt = dt.newbyteorder(">")
    if len(data) < numel * dt.itemsize:
        raise pickle.UnpicklingError(f"storage holds {len(data)} bytes, {numel} elements of {stype} need "
                                     f"{numel * dt.itemsize}")
    a = np.frombuffer(data, dtype=dt, count=numel)
    if stype.name == "BFloat16Storage":  # bfloat16 is the top half of a float32
        a = (a.astype(np.uint32) << 16).view(np.float32)
    a = a.astype(np.dtype(np.bool_ if stype.pynn_dtype == "bool" else stype.pynn_dtype))
    return _C.from_numpy(np.ascontiguousarray(a))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None) -> Tensor:
    if not isinstance(storage, Tensor):
        raise pickle.UnpicklingError("torch tensor record without its storage")
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    storage_offset = int(storage_offset)
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride) or storage_offset < 0:
        raise pickle.UnpicklingError(f"bad tensor geometry in checkpoint: size {size}, stride {stride}")
    extent = storage_offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1 if all(size) else 0
    if extent > storage.numel():
        raise pickle.UnpicklingError(f"tensor of size {list(size)} runs past its storage of {storage.numel()} "
                                     "elements")
    t = storage.as_strided(size, stride, storage_offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None, *state):
    from .nn.parameter import Parameter

    return Parameter(data, requires_grad)


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    # Protocol-2 pickles (torch's) store bytes as _codecs.encode(text, 'latin1'): allowed for that use only.
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode is only allowed for latin1 bytes, got {encoding!r:.40}")
    return text.encode("latin1")


def _torch_globals() -> Dict[Tuple[str, str], Any]:
    """torch's pickled names and what they mean in pynn."""
    from . import _tensor

    names: Dict[Tuple[str, str], Any] = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch", "Size"): _tensor.Size,
        ("torch", "device"): _C.device,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("_codecs", "encode"): _latin1_bytes,
    }
    for name, stype in _TORCH_STORAGES.items():
        names[("torch", name)] = stype
    for name in _DTYPES:
        names[("torch", name)] = getattr(_C, name)
    for alias, name in (("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32")):
        names[("torch", alias)] = getattr(_C, name)
    return names


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, file, zf: zipfile.ZipFile, prefix: str, weights_only: bool, map_location) -> None:
        super().__init__(file, encoding="utf-8")
        self._zf, self._prefix = zf, prefix
        self._weights_only = weights_only
        self._map_location = map_location
        self._storages: Dict[str, Tensor] = {}
        self._torch = _torch_globals()
        self._allowed = {**_default_safe_globals(), **_user_safe_globals}
        try:
            self._big_endian = zf.read(prefix + "byteorder").strip() == b"big"
        except KeyError:
            self._big_endian = False

    def find_class(self, module: str, name: str):
        if module == "__builtin__":  # protocol 2 keeps Python 2's module name (fix_imports maps it)
            module = "builtins"
        obj = self._torch.get((module, name))
        if obj is not None:
            return obj
        obj = self._allowed.get((module, name))
        if obj is not None:
            return obj
        if not self._weights_only:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{_WEIGHTS_ONLY_HINT}\nUnsupported global: GLOBAL {module}.{name} is not an "
                                     "allowed global by default.")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id in checkpoint: {pid!r:.80}")
        _, stype, key, location, numel = pid
        if not isinstance(stype, _TorchStorageType):
            raise pickle.UnpicklingError(f"unsupported storage type in checkpoint: {stype!r:.80}")
        if not isinstance(key, str) or not key.isdigit() or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f"bad storage record in checkpoint: {pid!r:.80}")
        if key not in self._storages:
            try:
                data = self._zf.read(f"{self._prefix}data/{key}")
            except KeyError:
                raise pickle.UnpicklingError(f"checkpoint is missing storage {key}") from None
            t = _storage_tensor(stype, data, numel, self._big_endian)
            self._storages[key] = _apply_map_location(t, self._map_location, str(location))
        return self._storages[key]


def _torch_prefix(names) -> Optional[str]:
    """The record prefix of a torch zip checkpoint ('<name>/'), or None."""
    for n in names:
        if n.endswith("/data.pkl") and n.count("/") == 1:
            prefix = n[: -len("data.pkl")]
            if any(m.startswith(prefix + "data/") or m == prefix + "version" for m in names):
                return prefix
    return None


def _open_archive(f) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(f, "r")
    except zipfile.BadZipFile:
        raise RuntimeError("pynn.load: not a pynn checkpoint: the file is truncated, corrupted, or was not written "
                           "by pynn.save") from None
    names = set(zf.namelist())
    if (_FORMAT_ENTRY not in names or _PICKLE_ENTRY not in names) and _torch_prefix(names) is None:
        zf.close()
        raise RuntimeError("pynn.load: not a pynn checkpoint (a zip archive without pynn's or torch's entries)")
    return zf


def _load_from(f, weights_only: bool, map_location) -> Any:
    with _open_archive(f) as zf:
        try:
            names = set(zf.namelist())
            if _FORMAT_ENTRY not in names:
                prefix = _torch_prefix(names)
                payload = zf.read(prefix + "data.pkl")
                return _TorchUnpickler(io.BytesIO(payload), zf, prefix, weights_only, map_location).load()
            if zf.read(_FORMAT_ENTRY) != _FORMAT:
                raise RuntimeError("pynn.load: unsupported checkpoint format version "
                                   f"{zf.read(_FORMAT_ENTRY)[:40]!r}")
            payload = zf.read(_PICKLE_ENTRY)
            return _Unpickler(io.BytesIO(payload), zf, weights_only, map_location).load()
        except pickle.UnpicklingError as e:
            if weights_only and str(e).startswith("Weights only load failed"):
                raise pickle.UnpicklingError(str(e)) from None
            raise RuntimeError(f"pynn.load: corrupted checkpoint: {e}") from None
        except (zipfile.BadZipFile, EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError,
                MemoryError, AttributeError, ImportError) as e:
            # zipfile reports a bad CRC as BadZipFile; a damaged pickle surfaces as one of the others.
            if isinstance(e, (AttributeError, ImportError)) and not weights_only:
                raise
            raise RuntimeError(f"pynn.load: corrupted checkpoint ({type(e).__name__}: {e})") from None


def load(f: FileLike, map_location: Union[None, str, Any, Dict[str, Any], Callable] = None,
         pickle_module: Any = None, *, weights_only: Optional[bool] = None, mmap: Optional[bool] = None,
         **pickle_load_args: Any) -> Any:
    """Loads an object saved by pynn.save. weights_only=True (default): tensors, containers and plain values
    only, never running code from the file; weights_only=False: full unpickling (trusted files only)."""
    if weights_only is None:
        weights_only = True
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("pynn.load supports only the standard pickle module")
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if not os.path.exists(path):
            raise FileNotFoundError(f"[Errno 2] No such file or directory: '{path}'")
        with open(path, "rb") as fh:
            return _load_from(fh, weights_only, map_location)
    if not (hasattr(f, "read") and hasattr(f, "seek")):
        raise TypeError(f"pynn.load expects a path or a readable, seekable binary file object, got "
                        f"{type(f).__name__}")
    return _load_from(f, weights_only, map_location)
