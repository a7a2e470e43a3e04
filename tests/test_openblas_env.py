"""pynn's OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when the library loads, and importing scipy_openblas32
loads it: pynn must set its default before that import (it used to set it after, and the idle BLAS threads kept
spinning 2^28 cycles, halving the 2-thread CNN step). Checked in a fresh interpreter with an import hook that
records the variable at the moment scipy_openblas32 is imported."""
import os
import subprocess
import sys

import pynn

PROBE = r"""
import importlib.abc, os, sys
seen = []
class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "scipy_openblas32":
            seen.append(os.environ.get("OPENBLAS_THREAD_TIMEOUT"))
        return None
sys.meta_path.insert(0, Spy())
import pynn
print(seen[0] if seen else "not imported")
"""


def _probe(env):
    where = os.path.dirname(os.path.dirname(os.path.abspath(pynn.__file__)))
    env = dict(env, PYTHONPATH=where + os.pathsep + env.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_thread_timeout_is_set_before_openblas_loads():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    assert _probe(env) == "18"


def test_user_thread_timeout_wins():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    env["OPENBLAS_THREAD_TIMEOUT"] = "12"
    assert _probe(env) == "12"
