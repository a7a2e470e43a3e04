"""Hostile and damaged checkpoints (issue #16): pynn.load checks every record against its bytes before it
allocates, in pynn's format and in torch's; every failure is a clear exception, never garbage or a crash.
pynn.save writes through a temporary that a failed or killed save does not leave behind."""
import collections
import io
import os
import pickle
import signal
import struct
import subprocess
import sys
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import pynn

torch = pytest.importorskip("torch")

CLEAN = (RuntimeError, pickle.UnpicklingError)


# ---- building archives ---------------------------------------------------------------------------------

class Rec:
    """Stands for a tensor record in a hand-made pickle: pickled as the persistent id it holds."""

    def __init__(self, pid):
        self.pid = pid


class RecPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, Rec) else None


class TorchView:
    """A torch tensor record with any geometry: _rebuild_tensor_v2(storage, offset, size, stride, ...)."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Reduced:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def zip_bytes(entries, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on the duplicate names some tests write on purpose
        with zipfile.ZipFile(buf, "w", compression=compression) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return buf.getvalue()


def pynn_archive(obj, records, protocol=4):
    """pynn's layout around a hand-made pickle of obj (Rec objects become persistent ids)."""
    p = io.BytesIO()
    RecPickler(p, protocol).dump(obj)
    return zip_bytes([("pynn/format", b"pynn-serialization-1"), ("pynn/data.pkl", p.getvalue())]
                     + [("pynn/data/" + k, v) for k, v in records.items()])


def torch_archive(obj, records):
    """torch's layout around a hand-made pickle (protocol 2, as torch.save writes)."""
    p = io.BytesIO()
    RecPickler(p, 2).dump(obj)
    return zip_bytes([("archive/data.pkl", p.getvalue()), ("archive/byteorder", b"little"),
                      ("archive/version", b"3")] + [("archive/data/" + k, v) for k, v in records.items()])


def pynn_pid(key, dtype, shape):
    return Rec(("tensor", key, dtype, tuple(shape), False))


def torch_pid(key, storage, numel):
    return Rec(("storage", storage, key, "cpu", numel))


def load_bytes(data, **kw):
    return pynn.load(io.BytesIO(data), **kw)


def entries_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(n, zf.read(n)) for n in zf.namelist()]


def pynn_file(obj):
    buf = io.BytesIO()
    pynn.save(obj, buf)
    return buf.getvalue()


