"""Elementwise unary / binary ops, comparisons, logical ops, where, clamp,
type promotion and in-place ops."""
import numpy as np
import pytest

import pynn
from conftest import assert_close, check_op, randn, rand_pos, randint_np, to_np, P, T

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------------------
# unary
# ----------------------------------------------------------------------------
def _any_real(shape, dtype, seed):
    return randn(*shape, dtype=dtype, seed=seed) * 2


def _positive(shape, dtype, seed):
    return rand_pos(*shape, dtype=dtype, seed=seed, low=0.1, high=4.0)


def _gt_minus_one(shape, dtype, seed):
    return rand_pos(*shape, dtype=dtype, seed=seed, low=-0.9, high=3.0)


def _with_halves(shape, dtype, seed):
    x = randn(*shape, dtype=np.float64, seed=seed) * 3
    flat = x.reshape(-1)
    specials = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.0, -0.0, 3.0, -3.7, 0.49999, 2.51])
    n = min(len(specials), flat.size)
    flat[:n] = specials[:n]
    return x.astype(dtype)


def _with_zero(shape, dtype, seed):
    x = _any_real(shape, dtype, seed)
    x.reshape(-1)[0] = 0
    return x


UNARY = {
    # name: (input generator, rtol)
    "neg": (_any_real, 1e-6),
    "abs": (_any_real, 1e-6),
    "exp": (_any_real, 1e-5),
    "log": (_positive, 1e-5),
    "log1p": (_gt_minus_one, 1e-5),
    "sqrt": (_positive, 1e-5),
    "rsqrt": (_positive, 1e-5),
    "sin": (_any_real, 1e-5),
    "cos": (_any_real, 1e-5),
    "tanh": (_any_real, 1e-5),
    "sigmoid": (_any_real, 1e-5),
    "relu": (_with_zero, 1e-6),
    "sign": (_with_zero, 1e-6),
    "floor": (_with_halves, 1e-6),
    "ceil": (_with_halves, 1e-6),
    "round": (_with_halves, 1e-6),
    "reciprocal": (_positive, 1e-5),
}
UNARY_NAMES = list(UNARY)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_function(name, dtype):
    gen, rtol = UNARY[name]
    x = gen((3, 5), dtype, 0)
    check_op(lambda m, a: getattr(m, name)(a), x, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_method(name):
    gen, rtol = UNARY[name]
    x = gen((4, 3), np.float32, 1)
    check_op(lambda m, a: getattr(a, name)(), x, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_noncontiguous_transposed(name):
    gen, rtol = UNARY[name]
    x = gen((4, 6), np.float32, 2)
    check_op(lambda m, a: getattr(m, name)(a.t()), x, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_noncontiguous_step_slice(name):
    gen, rtol = UNARY[name]
    x = gen((5, 8), np.float32, 3)
    check_op(lambda m, a: getattr(m, name)(a[1::2, ::3]), x, rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_empty(name):
    x = np.zeros((0, 3), dtype=np.float32)
    check_op(lambda m, a: getattr(m, name)(a), x)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_0d(name):
    gen, rtol = UNARY[name]
    x = np.array(gen((1,), np.float32, 4)[0])
    check_op(lambda m, a: getattr(m, name)(a), x, rtol=rtol, atol=1e-6)


def test_unary_broadcast_view_input():
    x = randn(1, 4)
    check_op(lambda m, a: m.exp(a.expand(3, 4)), x)


@pytest.mark.parametrize("name", ["neg", "abs", "relu", "sign", "exp", "sqrt", "sin", "sigmoid", "tanh", "reciprocal", "log"])
def test_unary_on_int_tensor(name):
    # int inputs: neg/abs/relu/sign keep int64, float functions promote to float32
    x = randint_np(2, 3, low=1, high=9)
    if name in ("neg", "abs", "relu", "sign"):
        x = randint_np(2, 3, low=-5, high=6)
    check_op(lambda m, a: getattr(m, name)(a), x)


def test_round_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5], dtype=np.float32)
    check_op(lambda m, a: m.round(a), x)


def test_sigmoid_extreme_values():
    x = np.array([-100.0, -20.0, 0.0, 20.0, 100.0], dtype=np.float32)
    check_op(lambda m, a: m.sigmoid(a), x)
    check_op(lambda m, a: m.tanh(a), x)


def test_special_values_propagate():
    x = np.array([np.inf, -np.inf, np.nan, 0.0], dtype=np.float32)
    for name in ["neg", "abs", "exp", "sin", "tanh", "sigmoid", "relu", "floor", "sign"]:
        check_op(lambda m, a: getattr(m, name)(a), x)


def test_log_of_zero_and_negative():
    x = np.array([0.0, -1.0, 1.0], dtype=np.float32)
    check_op(lambda m, a: m.log(a), x)
    check_op(lambda m, a: m.sqrt(a), x)
    check_op(lambda m, a: m.reciprocal(a), x)


def test_unary_does_not_modify_input():
    x = randn(3, 3)
    p = P(x)
    pynn.exp(p)
    p.neg()
    np.testing.assert_array_equal(to_np(p), x)


# ----------------------------------------------------------------------------
# binary arithmetic
# ----------------------------------------------------------------------------
BINARY_FUNCS = ["add", "sub", "mul", "div", "maximum", "minimum"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", BINARY_FUNCS + ["pow"])
def test_binary_function(name, dtype):
    a = rand_pos(3, 4, dtype=dtype, seed=0) if name == "pow" else randn(3, 4, dtype=dtype, seed=0)
    b = randn(3, 4, dtype=dtype, seed=1)
    if name == "div":
        b = rand_pos(3, 4, dtype=dtype, seed=1) * np.sign(b)
    check_op(lambda m, x, y: getattr(m, name)(x, y), a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", BINARY_FUNCS + ["pow"])
def test_binary_method(name):
    a = rand_pos(2, 5, seed=2)
    b = randn(2, 5, seed=3)
    check_op(lambda m, x, y: getattr(x, name)(y), a, b)


OPERATORS = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "**": lambda x, y: x ** y,
}


@pytest.mark.parametrize("op", list(OPERATORS))
def test_binary_operator(op):
    a = rand_pos(3, 4, seed=4)
    b = randn(3, 4, seed=5)
    f = OPERATORS[op]
    check_op(lambda m, x, y: f(x, y), a, b)


BROADCAST_SHAPES = [
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((2, 1, 4), (3, 1)),
    ((1,), (2, 3)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((4, 1, 1), (1, 2, 3)),
    ((0, 3), (1, 3)),
    ((5, 1, 2), (5, 3, 1)),
]


@pytest.mark.parametrize("op", list(OPERATORS))
@pytest.mark.parametrize("sa,sb", BROADCAST_SHAPES, ids=[f"{a}x{b}" for a, b in BROADCAST_SHAPES])
def test_binary_broadcasting(sa, sb, op):
    a = rand_pos(*sa, seed=6)
    b = randn(*sb, seed=7)
    f = OPERATORS[op]
    check_op(lambda m, x, y: f(x, y), a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_broadcast(name):
    check_op(lambda m, x, y: getattr(m, name)(x, y), randn(3, 1, seed=1), randn(1, 4, seed=2))


SCALARS = [2, 2.5, -1.5, 0.5]


@pytest.mark.parametrize("s", SCALARS, ids=repr)
@pytest.mark.parametrize("op", list(OPERATORS))
def test_binary_with_python_scalar(op, s):
    a = rand_pos(2, 3, seed=8)
    f = OPERATORS[op]
    check_op(lambda m, x: f(x, s), a)


@pytest.mark.parametrize("s", [2, 2.5, -1.5], ids=repr)
@pytest.mark.parametrize("op", list(OPERATORS))
def test_reversed_operators(op, s):
    a = rand_pos(2, 3, seed=9)
    f = OPERATORS[op]
    check_op(lambda m, x: f(s, x), a)


def test_reversed_specific():
    a = rand_pos(4, seed=10)
    check_op(lambda m, x: 2 - x, a)
    check_op(lambda m, x: 2 / x, a)
    check_op(lambda m, x: 2 ** x, a)
    check_op(lambda m, x: 3 * x + 1, a)


@pytest.mark.parametrize("s", [2, 3.0, -1.0], ids=repr)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow"])
def test_binary_function_with_scalar(name, s):
    check_op(lambda m, x: getattr(m, name)(x, s), rand_pos(3, seed=11))


def test_unary_operators():
    a = randn(2, 3, seed=12)
    check_op(lambda m, x: -x, a)
    check_op(lambda m, x: abs(x), a)
    check_op(lambda m, x: +x, a)


@pytest.mark.parametrize("alpha", [2, 0.5, -1])
def test_add_alpha(alpha):
    a, b = randn(3, 4, seed=13), randn(3, 4, seed=14)
    check_op(lambda m, x, y: m.add(x, y, alpha=alpha), a, b)
    check_op(lambda m, x, y: x.add(y, alpha=alpha), a, b)


def test_add_alpha_broadcast():
    check_op(lambda m, x, y: m.add(x, y, alpha=2), randn(3, 4, seed=1), randn(4, seed=2))


def test_add_alpha_int():
    a, b = randint_np(5), randint_np(5, seed=1)
    check_op(lambda m, x, y: m.add(x, y, alpha=3), a, b)


def test_binary_noncontiguous_inputs():
    a = randn(4, 6, seed=15)
    b = randn(6, 4, seed=16)
    check_op(lambda m, x, y: x + y.t(), a, b)
    check_op(lambda m, x, y: x[:, ::2] * y.t()[:, 1::2], a, b)
    check_op(lambda m, x, y: m.maximum(x.t(), y), a, b)
    check_op(lambda m, x, y: x.t()[::2] - y[::2], a, b)


def test_binary_expanded_inputs():
    check_op(lambda m, x, y: x.expand(3, 4) * y, randn(1, 4, seed=1), randn(3, 4, seed=2))


def test_div_by_zero():
    a = np.array([1.0, -1.0, 0.0, 2.0], dtype=np.float32)
    b = np.array([0.0, 0.0, 0.0, 4.0], dtype=np.float32)
    check_op(lambda m, x, y: x / y, a, b)


@pytest.mark.parametrize("op", ["+", "-", "*"])
def test_int_arithmetic_exact(op):
    a = randint_np(3, 4, low=-1000, high=1000)
    b = randint_np(3, 4, low=-1000, high=1000, seed=1)
    check_op(lambda m, x, y: OPERATORS[op](x, y), a, b)


def test_int_pow():
    a = randint_np(6, low=-4, high=5)
    b = randint_np(6, low=0, high=4, seed=1)
    check_op(lambda m, x, y: x ** y, a, b)
    check_op(lambda m, x: x ** 2, a)
    check_op(lambda m, x: m.pow(x, 3), a)


def test_pow_scalar_exponents():
    a = rand_pos(5, seed=17)
    for e in [0, 1, 2, 3, 0.5, -1, -0.5, 2.5]:
        check_op(lambda m, x: x ** e, a)
        check_op(lambda m, x: m.pow(x, e), a)


def test_pow_scalar_base():
    a = randn(5, seed=18)
    check_op(lambda m, x: m.pow(2.0, x), a)


def test_empty_binary():
    a = np.zeros((0, 3), np.float32)
    check_op(lambda m, x, y: x + y, a, a)
    check_op(lambda m, x: x * 2, a)


def test_0d_binary():
    check_op(lambda m, x, y: x * y, np.array(3.0, np.float32), np.array(-2.0, np.float32))
    check_op(lambda m, x: x + 1, np.array(3.0, np.float32))


# ----------------------------------------------------------------------------
# type promotion
# ----------------------------------------------------------------------------
PROMOTION_CASES = {
    "int64+float_scalar": (lambda m: m.tensor([1, 2, 3]) + 2.5),
    "int64*float_scalar": (lambda m: m.tensor([1, 2, 3]) * 2.0),
    "float_scalar-int64": (lambda m: 1.5 - m.tensor([1, 2, 3])),
    "int32+int_scalar": (lambda m: m.tensor([1, 2], dtype=m.int32) + 3),
    "int32+int64": (lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([3, 4])),
    "int64+int32": (lambda m: m.tensor([3, 4]) + m.tensor([1, 2], dtype=m.int32)),
    "float32+float64": (lambda m: m.tensor([1.0, 2.0]) + m.tensor([1.0, 2.0], dtype=m.float64)),
    "float64*float32": (lambda m: m.tensor([1.0, 2.0], dtype=m.float64) * m.tensor([1.0, 2.0])),
    "float32+0d_float64": (lambda m: m.tensor([1.0, 2.0]) + m.tensor(1.5, dtype=m.float64)),
    "int32+0d_int64": (lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor(5)),
    "int64+0d_float32": (lambda m: m.tensor([1, 2]) + m.tensor(0.5)),
    "int64+0d_float64": (lambda m: m.tensor([1, 2]) + m.tensor(0.5, dtype=m.float64)),
    "int64/int64": (lambda m: m.tensor([1, 2, 3]) / m.tensor([2, 2, 2])),
    "int32/int32": (lambda m: m.tensor([1, 5], dtype=m.int32) / m.tensor([2, 2], dtype=m.int32)),
    "int64/int_scalar": (lambda m: m.tensor([1, 2, 3]) / 2),
    "int_scalar/int64": (lambda m: 2 / m.tensor([1, 2, 4])),
    "div_fn_int": (lambda m: m.div(m.tensor([7, -7]), m.tensor([2, 2]))),
    "float64+int64": (lambda m: m.tensor([1.0], dtype=m.float64) + m.tensor([2])),
    "float32+int64": (lambda m: m.tensor([1.0]) + m.tensor([2])),
    "int32*float32": (lambda m: m.tensor([3], dtype=m.int32) * m.tensor([0.5])),
    "bool+int_scalar": (lambda m: m.tensor([True, False]) + 1),
    "bool+float_scalar": (lambda m: m.tensor([True, False]) * 1.5),
    "bool+int64": (lambda m: m.tensor([True, False]) + m.tensor([1, 2])),
    "bool+float32": (lambda m: m.tensor([True, False]) + m.tensor([1.0, 2.0])),
    "int64**float_scalar": (lambda m: m.tensor([1, 2, 3]) ** 2.0),
    "int64**int_scalar": (lambda m: m.tensor([1, 2, 3]) ** 2),
    "float_scalar**int64": (lambda m: 2.0 ** m.tensor([1, 2, 3])),
    "maximum_int_float": (lambda m: m.maximum(m.tensor([1, 5]), m.tensor([2.5, 0.5]))),
    "minimum_i32_i64": (lambda m: m.minimum(m.tensor([1, 5], dtype=m.int32), m.tensor([2, 0]))),
    "float64_tensor+float_scalar": (lambda m: m.tensor([1.0], dtype=m.float64) + 0.1),
    "int32+float_scalar": (lambda m: m.tensor([1], dtype=m.int32) + 0.5),
    "add_alpha_float": (lambda m: m.add(m.tensor([1.0, 2.0]), m.tensor([1, 2]), alpha=2)),
}


@pytest.mark.parametrize("name", list(PROMOTION_CASES))
def test_type_promotion(name):
    fn = PROMOTION_CASES[name]
    assert_close(fn(pynn), fn(torch))


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_promotion_int_vs_float(op):
    a = np.array([1, 2, 3, 4])
    fn = lambda m, x: getattr(m, op)(x, 2.5)
    check_op(fn, a)
    fn2 = lambda m, x: getattr(m, op)(x, m.tensor([2.0, 2.0, 3.5, 4.0], dtype=m.float64))
    check_op(fn2, a)


# ----------------------------------------------------------------------------
# comparisons
# ----------------------------------------------------------------------------
CMP_OPS = {
    "eq": lambda x, y: x == y,
    "ne": lambda x, y: x != y,
    "lt": lambda x, y: x < y,
    "le": lambda x, y: x <= y,
    "gt": lambda x, y: x > y,
    "ge": lambda x, y: x >= y,
}


def _cmp_inputs():
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
    b = np.array([[1.0, 3.0, 2.0], [4.0, 4.0, 7.0]], np.float32)
    return a, b


@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_function(name):
    a, b = _cmp_inputs()
    check_op(lambda m, x, y: getattr(m, name)(x, y), a, b)


@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_method(name):
    a, b = _cmp_inputs()
    check_op(lambda m, x, y: getattr(x, name)(y), a, b)


@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_operator(name):
    a, b = _cmp_inputs()
    check_op(lambda m, x, y: CMP_OPS[name](x, y), a, b)


@pytest.mark.parametrize("s", [3, 3.0, 2.5], ids=repr)
@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_with_scalar(name, s):
    a, _ = _cmp_inputs()
    check_op(lambda m, x: CMP_OPS[name](x, s), a)
    check_op(lambda m, x: getattr(m, name)(x, s), a)


@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_reversed_scalar(name):
    a, _ = _cmp_inputs()
    check_op(lambda m, x: CMP_OPS[name](3, x), a)


@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_broadcast(name):
    check_op(lambda m, x, y: CMP_OPS[name](x, y), randn(3, 1, seed=1), randn(1, 4, seed=2))


@pytest.mark.parametrize("name", list(CMP_OPS))
def test_comparison_int_and_bool(name):
    check_op(lambda m, x, y: CMP_OPS[name](x, y), randint_np(8, low=0, high=3), randint_np(8, low=0, high=3, seed=5))
    bools_a = np.array([True, True, False, False])
    bools_b = np.array([True, False, True, False])
    if name in ("eq", "ne"):
        check_op(lambda m, x, y: CMP_OPS[name](x, y), bools_a, bools_b)


def test_comparison_nan():
    a = np.array([np.nan, 1.0, np.nan], np.float32)
    b = np.array([np.nan, np.nan, 1.0], np.float32)
    for f in CMP_OPS.values():
        check_op(lambda m, x, y: f(x, y), a, b)


# ----------------------------------------------------------------------------
# logical
# ----------------------------------------------------------------------------
LOGICAL_BIN = ["logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", LOGICAL_BIN)
def test_logical_binary_bool(name):
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    check_op(lambda m, x, y: getattr(m, name)(x, y), a, b)
    check_op(lambda m, x, y: getattr(x, name)(y), a, b)


@pytest.mark.parametrize("name", LOGICAL_BIN)
def test_logical_binary_numeric(name):
    a = np.array([0.0, 1.5, 0.0, -2.0], np.float32)
    b = np.array([3, 0, 0, 1])
    check_op(lambda m, x, y: getattr(m, name)(x, y), a, b)


@pytest.mark.parametrize("name", LOGICAL_BIN)
def test_logical_binary_broadcast(name):
    a = np.array([[True], [False]])
    b = np.array([True, False, True])
    check_op(lambda m, x, y: getattr(m, name)(x, y), a, b)


def test_logical_not():
    check_op(lambda m, x: m.logical_not(x), np.array([True, False]))
    check_op(lambda m, x: x.logical_not(), np.array([0.0, 2.0, -1.0], np.float32))
    check_op(lambda m, x: m.logical_not(x), np.array([0, 3, -1]))


# ----------------------------------------------------------------------------
# where / clamp
# ----------------------------------------------------------------------------
def test_where_basic():
    a, b = randn(3, 4, seed=1), randn(3, 4, seed=2)
    check_op(lambda m, x, y: m.where(x > y, x, y), a, b)


def test_where_broadcast():
    cond = np.array([[True], [False], [True]])
    check_op(lambda m, c, x, y: m.where(c, x, y), cond, randn(1, 4, seed=1), randn(3, 1, seed=2))


def test_where_scalar_branches():
    a = randn(3, 4, seed=3)
    check_op(lambda m, x: m.where(x > 0, x, 0.0), a)
    check_op(lambda m, x: m.where(x > 0, 1.0, x), a)
    check_op(lambda m, x: m.where(x > 0, 1.0, -1.0), a)


def test_where_method():
    a, b = randn(3, 4, seed=1), randn(3, 4, seed=2)
    check_op(lambda m, x, y: x.where(x > 0, y), a, b)


def test_where_dtype_promotion():
    check_op(lambda m, x, y: m.where(x > 0, x, y), randint_np(5, seed=1), randn(5, seed=2))
    check_op(lambda m, x, y: m.where(x > 0, x, y), randn(5, seed=1), randn(5, dtype=np.float64, seed=2))


def test_where_int_tensors():
    check_op(lambda m, x, y: m.where(x > y, x, y), randint_np(6, seed=1), randint_np(6, seed=2))


CLAMP_CASES = {
    "min_max": lambda m, x: m.clamp(x, -0.5, 0.5),
    "min_max_kw": lambda m, x: m.clamp(x, min=-0.5, max=0.5),
    "min_only": lambda m, x: m.clamp(x, min=0.0),
    "max_only": lambda m, x: m.clamp(x, max=0.1),
    "method": lambda m, x: x.clamp(-1, 1),
    "method_kw": lambda m, x: x.clamp(min=-0.2),
    "int_bounds": lambda m, x: m.clamp(x, -1, 1),
    "tensor_bounds": lambda m, x: m.clamp(x, min=m.zeros(3, 4) - 0.3, max=m.ones(3, 4) * 0.7),
    "tensor_bounds_broadcast": lambda m, x: m.clamp(x, min=m.tensor([-1.0, -0.5, 0.0, 0.5]), max=m.tensor([[0.8], [1.0], [1.5]])),
    "tensor_min_only": lambda m, x: x.clamp(min=m.tensor([0.0, 0.1, 0.2, 0.3])),
    "tensor_max_only": lambda m, x: x.clamp(max=m.tensor([0.0, 0.1, 0.2, 0.3])),
}


@pytest.mark.parametrize("name", list(CLAMP_CASES))
def test_clamp(name):
    check_op(CLAMP_CASES[name], randn(3, 4, seed=4))


def test_clamp_int_tensor():
    check_op(lambda m, x: m.clamp(x, -2, 3), randint_np(10))
    check_op(lambda m, x: x.clamp(min=0), randint_np(10))


def test_clamp_noncontiguous():
    check_op(lambda m, x: x.t().clamp(-0.5, 0.5), randn(3, 5, seed=6))


# ----------------------------------------------------------------------------
# in-place
# ----------------------------------------------------------------------------
INPLACE_CASES = {
    "add_tensor": lambda m, x, y: x.add_(y),
    "add_scalar": lambda m, x, y: x.add_(2.0),
    "add_alpha": lambda m, x, y: x.add_(y, alpha=-0.5),
    "sub_tensor": lambda m, x, y: x.sub_(y),
    "sub_scalar": lambda m, x, y: x.sub_(1),
    "mul_tensor": lambda m, x, y: x.mul_(y),
    "mul_scalar": lambda m, x, y: x.mul_(-3),
    "div_tensor": lambda m, x, y: x.div_(y.abs() + 0.5),
    "div_scalar": lambda m, x, y: x.div_(4),
    "clamp_": lambda m, x, y: x.clamp_(-0.5, 0.5),
    "clamp_min_": lambda m, x, y: x.clamp_(min=0),
    "zero_": lambda m, x, y: x.zero_(),
    "fill_": lambda m, x, y: x.fill_(3.25),
    "fill_int": lambda m, x, y: x.fill_(2),
    "copy_": lambda m, x, y: x.copy_(y),
    "add_broadcast": lambda m, x, y: x.add_(y[0]),
    "mul_broadcast_col": lambda m, x, y: x.mul_(y[:, :1]),
    "copy_broadcast": lambda m, x, y: x.copy_(y[1]),
}


@pytest.mark.parametrize("name", list(INPLACE_CASES))
def test_inplace_method(name):
    fn = INPLACE_CASES[name]
    a, b = randn(3, 4, seed=1), randn(3, 4, seed=2)
    pa, pb = P(a), P(b)
    ta, tb = T(a), T(b)
    pr = fn(pynn, pa, pb)
    tr = fn(torch, ta, tb)
    assert_close(pa, ta)  # modified in place
    assert_close(pr, tr)  # returns the (modified) tensor
    np.testing.assert_array_equal(to_np(pb), b)  # other operand untouched


def test_inplace_returns_self_storage():
    p = pynn.zeros(3)
    r = p.add_(1)
    r.mul_(5)
    assert_close(p, torch.full((3,), 5.0))


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_tensor(op):
    a, b = randn(3, 4, seed=1), rand_pos(3, 4, seed=2)

    def run(x, y):
        if op == "+=":
            x += y
        elif op == "-=":
            x -= y
        elif op == "*=":
            x *= y
        else:
            x /= y
        return x

    pa, pb = P(a), P(b)
    alias = pa
    pr = run(pa, pb)
    ta, tb = T(a), T(b)
    tr = run(ta, tb)
    assert_close(pr, tr)
    # in place: other references to the same tensor see the change
    assert_close(alias, tr)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_scalar_and_broadcast(op):
    a = randn(3, 4, seed=3)
    for other in [2, 0.5, np.array([1.0, 2.0, 3.0, 4.0], np.float32)]:
        pa, ta = P(a), T(a)
        alias = pa
        po = P(other) if isinstance(other, np.ndarray) else other
        to = T(other) if isinstance(other, np.ndarray) else other
        if op == "+=":
            pa += po; ta += to
        elif op == "-=":
            pa -= po; ta -= to
        elif op == "*=":
            pa *= po; ta *= to
        else:
            pa /= po; ta /= to
        assert_close(pa, ta)
        assert_close(alias, ta)


def test_inplace_keeps_dtype():
    # float32 += float64 stays float32
    pa = pynn.ones(3)
    pa += pynn.tensor([0.5, 0.25, 0.125], dtype=pynn.float64)
    ta = torch.ones(3)
    ta += torch.tensor([0.5, 0.25, 0.125], dtype=torch.float64)
    assert_close(pa, ta)
    # float tensor add_ int tensor stays float
    pb = pynn.ones(3).add_(pynn.tensor([1, 2, 3]))
    tb = torch.ones(3).add_(torch.tensor([1, 2, 3]))
    assert_close(pb, tb)
    # int tensor *= int scalar stays int
    pc = pynn.tensor([1, 2, 3])
    pc *= 3
    tc = torch.tensor([1, 2, 3])
    tc *= 3
    assert_close(pc, tc)


def test_copy_dtype_cast_and_broadcast():
    p = pynn.zeros(2, 3)
    p.copy_(pynn.tensor([1, 2, 3]))
    t = torch.zeros(2, 3)
    t.copy_(torch.tensor([1, 2, 3]))
    assert_close(p, t)

    p = pynn.zeros(2, 3, dtype=pynn.int64)
    p.copy_(pynn.tensor([[1.7, -2.7, 3.2]], dtype=pynn.float64))
    t = torch.zeros(2, 3, dtype=torch.int64)
    t.copy_(torch.tensor([[1.7, -2.7, 3.2]], dtype=torch.float64))
    assert_close(p, t)

    p = pynn.zeros(3, dtype=pynn.bool)
    p.copy_(pynn.tensor([0.0, 2.0, -1.0]))
    t = torch.zeros(3, dtype=torch.bool)
    t.copy_(torch.tensor([0.0, 2.0, -1.0]))
    assert_close(p, t)


def test_copy_from_noncontiguous_into_noncontiguous():
    src = randn(4, 3, seed=1)
    p = pynn.zeros(3, 8)
    t = torch.zeros(3, 8)
    p[:, ::2].copy_(P(src).t())
    t[:, ::2].copy_(T(src).t())
    assert_close(p, t)


def test_fill_int_tensor():
    p = pynn.zeros(4, dtype=pynn.int64).fill_(7)
    t = torch.zeros(4, dtype=torch.int64).fill_(7)
    assert_close(p, t)


def test_zero_bool_and_int():
    for dt in ["bool", "int32", "float64"]:
        p = pynn.ones(3, dtype=getattr(pynn, dt)).zero_()
        t = torch.ones(3, dtype=getattr(torch, dt)).zero_()
        assert_close(p, t)


VIEW_INPLACE = {
    "row_add_": lambda m, x: x[1].add_(10),
    "col_mul_": lambda m, x: x[:, 2].mul_(-1),
    "t_add_": lambda m, x: x.t().add_(m.arange(3.0)),
    "step_fill_": lambda m, x: x[:, ::2].fill_(0.5),
    "narrow_zero_": lambda m, x: x.narrow(1, 1, 2).zero_(),
    "view_sub_": lambda m, x: x.view(12).sub_(1),
    "view_div_": lambda m, x: x.view(2, 6)[1].div_(2),
    "transposed_slice_copy_": lambda m, x: x.t()[1:3].copy_(m.ones(2, 3)),
    "clamp_on_view": lambda m, x: x[0:2].clamp_(-0.1, 0.1),
    "iadd_on_row": lambda m, x: x[2].__iadd__(100),
    "unsqueeze_add_": lambda m, x: x.unsqueeze(0).add_(1),
    "permute_mul_": lambda m, x: x.permute(1, 0).mul_(3),
}


@pytest.mark.parametrize("name", list(VIEW_INPLACE))
def test_inplace_on_view_writes_through(name):
    a = randn(3, 4, seed=21)
    p, t = P(a), T(a)
    VIEW_INPLACE[name](pynn, p)
    VIEW_INPLACE[name](torch, t)
    assert_close(p, t)
    assert not np.allclose(to_np(t), a)  # sanity: the op really changed the base


def test_inplace_on_noncontiguous_self():
    a = randn(4, 3, seed=22)
    p, t = P(a).t(), T(a).t()
    p.add_(pynn.arange(3.0).unsqueeze(1))
    t.add_(torch.arange(3.0).unsqueeze(1))
    assert_close(p, t)


def test_inplace_writes_into_empty_tensors():
    x = pynn.zeros(0, 2)
    x[...] = 1
    x.copy_(pynn.ones(2))
    x.fill_(3)
    assert tuple(x.shape) == (0, 2)
    e = pynn.zeros(3).expand(0, 3)  # empty view with a zero stride: nothing is written, so no overlap error
    e.zero_()
    assert tuple(e.shape) == (0, 3)


# Every unary op on every dtype, out of place and in place: the result dtype, or the exception class, is torch's.
_DTYPE_UNARY = ["floor", "ceil", "round", "trunc", "frac", "sign", "abs", "neg", "square", "relu", "sqrt", "exp",
                "sigmoid", "reciprocal", "bitwise_not", "logical_not", "isnan", "signbit"]


@pytest.mark.parametrize("name", _DTYPE_UNARY)
@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32"])
@pytest.mark.parametrize("inplace", [False, True])
def test_unary_dtype_support_matches_torch(name, dtype, inplace):
    import torch
    op = name + "_" if inplace else name

    def run(lib):
        x = lib.tensor([True, False, True]).to(getattr(lib, dtype))
        fn = getattr(x, op, None) if inplace else getattr(lib, op, None)
        if fn is None:
            return "missing"
        try:
            r = fn() if inplace else fn(x)
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            return type(e).__name__
        return str(r.dtype).split(".")[-1], r.tolist()

    t = run(torch)
    if t == "missing":
        pytest.skip(f"torch has no {op}")
    p = run(pynn)
    if isinstance(t, str) or isinstance(p, str):
        assert p == t
    else:
        assert p[0] == t[0]
        np.testing.assert_allclose(np.array(p[1], dtype=float), np.array(t[1], dtype=float), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_pow_negative_tensor_exponent_truncates_like_torch(dtype):
    base = [2, 1, -1, -1, 0, 3, -5]
    exp = [-1, -2, -3, -4, -1, 0, 2]
    p = pynn.tensor(base, dtype=getattr(pynn, dtype)) ** pynn.tensor(exp, dtype=getattr(pynn, dtype))
    t = torch.tensor(base, dtype=getattr(torch, dtype)) ** torch.tensor(exp, dtype=getattr(torch, dtype))
    assert p.tolist() == t.tolist()
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        pynn.tensor([2, 3]) ** -1
