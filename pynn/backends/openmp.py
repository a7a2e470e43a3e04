"""pynn.backends.openmp: pynn's thread pool is its own, not OpenMP."""
from ._flags import install


def is_available() -> bool:
    return False


install(__name__, __doc__, {}, {"is_available": is_available})
