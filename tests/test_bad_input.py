"""Bad input against torch's error contract (issue #16), driven by hypothesis.

Each generated call runs on pynn and on torch with the same arguments (tensors of every dtype and of odd shapes:
0-d, empty, size-1 dims, non-contiguous, overlapping views; None and wrong Python types; out-of-range dims and
huge ints). The two must agree: the same exception class, or both succeed with the same result (dtype, shape,
values). A crash kills the run, so "0 crashes" is this file finishing. Where pynn deliberately differs, the case
is listed in ACCEPTED / KNOWN_GAPS below with its reason, so every difference is on record.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import os  # noqa: E402

import pynn  # noqa: E402

# derandomize: the same cases every run (a CI failure reproduces locally); no example database on disk.
# PYNN_BAD_INPUT_EXAMPLES=N widens the sweep for triage (CI keeps 200).
CASES = settings(max_examples=int(os.environ.get("PYNN_BAD_INPUT_EXAMPLES", "200")), deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
SHAPES = [(), (0,), (1,), (3,), (2, 3), (3, 1), (2, 0), (1, 2, 3), (2, 3, 4)]


# ---------------------------------------------------------------------------------------------------------------
# Arguments: a spec that builds the same value for either library.

class T:
    """A tensor argument: dtype, shape, values in [-3, 3] (and NaN/inf for floats), maybe a non-contiguous view."""

    def __init__(self, shape, dtype, seed, special, layout):
        self.shape, self.dtype, self.seed, self.special, self.layout = tuple(shape), dtype, seed, special, layout

    def array(self):
        rng = np.random.default_rng(self.seed)
        shape = self.shape[::-1] if self.layout == "t" else self.shape
        a = rng.integers(-3, 4, size=shape).astype(np.float64)
        if self.dtype.startswith("float"):
            a = a + rng.integers(0, 4, size=shape) * 0.25
            if self.special and a.size:
                a.reshape(-1)[0] = [math.nan, math.inf, -math.inf][self.seed % 3]
        return a.astype({"bool": np.bool_}.get(self.dtype, self.dtype))

    def make(self, lib):
        t = lib.tensor(self.array(), dtype=getattr(lib, self.dtype))
        if self.layout == "t" and t.dim() >= 2:
            t = t.transpose(0, -1)
        return t

    def __repr__(self):
        return f"T({self.shape}, {self.dtype}, special={self.special}, layout={self.layout})"


class Bad:
    """A non-tensor argument, the same Python object for both libraries."""

    def __init__(self, value):
        self.value = value

    def make(self, lib):
        return self.value

    def __repr__(self):
        return f"Bad({self.value!r})"


def build(arg, lib):
    if isinstance(arg, (T, Bad)):
        return arg.make(lib)
    if isinstance(arg, list):
        return [build(a, lib) for a in arg]
    if isinstance(arg, tuple):
        return tuple(build(a, lib) for a in arg)
    return arg


tensors = st.builds(T, st.sampled_from(SHAPES), st.sampled_from(DTYPES), st.integers(0, 2**16), st.booleans(),
                    st.sampled_from(["c", "c", "t"]))
float_tensors = st.builds(T, st.sampled_from(SHAPES), st.sampled_from(["float32", "float64"]), st.integers(0, 2**16),
                          st.booleans(), st.sampled_from(["c", "t"]))
index_tensors = st.builds(T, st.sampled_from([(), (0,), (1,), (2,), (2, 3), (2, 1)]), st.sampled_from(["int64", "int64", "int32", "float32", "bool"]),
                          st.integers(0, 2**16), st.just(False), st.just("c"))
BAD_VALUES = [None, "a", [1, 2], (1,), 1.5, 2**63, -2**63 - 1, 2**40, object()]
bad = st.sampled_from(BAD_VALUES).map(Bad)
numbers = st.sampled_from([0, 1, -2, 3, 2**31, 2**40, 0.5, -1.5, math.nan, math.inf, True, False]).map(Bad)
tensor_or_bad = st.one_of(tensors, tensors, tensors, bad)
operand = st.one_of(tensors, tensors, numbers, bad)
dims = st.one_of(st.integers(-4, 4), st.sampled_from([None, 2.0, "0", 2**63, [0, 1], (0, 0)])).map(Bad)


# ---------------------------------------------------------------------------------------------------------------
# Comparing the two outcomes.

def _dtype_name(dt) -> str:
    return str(dt).split(".")[-1]


def normalize(r, lib):
    """A result as nested tuples of (dtype, shape, values) for tensors and plain values otherwise."""
    if isinstance(r, lib.Tensor):
        a = r.detach().cpu().numpy() if lib is torch else r.detach().numpy()
        return ("tensor", _dtype_name(r.dtype), tuple(r.shape), np.array(a, copy=True))
    if isinstance(r, (tuple, list)):
        return tuple(normalize(x, lib) for x in r)
    if lib is torch and isinstance(r, torch.Size) or lib is pynn and isinstance(r, pynn.Size):
        return tuple(r)
    return r


def same(a, b) -> bool:
    if isinstance(a, tuple) and a and a[0] == "tensor":
        if not (isinstance(b, tuple) and b and b[0] == "tensor"):
            return False
        if a[1] != b[1] or a[2] != b[2]:
            return False
        if a[3].dtype.kind == "f":
            return bool(np.allclose(a[3], b[3], rtol=1e-5, atol=1e-6, equal_nan=True))
        return bool(np.array_equal(a[3], b[3]))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def run(fn, lib, args):
    built = build(args, lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn(lib, *built)
            return "ok", normalize(out, lib), built
        except Exception as e:  # noqa: BLE001: the class is what is compared
            return "err", e, built


# Differences on record, each with its reason. A rule sees the op name, both outcomes ("ok" or the exception)
# and the arguments; the first that matches accepts the case.

def _flat(args):
    for a in args:
        if isinstance(a, (list, tuple)):
            yield from _flat(a)
        else:
            yield a


def _huge_int(args) -> bool:
    return any(isinstance(a, Bad) and isinstance(a.value, int) and not isinstance(a.value, bool)
               and not -2**63 <= a.value < 2**63 for a in _flat(args))


def _python_number(args) -> bool:
    return any(isinstance(a, Bad) and isinstance(a.value, (int, float)) for a in _flat(args))


def _cls(x):
    return "ok" if x == "ok" else type(x).__name__


def _uint64_int(args) -> bool:
    return any(isinstance(a, Bad) and isinstance(a.value, int) and 2**63 <= a.value < 2**64 for a in _flat(args))


def _bool_after_first(args) -> bool:
    return any(isinstance(a, Bad) and isinstance(a.value, bool) for a in list(args)[1:])


def _empty_tensor(args) -> bool:
    return any(isinstance(a, T) and 0 in a.shape for a in _flat(args))


ACCEPTED = [
    # Both raise on a Python int outside int64; torch parses some as uint64 and then fails with other classes.
    (lambda n, p, t, a: p != "ok" and t != "ok" and _huge_int(a), "ints past int64 raise in both"),
    # torch's Python-level F functions touch an attribute of None first; pynn checks the type first.
    (lambda n, p, t, a: _cls(p) == "TypeError" and _cls(t) == "AttributeError", "pynn checks input is a Tensor"),
    # An unsupported dtype: pynn says TypeError, torch RuntimeError or NotImplementedError.
    (lambda n, p, t, a: _cls(p) == "TypeError" and t != "ok" and "not implemented for dtype" in str(p),
     "unsupported dtype: both raise, pynn's class is TypeError"),
    (lambda n, p, t, a: _cls(t) == "NotImplementedError" and p != "ok", "unsupported dtype: both raise"),
    # pynn accepts a Python number where torch's signature wants a Tensor or a tuple (atan2(1.5, t), flip(x, 0)).
    (lambda n, p, t, a: _cls(t) == "TypeError" and _python_number(a)
     and (_cls(p) in ("ok", "NotImplementedError") or "without overflow" in str(p)),
     "pynn also accepts a Python number there (and may then refuse its dtype, or a value its dtype cannot hold)"),
    (lambda n, p, t, a: p != "ok" and t == "ok" and _uint64_int(a),
     "a Python int in [2**63, 2**64): torch reads it as uint64 (wrapping it for integer tensors); pynn refuses it"),
    (lambda n, p, t, a: n in SIZE_FACTORIES and _cls(p) == "TypeError" and _bool_after_first(a),
     "a bool size after the first: torch's parser reads it as 1 (refusing one in first place); pynn refuses all"),
    (lambda n, p, t, a: p != "ok" and t == "ok" and _empty_tensor(a) and "dtype" in str(p),
     "an empty tensor of a dtype the op refuses: torch returns before its dtype check"),
    (lambda n, p, t, a: n in INDEX_OPS and p != "ok" and t == "ok" and _empty_tensor(a[1:2]),
     "an empty index: torch's gather/scatter return before checking it"),
    (lambda n, p, t, a: n in ("getitem", "setitem", "index_put_") and _cls(p) == "IndexError" and t == "ok"
     and _empty_tensor(a[:1]), "an out-of-range index into an empty tensor: torch never reads it, pynn checks it"),
    (lambda n, p, t, a: n == "repeat" and "negative dimension" in str(p) and _cls(t) != "RuntimeError",
     "repeat(-1) of an empty dim: torch multiplies first (0 * -1 = 0) and accepts it"),
    (lambda n, p, t, a: n == "pow" and t == "ok" and "not implemented" in str(p)
     and any(isinstance(x, Bad) and isinstance(x.value, bool) for x in a),
     "bool ** a Python bool: torch short-cuts x ** 0 and x ** 1 before its dtype check (bool ** bool tensor raises)"),
    (lambda n, p, t, a: n == "take_along_dim" and p == "ok" and "view size is not compatible" in str(t),
     "take_along_dim(dim=None) of a non-contiguous input: torch flattens it with view() and fails; pynn reshapes"),
    (lambda n, p, t, a: n == "arange" and _cls(p) == "RuntimeError" and t == "ok"
     and any(isinstance(x, Bad) and isinstance(x.value, int) and abs(x.value) >= 2**62 for x in a),
     "arange near int64's limits: torch sizes it in double (rounding (2**62 + 2) / 2**62 to 1); pynn refuses"),
    # Malformed shapes and dims where both raise, torch with another class (IndexError vs RuntimeError ...).
    (lambda n, p, t, a: n in LOOSE_CLASS and p != "ok" and t != "ok", "both raise; the class differs"),
    # Integer inputs to losses torch only implements for floats: pynn computes them.
    (lambda n, p, t, a: n in INT_LOSSES and p == "ok" and t != "ok", "pynn computes integer inputs"),
]
# Ops whose malformed-argument errors are raised by both, under a different class for some argument shapes.
LOOSE_CLASS = {"cross_entropy", "nll_loss", "layer_norm_last", "narrow", "take_along_dim", "setitem", "getitem",
               "expand", "expand_sum", "transpose", "movedim", "select", "split", "chunk", "flip",
               "index_select"}  # torch: RuntimeError for a 0-d index out of range, IndexError for a 1-d one
SIZE_FACTORIES = {"zeros", "ones", "empty_shape", "full"}
INDEX_OPS = {"gather", "scatter", "scatter_add"}
INT_LOSSES = {"huber_loss", "smooth_l1_loss", "kl_div", "l1_loss", "mse_loss"}
# Spurious errors where torch succeeds: parity gaps, reported in the closing note.
KNOWN_GAPS = {
    ("prod", "ok", "TypeError"): "prod(dim=None) reduces all (torch: TypeError)",
    ("squeeze", "ok", "TypeError"): "squeeze(dim=None) squeezes every dim (torch: TypeError)",
    ("squeeze", "ok", "RuntimeError"): "squeeze with a repeated dim",
    ("randperm_shape", "ok", "NotImplementedError"): "randperm(dtype=bool) is computed (torch refuses)",
    ("take_along_dim", "RuntimeError", "ok"): "take_along_dim broadcasting an empty dim against the index",
    ("masked_fill_", "RuntimeError", "ok"): "masked_fill_ into an expanded view refuses (torch writes it)",
    ("addcmul_", "ok", "RuntimeError"): "Python-composed in-place ops (addcmul_, lerp_) read a snapshot, no overlap check",
    ("lerp_", "ok", "RuntimeError"): "Python-composed in-place ops (addcmul_, lerp_) read a snapshot, no overlap check",
    ("mse_loss", "RuntimeError", "ok"): "a bool input to a loss composed from sub (bool - x raises, as in torch)",
    ("l1_loss", "RuntimeError", "ok"): "a bool input to a loss composed from sub (bool - x raises, as in torch)",
    ("smooth_l1_loss", "RuntimeError", "ok"): "a bool input to a loss composed from sub",
    ("huber_loss", "RuntimeError", "ok"): "a bool input to a loss composed from sub",
    ("linspace", "TypeError", "ok"): "linspace(..., dtype=bool) is not implemented",
    ("setitem", "RuntimeError", "ok"): "x[...] = v into an expanded view refuses (torch writes it)",
}
# Both succeed with other values, each with its reason: (op, predicate on the arguments).
VALUE_GAPS = [
    ("gelu", lambda a: any(isinstance(x, T) and x.dtype == "float32" and x.special and x.seed % 3 == 1 for x in a),
     "gelu(+inf) in float32: torch's vectorised kernel gives nan (its float64 gives inf, as pynn)"),
    ("cross_entropy", lambda a: isinstance(a[0], T) and len(a[0].shape) >= 1 and a[0].shape[len(a[0].shape) > 1] == 0,
     "0 classes, probability targets: torch's mean divides by numel / C = 0 / 0 (nan), pynn by N (0)"),
    ("cross_entropy", lambda a: isinstance(a[0], T) and a[0].dtype.startswith("float") and a[0].special
     and a[0].seed % 3 == 1 and isinstance(a[1], T) and a[1].dtype.startswith("int"),
     "a +inf logit with a class target: torch's log_softmax gives nan (inf - inf), pynn's fused kernel inf"),
]
gaps_seen: set = set()



# PYNN_BAD_INPUT_COLLECT=1: record every mismatch instead of stopping at the first (for triage, not CI).
COLLECT = os.environ.get("PYNN_BAD_INPUT_COLLECT") == "1"
collected: dict = {}


def check(name, fn, *args, compare_values=True):
    if COLLECT:
        try:
            _check(name, fn, *args, compare_values=compare_values)
        except AssertionError as e:
            collected.setdefault(str(e).split(":")[0].split("(")[0] + str(e)[str(e).find(": ") : str(e).find(": ") + 60], str(e)[:400])
        return
    _check(name, fn, *args, compare_values=compare_values)


def _check(name, fn, *args, compare_values=True):
    p_kind, p, p_args = run(fn, pynn, args)
    t_kind, t, _ = run(fn, torch, args)
    p_class = "ok" if p_kind == "ok" else type(p).__name__
    t_class = "ok" if t_kind == "ok" else type(t).__name__
    if p_class != t_class:
        if (name, p_class, t_class) in KNOWN_GAPS:
            gaps_seen.add((name, p_class, t_class))
            return
        if any(rule(name, p if p_kind == "err" else "ok", t if t_kind == "err" else "ok", args) for rule, _ in ACCEPTED):
            return
    if p_kind == "ok" and t_kind == "ok":
        if not compare_values:
            return
        if not same(p, t) and any(n == name and rule(args) for n, rule, _ in VALUE_GAPS):
            return
        assert same(p, t), f"{name}{args}: pynn {p!r} != torch {t!r}"
        return
    assert p_class == t_class, f"{name}{args}: pynn {p_class}({p if p_kind == 'err' else ''}) vs torch {t_class}({t if t_kind == 'err' else ''})"


# ---------------------------------------------------------------------------------------------------------------
# The ops.

UNARY = ["exp", "log", "sqrt", "abs", "neg", "sigmoid", "tanh", "relu", "sin", "floor", "round", "sign",
         "logical_not", "bitwise_not", "isnan", "isfinite", "square", "reciprocal", "flatten", "t", "ceil", "trunc",
         "frac"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "fmax", "fmin", "eq", "lt", "logical_and",
          "bitwise_and", "remainder", "floor_divide", "atan2", "matmul", "where_pos"]
REDUCE_DIM = ["sum", "mean", "prod", "amax", "argmax", "argmin", "max", "min", "softmax", "log_softmax", "cumsum",
              "std", "var", "logsumexp", "all", "any", "squeeze", "unsqueeze", "flip"]
F_UNARY = ["relu", "gelu", "silu", "elu", "leaky_relu", "softplus", "hardtanh", "logsigmoid", "tanh", "sigmoid",
           "dropout", "layer_norm_last", "normalize"]
F_LOSS = ["mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
          "cross_entropy", "nll_loss", "kl_div", "huber_loss"]


def _unary(name):
    return lambda lib, x: getattr(lib, name)(x)


def _binary(name):
    if name == "where_pos":
        return lambda lib, a, b: lib.where(a > 0, a, b)
    return lambda lib, a, b: getattr(lib, name)(a, b)


def _reduce(name):
    if name in ("squeeze", "unsqueeze", "flip"):
        return lambda lib, x, d: getattr(lib, name)(x, d)
    if name in ("softmax", "log_softmax", "cumsum", "logsumexp"):
        return lambda lib, x, d: getattr(lib, name)(x, d)
    return lambda lib, x, d: getattr(x, name)(d)


def _f_unary(name):
    if name == "layer_norm_last":
        return lambda lib, x: lib.nn.functional.layer_norm(x, x.shape[-1:])
    if name == "dropout":
        return lambda lib, x: lib.nn.functional.dropout(x, p=0.0)
    return lambda lib, x: getattr(lib.nn.functional, name)(x)


def _f_loss(name):
    return lambda lib, a, b: getattr(lib.nn.functional, name)(a, b)


@CASES
@given(st.sampled_from(UNARY), tensor_or_bad)
def test_unary(name, x):
    check(name, _unary(name), x)


@CASES
@given(st.sampled_from(BINARY), tensor_or_bad, operand)
def test_binary(name, a, b):
    check(name, _binary(name), a, b)


@CASES
@given(st.sampled_from(REDUCE_DIM), tensor_or_bad, dims)
def test_reductions_and_dims(name, x, d):
    check(name, _reduce(name), x, d)


@CASES
@given(st.sampled_from(F_UNARY), tensor_or_bad)
def test_functional(name, x):
    check(name, _f_unary(name), x)


@CASES
@given(st.sampled_from(F_LOSS), st.one_of(float_tensors, tensor_or_bad), st.one_of(float_tensors, index_tensors, bad))
def test_losses(name, a, b):
    check(name, _f_loss(name), a, b)


SIZES = st.sampled_from([0, 1, 3, -1, -2, 2.5, None, 2**62, 2**63, "3", True])


@CASES
@given(st.sampled_from(["zeros", "ones", "empty_shape", "full", "eye", "arange", "linspace", "tensor", "randperm_shape"]),
       st.lists(SIZES, min_size=0, max_size=3), st.sampled_from([None, "float32", "int32", "int64", "bool"]))
def test_factories(name, sizes, dtype):
    def fn(lib, *sizes):
        kw = {} if dtype is None else {"dtype": getattr(lib, dtype)}
        if name == "zeros":
            return lib.zeros(*sizes, **kw)
        if name == "ones":
            return lib.ones(*sizes, **kw)
        if name == "empty_shape":
            return lib.empty(*sizes, **kw).shape
        if name == "full":
            return lib.full(tuple(sizes[:-1]), sizes[-1] if sizes else 0, **kw)
        if name == "eye":
            return lib.eye(*sizes[:2], **kw)
        if name == "arange":
            return lib.arange(*sizes, **kw)
        if name == "linspace":
            return lib.linspace(0, 1, *sizes[:1], **kw)
        if name == "tensor":
            return lib.tensor(list(sizes), **kw)
        return lib.randperm(*sizes[:1], **kw).shape
    check(name, fn, *[Bad(s) for s in sizes])


SHAPE_ARGS = st.lists(st.sampled_from([-1, 0, 1, 2, 3, 4, 6, -2, 2.0, None, 2**62]), min_size=0, max_size=3)


@CASES
@given(st.sampled_from(["view", "reshape", "expand", "repeat", "permute", "transpose", "narrow", "select",
                        "split", "chunk", "movedim", "expand_sum"]), tensors, SHAPE_ARGS)
def test_shape_ops(name, x, args):
    def fn(lib, x, *args):
        if name == "transpose":
            return x.transpose(*args[:2])
        if name == "narrow":
            return x.narrow(*args[:3])
        if name == "select":
            return x.select(*args[:2])
        if name in ("split", "chunk"):
            return getattr(x, name)(*args[:2])
        if name == "movedim":
            return x.movedim(*args[:2])
        if name == "expand_sum":
            return x.expand(*args).sum()
        return getattr(x, name)(*args)
    check(name, fn, x, *[Bad(a) for a in args])


@CASES
@given(st.sampled_from(["gather", "index_select", "take_along_dim", "getitem", "setitem", "masked_fill",
                        "index_put_", "scatter", "scatter_add"]),
       tensors, st.one_of(index_tensors, bad), st.one_of(st.integers(-3, 3), st.sampled_from([None, 1.5])))
def test_indexing(name, x, index, dim):
    def fn(lib, x, index, dim):
        if name == "gather":
            return x.gather(dim, index)
        if name == "index_select":
            return x.index_select(dim, index)
        if name == "take_along_dim":
            return lib.take_along_dim(x, index, dim)
        if name == "getitem":
            return x[index]
        if name == "setitem":
            y = x.clone()
            y[index] = dim
            return y
        if name == "masked_fill":
            return x.masked_fill(index, dim)
        if name == "index_put_":
            return x.clone().index_put_((index,), lib.tensor(dim, dtype=x.dtype))
        src = x.clone()
        return getattr(x.clone(), name)(dim, index, src)
    check(name, fn, x, index, dim)


# Views of one base that overlap in every way: same, shifted, transposed, expanded, disjoint.
VIEWS = {
    "same": lambda b: b,
    "alias": lambda b: b.view(b.shape),
    "head": lambda b: b.reshape(-1)[:-1] if False else b.view(-1)[:8],
    "tail": lambda b: b.view(-1)[1:9],
    "far": lambda b: b.view(-1)[8:16],
    "t": lambda b: b.view(4, 4).t().reshape(4, 4) if False else b.view(4, 4).t(),
    "sq": lambda b: b.view(4, 4),
    "row0": lambda b: b.view(4, 4)[0],
    "row1": lambda b: b.view(4, 4)[1],
    "expand": lambda b: b.view(4, 4)[0:1].expand(4, 4),
    "col": lambda b: b.view(4, 4)[:, 0],
    "stride2": lambda b: b.view(-1)[::2],
}
INPLACE = ["copy_", "add_", "mul_", "sub_", "clamp_", "exp_", "relu_", "fill_", "zero_", "setitem",
           "index_put_", "scatter_", "masked_fill_", "addcmul_", "lerp_"]


@CASES
@given(st.sampled_from(INPLACE), st.sampled_from(sorted(VIEWS)), st.sampled_from(sorted(VIEWS)))
def test_overlapping_views(name, written, read):
    def fn(lib, _):
        base = lib.arange(16.0)
        w, r = VIEWS[written](base), VIEWS[read](base)
        if name in ("exp_", "relu_", "zero_"):
            getattr(w, name)()
        elif name == "fill_":
            w.fill_(2.0)
        elif name == "clamp_":
            w.clamp_(min=r)
        elif name == "setitem":
            w[...] = r
        elif name == "index_put_":
            w.view(-1).index_put_((lib.tensor([0, 1]),), r.reshape(-1)[:2]) if w.is_contiguous() else w.index_put_(
                (lib.tensor([0, 1]),), r[:2])
        elif name == "scatter_":
            idx = lib.zeros(r.shape, dtype=lib.int64)
            w.scatter_(0, idx[: w.shape[0]] if idx.dim() == w.dim() else idx.view(-1)[:1], r)
        elif name == "masked_fill_":
            w.masked_fill_(r > 3, 1.0)
        elif name == "addcmul_":
            w.addcmul_(r, r)
        elif name == "lerp_":
            w.lerp_(r, 0.5)
        elif name == "maximum_out":
            lib.maximum(w, r, out=w)
        else:
            getattr(w, name)(r)
        return base
    # A layout torch cannot classify (a strided or expanded view) skips its overlap check, and its result then
    # depends on the order its kernel visits elements: only the outcome class is compared there.
    too_hard = {"expand", "col", "stride2"} & {written, read}
    check(name, fn, Bad(0), compare_values=not too_hard)


def test_known_gaps_are_still_gaps():
    """A KNOWN_GAPS entry that pynn has since closed should be removed, so the list stays true."""
    arr = np.arange(3, dtype=np.int16)
    with pytest.raises(TypeError):
        pynn.from_numpy(arr)
    torch.from_numpy(arr)


def test_zz_report_collected():
    if COLLECT:
        for k, v in sorted(collected.items()):
            print("MISMATCH", v)
