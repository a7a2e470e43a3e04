"""pynn.backends.mps: Apple's Metal backend, which pynn does not have."""
from ._flags import install


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False


install(__name__, __doc__, {}, {"is_available": is_available, "is_built": is_built})
