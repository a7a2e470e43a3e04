"""pynn.hub against torch.hub's behaviour, offline: checkpoints by file:// URL into the cache (hash checks,
file_name, a torch-written checkpoint read without torch), hubconf.py entrypoints from a local directory, and a
GitHub repository served as a zip through a patched opener (download, cache, trust list, zip-slip refusal)."""
import io
import os
import zipfile

import numpy as np
import pytest
import torch

import pynn
import pynn.hub as hub

HUBCONF = '''
"""A tiny hub repository."""
dependencies = ["numpy"]
import pynn as torch


def tiny(width=3):
    """A Linear(2, width)."""
    torch.manual_seed(0)
    return torch.nn.Linear(2, width)


def _private():
    pass
'''


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    old = hub._hub_dir
    hub.set_dir(tmp_path / "hub")
    yield tmp_path / "hub"
    hub._hub_dir = old


def test_get_dir_follows_torch_home(monkeypatch, tmp_path):
    old = hub._hub_dir
    hub._hub_dir = None
    try:
        monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
        assert hub.get_dir() == torch.hub.get_dir() == str(tmp_path / "th" / "hub")
    finally:
        hub._hub_dir = old


def test_load_state_dict_from_url_reads_torch_checkpoint(hub_dir, tmp_path):
    import hashlib
    sd = {"weight": torch.arange(6.0).reshape(2, 3), "bias": torch.tensor([1.0, -1.0])}
    raw = tmp_path / "src.pth"
    torch.save(sd, raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    named = tmp_path / f"tiny-{digest[:8]}.pth"
    raw.rename(named)
    got = hub.load_state_dict_from_url(named.as_uri(), check_hash=True, progress=False)
    assert sorted(got) == ["bias", "weight"]
    np.testing.assert_array_equal(got["weight"].numpy(), sd["weight"].numpy())
    assert (hub_dir / "checkpoints" / named.name).exists()
    # cached: a second call reads the cache even when the URL is gone
    named.unlink()
    assert hub.load_state_dict_from_url(named.as_uri(), progress=False)["bias"].tolist() == [1.0, -1.0]
    # file_name and model_dir
    pynn.save({"x": pynn.ones(2)}, tmp_path / "other.pt")
    got = hub.load_state_dict_from_url((tmp_path / "other.pt").as_uri(), model_dir=str(tmp_path / "md"),
                                       file_name="renamed.pt", progress=False)
    assert got["x"].tolist() == [1.0, 1.0] and (tmp_path / "md" / "renamed.pt").exists()


def test_download_hash_mismatch_keeps_nothing(tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(b"abc" * 1000)
    dst = tmp_path / "out" / "blob.bin"
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.download_url_to_file(src.as_uri(), str(dst), hash_prefix="0000", progress=False)
    assert not dst.exists() and os.listdir(tmp_path / "out") == []
    hub.download_url_to_file(src.as_uri(), str(dst), progress=False)
    assert dst.read_bytes() == src.read_bytes()


def test_local_hubconf_load_list_help(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "hubconf.py").write_text(HUBCONF)
    model = hub.load(str(repo), "tiny", 5, source="local")
    assert isinstance(model, pynn.nn.Linear) and tuple(model.weight.shape) == (5, 2)
    assert hub.list(str(repo), source="local") == ["tiny"]
    assert hub.help(str(repo), "tiny", source="local") == "A Linear(2, width)."
    with pytest.raises(RuntimeError, match="Cannot find callable nope in hubconf"):
        hub.load(str(repo), "nope", source="local")
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load(str(repo), "tiny", source="ftp")
    (repo / "hubconf.py").write_text('dependencies = ["no_such_module_xyz"]\ndef m():\n    return 1\n')
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_module_xyz"):
        hub.load(str(repo), "m", source="local")
    with pytest.raises(FileNotFoundError):
        hub.load(str(tmp_path), "m", source="local")


def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in entries.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_github_repo_downloaded_cached_and_trusted(hub_dir, monkeypatch):
    served = []

    def fake_urlopen(request, *a, **k):
        served.append(request.full_url)
        return io.BytesIO(_zip({"owner-repo-abc123/hubconf.py": HUBCONF}))

    monkeypatch.setattr(hub.urllib.request, "urlopen", fake_urlopen)
    model = hub.load("owner/repo", "tiny", width=4, trust_repo=True, verbose=False)
    assert tuple(model.weight.shape) == (4, 2)
    assert served == ["https://github.com/owner/repo/zipball/main"]
    assert (hub_dir / "owner_repo_main" / "hubconf.py").exists()
    assert "owner/repo" in (hub_dir / "trusted_list").read_text()
    # cached and trusted now: no download, no prompt
    assert hub.list("owner/repo", verbose=False) == ["tiny"]
    assert len(served) == 1
    hub.load("owner/repo:v2", "tiny", trust_repo=True, verbose=False)
    assert served[-1] == "https://github.com/owner/repo/zipball/v2"
    monkeypatch.setattr("builtins.input", lambda *_: "n")
    with pytest.raises(Exception, match="Untrusted repository"):
        hub.load("other/repo", "tiny", trust_repo=False)
    with pytest.raises(ValueError, match="repo_owner/repo_name"):
        hub.load("not-a-repo", "tiny", trust_repo=True)


def test_github_archive_with_parent_paths_is_refused(hub_dir, monkeypatch):
    monkeypatch.setattr(hub.urllib.request, "urlopen",
                        lambda *a, **k: io.BytesIO(_zip({"top/hubconf.py": "", "top/../../evil.py": "x"})))
    with pytest.raises(RuntimeError, match="refusing the archive member"):
        hub.load("bad/repo", "m", trust_repo=True, verbose=False)
