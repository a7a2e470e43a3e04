"""pynn.backends.mkldnn: oneDNN is not used by pynn (its CPU kernels are its own)."""
from ._flags import install


def is_available() -> bool:
    return False


install(__name__, __doc__, {"enabled": True, "deterministic": False}, {"is_available": is_available})
