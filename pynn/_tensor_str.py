"""Tensor.__repr__ in torch's format (torch/_tensor_str.py: 4 decimals, sci mode, summarization)."""
from __future__ import annotations

import math

import numpy as np

from . import _dtypes

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat:
                self.max_width = max(self.max_width, len(str(v.item() if hasattr(v, "item") else v)))
            return
        finite = flat[np.isfinite(flat)]
        nonzero = np.abs(finite[finite != 0]).astype(np.float64)
        if finite.size == 0:
            self.int_mode = False
            for v in flat:
                self.max_width = max(self.max_width, len(self._fmt_special(v)))
            return
        self.int_mode = bool(np.all(np.ceil(finite) == finite))
        if nonzero.size:
            vmax, vmin = nonzero.max(), nonzero.min()
        else:
            vmax = vmin = 0.0
        if self.int_mode:
            if nonzero.size and (vmax / vmin > 1000.0 or vmax > 1.0e8):
                self.sci_mode = True
        elif nonzero.size and (vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4):
            self.sci_mode = True
        for v in flat:
            self.max_width = max(self.max_width, len(self._fmt(v)))

    @staticmethod
    def _fmt_special(v) -> str:
        if math.isnan(v):
            return "nan"
        return "inf" if v > 0 else "-inf"

    def _fmt(self, v) -> str:
        if not self.floating:
            return str(v.item() if hasattr(v, "item") else v)
        v = float(v)
        if not math.isfinite(v):
            return self._fmt_special(v)
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{PRECISION}f}"

    def format(self, v) -> str:
        return self._fmt(v).rjust(self.max_width)


def _summarized(a: np.ndarray) -> np.ndarray:
    """The values that will be printed, for the formatter's width (edges only when summarizing)."""
    if a.ndim == 0:
        return a.reshape(1)
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
    if a.ndim == 1:
        return a
    return np.concatenate([_summarized(x).reshape(-1) for x in a])


def _format_values(a: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        n = a.shape[0]
        if summarize and n > 2 * EDGEITEMS:
            items = [fmt.format(x) for x in a[:EDGEITEMS]] + [" ..."] + [fmt.format(x) for x in a[-EDGEITEMS:]]
        else:
            items = [fmt.format(x) for x in a]
        elem_len = fmt.max_width + 2
        per_line = max(1, int(math.floor((LINEWIDTH - indent) / elem_len)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        parts = [_format_values(a[i], fmt, indent + 1, summarize) for i in range(EDGEITEMS)]
        parts.append("...")
        parts += [_format_values(a[i], fmt, indent + 1, summarize) for i in range(n - EDGEITEMS, n)]
    else:
        parts = [_format_values(a[i], fmt, indent + 1, summarize) for i in range(n)]
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def tensor_repr(t, prefix: str = "tensor(") -> str:
    a = _dtypes.host_array(t if t.device.type == "cpu" else t.cpu())
    dtype_name = str(t.dtype)
    suffixes = []
    indent = len(prefix)
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if dtype_name not in ("pynn.float32", "pynn.bool"):
            suffixes.append(f"dtype={dtype_name}")
    else:
        summarize = a.size > THRESHOLD
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _format_values(a, fmt, indent, summarize)
        if dtype_name not in ("pynn.float32", "pynn.int64", "pynn.bool"):
            suffixes.append(f"dtype={dtype_name}")
    if t.device.type != "cpu":
        suffixes.insert(0, f"device='{t.device}'")
    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__ if not hasattr(grad_fn, 'name') else grad_fn.name()}>")
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    out = prefix + body
    for s in suffixes:
        out += ", " + s
    return out + ")"
