"""pynn.load of files written by real torch.save (issue #17): torch's zip layout read by the allowlist
unpickler; state_dicts, dtypes, shared storages, optimizer state, weights_only and safe globals."""
import collections
import io
import pickle
import zipfile

import numpy as np
import pytest

import pynn

torch = pytest.importorskip("torch")


class Custom:
    """A user class stored in a checkpoint (needs add_safe_globals for weights_only loads)."""

    def __init__(self, x=0):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Custom) and other.x == self.x


def torch_file(obj, path=None):
    if path is not None:
        torch.save(obj, path)
        return path
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return buf


def make_model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 5 * 5, 3))


def test_state_dict_from_torch_runs_the_same(tmp_path):
    torch.manual_seed(0)
    ref = make_model(torch)
    ref(torch.randn(8, 1, 5, 5))  # non-trivial BatchNorm statistics
    ref.eval()
    path = torch_file(ref.state_dict(), tmp_path / "model.pth")
    sd = pynn.load(path)
    assert isinstance(sd, collections.OrderedDict) and list(sd) == list(ref.state_dict())
    assert sd["1.num_batches_tracked"].dtype == pynn.int64
    model = make_model(pynn)
    model.load_state_dict(sd)
    model.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 5, 5)).astype(np.float32)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(pynn.from_numpy(x)).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_dtypes_geometry_and_shared_storage():
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    obj = {
        "f32": torch.randn(3, 2), "f64": base, "i64": torch.arange(5), "i32": torch.tensor([1, -2], dtype=torch.int32),
        "bool": torch.tensor([True, False]), "scalar": torch.tensor(3.5), "empty": torch.zeros(0, 3),
        "t": base.t(), "slice": base[1:, 2:5], "row": base[2],  # views of one storage, offsets and strides
        "f16": torch.tensor([0.5, -1.25, 65504.0], dtype=torch.float16),
        "bf16": torch.tensor([1.5, -2.25, 3e38], dtype=torch.bfloat16),
        "u8": torch.tensor([0, 7, 255], dtype=torch.uint8), "i8": torch.tensor([-128, 5], dtype=torch.int8),
        "i16": torch.tensor([-300, 300], dtype=torch.int16),
    }
    got = pynn.load(torch_file(obj))
    widened = {"u8": pynn.int64, "i8": pynn.int64, "i16": pynn.int64}
    for k, v in obj.items():
        assert tuple(got[k].shape) == tuple(v.shape), k
        if k in widened:
            assert got[k].dtype == widened[k]
            np.testing.assert_array_equal(got[k].numpy(), v.numpy())
        elif k == "bf16":  # kept as bfloat16; numpy has none, so the values are compared as float32
            assert got[k].dtype == pynn.bfloat16
            np.testing.assert_array_equal(got[k].float().numpy(), v.float().numpy())
        else:
            assert str(got[k].dtype).split(".")[-1] == str(v.dtype).split(".")[-1], k
            np.testing.assert_array_equal(got[k].numpy(), v.numpy())
    got["f64"][2, 3] = -1.0  # one storage, as in torch: the views see the write
    assert got["t"][3, 2].item() == -1.0 and got["row"][3].item() == -1.0 and got["slice"][1, 1].item() == -1.0


def test_containers_parameters_and_plain_values():
    p = torch.nn.Parameter(torch.ones(2, 2))
    frozen = torch.nn.Parameter(torch.zeros(1), requires_grad=False)
    obj = {"params": [p, frozen], "size": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu"),
           "meta": ("a", 1, 2.5, None, True, b"x"), "od": collections.OrderedDict(a=1), "set": {1, 2},
           "grad": torch.ones(3, requires_grad=True)}
    got = pynn.load(torch_file(obj))
    a, b = got["params"]
    assert isinstance(a, pynn.nn.Parameter) and a.requires_grad and not b.requires_grad
    assert got["size"] == pynn.Size([2, 3]) and isinstance(got["size"], pynn.Size)
    assert got["dtype"] == pynn.float64 and got["device"] == pynn.device("cpu")
    assert got["meta"] == obj["meta"] and got["od"] == obj["od"] and got["set"] == {1, 2}
    assert got["grad"].requires_grad and got["grad"].is_leaf


def test_torch_optimizer_state_continues_in_pynn():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 2)).astype(np.float32)
    grads = [rng.standard_normal((3, 2)).astype(np.float32) for _ in range(4)]
    tw = torch.tensor(w0, requires_grad=True)
    topt = torch.optim.Adam([tw], lr=0.01)
    for g in grads[:2]:
        tw.grad = torch.tensor(g)
        topt.step()
    saved = torch_file({"w": tw.detach(), "opt": topt.state_dict()})
    for g in grads[2:]:
        tw.grad = torch.tensor(g)
        topt.step()
    ck = pynn.load(saved)
    pw = ck["w"].clone().requires_grad_()
    popt = pynn.optim.Adam([pw], lr=0.01)
    popt.load_state_dict(ck["opt"])
    for g in grads[2:]:
        pw.grad = pynn.tensor(g)
        popt.step()
    np.testing.assert_allclose(pw.detach().numpy(), tw.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_weights_only_and_safe_globals():
    data = torch_file({"obj": Custom(3), "t": torch.ones(1)}).getvalue()
    refused = "(?s)Weights only load failed.*GLOBAL test_serialization_torch.Custom"
    with pytest.raises(pickle.UnpicklingError, match=refused):
        pynn.load(io.BytesIO(data))
    with pynn.serialization.safe_globals([Custom]):
        assert pynn.load(io.BytesIO(data))["obj"] == Custom(3)
    with pytest.raises(pickle.UnpicklingError):
        pynn.load(io.BytesIO(data))  # the context manager restored the allowlist
    pynn.serialization.add_safe_globals([Custom])
    try:
        assert pynn.load(io.BytesIO(data))["obj"] == Custom(3)
    finally:
        pynn.serialization.clear_safe_globals()
    assert pynn.load(io.BytesIO(data), weights_only=False)["obj"] == Custom(3)
    # A whole torch module is code, not weights: refused, naming the global.
    whole = torch_file(torch.nn.Linear(2, 2))
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL torch.nn.modules.linear.Linear"):
        pynn.load(whole)


def test_map_location_and_damaged_files(tmp_path):
    src = torch_file({"t": torch.arange(4.0)}, tmp_path / "t.pt")
    seen = []
    got = pynn.load(src, map_location=lambda t, loc: seen.append(loc) or t)
    assert seen == ["cpu"] and got["t"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert pynn.load(src, map_location="cpu")["t"].tolist() == [0.0, 1.0, 2.0, 3.0]
    # A storage cut short, and one missing: clear errors, no crash.
    with zipfile.ZipFile(src) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    key = next(n for n in entries if "/data/" in n)
    for damage in ("short", "missing"):
        out = tmp_path / f"{damage}.pt"
        with zipfile.ZipFile(out, "w") as zf:
            for n, b in entries.items():
                if n == key and damage == "missing":
                    continue
                zf.writestr(n, b[:5] if n == key else b)
        with pytest.raises(RuntimeError, match="corrupted checkpoint"):
            pynn.load(out)
