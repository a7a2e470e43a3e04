"""pynn.utils: data loading (pynn.utils.data) and DLPack exchange (pynn.utils.dlpack)."""
from . import data, dlpack

__all__ = ["data", "dlpack"]
