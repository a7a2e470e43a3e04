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
are widened exactly: uint8/int8/int16 to int64 (float16 and bfloat16 load as themselves).
"""
from __future__ import annotations

import _compat_pickle
import builtins
import collections
import contextlib
import io
import os
import pickle
import pickletools
import stat
import struct
import tempfile
import zipfile
import zlib
from typing import Any, BinaryIO, Callable, Dict, Iterable, Optional, Tuple, Union

from . import _C, _dtypes
from ._C import Tensor

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_FORMAT_ENTRY = "pynn/format"
_PICKLE_ENTRY = "pynn/data.pkl"
_DATA_DIR = "pynn/data/"
_FORMAT = b"pynn-serialization-1"
_DTYPES = _dtypes.NAMES
_ITEMSIZE = _dtypes.ITEMSIZE
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


def _temp_prefix(path: str) -> str:
    return "." + os.path.basename(path) + "."


def _remove_stale_temps(path: str) -> None:
    """Removes the temporary files of earlier saves to path whose writer is gone (a save killed mid-write
    cannot clean up after itself). The writer's pid is in the name, so a concurrent save's file is kept."""
    directory, prefix = os.path.dirname(os.path.abspath(path)), _temp_prefix(path)
    with contextlib.suppress(OSError):
        for name in os.listdir(directory):
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            pid = name[len(prefix):].split(".", 1)[0]
            if not pid.isdigit() or int(pid) == os.getpid() or _pid_alive(int(pid)):
                continue
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Saves obj (a tensor, a state_dict, nested dicts/lists/tuples of tensors and plain values, a module...).

    f is a path or a writable binary file object. A path is replaced atomically: an interrupted save leaves
    the previous file (or none), never a partial one, and the next save to that path removes its temporary.
    """
    if pickle_module is not pickle:
        raise ValueError("pynn.save supports only the standard pickle module")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        directory = os.path.dirname(os.path.abspath(path))
        _remove_stale_temps(path)
        fd, tmp = tempfile.mkstemp(prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=".tmp", dir=directory)
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

def _bounded(ctor: Callable, limit: int) -> Callable:
    """ctor, refusing to expand a range or a count into more elements than the pickle has bytes: pickled
    data costs at least a byte per element, so only a hostile file asks set(range(10**9)) or bytearray(2**40)."""
    def build(*args):
        for a in args:
            n = len(a) if isinstance(a, range) else a if type(a) is int else 0
            if n > limit:
                raise pickle.UnpicklingError(f"{ctor.__name__}() asked to build {n} elements from a pickle of "
                                             f"{limit} bytes")
        return ctor(*args)

    build.__name__ = ctor.__name__
    return build


def _checked_rebuild_tensor(dtype_name, shape, data, requires_grad):
    # pynn._tensor._rebuild_tensor (a tensor pickled outside pynn.save) checks sizes; bool bytes are checked here.
    if dtype_name == "bool" and isinstance(data, (bytes, bytearray)):
        _check_bool_bytes(data, "pickled bool tensor")
    from ._tensor import _rebuild_tensor

    return _rebuild_tensor(dtype_name, _shape(shape), data, requires_grad)


def _default_safe_globals(limit: int = 1 << 16) -> Dict[Tuple[str, str], Any]:
    from . import _tensor
    from .nn import parameter

    allowed: Dict[Tuple[str, str], Any] = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("collections", "defaultdict"): collections.defaultdict,
        ("pynn._tensor", "_rebuild_tensor"): _checked_rebuild_tensor,
        ("pynn._tensor", "_rebuild_device"): _tensor._rebuild_device,
        ("pynn._tensor", "Size"): _bounded(_tensor.Size, limit),
        ("pynn.nn.parameter", "_rebuild_parameter"): parameter._rebuild_parameter,
        ("_codecs", "encode"): _latin1_bytes,  # protocol 2's bytes
    }
    for name in ("complex", "slice", "range"):
        allowed[("builtins", name)] = getattr(builtins, name)
    for name in ("set", "frozenset", "bytearray"):
        allowed[("builtins", name)] = _bounded(getattr(builtins, name), limit)
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


