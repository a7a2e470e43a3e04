"""Deterministic regressions for what the widened bad-input fuzz (test_bad_input.py at 3000 examples) found.

Each case runs on pynn and on torch: both raise the same exception class, or both succeed with the same dtype,
shape and values (NaN equal to NaN).
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pynn  # noqa: E402


def _outcome(fn, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn(lib)
        except Exception as e:  # noqa: BLE001: the class is what is compared
            return type(e).__name__, None
    if isinstance(r, lib.Tensor):
        return "ok", (str(r.dtype).split(".")[-1], tuple(r.shape), np.array(r.detach().numpy(), copy=True))
    return "ok", r


def _index_put(lib, shape, indices, value, accumulate=False):
    x = lib.zeros(*shape)
    return x.index_put_(tuple(indices(lib)), lib.tensor(value), accumulate=accumulate)


def _expand_copy(lib):
    base = lib.arange(16.0)
    base.view(4, 4)[0:1].expand(4, 4).copy_(base.view(4, 4)[0:1].expand(4, 4))
    return base


def _f(name):
    return lambda lib, *a, **k: getattr(lib.nn.functional, name)(*a, **k)


V32 = [1.0, -2.0, 3.5]
CASES = {
    # contiguous strides past int64 are refused even with no elements; a plain numel overflow keeps its error
    "zeros_stride_overflow": lambda lib: lib.zeros(0, 2**62, 2**62),
    "ones_stride_overflow": lambda lib: lib.ones(0, 2**62, 2**62),
    "empty_stride_overflow": lambda lib: lib.empty(0, 2**62, 2**62).shape,
    "full_stride_overflow": lambda lib: lib.full((0, 2**62, 2**62), 1.0),
    "randn_stride_overflow": lambda lib: lib.randn(0, 2**62, 2**62).shape,
    "zeros_huge_trailing_zero": lambda lib: lib.zeros(2**62, 2**62, 0).shape,
    "zeros_huge_leading": lambda lib: lib.zeros(2**62, 0, 4).shape,
    # a 0-d bool index is Python's True/False: False writes nothing (it used to write everything). Beside an
    # index tensor torch's index_put_ drops a False (writes row 1) while its x[[1], False] = v writes nothing;
    # pynn does the latter in both, so that case is not compared; nor (True,) with a row value, where torch's
    # kernel fails an internal assert.
    "index_put_bool0d_false": lambda lib: _index_put(lib, (2, 3), lambda l: [l.tensor(False)], 1.5),
    "index_put_bool0d_true": lambda lib: _index_put(lib, (2, 3), lambda l: [l.tensor(True)], 1.5),
    "index_put_bool0d_mixed": lambda lib: _index_put(lib, (2, 3), lambda l: [l.tensor([1]), l.tensor(True)], V32),
    "index_put_bool0d_into_0d": lambda lib: lib.tensor(1.0).index_put_((lib.tensor(True),), lib.tensor(2.0)),
    "index_put_too_many": lambda lib: lib.zeros(2).index_put_((lib.tensor([0]), lib.tensor([0])), lib.tensor(2.0)),
    # view/reshape multiply the sizes in order with an overflow check; a 0 does not end it early
    "view_size_overflow": lambda lib: lib.zeros(2, 0).view(2**62, 6, 0),
    "view_size_zero_first": lambda lib: lib.zeros(2, 0).view(2**62, 0, 6).shape,
    "reshape_size_overflow": lambda lib: lib.zeros(2, 0).reshape(2**62, 6, 0),
    # a Python exponent must fit an integer base's dtype
    "pow_int32_exponent_overflow": lambda lib: lib.pow(lib.tensor([1, 2], dtype=lib.int32), 2**40),
    "pow_int32_exponent_fits": lambda lib: lib.pow(lib.tensor([1, 2], dtype=lib.int32), 3),
    # take_along_dim's dim form wants int64 indices; the flattened form is a plain gather
    "take_along_dim_int32_dim": lambda lib: lib.take_along_dim(lib.arange(6.0).view(2, 3),
                                                               lib.tensor([[0], [2]], dtype=lib.int32), 1),
    "take_along_dim_int32_flat": lambda lib: lib.take_along_dim(lib.arange(6.0), lib.tensor([5, 0], dtype=lib.int32)),
    "take_along_dim_int64_dim": lambda lib: lib.take_along_dim(lib.arange(6.0).view(2, 3), lib.tensor([[0], [2]]), 1),
    # a Python number in where must fit the result dtype
    "where_int32_overflow": lambda lib: lib.where(lib.tensor([1, -1], dtype=lib.int32) > 0,
                                                  lib.tensor([1, -1], dtype=lib.int32), 2**40),
    "where_int32_fits": lambda lib: lib.where(lib.tensor([1, -1], dtype=lib.int32) > 0,
                                              lib.tensor([1, -1], dtype=lib.int32), 2**30),
    "where_int32_float": lambda lib: lib.where(lib.tensor([1, -1], dtype=lib.int32) > 0,
                                               lib.tensor([1, -1], dtype=lib.int32), 1.5),
    # matmul checks the shapes before refusing bool
    "matmul_bool_bad_shapes": lambda lib: lib.matmul(lib.zeros(2, 3, dtype=lib.bool), lib.zeros(2, 3, dtype=lib.bool)),
    "matmul_bool_bad_vectors": lambda lib: lib.matmul(lib.zeros(3, dtype=lib.bool), lib.zeros(2, dtype=lib.bool)),
    "matmul_bool": lambda lib: lib.matmul(lib.zeros(2, 3, dtype=lib.bool), lib.zeros(3, 2, dtype=lib.bool)),
    "matmul_bool_batched_bad": lambda lib: lib.matmul(lib.zeros(2, 2, 3, dtype=lib.bool), lib.zeros(2, 2, 3, dtype=lib.bool)),
    # an empty reduced dim is reported before a repeated one
    "amax_empty_repeated": lambda lib: lib.amax(lib.zeros(0), (0, 0)),
    "amin_empty_repeated": lambda lib: lib.zeros(0, 2).amin((0, 0)),
    "amax_repeated": lambda lib: lib.amax(lib.zeros(3), (0, 0)),
    "amax_empty_other_dim": lambda lib: lib.zeros(0, 2).amax((1, 1)),
    # copy_ from a tensor with dst's very data is a no-op (no overlap error), as in torch
    "copy_same_expanded_data": _expand_copy,
    "movedim_0d": lambda lib: lib.zeros(()).movedim(0, 0),
    "movedim_0d_neg": lambda lib: lib.zeros(()).movedim(-1, 0),
    "movedim_0d_out_of_range": lambda lib: lib.zeros(()).movedim(1, 0),
    # None is no omitted argument
    "eye_m_none": lambda lib: lib.eye(3, None),
    "arange_end_none": lambda lib: lib.arange(0, None),
    "arange_step_none": lambda lib: lib.arange(0, 3, None),
    "arange_one_arg": lambda lib: lib.arange(4),
    # None and str among Python data: torch's parser's errors, first bad element first
    "tensor_none": lambda lib: lib.tensor([0, 2.5, None]),
    "tensor_none_float": lambda lib: lib.tensor([1, None], dtype=lib.float32),
    "tensor_none_int": lambda lib: lib.tensor([1, None], dtype=lib.int64),
    "tensor_str": lambda lib: lib.tensor([1, "3"]),
    "tensor_str_first": lambda lib: lib.tensor(["3"]),
    "tensor_str_float": lambda lib: lib.tensor([2.5, "3"], dtype=lib.float32),
    "tensor_str_int32": lambda lib: lib.tensor([2.5, "3", -1], dtype=lib.int32),
    "tensor_overflow_before_str": lambda lib: lib.tensor([3, 2**62, "3"], dtype=lib.int32),
    # losses: torch's result dtypes and values
    "bce_logits_f64_input_f32_target": lambda lib: _f("binary_cross_entropy_with_logits")(
        lib.tensor(V32, dtype=lib.float64), lib.tensor([0.0, 1.0, 0.5])),
    "bce_logits_f32_input_f64_target": lambda lib: _f("binary_cross_entropy_with_logits")(
        lib.tensor(V32), lib.tensor([0.0, 1.0, 0.5], dtype=lib.float64)),
    "bce_logits_none_weight": lambda lib: _f("binary_cross_entropy_with_logits")(
        lib.tensor(V32, dtype=lib.float64), lib.tensor([0.0, 1.0, 0.5]), weight=lib.tensor([1.0, 2.0, 3.0]),
        reduction="none"),
    "huber_f32_f64": lambda lib: _f("huber_loss")(lib.tensor(V32), lib.tensor([0.0, 1.0, 0.5], dtype=lib.float64)),
    "huber_f64_f32": lambda lib: _f("huber_loss")(lib.tensor(V32, dtype=lib.float64), lib.tensor([0.0, 1.0, 0.5])),
    "huber_0d_f64_vs_f32": lambda lib: _f("huber_loss")(lib.tensor(1.0, dtype=lib.float64), lib.tensor(V32)),
    "smooth_l1_f32_f64": lambda lib: _f("smooth_l1_loss")(lib.tensor(V32), lib.tensor([0.0, 1.0, 0.5], dtype=lib.float64)),
    "l1_0d_f64_vs_f32": lambda lib: _f("l1_loss")(lib.tensor(1.0, dtype=lib.float64), lib.tensor(V32)),
    "mse_0d_f64_vs_f32": lambda lib: _f("mse_loss")(lib.tensor(1.0, dtype=lib.float64), lib.tensor(V32),
                                                   reduction="none"),
    "smooth_l1_broadcast": lambda lib: _f("smooth_l1_loss")(lib.tensor([[1.0, 2.0, 4.0]]), lib.tensor([[0.0], [3.0]])),
    "kl_div_target_inf": lambda lib: _f("kl_div")(lib.tensor([1.0, -1.0, 0.0], dtype=lib.float64),
                                                 lib.tensor([math.inf, math.inf, math.inf], dtype=lib.float64),
                                                 reduction="none"),
    "kl_div_target_zero": lambda lib: _f("kl_div")(lib.tensor([1.0, -1.0]), lib.tensor([0.0, 0.5]), reduction="sum"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn = CASES[name]
    p_cls, p_val = _outcome(fn, pynn)
    t_cls, t_val = _outcome(fn, torch)
    assert p_cls == t_cls, f"{name}: pynn {p_cls} vs torch {t_cls}"
    if p_cls != "ok":
        return
    if isinstance(t_val, tuple) and len(t_val) == 3 and isinstance(t_val[2], np.ndarray):
        assert p_val[:2] == t_val[:2], f"{name}: pynn {p_val[:2]} vs torch {t_val[:2]}"
        np.testing.assert_allclose(p_val[2], t_val[2], rtol=1e-6, atol=1e-7, equal_nan=True)
    else:
        assert tuple(p_val) == tuple(t_val)


@pytest.mark.parametrize("flag", [False, True])
def test_index_put_bool0d_gradient(flag):
    """The write through a 0-d bool index reaches autograd: the gradient of the overwritten part is 0. torch's
    backward of index_put_ with a 0-d bool fails an internal assert, so its x[flag] = v is the reference."""
    grads = []
    for lib in (pynn, torch):
        x = lib.arange(6.0).view(2, 3).requires_grad_(True)
        v = lib.tensor(2.0, requires_grad=True)
        y = x.clone()
        if lib is pynn:
            y.index_put_((lib.tensor(flag),), v)
        else:
            y[lib.tensor(flag)] = v
        (y * lib.arange(1.0, 7.0).view(2, 3)).sum().backward()
        grads.append((x.grad.numpy().copy(), v.grad.numpy().copy()))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_kl_div_gradient_matches_torch():
    """The two-term kl_div (as torch) keeps the gradients of the one-term form (away from target 0, where
    pynn's gradient stays finite and torch's xlogy gives nan)."""
    grads = []
    for lib in (pynn, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        t = lib.tensor([0.1, 0.25, 1.5], dtype=lib.float64, requires_grad=True)
        lib.nn.functional.kl_div(x, t, reduction="sum").backward()
        grads.append((x.grad.numpy().copy(), t.grad.numpy().copy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0])
    np.testing.assert_allclose(grads[0][1], grads[1][1])


def test_contiguous_strides_are_overflow_checked_for_every_tensor():
    # an empty tensor whose contiguous strides would wrap int64: torch's error, never a wrapped stride
    for lib in (pynn, torch):
        with pytest.raises(RuntimeError, match="Stride calculation overflowed"):
            lib.empty(0, 2**62, 2**62)
    assert pynn.empty(0, 2**31, 2**31).stride() == torch.empty(0, 2**31, 2**31).stride()


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "none"}, {"label_smoothing": 0.1}, {"weight": [1.0, 2.0, 0.5]}])
def test_cross_entropy_rows_with_infinite_max_are_nan_as_torch(kwargs):
    # torch's log_softmax of a row holding +inf (or of all -inf) is nan everywhere: the loss and the whole row's
    # gradient are nan, never inf or a finite half-gradient
    inf = float("inf")
    rows = [[1.0, inf, 0.0], [1.0, 2.0, 3.0], [-inf, -inf, -inf], [inf, 1.0, -inf], [-inf, 0.5, 0.0]]
    got = []
    for lib in (pynn, torch):
        kw = dict(kwargs)
        if "weight" in kw:
            kw["weight"] = lib.tensor(kw["weight"])
        x = lib.tensor(rows, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor([0, 1, 2, 1, 2]), **kw)
        loss.sum().backward()
        got.append((loss.detach().numpy().copy(), x.grad.numpy().copy()))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-6, atol=1e-7, equal_nan=True)
