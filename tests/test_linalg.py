"""mm, bmm, matmul, addmm, t, dot, outer, @."""
import numpy as np
import pytest

from conftest import check_op, randn, randint_np, P, T

torch = pytest.importorskip("torch")

RT = dict(rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("n,k,m_", [(2, 3, 4), (1, 1, 1), (5, 7, 3), (16, 33, 9), (64, 64, 64), (1, 8, 1), (3, 0, 2)],
                         ids=lambda v: str(v))
def test_mm_shapes(n, k, m_):
    check_op(lambda m, a, b: m.mm(a, b), randn(n, k, seed=1), randn(k, m_, seed=2), **RT)


def test_mm_method_and_operator():
    a, b = randn(3, 4, seed=1), randn(4, 5, seed=2)
    check_op(lambda m, x, y: x.mm(y), a, b, **RT)
    check_op(lambda m, x, y: x @ y, a, b, **RT)
    check_op(lambda m, x, y: x.matmul(y), a, b, **RT)


def test_mm_float64():
    check_op(lambda m, a, b: m.mm(a, b), randn(6, 5, dtype=np.float64, seed=1), randn(5, 4, dtype=np.float64, seed=2),
             rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.int64, np.int32], ids=["i64", "i32"])
def test_mm_int(dtype):
    a = randint_np(4, 5, low=-10, high=10, dtype=dtype)
    b = randint_np(5, 3, low=-10, high=10, dtype=dtype, seed=1)
    check_op(lambda m, x, y: m.mm(x, y), a, b)
    check_op(lambda m, x, y: x @ y, a, b)


NONCONTIG_MM = {
    "a_T": lambda m, a, b: m.mm(a.t(), a),
    "b_T": lambda m, a, b: m.mm(a, b.t()),
    "both_T": lambda m, a, b: m.mm(a.t(), b.t()),
    "row_step": lambda m, a, b: m.mm(a[::2], b[::2].t()),
    "col_step": lambda m, a, b: m.mm(a[:, ::2], b[:, 1::2].t()),
    "expanded": lambda m, a, b: m.mm(a[:1].expand(4, 6), b.t()),
    "matmul_T": lambda m, a, b: m.matmul(b, a.t()),
    "op_T": lambda m, a, b: b[1:, 1:] @ a[1:, 1:].t(),
}


@pytest.mark.parametrize("name", list(NONCONTIG_MM))
def test_mm_noncontiguous(name):
    a = randn(6, 6, seed=3)
    b = randn(5, 6, seed=4)
    check_op(NONCONTIG_MM[name], a, b, **RT)


def test_mm_transposed_simple():
    # explicit transposed operands: (4x3)^T @ (5x4)^T -> (3x4) @ (4x5)
    check_op(lambda m, a, b: m.mm(a.t(), b.t()), randn(4, 3, seed=5), randn(5, 4, seed=6), **RT)
    check_op(lambda m, a, b: a.t() @ b, randn(4, 3, seed=5), randn(4, 2, seed=6), **RT)


@pytest.mark.parametrize("shape_a,shape_b", [((2, 3, 4), (2, 4, 5)), ((1, 1, 1), (1, 1, 1)), ((4, 2, 7), (4, 7, 3)), ((0, 2, 3), (0, 3, 4))],
                         ids=str)
def test_bmm(shape_a, shape_b):
    check_op(lambda m, a, b: m.bmm(a, b), randn(*shape_a, seed=7), randn(*shape_b, seed=8), **RT)
    check_op(lambda m, a, b: a.bmm(b), randn(*shape_a, seed=7), randn(*shape_b, seed=8), **RT)


def test_bmm_noncontiguous():
    check_op(lambda m, a, b: m.bmm(a.transpose(1, 2), b.permute(0, 2, 1)), randn(3, 4, 2, seed=9), randn(3, 5, 4, seed=10), **RT)
    check_op(lambda m, a, b: m.bmm(a[::2], b[::2]), randn(4, 2, 3, seed=9), randn(4, 3, 2, seed=10), **RT)


def test_bmm_float64():
    check_op(lambda m, a, b: m.bmm(a, b), randn(2, 3, 4, dtype=np.float64), randn(2, 4, 2, dtype=np.float64, seed=3),
             rtol=1e-12, atol=1e-12)