# ---- load: checks shared by pynn's and torch's format -------------------------------------------------------

# Deflate cannot expand more than ~1032x (a 258-byte match per 2 bits); an entry declaring more is a lie.
_MAX_DEFLATE_RATIO = 1032
_INT64_LIMIT = 1 << 63


def _corrupted(msg: str) -> RuntimeError:
    return RuntimeError(f"pynn.load: corrupted checkpoint: {msg}")


def _shape(shape, what: str = "size") -> Tuple[int, ...]:
    """A tensor geometry from a file: a tuple/list of ints, each within int64."""
    if not isinstance(shape, (tuple, list)) or not all(type(s) is int for s in shape):
        raise pickle.UnpicklingError(f"bad tensor {what} in checkpoint: {shape!r:.80}")
    if any(not -_INT64_LIMIT < s < _INT64_LIMIT for s in shape):
        raise pickle.UnpicklingError(f"tensor {what} in checkpoint out of the int64 range: {list(shape)!r:.80}")
    return tuple(shape)


def _numel(shape: Tuple[int, ...]) -> int:
    for s in shape:
        if s < 0:  # torch's wording
            raise pickle.UnpicklingError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    n = 1
    for s in shape:
        n *= s
    if n >= _INT64_LIMIT:
        raise pickle.UnpicklingError(f"tensor size {list(shape)} in checkpoint has more than 2**63 elements")
    return n


def _check_bool_bytes(data: bytes, what: str) -> None:
    import numpy as np

    if data and int(np.frombuffer(data, dtype=np.uint8).max()) > 1:
        raise pickle.UnpicklingError(f"{what} holds bytes other than 0 and 1 (a bool is stored as one byte, "
                                     "0 or 1)")


def _archive_size(f) -> int:
    pos = f.tell()
    end = f.seek(0, os.SEEK_END)
    f.seek(pos)
    return end


