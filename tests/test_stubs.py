"""pynn/_C.pyi is what editors read to complete `pynn.` and Tensor methods: it must parse and match the built
extension (regenerate with `PYTHONPATH=. python scripts/gen_stubs.py` after adding a binding)."""
import ast
import importlib.util
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
STUB = os.path.join(ROOT, "pynn", "_C.pyi")


def _generator():
    spec = importlib.util.spec_from_file_location("gen_stubs", os.path.join(ROOT, "scripts", "gen_stubs.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_stub_parses_and_marks_the_package_typed():
    with open(STUB) as f:
        ast.parse(f.read())
    assert os.path.exists(os.path.join(ROOT, "pynn", "py.typed"))


def test_stub_matches_the_built_extension():
    import pynn  # noqa: F401 - the generator reads the imported extension (and the methods Python adds)

    with open(STUB) as f:
        current = f.read()
    fresh = _generator().generate()
    if fresh != current:
        old, new = set(current.splitlines()), set(fresh.splitlines())
        missing = sorted(new - old)[:10]
        stale = sorted(old - new)[:10]
        pytest.fail(f"pynn/_C.pyi is out of date: run `PYTHONPATH=. python scripts/gen_stubs.py`.\n"
                    f"missing: {missing}\nstale: {stale}")
