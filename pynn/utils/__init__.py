"""pynn.utils: data loading (pynn.utils.data)."""
from . import data

__all__ = ["data"]