def _check_entries(zf: zipfile.ZipFile, archive_size: int) -> None:
    """Every entry's metadata before anything is inflated: unique names, plain files only, sizes that the
    archive can hold (a zip bomb declares more than its compressed bytes can expand to)."""
    seen = set()
    for info in zf.infolist():
        name = info.filename
        if name in seen:
            raise _corrupted(f"duplicate entry name {name!r:.120} in the zip archive")
        seen.add(name)
        if info.is_dir() or stat.S_ISDIR(info.external_attr >> 16):
            raise _corrupted(f"the zip archive holds a directory entry {name!r:.120}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _corrupted(f"the zip archive holds a symbolic link {name!r:.120}")
        if info.flag_bits & 0x1:
            raise _corrupted(f"entry {name!r:.120} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _corrupted(f"entry {name!r:.120} uses unsupported compression method {info.compress_type}")
        if info.header_offset + info.compress_size > archive_size:
            raise _corrupted(f"entry {name!r:.120} runs past the end of the file (truncated?)")
        ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO
        if info.file_size > info.compress_size * ratio:
            raise _corrupted(f"entry {name!r:.120} declares {info.file_size} bytes from {info.compress_size} "
                             "stored bytes (a zip bomb or damaged sizes)")


def _read_entry(zf: zipfile.ZipFile, name: str) -> bytes:
    """An entry's bytes, CRC-checked (zipfile verifies the CRC-32 as it reads)."""
    try:
        return zf.read(name)
    except KeyError:
        raise pickle.UnpicklingError(f"PytorchStreamReader failed locating file {name}: file not found") from None
    except zipfile.BadZipFile as e:
        why = "CRC-32 check failed" if "CRC" in str(e) else str(e)
        raise _corrupted(f"PytorchStreamReader failed reading file {name}: {why}") from None
    except (EOFError, struct.error, ValueError, OSError, zlib.error) as e:
        raise _corrupted(f"PytorchStreamReader failed reading file {name}: {type(e).__name__}: {e}") from None


def _read_record(zf: zipfile.ZipFile, name: str, numel: int, itemsize: int, dtype_label: str) -> bytes:
    """A tensor's bytes, their count checked against the metadata before the entry is read."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise pickle.UnpicklingError(f"PytorchStreamReader failed locating file {name}: file not found") from None
    nbytes = numel * itemsize
    if info.file_size != nbytes:  # torch's wording
        raise pickle.UnpicklingError(f"record size ({info.file_size} bytes) does not match expected size "
                                     f"({nbytes} bytes = {numel} elements * {itemsize} bytes/element) for dtype "
                                     f"{dtype_label}")
    data = _read_entry(zf, name)
    if len(data) != nbytes:
        raise _corrupted(f"PytorchStreamReader failed reading file {name}: {len(data)} bytes, expected {nbytes}")
    if dtype_label in ("bool", "Bool"):
        _check_bool_bytes(data, f"bool storage {name}")
    return data


_MEMO_PUTS = frozenset(("PUT", "BINPUT", "LONG_BINPUT"))


def _check_pickle(payload: bytes) -> None:
    """weights_only: the pickle's opcodes read through once before unpickling. A memo index past what the
    pickle could have stored makes the C unpickler allocate and clear memory for it (a 9-byte pickle putting
    index 2**28 costs 4 GB), so each PUT must name at most the number of opcodes before it."""
    ops = 0
    try:
        for op, arg, _ in pickletools.genops(payload):
            ops += 1
            if op.name in _MEMO_PUTS and not 0 <= int(arg) <= ops:
                raise pickle.UnpicklingError(f"pickle memo index {arg} out of range at opcode {ops}")
    except pickle.UnpicklingError:
        raise
    except Exception as e:  # genops reports a damaged opcode stream as ValueError and kin
        raise pickle.UnpicklingError(f"damaged pickle ({type(e).__name__}: {e})") from None


# ---- load -------------------------------------------------------------------------------------------------

def _py3_name(module: str, name: str) -> Tuple[str, str]:
    """Protocol 2 pickles keep Python 2's names (__builtin__.set, __builtin__.xrange): mapped as pickle's own
    find_class does with fix_imports."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, zf: zipfile.ZipFile, weights_only: bool, map_location) -> None:
        super().__init__(file)
        self._zf = zf
        self._weights_only = weights_only
        self._map_location = map_location
        self._loaded: Dict[str, Tensor] = {}
        self._records: Dict[str, tuple] = {}
        limit = max(len(file.getbuffer()), 1 << 16)
        self._allowed = {**_default_safe_globals(limit), **_user_safe_globals} if weights_only else None

    def find_class(self, module: str, name: str):
        if not self._weights_only:
            return super().find_class(module, name)
        module, name = _py3_name(module, name)
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
        if dtype_name not in _DTYPES:
            raise pickle.UnpicklingError(f"tensor {key} in checkpoint has unknown dtype {dtype_name!r:.40}")
        shape = _shape(shape)
        numel = _numel(shape)
        record = (dtype_name, shape, bool(requires_grad))
        if key in self._loaded:  # the same tensor saved twice: the same metadata, one object
            if self._records[key] != record:
                raise pickle.UnpicklingError(f"tensor {key} is declared twice with different metadata: "
                                             f"{self._records[key]!r:.100} and {record!r:.100}")
            return self._loaded[key]
        from ._tensor import _rebuild_tensor

        itemsize = _ITEMSIZE[dtype_name]
        data = _read_record(self._zf, _DATA_DIR + key, numel, itemsize, dtype_name)
        try:
            t = _rebuild_tensor(dtype_name, shape, data, bool(requires_grad))
        except ValueError as e:
            raise pickle.UnpicklingError(f"corrupted tensor {key} in checkpoint: {e}") from None
        t = _apply_map_location(t, self._map_location, "cpu")
        self._loaded[key], self._records[key] = t, record
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
        self.label = name[: -len("Storage")]  # torch's name of the dtype in its messages: Float, Bool...
        self.itemsize = int(np_dtype[2:])

    def __repr__(self) -> str:
        return f"torch.{self.name}"


_TORCH_STORAGES = {t.name: t for t in (
    _TorchStorageType("FloatStorage", "<f4", "float32"), _TorchStorageType("DoubleStorage", "<f8", "float64"),
    _TorchStorageType("LongStorage", "<i8", "int64"), _TorchStorageType("IntStorage", "<i4", "int32"),
    _TorchStorageType("BoolStorage", "|b1", "bool"), _TorchStorageType("HalfStorage", "<f2", "float16"),
    _TorchStorageType("BFloat16Storage", "<u2", "bfloat16"), _TorchStorageType("ByteStorage", "|u1", "int64"),
    _TorchStorageType("CharStorage", "|i1", "int64"), _TorchStorageType("ShortStorage", "<i2", "int64"))}


def _storage_tensor(stype: _TorchStorageType, data: bytes, numel: int, big_endian: bool) -> Tensor:
    import numpy as np

    dt = np.dtype(stype.np_dtype)
    if big_endian:
        dt = dt.newbyteorder(">")
    if len(data) != numel * dt.itemsize:  # _read_record checked it already
        raise pickle.UnpicklingError(f"storage holds {len(data)} bytes, {numel} elements of {stype} need "
                                     f"{numel * dt.itemsize}")
    a = np.frombuffer(data, dtype=dt, count=numel)
    if stype.name == "BFloat16Storage":
        return _dtypes.tensor_from_bytes("bfloat16", a.astype("<u2").tobytes(), numel)
    a = a.astype(np.dtype(np.bool_ if stype.pynn_dtype == "bool" else stype.pynn_dtype))
    return _C.from_numpy(np.ascontiguousarray(a))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None) -> Tensor:
    """torch._utils._rebuild_tensor_v2 on a storage the unpickler made: the view must lie inside it."""
    size, stride = _shape(size), _shape(stride, "stride")
    if type(storage_offset) is not int:
        raise pickle.UnpicklingError(f"bad storage offset in checkpoint: {storage_offset!r:.80}")
    _numel(size)
    if len(size) != len(stride) or any(s < 0 for s in stride) or storage_offset < 0:
        raise pickle.UnpicklingError(f"bad tensor geometry in checkpoint: size {list(size)}, stride "
                                     f"{list(stride)}, storage offset {storage_offset}")
    extent = storage_offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1 if all(size) else 0
    if extent > storage.numel() or storage_offset > storage.numel():
        raise pickle.UnpicklingError(f"tensor of size {list(size)}, stride {list(stride)} at storage offset "
                                     f"{storage_offset} runs past its storage of {storage.numel()} elements")
    t = storage.as_strided(size, stride, storage_offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None, *state):
    from .nn.parameter import Parameter

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"torch parameter record without a tensor: {type(data).__name__}")

    return Parameter(data, requires_grad)


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    # Protocol-2 pickles (torch's) store bytes as _codecs.encode(text, 'latin1'): allowed for that use only.
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode is only allowed for latin1 bytes, got {encoding!r:.40}")
    return text.encode("latin1")