def torch_file(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


# ---- well-formed hand-made archives load (the helpers build what the loader expects) ---------------------

def test_hand_made_archives_load():
    f32 = np.arange(6, dtype="<f4").tobytes()
    out = load_bytes(pynn_archive({"a": pynn_pid("0", "float32", (2, 3))}, {"0": f32}))
    assert out["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    st_ = torch_pid("0", torch.FloatStorage, 6)
    out = load_bytes(torch_archive({"v": TorchView(st_, 1, (2, 2), (3, 1))}, {"0": f32}))
    assert out["v"].tolist() == torch.arange(6.0).as_strided((2, 2), (3, 1), 1).tolist()


# ---- sizes declared against the bytes ---------------------------------------------------------------------

def test_record_size_must_match_metadata_in_both_formats():
    f32 = np.zeros(6, dtype="<f4").tobytes()
    for data in (f32[:8], f32 + b"\0" * 4):
        with pytest.raises(RuntimeError, match=r"record size \(\d+ bytes\) does not match expected size "
                                               r"\(24 bytes = 6 elements \* 4 bytes/element\) for dtype float32"):
            load_bytes(pynn_archive(pynn_pid("0", "float32", (2, 3)), {"0": data}))
        with pytest.raises(RuntimeError, match=r"record size \(\d+ bytes\) does not match expected size "
                                               r"\(24 bytes = 6 elements \* 4 bytes/element\) for dtype Float"):
            load_bytes(torch_archive(TorchView(torch_pid("0", torch.FloatStorage, 6), 0, (6,), (1,)),
                                     {"0": data}))


def test_zip_bomb_is_refused_before_it_is_inflated():
    # 64 MB of zeros deflated to ~64 KB, behind a record declaring 16 bytes: refused from the metadata.
    bomb = zip_bytes([("pynn/format", b"pynn-serialization-1"),
                      ("pynn/data.pkl", pickle_with(pynn_pid("0", "float32", (4,)))),
                      ("pynn/data/0", bytes(64 << 20))], compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="record size"):
            load_bytes(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def pickle_with(obj, protocol=4):
    p = io.BytesIO()
    RecPickler(p, protocol).dump(obj)
    return p.getvalue()


def patch_central_sizes(data, name, compress_size=None, file_size=None):
    """Rewrites an entry's sizes in the zip's central directory (what zipfile trusts)."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02" + b"\0" * 0, 0)
    while pos >= 0:
        name_len = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46: pos + 46 + name_len] == name.encode():
            if compress_size is not None:
                struct.pack_into("<I", out, pos + 20, compress_size)
            if file_size is not None:
                struct.pack_into("<I", out, pos + 24, file_size)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(name)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_entry_declaring_more_than_its_bytes_can_hold(compression):
    data = zip_bytes([("pynn/format", b"pynn-serialization-1"),
                      ("pynn/data.pkl", pickle_with(pynn_pid("0", "float32", (1 << 28,)))),
                      ("pynn/data/0", bytes(64))], compression=compression)
    lying = patch_central_sizes(data, "pynn/data/0", file_size=1 << 30)
    with pytest.raises(RuntimeError, match="zip bomb or damaged sizes"):
        load_bytes(lying)
    past_end = patch_central_sizes(data, "pynn/data/0", compress_size=1 << 30, file_size=1 << 30)
    with pytest.raises(RuntimeError, match="runs past the end of the file"):
        load_bytes(past_end)


# ---- zip structure -----------------------------------------------------------------------------------------

def test_crc_error_is_reported_in_both_formats():
    for good in (pynn_file({"w": pynn.arange(64.0)}), torch_file({"w": torch.arange(64.0)})):
        name, payload = next((n, b) for n, b in entries_of(good) if "data/0" in n)
        bad = bytearray(good)
        bad[good.find(payload) + 40] ^= 0x01  # a float's low mantissa bit: torch loads this silently
        with pytest.raises(RuntimeError, match=f"PytorchStreamReader failed reading file {name}: CRC-32 check "
                                               "failed"):
            load_bytes(bytes(bad))


def test_duplicate_entry_names_are_refused():
    for good in (pynn_file({"w": pynn.ones(3)}), torch_file({"w": torch.ones(3)})):
        entries = entries_of(good)
        name, _ = next((n, b) for n, b in entries if "data/0" in n)
        twice = zip_bytes(entries + [(name, np.zeros(3, "<f4").tobytes())])
        with pytest.raises(RuntimeError, match="duplicate entry name"):
            load_bytes(twice)


def test_directories_and_symlinks_in_the_archive_are_refused():
    entries = entries_of(pynn_file({"w": pynn.ones(3)}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in entries:
            zf.writestr(n, b)
        zf.writestr(zipfile.ZipInfo("pynn/extra/"), b"")
    with pytest.raises(RuntimeError, match="directory entry 'pynn/extra/'"):
        load_bytes(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in entries:
            if n == "pynn/data/0":
                info = zipfile.ZipInfo(n)
                info.create_system = 3
                info.external_attr = (0o120777 << 16)  # S_IFLNK: a link to /etc/passwd
                zf.writestr(info, b"/etc/passwd")
            else:
                zf.writestr(n, b)
    with pytest.raises(RuntimeError, match="symbolic link 'pynn/data/0'"):
        load_bytes(buf.getvalue())


@pytest.mark.parametrize("which", ["pynn", "torch"])
def test_truncated_at_every_64th_byte(which):
    good = pynn_file({"w": pynn.randn(40), "n": 3}) if which == "pynn" else torch_file({"w": torch.randn(40)})
    for cut in range(0, len(good), 64):
        with pytest.raises(RuntimeError, match="pynn.load"):
            load_bytes(good[:cut])


# ---- records: dtypes, sizes, keys, bool bytes, missing data --------------------------------------------------

def test_bool_bytes_other_than_0_and_1_are_refused():
    with pytest.raises(RuntimeError, match="holds bytes other than 0 and 1"):
        load_bytes(pynn_archive(pynn_pid("0", "bool", (3,)), {"0": b"\x00\x01\x02"}))
    st_ = torch_pid("0", torch.BoolStorage, 2)
    with pytest.raises(RuntimeError, match="holds bytes other than 0 and 1"):
        load_bytes(torch_archive(TorchView(st_, 0, (2,), (1,)), {"0": b"\x05\x00"}))
    # A tensor pickled outside pynn.save (Tensor.__reduce_ex__) goes through the same check.
    evil = pickle.dumps(Reduced(pynn._tensor._rebuild_tensor, ("bool", (2,), b"\x07\x00", False)))
    with pytest.raises(RuntimeError, match="holds bytes other than 0 and 1"):
        load_bytes(zip_bytes([("pynn/format", b"pynn-serialization-1"), ("pynn/data.pkl", evil)]))
    ok = load_bytes(pynn_archive(pynn_pid("0", "bool", (3,)), {"0": b"\x00\x01\x01"}))
    assert ok.tolist() == [False, True, True]


def test_unknown_dtypes_are_refused():
    with pytest.raises(RuntimeError, match="unknown dtype 'complex64'"):
        load_bytes(pynn_archive(pynn_pid("0", "complex64", (1,)), {"0": bytes(8)}))
    st_ = torch_pid("0", torch.ComplexFloatStorage, 1)
    with pytest.raises(RuntimeError, match="unsupported dtype in checkpoint: torch.ComplexFloatStorage"):
        load_bytes(torch_archive(TorchView(st_, 0, (1,), (1,)), {"0": bytes(8)}))


@pytest.mark.parametrize("shape", [(-1,), (2, -3), (1 << 63,), (1 << 40, 1 << 40), (2.0,), "abc"])
def test_bad_sizes_are_refused(shape):
    with pytest.raises(RuntimeError, match="negative dimension|int64 range|more than 2\\*\\*63|bad tensor size"):
        load_bytes(pynn_archive(pynn_pid("0", "float32", shape), {"0": b""}))


def test_negative_size_has_torchs_wording():
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -1: \[2, -1\]"):
        load_bytes(pynn_archive(pynn_pid("0", "float32", (2, -1)), {"0": b""}))
    st_ = torch_pid("0", torch.FloatStorage, 4)
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -2: \[-2\]"):
        load_bytes(torch_archive(TorchView(st_, 0, (-2,), (1,)), {"0": bytes(16)}))


@pytest.mark.parametrize("offset,size,stride", [
    (0, (5,), (1,)),            # one element past the end
    (4, (1,), (1,)),            # offset at the end
    (1 << 62, (1,), (1,)),      # huge offset
    (0, (2, 2), (1 << 62, 1)),  # huge stride
    (0, (3,), (-1,)),           # negative stride
    (-1, (1,), (1,)),           # negative offset
    (0, (2, 2), (1,)),          # size and stride of different lengths
    (0, (1 << 63,), (0,)),      # size past int64
])
def test_views_past_their_storage_are_refused(offset, size, stride):
    st_ = torch_pid("0", torch.FloatStorage, 4)
    with pytest.raises(RuntimeError, match="runs past its storage|bad tensor geometry|int64 range"):
        load_bytes(torch_archive(TorchView(st_, offset, size, stride), {"0": bytes(16)}))


def test_view_of_a_non_storage_is_refused():
    # An expanded view claims 100 elements over one: only storages the file declared may back a view.
    inner = TorchView(torch_pid("0", torch.FloatStorage, 1), 0, (100,), (0,))
    outer = TorchView(inner, 0, (100,), (1,))
    with pytest.raises(RuntimeError, match="without its storage"):
        load_bytes(torch_archive(outer, {"0": bytes(4)}))


def test_key_declared_twice_with_different_metadata():
    f32 = bytes(24)
    same = load_bytes(pynn_archive([pynn_pid("0", "float32", (2, 3)), pynn_pid("0", "float32", (2, 3))],
                                   {"0": f32}))
    assert same[0] is same[1]
    with pytest.raises(RuntimeError, match="tensor 0 is declared twice with different metadata"):
        load_bytes(pynn_archive([pynn_pid("0", "float32", (2, 3)), pynn_pid("0", "float32", (6, 1))],
                                {"0": f32}))
    with pytest.raises(RuntimeError, match="storage 0 is declared twice with different metadata"):
        load_bytes(torch_archive([TorchView(torch_pid("0", torch.FloatStorage, 6), 0, (6,), (1,)),
                                  TorchView(torch_pid("0", torch.FloatStorage, 2), 0, (2,), (1,))], {"0": f32}))


def test_pickle_referencing_a_missing_record():
    with pytest.raises(RuntimeError, match="failed locating file pynn/data/1: file not found"):
        load_bytes(pynn_archive([pynn_pid("0", "float32", (1,)), pynn_pid("1", "float32", (1,))],
                                {"0": bytes(4)}))
    with pytest.raises(RuntimeError, match="failed locating file archive/data/7: file not found"):
        load_bytes(torch_archive(TorchView(torch_pid("7", torch.FloatStorage, 1), 0, (1,), (1,)), {}))


def test_unknown_byteorder_is_refused():
    entries = [(n, b"middle" if n.endswith("byteorder") else b) for n, b in entries_of(torch_file(torch.ones(2)))]
    with pytest.raises(RuntimeError, match="unknown byteorder"):
        load_bytes(zip_bytes(entries))


# ---- pickles that allocate without bound --------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    b"\x80\x04Nr\xff\xff\xff\x0f.",                                 # LONG_BINPUT at index 2**28: a 4 GB memo
    b"\x80\x04cbuiltins\nset\ncbuiltins\nrange\nJ\x00\xca\x9a;\x85R\x85R.",  # set(range(10**9))
    b"\x80\x04cbuiltins\nbytearray\n\x8a\x06\x00\x00\x00\x00\x00\x01\x85R.",  # bytearray(2**40)
    b"\x80\x04cpynn._tensor\nSize\ncbuiltins\nrange\nJ\x00\xca\x9a;\x85R\x85R.",  # Size(range(10**9))
])
def test_pickles_that_would_allocate_gigabytes_fail_fast(payload):
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="memo index|asked to build"):
            load_bytes(zip_bytes([("pynn/format", b"pynn-serialization-1"), ("pynn/data.pkl", payload)]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20


def test_allowlisted_constructors_still_build_what_real_pickles_hold():
    obj = {"s": {1, 2, 3}, "f": frozenset("ab"), "b": bytearray(b"xyz"), "r": range(10 ** 12), "z": pynn.Size([2, 3])}
    for protocol in (2, 4):
        buf = io.BytesIO()
        pynn.save(obj, buf, pickle_protocol=protocol)
        assert load_bytes(buf.getvalue()) == obj


# ---- save: temporaries -------------------------------------------------------------------------------------

def test_interrupted_save_removes_its_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.pth"
    pynn.save({"v": pynn.ones(2)}, path)
    from pynn import _tensor

    def interrupt(t):
        raise KeyboardInterrupt

    monkeypatch.setattr(_tensor, "_tensor_bytes", interrupt)
    with pytest.raises(KeyboardInterrupt):
        pynn.save({"v": pynn.zeros(2)}, path)
    assert os.listdir(tmp_path) == ["m.pth"]
    assert pynn.load(path)["v"].tolist() == [1.0, 1.0]


KILLED_SAVE = """
import os, signal, sys
sys.path.insert(0, {root!r})
import pynn
pynn.save({{"v": pynn.ones(3)}}, {path!r})
os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)  # killed between the write and the rename
pynn.save({{"v": pynn.zeros(3)}}, {path!r})
"""


def test_save_killed_mid_write_leaves_the_old_file_and_next_save_cleans_up(tmp_path):
    path = str(tmp_path / "m.pth")
    root = os.path.dirname(os.path.dirname(pynn.__file__))
    proc = subprocess.run([sys.executable, "-c", KILLED_SAVE.format(root=root, path=path)], timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert len(os.listdir(tmp_path)) == 2  # the old file and the killed save's temporary
    assert pynn.load(path)["v"].tolist() == [1.0, 1.0, 1.0]
    # A temporary of a live writer (this process) is someone's save in progress: kept.
    live = tmp_path / f".m.pth.{os.getpid()}.inflight.tmp"
    live.write_bytes(b"")
    pynn.save({"v": pynn.full((3,), 2.0)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(["m.pth", live.name])
    assert pynn.load(path)["v"].tolist() == [2.0, 2.0, 2.0]


# ---- fuzz: damaged bytes load equal or fail cleanly --------------------------------------------------------------

PYNN_GOOD = None
TORCH_GOOD = None


def good_files():
    global PYNN_GOOD, TORCH_GOOD
    if PYNN_GOOD is None:
        g = torch.Generator().manual_seed(0)
        sd = {"w": torch.randn(4, 3, generator=g), "b": torch.randn(3, generator=g) > 0,
              "i": torch.arange(5, dtype=torch.int32), "n": 7}
        TORCH_GOOD = (torch_file(sd), sd)
        mine = {k: (pynn.from_numpy(v.numpy()) if isinstance(v, torch.Tensor) else v) for k, v in sd.items()}
        PYNN_GOOD = (pynn_file(mine), sd)
    return PYNN_GOOD, TORCH_GOOD


def assert_same(out, ref):
    assert isinstance(out, dict) and list(out) == list(ref)
    for k, v in ref.items():
        if isinstance(v, torch.Tensor):
            assert str(out[k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1]
            np.testing.assert_array_equal(out[k].numpy(), v.numpy())
        else:
            assert out[k] == v


damage = st.tuples(st.sampled_from(["pynn", "torch"]),
                   st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1,
                            max_size=4),
                   st.one_of(st.none(), st.floats(0, 1, exclude_max=True)))


@settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(damage)
def test_fuzz_flipped_and_truncated_bytes(case):
    which, flips, cut = case
    pynn_good, torch_good = good_files()
    good, ref = pynn_good if which == "pynn" else torch_good
    bad = bytearray(good)
    for where, mask in flips:
        bad[int(where * len(bad))] ^= mask
    if cut is not None:
        bad = bad[: int(cut * len(bad))]
    try:
        out = load_bytes(bytes(bad))
    except CLEAN:
        return
    assert_same(out, ref)  # the damage hit bytes nothing reads (padding, unused header fields)


@settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(["pynn", "torch"]), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                               st.integers(0, 255)), min_size=1, max_size=3))
def test_fuzz_damaged_pickle_with_valid_crc(which, edits):
    # The zip is rewritten around the damaged pickle, so its CRC holds and the unpickler sees the damage.
    pynn_good, torch_good = good_files()
    entries = entries_of((pynn_good if which == "pynn" else torch_good)[0])
    pkl = next(i for i, (n, _) in enumerate(entries) if n.endswith("data.pkl"))
    payload = bytearray(entries[pkl][1])
    for where, byte in edits:
        payload[int(where * len(payload))] = byte
    entries[pkl] = (entries[pkl][0], bytes(payload))
    try:
        out = load_bytes(zip_bytes(entries))
    except CLEAN:
        return
    # A pickle that still parses is a checkpoint with other contents: every tensor in it must be whole.
    for v in (out.values() if isinstance(out, dict) else [out]):
        if isinstance(v, pynn.Tensor):
            assert v.numpy().size == v.numel()
