"""pynn.backends.cudnn: cuDNN is never available to pynn; the flags are kept, as a CPU build of torch does."""
from ._flags import install


def is_available() -> bool:
    return False


def version():
    return None


install(__name__, __doc__, {"enabled": True, "benchmark": False, "deterministic": False,
                            "allow_tf32": True, "benchmark_limit": 10},
        {"is_available": is_available, "version": version})
