"""pynn.backends.cpu: the CPU capability pynn's kernels were chosen for."""
from ._flags import install


def get_cpu_capability() -> str:
    """'DEFAULT', 'AVX2' or 'AVX512' (torch's names), the kernels chosen at import."""
    from .. import _C

    cap = getattr(_C, "_cpu_capability", None)
    name = cap() if callable(cap) else "default"
    return {"default": "DEFAULT", "avx2": "AVX2", "avx512": "AVX512"}.get(str(name).lower(), str(name).upper())


install(__name__, __doc__, {}, {"get_cpu_capability": get_cpu_capability})