MATMUL_SHAPES = [
    ((4,), (4,)),            # dot -> 0-d
    ((4,), (4, 3)),          # vec @ mat
    ((3, 4), (4,)),          # mat @ vec
    ((3, 4), (4, 5)),        # mm
    ((2, 3, 4), (2, 4, 5)),  # bmm
    ((2, 3, 4), (4, 5)),     # batched @ mat (broadcast)
    ((3, 4), (2, 4, 5)),     # mat @ batched
    ((2, 1, 3, 4), (5, 4, 2)),  # ND broadcasting of batch dims
    ((1, 3, 4), (6, 4, 2)),
    ((4,), (2, 4, 3)),       # vec @ batched
    ((2, 3, 4), (4,)),       # batched @ vec
    ((2, 2, 3, 4), (2, 2, 4, 1)),
    ((0, 3, 4), (4, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul(sa, sb):
    a, b = randn(*sa, seed=11), randn(*sb, seed=12)
    check_op(lambda m, x, y: m.matmul(x, y), a, b, **RT)
    check_op(lambda m, x, y: x @ y, a, b, **RT)


def test_matmul_int64():
    check_op(lambda m, x, y: x @ y, randint_np(2, 3, 4), randint_np(4, 2, seed=1))
    check_op(lambda m, x, y: x @ y, randint_np(5), randint_np(5, seed=1))


def test_matmul_float64_batched():
    check_op(lambda m, x, y: x @ y, randn(3, 2, 4, dtype=np.float64), randn(4, 3, dtype=np.float64, seed=1), rtol=1e-12, atol=1e-12)


def test_matmul_noncontiguous_batched():
    check_op(lambda m, x, y: x.transpose(-1, -2) @ y, randn(2, 4, 3, seed=1), randn(2, 4, 5, seed=2), **RT)
    check_op(lambda m, x, y: x @ y.transpose(0, 1), randn(3, 2, 4, seed=1), randn(4, 3, 5, seed=2), **RT)
    check_op(lambda m, x, y: x.permute(2, 0, 1) @ y[:, ::2], randn(3, 4, 2, seed=3), randn(2, 8, 3, seed=4), **RT)


def test_matmul_expanded_batch():
    check_op(lambda m, x, y: x.expand(3, 2, 4) @ y, randn(1, 2, 4, seed=1), randn(3, 4, 2, seed=2), **RT)


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1), (2, 0), (-1, 0.5)])
def test_addmm(beta, alpha):
    inp, a, b = randn(3, 5, seed=1), randn(3, 4, seed=2), randn(4, 5, seed=3)
    check_op(lambda m, c, x, y: m.addmm(c, x, y, beta=beta, alpha=alpha), inp, a, b, **RT)
    check_op(lambda m, c, x, y: c.addmm(x, y, beta=beta, alpha=alpha), inp, a, b, **RT)


def test_addmm_default_and_broadcast_bias():
    bias, a, b = randn(5, seed=1), randn(3, 4, seed=2), randn(4, 5, seed=3)
    check_op(lambda m, c, x, y: m.addmm(c, x, y), bias, a, b, **RT)
    check_op(lambda m, c, x, y: m.addmm(c, x, y, beta=0.5, alpha=-1), bias, a, b, **RT)
    check_op(lambda m, c, x, y: m.addmm(c, x, y), randn(3, 1, seed=4), a, b, **RT)


def test_addmm_noncontiguous():
    check_op(lambda m, c, x, y: m.addmm(c.t(), x.t(), y), randn(5, 3, seed=1), randn(4, 3, seed=2), randn(4, 5, seed=3), **RT)


def test_addmm_beta_zero_ignores_nan():
    inp = np.full((2, 2), np.nan, np.float32)
    check_op(lambda m, c, x, y: m.addmm(c, x, y, beta=0), inp, randn(2, 3, seed=1), randn(3, 2, seed=2), **RT)


def _f64(t):
    return t.numpy().astype(np.float64)


