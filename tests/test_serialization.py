"""pynn.save / pynn.load: round trips, weights_only safety, damaged files, atomic writes, pickling."""
import collections
import copy
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import pynn
import pynn.nn as nn


def roundtrip(obj, **load_kw):
    buf = io.BytesIO()
    pynn.save(obj, buf)
    buf.seek(0)
    return pynn.load(buf, **load_kw)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("shape", [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4)])
def test_tensor_roundtrip(dtype, shape):
    a = (np.random.default_rng(0).standard_normal(shape) * 10).astype(dtype)
    t = pynn.tensor(a)
    u = roundtrip(t)
    assert u.dtype == t.dtype and tuple(u.shape) == shape
    np.testing.assert_array_equal(u.numpy(), a)


def test_views_and_flags():
    base = pynn.arange(12, dtype=pynn.float64).reshape(3, 4)
    view = base.t()[1:]  # non-contiguous, offset
    out = roundtrip({"view": view, "leaf": pynn.ones(2, requires_grad=True)})
    np.testing.assert_array_equal(out["view"].numpy(), view.numpy())
    assert out["view"].is_contiguous()
    assert out["leaf"].requires_grad and out["leaf"].is_leaf


def test_nested_containers_and_plain_values():
    t = pynn.randn(2, 2)
    obj = {
        "state": collections.OrderedDict([("a.weight", t), ("a.bias", pynn.zeros(2))]),
        "same": t,
        "list": [1, 2.5, None, True, "text", b"bytes", (3, [4, {"deep": pynn.ones(1)}])],
        "set": {1, 2}, "frozen": frozenset([3]), "complex": 1 + 2j, "inf": float("inf"),
        "dtype": pynn.float64, "device": pynn.device("cpu"), "shape": t.shape, 7: "int key",
    }
    out = roundtrip(obj)
    assert type(out["state"]) is collections.OrderedDict and list(out["state"]) == ["a.weight", "a.bias"]
    assert out["same"] is out["state"]["a.weight"]  # one tensor object saved twice loads as one
    assert pynn.equal(out["same"], t)
    assert out["list"][:6] == [1, 2.5, None, True, "text", b"bytes"]
    assert out["list"][6][1][1]["deep"].tolist() == [1.0]
    assert out["set"] == {1, 2} and out["frozen"] == frozenset([3]) and out["complex"] == 1 + 2j
    assert out["inf"] == float("inf") and out["dtype"] == pynn.float64 and str(out["device"]) == "cpu"
    assert out["shape"] == (2, 2) and type(out["shape"]) is type(t.shape) and out[7] == "int key"


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(pynn.relu(self.fc1(x)))


