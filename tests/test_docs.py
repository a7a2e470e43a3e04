"""Docstrings (issue #15): every public callable of pynn's torch-facing namespaces has one, every entry of
pynn/_docs.py names a real object, and each documented signature agrees with the code (names, order,
keyword-only-ness, literal defaults), so the docs cannot drift from what pynn accepts."""
import ast
import inspect

import pytest

import pynn
import pynn.nn as nn
import pynn.nn.functional as F
import pynn.optim as optim
import pynn.utils.data as data
from pynn import _docs

NAMESPACES = [("pynn", pynn), ("pynn.nn", nn), ("pynn.nn.functional", F), ("pynn.optim", optim),
              ("pynn.utils.data", data), ("pynn.Tensor", pynn.Tensor), ("pynn.linalg", pynn.linalg),
              ("pynn.optim.lr_scheduler", optim.lr_scheduler), ("pynn.nn.init", nn.init), ("pynn.nn.utils", nn.utils),
              ("pynn.special", pynn.special)]
_LITERALS = (type(None), bool, int, float, str, tuple)


def _public_callables():
    for prefix, ns in NAMESPACES:
        for name in dir(ns):
            obj = getattr(ns, name)
            if name.startswith("_") or inspect.ismodule(obj) or not callable(obj):
                continue
            yield f"{prefix}.{name}", obj


def test_every_public_callable_has_a_docstring():
    missing = sorted(n for n, o in _public_callables() if not (getattr(o, "__doc__", None) or "").strip())
    assert not missing, f"{len(missing)} public names without a docstring (add them to pynn/_docs.py): {missing}"


@pytest.mark.parametrize("name", sorted(_docs._DOCS))
def test_entry_names_an_existing_documented_object(name):
    obj = _docs._resolve(name)  # AttributeError: a stale entry
    assert callable(obj)
    assert (obj.__doc__ or "").strip(), f"{name}: the entry was not attached"
    first = _docs._DOCS[name].split("\n", 1)[0]
    assert first.split("(", 1)[0].strip() == name.rsplit(".", 1)[1], f"{name}: first line is {first!r}"


def test_attach_never_overwrites():
    own = pynn.zeros.__doc__
    assert own
    saved = dict(_docs._DOCS)
    try:
        _docs._DOCS.clear()
        _docs._DOCS["pynn.zeros"] = "zeros(*size) -> Tensor\n\nreplacement"
        _docs.attach()
        assert pynn.zeros.__doc__ == own
    finally:
        _docs._DOCS.clear()
        _docs._DOCS.update(saved)


def _split_top(text):
    """Splits at commas outside brackets and quotes."""
    parts, depth, quote, cur = [], 0, None, ""
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _doc_params(text):
    """(kind, name, default text or None) for each parameter of the docstring's signature (its first paragraph)."""
    head = " ".join(text.split("\n\n", 1)[0].split())
    start, depth = head.index("("), 0
    for end in range(start, len(head)):
        depth += {"(": 1, ")": -1}.get(head[end], 0)
        if depth == 0:
            break
    params, kw_only = [], False
    for item in _split_top(head[start + 1:end]):
        if item in ("*", "/"):
            kw_only = kw_only or item == "*"
            continue
        kind = "var_kw" if item.startswith("**") else "var_pos" if item.startswith("*") else (
            "kw" if kw_only else "pos")
        kw_only = kw_only or kind == "var_pos"
        name, _, default = item.lstrip("*").partition("=")
        params.append((kind, name.split(":")[0].strip(), default.strip() or None))
    return params


def _signatures(name, obj):
    """The signatures a documented name may be checked against (None: not a Python callable)."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return None
    sigs = []
    for follow in (True, False):
        try:
            sig = inspect.signature(obj, follow_wrapped=follow)
        except ValueError:  # a pybind11 class: its signature lives in the extension, not in Python
            return None
        params = list(sig.parameters.values())
        fn = sig.parameters.get("_fn")
        if fn is not None and inspect.isfunction(fn.default):  # Tensor.x_ in-place wrappers: self is _fn's input
            params = list(inspect.signature(fn.default).parameters.values())[1:]
        elif params and params[0].name == "self":
            params = params[1:]
        sigs.append(params)
    return sigs


def _mismatch(doc, params):
    by_name = {p.name: p for p in params}
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_pos = [p for p in params if p.kind == p.VAR_POSITIONAL]
    pos_i = 0
    for kind, pname, default in doc:
        if kind == "var_pos":
            if not var_pos or pos_i != len([p for p in positional if params.index(p) < params.index(var_pos[0])]):
                return f"*{pname}: no *args at that position"
            if pname != var_pos[0].name and pname not in by_name:
                return f"*{pname}: unknown name"
            continue
        if kind == "var_kw":
            if not any(p.kind == p.VAR_KEYWORD for p in params):
                return f"**{pname}: no **kwargs"
            continue
        p = by_name.get(pname)
        if p is None:
            return f"{pname}: not a parameter"
        if kind == "pos":
            if pos_i >= len(positional) or positional[pos_i].name != pname:
                return f"{pname}: not positional parameter #{pos_i}"
            pos_i += 1
        elif p.kind == p.POSITIONAL_ONLY:
            return f"{pname}: positional-only"
        if default is not None:
            if p.default is p.empty:
                return f"{pname}: documented default {default}, required in the code"
            try:
                value = ast.literal_eval(default)
            except (ValueError, SyntaxError):
                continue  # a symbolic default (m=n, activation=relu)
            if isinstance(p.default, _LITERALS) and value != p.default:
                return f"{pname}: documented default {default}, code default {p.default!r}"
    return None


@pytest.mark.parametrize("name", sorted(_docs._DOCS))
def test_documented_signature_matches_the_code(name):
    obj = _docs._resolve(name)
    sigs = _signatures(name, obj)
    if sigs is None:
        pytest.skip("not a Python function or class (pybind11)")
    doc = _doc_params(_docs._DOCS[name])
    problems = [_mismatch(doc, params) for params in sigs]
    assert None in problems, f"{name}: {problems[0]}"


def test_signature_checker_catches_drift():
    def f(input, dim=-1, *, out=None):
        pass

    params = list(inspect.signature(f).parameters.values())
    assert _mismatch(_doc_params("f(input, dim=-1, *, out=None) -> Tensor"), params) is None
    assert _mismatch(_doc_params("f(input, axis=-1)"), params) is not None  # unknown name
    assert _mismatch(_doc_params("f(input, dim=0)"), params) is not None  # wrong default
    assert _mismatch(_doc_params("f(dim, input)"), params) is not None  # wrong order
    assert _mismatch(_doc_params("f(input, dim, out)"), params) is not None  # out is keyword-only
    assert _mismatch(_doc_params("f(input=0)"), params) is not None  # promises a default the code lacks