@pytest.mark.parametrize("rows", [127, 160, 301])
def test_big_float32_products_on_the_packed_kernel(rows):
    """float32 products of 4M multiply-adds and 128 rows or more run on the packed AVX-512 kernel where the CPU
    has one (127 rows stays with OpenBLAS): B transposed (a Linear's weight), plain and strided, A a slice with a
    longer row (a column-major A stays with OpenBLAS, checked beside it), C accumulated into (addmm's beta 1) and overwritten over NaN (beta 0); odd n and k leave partial
    panels and pack tiles. float64 numpy is the reference."""
    import pynn
    rng = np.random.default_rng(7)
    k, n = 203, 157
    a_wide = rng.standard_normal((rows, k + 9)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    b_big = rng.standard_normal((2 * k, n + 5)).astype(np.float32)
    a = pynn.tensor(a_wide)[:, 4:4 + k]
    ref_a = a_wide[:, 4:4 + k].astype(np.float64)
    cases = [(pynn.tensor(w).t(), w.T), (pynn.tensor(np.ascontiguousarray(w.T)), w.T),
             (pynn.tensor(b_big)[::2, 3:3 + n], b_big[::2, 3:3 + n])]
    # A column-major (a weight gradient's dY^T), in a buffer with a longer column
    a_colbuf = np.ascontiguousarray(np.concatenate([a_wide[:, 4:4 + k], a_wide[:5, 4:4 + k]]).T)
    a_col = pynn.tensor(a_colbuf).t()[:rows]
    for b, ref_b in cases:
        expect = ref_a @ ref_b.astype(np.float64)
        np.testing.assert_allclose(_f64(a @ b), expect, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(_f64(a_col @ b), expect, rtol=1e-4, atol=1e-3)
        bias = rng.standard_normal((rows, n)).astype(np.float32)
        np.testing.assert_allclose(_f64(pynn.addmm(pynn.tensor(bias), a, b)), expect + bias, rtol=1e-4, atol=1e-3)
        nan = pynn.tensor(np.full((rows, n), np.nan, np.float32))
        np.testing.assert_allclose(_f64(pynn.addmm(nan, a, b, beta=0)), expect, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(_f64(pynn.addmm(pynn.tensor(bias), a, b, beta=0.5, alpha=2.0)),
                                   2 * expect + 0.5 * bias, rtol=1e-4, atol=1e-3)
    prev = pynn.get_num_threads()
    try:
        for threads in (1, 2):
            pynn.set_num_threads(threads)
            np.testing.assert_allclose(_f64(a @ cases[0][0]), ref_a @ w.T.astype(np.float64), rtol=1e-4, atol=1e-3)
    finally:
        pynn.set_num_threads(prev)


@pytest.mark.parametrize("shape", [(3, 4), (1, 5), (4,), ()], ids=str)
def test_t(shape):
    x = randn(*shape, seed=1)
    check_op(lambda m, a: a.t(), x)
    check_op(lambda m, a: m.t(a), x)


def test_t_is_view_with_strides():
    p, t = P(randn(3, 4)), T(randn(3, 4))
    assert tuple(p.t().stride()) == tuple(t.t().stride())
    assert p.t().is_contiguous() is False


@pytest.mark.parametrize("n", [1, 5, 100])
def test_dot(n):
    check_op(lambda m, a, b: m.dot(a, b), randn(n, seed=1), randn(n, seed=2), **RT)
    check_op(lambda m, a, b: a.dot(b), randn(n, seed=1), randn(n, seed=2), **RT)


def test_dot_int_and_float64_and_strided():
    check_op(lambda m, a, b: m.dot(a, b), randint_np(6), randint_np(6, seed=1))
    check_op(lambda m, a, b: m.dot(a, b), randn(6, dtype=np.float64), randn(6, dtype=np.float64, seed=1), rtol=1e-12)
    check_op(lambda m, a, b: m.dot(a[::2], b[1::2]), randn(8, seed=3), randn(8, seed=4), **RT)


@pytest.mark.parametrize("na,nb", [(3, 4), (1, 1), (5, 1), (0, 3)])
def test_outer(na, nb):
    check_op(lambda m, a, b: m.outer(a, b), randn(na, seed=1), randn(nb, seed=2), **RT)
    check_op(lambda m, a, b: a.outer(b), randn(na, seed=1), randn(nb, seed=2), **RT)


def test_outer_int():
    check_op(lambda m, a, b: m.outer(a, b), randint_np(3), randint_np(4, seed=1))


def test_matmul_result_is_contiguous_new_tensor():
    a, b = randn(3, 3, seed=1), randn(3, 3, seed=2)
    pa, pb = P(a), P(b)
    r = pa @ pb
    assert r.is_contiguous()
    r.zero_()
    np.testing.assert_array_equal(pa.numpy(), a)