def _torch_globals(rebuild_tensor: Callable, limit: int) -> Dict[Tuple[str, str], Any]:
    """torch's pickled names and what they mean in pynn."""
    from . import _tensor

    names: Dict[Tuple[str, str], Any] = {
        ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
        ("torch", "Size"): _bounded(_tensor.Size, limit),
        ("torch", "device"): _C.device,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("_codecs", "encode"): _latin1_bytes,
    }
    for name, stype in _TORCH_STORAGES.items():
        names[("torch", name)] = stype
    for name in _DTYPES:
        names[("torch", name)] = getattr(_C, name)
    for alias, name in (("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32"),
                        ("half", "float16")):
        names[("torch", alias)] = getattr(_C, name)
    return names


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, file, zf: zipfile.ZipFile, prefix: str, weights_only: bool, map_location) -> None:
        super().__init__(file, encoding="utf-8")
        self._zf, self._prefix = zf, prefix
        self._weights_only = weights_only
        self._map_location = map_location
        self._storages: Dict[str, Tensor] = {}
        self._records: Dict[str, tuple] = {}
        self._storage_ids: set = set()
        limit = max(len(file.getbuffer()), 1 << 16)
        self._torch = _torch_globals(self._rebuild_tensor, limit)
        self._allowed = {**_default_safe_globals(limit), **_user_safe_globals}
        self._big_endian = False
        if prefix + "byteorder" in zf.namelist():
            order = _read_entry(zf, prefix + "byteorder").strip()
            if order not in (b"little", b"big"):
                raise _corrupted(f"unknown byteorder {order[:20]!r} in {prefix}byteorder")
            self._big_endian = order == b"big"

    def _rebuild_tensor(self, storage, *args, **kwargs) -> Tensor:
        # Only a storage this file declared: another tensor (an expanded view, say) has fewer real elements
        # behind it than numel() says.
        if id(storage) not in self._storage_ids:
            raise pickle.UnpicklingError("torch tensor record without its storage")
        return _rebuild_tensor_v2(storage, *args, **kwargs)

    def find_class(self, module: str, name: str):
        module, name = _py3_name(module, name)
        obj = self._torch.get((module, name))
        if obj is not None:
            return obj
        if module == "torch" and name.endswith("Storage"):
            raise pickle.UnpicklingError(f"unsupported dtype in checkpoint: torch.{name:.40} (pynn reads "
                                         f"{', '.join(_TORCH_STORAGES)})")
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
        if not isinstance(key, str) or not key.isdigit() or type(numel) is not int or not isinstance(location, str):
            raise pickle.UnpicklingError(f"bad storage record in checkpoint: {pid!r:.80}")
        _numel((numel,))
        if key in self._storages:  # a storage shared by several tensors: one record, declared alike each time
            if self._records[key] != (stype.name, numel):
                raise pickle.UnpicklingError(f"storage {key} is declared twice with different metadata: "
                                             f"{self._records[key]} and {(stype.name, numel)}")
            return self._storages[key]
        data = _read_record(self._zf, f"{self._prefix}data/{key}", numel, stype.itemsize, stype.label)
        t = _apply_map_location(_storage_tensor(stype, data, numel, self._big_endian), self._map_location,
                                location)
        self._storages[key], self._records[key] = t, (stype.name, numel)
        self._storage_ids.add(id(t))
        return t


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
        size = _archive_size(f)
        zf = zipfile.ZipFile(f, "r")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, EOFError, ValueError, OSError) as e:
        why = "failed finding central directory" if isinstance(e, zipfile.BadZipFile) else f"{type(e).__name__}: {e}"
        raise RuntimeError("pynn.load: not a pynn checkpoint: the file is truncated, corrupted, or was not written "
                           f"by pynn.save (PytorchStreamReader failed reading zip archive: {why})") from None
    try:
        _check_entries(zf, size)
    except BaseException:
        zf.close()
        raise
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
                payload = _read_entry(zf, prefix + "data.pkl")
                if weights_only:
                    _check_pickle(payload)
                return _TorchUnpickler(io.BytesIO(payload), zf, prefix, weights_only, map_location).load()
            version = _read_entry(zf, _FORMAT_ENTRY)
            if version != _FORMAT:
                raise RuntimeError(f"pynn.load: unsupported checkpoint format version {version[:40]!r}")
            payload = _read_entry(zf, _PICKLE_ENTRY)
            if weights_only:
                _check_pickle(payload)
            return _Unpickler(io.BytesIO(payload), zf, weights_only, map_location).load()
        except pickle.UnpicklingError as e:
            if weights_only and str(e).startswith("Weights only load failed"):
                raise pickle.UnpicklingError(str(e)) from None
            raise _corrupted(str(e)) from None
        except (zipfile.BadZipFile, EOFError, ValueError, IndexError, KeyError, TypeError, OverflowError,
                MemoryError, struct.error, AttributeError, ImportError) as e:
            # A damaged pickle surfaces as one of these.
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