def test_state_dict_and_optimizer_roundtrip(tmp_path):
    model = Net()
    opt = pynn.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    model(pynn.randn(3, 4)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pth"
    pynn.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, path)
    ckpt = pynn.load(path)
    model2 = Net()
    model2.load_state_dict(ckpt["model"])
    for (k, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items()):
        assert pynn.equal(a, b), k
    assert ckpt["epoch"] == 3 and ckpt["optim"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(ckpt["optim"]["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}


def test_whole_module_needs_weights_only_false(tmp_path):
    model = Net()
    path = str(tmp_path / "model.pth")
    pynn.save(model, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed.*weights_only=False"):
        pynn.load(path)
    loaded = pynn.load(path, weights_only=False)
    assert type(loaded) is Net and isinstance(loaded.fc1.weight, nn.Parameter)
    x = pynn.randn(5, 4)
    assert pynn.equal(loaded(x), model(x))


def test_parameter_and_module_pickle_and_deepcopy():
    model = Net()
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert type(clone.fc1.weight) is nn.Parameter and clone.fc1.weight.requires_grad
        assert clone.fc1.weight is not model.fc1.weight
        assert pynn.equal(clone.fc1.weight, model.fc1.weight)
    p = roundtrip(nn.Parameter(pynn.ones(2)))
    assert type(p) is nn.Parameter and p.requires_grad


def test_safe_globals_for_trusted_types():
    point = collections.namedtuple("point", "x y")
    globals()["point"] = point  # picklable by name
    point.__module__ = __name__
    buf = io.BytesIO()
    pynn.save(point(1, pynn.ones(1)), buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        pynn.load(buf)
    buf.seek(0)
    with pynn.serialization.safe_globals([point]):
        assert pynn.load(buf).x == 1
    assert pynn.serialization.get_safe_globals() == []


def test_map_location():
    t = pynn.arange(3)
    assert roundtrip(t, map_location="cpu").tolist() == [0, 1, 2]
    assert roundtrip(t, map_location=pynn.device("cpu")).tolist() == [0, 1, 2]
    assert roundtrip(t, map_location=lambda s, loc: s).tolist() == [0, 1, 2]


# ---- hostile, damaged and foreign files -----------------------------------------------------------------

class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def archive_with_pickle(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("pynn/format", b"pynn-serialization-1")
        zf.writestr("pynn/data.pkl", payload)
    return buf.getvalue()


HOSTILE_PICKLES = [
    b"cos\nsystem\n(S'touch {m}'\ntR.",                          # GLOBAL os.system + REDUCE
    b"cbuiltins\neval\n(S'open(\"{m}\", \"w\")'\ntR.",             # builtins.eval
    b"cbuiltins\ngetattr\n(cbuiltins\nobject\nS'__subclasses__'\ntR.",  # attribute walking
    b"c__builtin__\nexec\n(S'open(\"{m}\", \"w\")'\ntR.",
    b"(S'touch {m}'\nios\nsystem\n.",                              # INST opcode
    b"cpynn._tensor\n_rebuild_tensor\n(S'float32'\n(I1000000000\ntS'xx'\nI0\ntR.",  # bad sizes
    b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00(\x8c\x06tensor\x8c\x010Q.",  # malformed persistent id
]


@pytest.mark.parametrize("payload", HOSTILE_PICKLES)
def test_hostile_pickles_never_run(tmp_path, payload):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(archive_with_pickle(payload.replace(b"{m}", str(marker).encode())))
    with pytest.raises((pickle.UnpicklingError, RuntimeError)):
        pynn.load(path)
    assert not marker.exists()


def test_evil_object_saved_by_pynn_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    pynn.save({"model": Evil(marker)}, path)
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL posix.system|GLOBAL os.system"):
        pynn.load(path)
    assert not marker.exists()


def good_checkpoint() -> bytes:
    buf = io.BytesIO()
    pynn.save({"w": pynn.randn(64, 32), "b": pynn.zeros(32), "n": 5}, buf)
    return buf.getvalue()


def test_truncated_files_raise_clearly(tmp_path):
    data = good_checkpoint()
    path = tmp_path / "t.pth"
    for cut in [0, 1, 10, 100, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1]:
        path.write_bytes(data[:cut])
        with pytest.raises(RuntimeError, match="pynn.load"):
            pynn.load(path)


def test_corrupted_files_raise_clearly(tmp_path):
    data = good_checkpoint()
    path = tmp_path / "c.pth"
    rng = np.random.default_rng(0)
    for pos in list(rng.integers(0, len(data), 40)) + [len(data) // 2]:
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        path.write_bytes(bytes(bad))
        try:
            out = pynn.load(path)
        except (RuntimeError, pickle.UnpicklingError):
            continue
        # A flip in zip padding/metadata that does not matter may load; the content must then be intact.
        assert set(out) == {"w", "b", "n"} and tuple(out["w"].shape) == (64, 32)


@pytest.mark.parametrize("content", [b"", b"hello world", b"\x80\x04K\x01.", b"PK\x03\x04garbage"])
def test_foreign_files(tmp_path, content):
    path = tmp_path / "f.pth"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match="not a pynn checkpoint"):
        pynn.load(path)


def test_foreign_zip_archive(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", b"x")
    with pytest.raises(RuntimeError, match="not a pynn checkpoint"):
        pynn.load(path)


def test_missing_file_and_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        pynn.load(tmp_path / "nope.pth")
    with pytest.raises(TypeError, match="path or a readable"):
        pynn.load(123)
    with pytest.raises(TypeError, match="path or a writable"):
        pynn.save(pynn.ones(1), 123)


# ---- atomic writes ------------------------------------------------------------------------------------

class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this")


def test_failed_save_keeps_previous_file(tmp_path):
    path = tmp_path / "model.pth"
    pynn.save({"v": pynn.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="cannot pickle this"):
        pynn.save({"v": pynn.zeros(3), "bad": Unpicklable()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pth"]  # no temporary file left behind
    assert pynn.load(path)["v"].tolist() == [1.0, 1.0, 1.0]


def test_failed_first_save_creates_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        pynn.save([Unpicklable()], tmp_path / "new.pth")
    assert os.listdir(tmp_path) == []


def test_save_to_file_object_and_path_like(tmp_path):
    with open(tmp_path / "a.pth", "wb") as f:
        pynn.save([pynn.ones(2)], f)
    with open(tmp_path / "a.pth", "rb") as f:
        assert pynn.load(f)[0].tolist() == [1.0, 1.0]
    pynn.save(pynn.ones(1), str(tmp_path / "b.pth"))
    assert pynn.load(str(tmp_path / "b.pth")).tolist() == [1.0]
