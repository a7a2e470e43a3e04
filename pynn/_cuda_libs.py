"""Where the CUDA backend finds cuBLAS at run time: the nvidia-cublas wheel's lib folder when that wheel is
installed (nvidia/cu13/lib for CUDA 13 wheels, nvidia/cublas/lib for CUDA 12 ones). The C++ side falls back to
the toolkit's lib folder known at build time, then to the loader's search path; none found runs GEMMs on the
tiled reference kernel."""
from __future__ import annotations

import importlib.util
import os


def cublas_dir() -> str | None:
    try:
        spec = importlib.util.find_spec("nvidia")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        for sub in ("cu13/lib", "cublas/lib", "cu12/lib"):
            d = os.path.join(root, sub)
            if any(n.startswith("libcublas.so") for n in (os.listdir(d) if os.path.isdir(d) else ())):
                return d
    return None
