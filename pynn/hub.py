"""torch.hub: checkpoints fetched by URL into a cache (load_state_dict_from_url, download_url_to_file) and models
built by a repository's hubconf.py (load, list, help), from a local directory or a GitHub repository downloaded as
a zip. The cache is torch's own ($TORCH_HOME/hub, default ~/.cache/torch/hub), so checkpoints torch downloaded are
found here too; pynn.load reads torch's checkpoint files."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import urllib.request
import warnings
import zipfile
from typing import Any, Callable, List, Optional
from urllib.parse import urlparse

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url", "load", "list", "help"]

# torch's: a checkpoint named name-<sha256 prefix>.ext can be checked against its own name
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir: Optional[str] = None
_TRUSTED_LIST = "trusted_list"


def _torch_home() -> str:
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))


def get_dir() -> str:
    """The hub cache directory: set_dir's, else $TORCH_HOME/hub."""
    return _hub_dir if _hub_dir is not None else os.path.join(_torch_home(), "hub")


def set_dir(d) -> None:
    """Sets the hub cache directory (checkpoints go to its checkpoints/ folder, repositories beside them)."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url: str, dst: str, hash_prefix: Optional[str] = None, progress: bool = True) -> None:
    """Downloads url to dst through a temporary file in dst's folder (so dst is never half-written); when
    hash_prefix is given the file's sha256 must start with it, else RuntimeError and nothing is kept."""
    dst = os.path.expanduser(dst)
    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    sha = hashlib.sha256()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "pynn.hub"})) as response:
        total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        done = 0
        with tempfile.NamedTemporaryFile(delete=False, dir=folder) as tmp:
            try:
                while True:
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    tmp.write(chunk)
                    sha.update(chunk)
                    done += len(chunk)
                    if progress and total:
                        sys.stderr.write(f"\r{done * 100 // int(total):3d}% of {int(total) / 1e6:.1f} MB")
                if progress and total:
                    sys.stderr.write("\n")
                tmp.close()
                if hash_prefix is not None and not sha.hexdigest().startswith(hash_prefix):
                    raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{sha.hexdigest()}")')
                shutil.move(tmp.name, dst)
            finally:
                if os.path.exists(tmp.name):
                    os.remove(tmp.name)


def load_state_dict_from_url(url: str, model_dir: Optional[str] = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: Optional[str] = None,
                             weights_only: bool = False) -> Any:
    """The object saved at url (a state_dict, usually), downloaded once into model_dir (default get_dir()/checkpoints)
    under file_name or the URL's basename and read with pynn.load; check_hash checks the download against the
    sha256 prefix in the file name (name-<prefix>.ext)."""
    from .serialization import load as _load
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress=progress)
    # pynn.load never runs pickled code: weights_only=False still means its allowlist (tensors, containers,
    # plain values and pynn's own classes)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


# ---- repositories with a hubconf.py -------------------------------------------------------------------------

def _parse_repo(github: str):
    repo, _, ref = github.partition(":")
    owner, _, name = repo.partition("/")
    if not owner or not name or "/" in name:
        raise ValueError(f'Invalid input: repo_or_dir "{github}" is not of the form "repo_owner/repo_name[:ref]"')
    return owner, name, ref or "main"


def _check_trust(repo: str, trust_repo) -> None:
    path = os.path.join(get_dir(), _TRUSTED_LIST)
    trusted = set()
    if os.path.exists(path):
        with open(path) as f:
            trusted = {line.strip() for line in f if line.strip()}
    if trust_repo is True or repo in trusted and trust_repo == "check":
        pass
    elif trust_repo is None:
        warnings.warn(f"You are about to download and run code from an untrusted repository ({repo}). Pass "
                      "trust_repo=True to trust it (and add it to the hub's trusted list).", stacklevel=3)
        return
    else:
        answer = input(f"The repository {repo} does not belong to the list of trusted repositories and as such "
                       "cannot be downloaded. Do you trust this repository and wish to add it to the trusted list "
                       "of repositories (y/N)?")
        if answer.strip().lower() not in ("y", "yes"):
            raise Exception("Untrusted repository.")
    if repo not in trusted:
        os.makedirs(get_dir(), exist_ok=True)
        with open(path, "a") as f:
            f.write(repo + "\n")


def _github_dir(github: str, force_reload: bool, trust_repo, verbose: bool) -> str:
    owner, name, ref = _parse_repo(github)
    hub = get_dir()
    os.makedirs(hub, exist_ok=True)
    target = os.path.join(hub, "_".join([owner, name, ref.replace("/", "_")]))
    _check_trust(f"{owner}/{name}", trust_repo)
    if os.path.exists(target) and not force_reload:
        if verbose:
            sys.stderr.write(f"Using cache found in {target}\n")
        return target
    archive = target + ".zip"
    download_url_to_file(f"https://github.com/{owner}/{name}/zipball/{ref}", archive, progress=False)
    with zipfile.ZipFile(archive) as z:
        top = z.namelist()[0].split("/")[0]
        for member in z.namelist():  # refuse absolute paths and parent references (zip slip)
            if member.startswith("/") or ".." in member.split("/"):
                raise RuntimeError(f"hub: refusing the archive member {member!r} of {github}")
        z.extractall(hub)
    os.remove(archive)
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.move(os.path.join(hub, top), target)
    return target


def _repo_dir(repo_or_dir: str, source: str, force_reload: bool, trust_repo, verbose: bool) -> str:
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        return repo_or_dir
    return _github_dir(repo_or_dir, force_reload, trust_repo, verbose)


def _hubconf(repo_dir: str):
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.exists(path):
        raise FileNotFoundError(f"hubconf.py not found in {repo_dir}")
    sys.path.insert(0, repo_dir)
    try:
        spec = importlib.util.spec_from_file_location("hubconf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_dir)
    missing = [d for d in getattr(module, "dependencies", []) if importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _entry(module, model: str) -> Callable:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def list(github: str, force_reload: bool = False, skip_validation: bool = False, trust_repo="check",
         verbose: bool = True, *, source: str = "github") -> List[str]:
    """The entrypoints (public callables) of the repository's hubconf.py."""
    module = _hubconf(_repo_dir(github, source, force_reload, trust_repo, verbose))
    return [n for n in dir(module) if callable(getattr(module, n)) and not n.startswith("_")]


def help(github: str, model: str, force_reload: bool = False, skip_validation: bool = False, trust_repo="check",
         *, source: str = "github") -> Optional[str]:
    """The docstring of the entrypoint `model`."""
    return _entry(_hubconf(_repo_dir(github, source, force_reload, trust_repo, True)), model).__doc__


def load(repo_or_dir: str, model: str, *args, source: str = "github", trust_repo="check", force_reload: bool = False,
         verbose: bool = True, skip_validation: bool = False, **kwargs) -> Any:
    """Calls the entrypoint `model` of repo_or_dir's hubconf.py with *args and **kwargs: a local directory when
    source='local', else a GitHub repository "owner/name[:ref]" downloaded into get_dir() (once, unless
    force_reload), after the trust check."""
    repo_dir = _repo_dir(os.path.expanduser(repo_or_dir) if source == "local" else repo_or_dir, source, force_reload,
                         trust_repo, verbose)
    return _entry(_hubconf(repo_dir), model)(*args, **kwargs)

