"""pynn.nn: Module, Parameter, layers, losses, init (torch.nn's names)."""
# flake8: noqa: F401,F403  (re-exports)
import sys as _sys

from .. import functional
from .parameter import Parameter
from .modules import *
from .modules.module import Module
from . import init, modules
from . import utils

# pynn.nn.functional is pynn.functional itself: `import pynn.nn.functional as F` finds it here.
_sys.modules[__name__ + ".functional"] = functional
from .parallel import DataParallel  # noqa: E402,F401
