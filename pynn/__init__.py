"""pynn: a small deep-learning library with a C++ core and torch's API (`import pynn as torch`)."""
from __future__ import annotations

import ctypes as _ctypes
import os as _os

import numpy as _np


def _load_openblas() -> None:
    # OpenBLAS's idle threads spin for about 2^28 cycles (~0.1 s) before sleeping: they take the core pynn's own
    # pool needs between products (the CNN step at 2 threads: 50 ms -> 28 with a short spin) and a busy core's
    # time. 2^18 cycles (~80 us, like the pool's own 50 us spin) keeps back-to-back products from paying a
    # wake-up: at 2 threads against 2^4, sgemm 256 0.21 vs 0.31 ms, MLP SGD step b64 1.0 vs 1.25 ms, CNN step
    # even. Read once, when the library loads, which importing scipy_openblas32 already does: so set first.
    # A value the user set wins.
    _os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "18")
    # OpenBLAS ships in the scipy-openblas32 wheel; loading it globally first lets _C resolve its symbols
    # without LD_LIBRARY_PATH or rpath tricks.
    import scipy_openblas32 as _sob

    lib = _os.path.join(_sob.get_lib_dir(), "lib" + _sob.get_library() + ".so")
    _ctypes.CDLL(lib, mode=_ctypes.RTLD_GLOBAL)


_load_openblas()

from . import _C  # noqa: E402
from ._C import Tensor, device, dtype  # noqa: E402
from ._C import *  # noqa: E402,F401,F403
from . import _tensor  # noqa: E402,F401  (adds the Python-side Tensor methods)
from ._tensor import Size  # noqa: E402
from . import _memory_format  # noqa: E402
from ._memory_format import (  # noqa: E402,F401
    channels_last, channels_last_3d, contiguous_format, memory_format, preserve_format,
)
_memory_format._install()
from ._factories import (  # noqa: E402,F401
    arange, as_tensor, empty, empty_like, eye, full, full_like, linspace, ones, ones_like, rand, rand_like,
    randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from ._C import bfloat16, bool, float16, float32, float64, int32, int64  # noqa: E402,F401,A004

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
from builtins import float as _pyfloat, int as _pyint  # noqa: E402

from . import autograd, cuda  # noqa: E402,F401
from .autograd import enable_grad, no_grad, set_grad_enabled  # noqa: E402,F401
from ._functions import (  # noqa: E402,F401
    allclose, clone, equal, get_default_dtype, is_floating_point, is_tensor, isclose, numel, set_default_dtype,
)

__version__ = "0.1.0"

from . import functional, nn  # noqa: E402,F401
from ._out import supports_out as _supports_out  # noqa: E402
from ._argcheck import dim_required as _dim_required, wrap_tensor_inputs as _wrap_tensor_inputs  # noqa: E402
_wrap_tensor_inputs(functional)  # F.f(None): TypeError, as torch's parser, not an AttributeError from inside
from .functional import bilinear, celu, cosine_similarity, log_softmax, prelu, selu, softmax  # noqa: E402,F401
# torch.softmax / log_softmax (not F's) take out=
softmax, log_softmax = _supports_out(_dim_required(softmax)), _supports_out(_dim_required(log_softmax))
from . import optim  # noqa: E402,F401
from . import utils  # noqa: E402,F401
from ._generator import Generator  # noqa: E402,F401
from .serialization import load, save  # noqa: E402,F401
from . import accelerator, backends, hub, jit  # noqa: E402,F401
from ._compile import compile  # noqa: E402,F401,A004
from ._inference_mode import inference_mode  # noqa: E402,F401
from ._dlpack import from_dlpack  # noqa: E402,F401
from . import _dlpack  # noqa: E402
_dlpack._install()
from ._legacy import (  # noqa: E402,F401
    BFloat16Tensor, BoolTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor,
    set_default_tensor_type,
)
from . import linalg  # noqa: E402,F401
from . import _surface_ops  # noqa: E402

import sys as _sys  # noqa: E402

_wrap_tensor_inputs(_surface_ops)  # the same TypeError for pynn.fmin(1, x) as for F.*
_surface_ops._install(_sys.modules[__name__])
linalg._install(_sys.modules[__name__])
from . import _surface_ops_batch2  # noqa: E402
_wrap_tensor_inputs(_surface_ops_batch2)
_surface_ops_batch2._install(_sys.modules[__name__])

from . import _docs  # noqa: E402
_docs.attach()  # last: every public name exists by now
