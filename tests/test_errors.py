"""Bad input must raise a Python exception (never crash the interpreter).

pynn error messages are prefixed with the op name in brackets, e.g.
"[matmul] mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)".
"""
import pytest

import pynn
from conftest import PYNN_IS_TORCH, assert_close, assert_raises_with_prefix, pynn_cuda_available

torch = pytest.importorskip("torch")


def _both_raise(exc, fn):
    """fn(lib) must raise `exc` for torch (sanity of the test) and for pynn."""
    with pytest.raises(exc):
        fn(torch)
    with pytest.raises(exc) as info:
        fn(pynn)
    return info


# ----------------------------------------------------------------------------
# RuntimeError: shape problems
# ----------------------------------------------------------------------------
SHAPE_MISMATCH = {
    "add": lambda m: m.zeros(2, 3) + m.zeros(4),
    "add_fn": lambda m: m.add(m.zeros(2, 3), m.zeros(3, 2)),
    "mul": lambda m: m.ones(3) * m.ones(2),
    "sub_3d": lambda m: m.ones(2, 3, 4) - m.ones(2, 2, 4),
    "div": lambda m: m.ones(5) / m.ones(4),
    "maximum": lambda m: m.maximum(m.ones(3), m.ones(4)),
    "eq": lambda m: m.ones(3) == m.ones(4),
    "where": lambda m: m.where(m.ones(3) > 0, m.ones(3), m.ones(4)),
    "inplace_add_broadcast_self": lambda m: m.ones(3).add_(m.ones(2, 3)),
    "copy_": lambda m: m.zeros(2, 3).copy_(m.ones(4)),
    "expand_bad": lambda m: m.ones(3, 2).expand(3, 4),
}


@pytest.mark.parametrize("name", list(SHAPE_MISMATCH))
def test_broadcast_shape_mismatch(name):
    _both_raise(RuntimeError, SHAPE_MISMATCH[name])


MATMUL_MISMATCH = {
    "matmul_2d": lambda m: m.matmul(m.ones(2, 3), m.ones(4, 5)),
    "matmul_op": lambda m: m.ones(2, 3) @ m.ones(4, 5),
    "matmul_1d": lambda m: m.matmul(m.ones(3), m.ones(4)),
    "matmul_1d_2d": lambda m: m.matmul(m.ones(3), m.ones(4, 2)),
    "matmul_2d_1d": lambda m: m.matmul(m.ones(2, 3), m.ones(4)),
    "matmul_batched": lambda m: m.matmul(m.ones(2, 2, 3), m.ones(2, 4, 5)),
    "matmul_batch_bcast": lambda m: m.matmul(m.ones(2, 2, 3), m.ones(3, 3, 5)),
    "method": lambda m: m.ones(2, 3).matmul(m.ones(2, 3)),
}


@pytest.mark.parametrize("name", list(MATMUL_MISMATCH))
def test_matmul_mismatch(name):
    fn = MATMUL_MISMATCH[name]
    with pytest.raises(RuntimeError):
        fn(torch)
    assert_raises_with_prefix(RuntimeError, "[matmul]", lambda: fn(pynn))


def test_matmul_mismatch_message():
    info = assert_raises_with_prefix(RuntimeError, "[matmul]", lambda: pynn.ones(2, 3) @ pynn.ones(4, 5))
    msg = str(info.value)
    assert "2x3" in msg and "4x5" in msg


def test_matmul_0d_raises():
    _both_raise(RuntimeError, lambda m: m.matmul(m.tensor(1.0), m.ones(3)))


OTHER_LINALG_MISMATCH = {
    "mm": lambda m: m.mm(m.ones(2, 3), m.ones(4, 5)),
    "mm_1d": lambda m: m.mm(m.ones(3), m.ones(3, 2)),
    "bmm_inner": lambda m: m.bmm(m.ones(2, 2, 3), m.ones(2, 4, 5)),
    "bmm_batch": lambda m: m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 5)),
    "bmm_2d": lambda m: m.bmm(m.ones(2, 3), m.ones(3, 2)),
    "dot_len": lambda m: m.dot(m.ones(3), m.ones(4)),
    "dot_2d": lambda m: m.dot(m.ones(2, 2), m.ones(2, 2)),
    "addmm_bias": lambda m: m.addmm(m.ones(4), m.ones(2, 3), m.ones(3, 5)),
    "addmm_inner": lambda m: m.addmm(m.ones(2, 5), m.ones(2, 3), m.ones(4, 5)),
}


@pytest.mark.parametrize("name", list(OTHER_LINALG_MISMATCH))
def test_linalg_mismatch(name):
    _both_raise(RuntimeError, OTHER_LINALG_MISMATCH[name])


VIEW_ERRORS = {
    "view_wrong_numel": lambda m: m.zeros(2, 3).view(4),
    "view_wrong_numel_2d": lambda m: m.zeros(2, 3).view(4, 2),
    "view_two_minus1": lambda m: m.zeros(2, 3).view(-1, -1),
    "view_minus1_indivisible": lambda m: m.zeros(2, 3).view(-1, 4),
    "reshape_wrong_numel": lambda m: m.zeros(2, 3).reshape(5),
    "view_transposed_needs_copy": lambda m: m.zeros(2, 3).t().view(6),
    "view_permuted_needs_copy": lambda m: m.zeros(2, 3, 4).permute(2, 0, 1).view(24),
    "view_sliced_needs_copy": lambda m: m.zeros(4, 6)[:, 1:4].view(12),
    "view_transposed_merge": lambda m: m.zeros(2, 3, 4).transpose(0, 1).view(6, 4),
}


@pytest.mark.parametrize("name", list(VIEW_ERRORS))
def test_view_errors(name):
    _both_raise(RuntimeError, VIEW_ERRORS[name])


def test_reshape_of_transposed_is_fine():
    # the same shapes that fail for .view() work with .reshape()
    assert_close(pynn.arange(6.0).view(2, 3).t().reshape(6), torch.arange(6.0).view(2, 3).t().reshape(6))


CAT_ERRORS = {
    "cat_shape": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)]),
    "cat_shape_dim1": lambda m: m.cat([m.zeros(2, 3), m.zeros(3, 3)], dim=1),
    "cat_ndim": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3, 1)]),
    "stack_shape": lambda m: m.stack([m.zeros(2, 3), m.zeros(3, 2)]),
}


@pytest.mark.parametrize("name", list(CAT_ERRORS))
def test_cat_stack_errors(name):
    _both_raise(RuntimeError, CAT_ERRORS[name])


GATHER_SCATTER_ERRORS = {
    "gather_index_high": lambda m: m.gather(m.zeros(2, 3), 1, m.tensor([[5]])),
    "gather_index_neg": lambda m: m.gather(m.zeros(2, 3), 1, m.tensor([[-1]])),
    "gather_index_dim0": lambda m: m.zeros(2, 3).gather(0, m.tensor([[0, 2, 1]])),
    "gather_float_index": lambda m: m.zeros(2, 3).gather(1, m.tensor([[0.0]])),
    "scatter_index_high": lambda m: m.zeros(2, 3).scatter(1, m.tensor([[3]]), 1.0),
    "scatter_src_index_high": lambda m: m.zeros(2, 3).scatter_(0, m.tensor([[2]]), m.ones(1, 1)),
    "index_select_oob": lambda m: m.zeros(2, 3).index_select(1, m.tensor([3])),
}


@pytest.mark.parametrize("name", list(GATHER_SCATTER_ERRORS))
def test_gather_scatter_errors(name):
    # torch raises RuntimeError (IndexError for index_select, a subclass of neither)
    fn = GATHER_SCATTER_ERRORS[name]
    exc = (RuntimeError, IndexError)
    with pytest.raises(exc):
        fn(torch)
    with pytest.raises(exc):
        fn(pynn)


def test_gather_out_of_range_is_runtime_error():
    _both_raise(RuntimeError, lambda m: m.gather(m.zeros(2, 3), 1, m.tensor([[0, 5]])))


def test_topk_too_large_k():
    _both_raise(RuntimeError, lambda m: m.zeros(3).topk(4))


def test_split_bad_sizes():
    _both_raise(RuntimeError, lambda m: m.zeros(5).split([2, 2]))


def test_masked_fill_bad_mask_shape():
    _both_raise(RuntimeError, lambda m: m.zeros(2, 3).masked_fill(m.ones(4) > 0, 1.0))


def test_max_of_empty_raises():
    # reducing an empty tensor without an identity element must raise
    with pytest.raises((RuntimeError, IndexError)):
        torch.zeros(0).max()
    with pytest.raises((RuntimeError, IndexError)):
        pynn.zeros(0).max()


def test_item_of_multi_element_raises():
    _both_raise(RuntimeError, lambda m: m.zeros(2).item())


def test_to_cuda_raises():
    if pynn_cuda_available():
        pytest.skip("CUDA is available")
    exc = (RuntimeError, AssertionError) if PYNN_IS_TORCH else RuntimeError
    with pytest.raises(exc):
        pynn.zeros(2).to("cuda")


# ----------------------------------------------------------------------------
# IndexError: dims and indices
# ----------------------------------------------------------------------------
INVALID_DIM = {
    "sum": lambda m: m.zeros(2, 3).sum(2),
    "sum_neg": lambda m: m.zeros(2, 3).sum(-3),
    "sum_tuple": lambda m: m.zeros(2, 3).sum((0, 5)),
    "mean": lambda m: m.zeros(2, 3).mean(dim=3),
    "max": lambda m: m.zeros(2, 3).max(2),
    "argmax": lambda m: m.zeros(2, 3).argmax(dim=-3),
    "var": lambda m: m.zeros(2, 3).var(4),
    "logsumexp": lambda m: m.logsumexp(m.zeros(2, 3), dim=2),
    "transpose": lambda m: m.zeros(2, 3).transpose(0, 2),
    "permute_out_of_range": lambda m: m.zeros(2, 3).permute(0, 2),
    "unsqueeze": lambda m: m.zeros(2, 3).unsqueeze(3),
    "unsqueeze_neg": lambda m: m.zeros(2, 3).unsqueeze(-4),
    "squeeze": lambda m: m.zeros(2, 3).squeeze(2),
    "size": lambda m: m.zeros(2, 3).size(2),
    "narrow": lambda m: m.zeros(2, 3).narrow(2, 0, 1),
    "cat": lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 3)], dim=2),
    "stack": lambda m: m.stack([m.zeros(2, 3), m.zeros(2, 3)], dim=4),
    "split": lambda m: m.zeros(2, 3).split(1, dim=2),
    "flatten": lambda m: m.zeros(2, 3).flatten(0, 3),
    "gather_dim": lambda m: m.zeros(2, 3).gather(2, m.zeros(2, 3, dtype=m.int64)),
    "index_select_dim": lambda m: m.zeros(2, 3).index_select(2, m.tensor([0])),
    "topk_dim": lambda m: m.zeros(2, 3).topk(1, dim=2),
    "sort_dim": lambda m: m.zeros(2, 3).sort(dim=2),
    "norm_dim": lambda m: m.zeros(2, 3).norm(dim=2),
}


@pytest.mark.parametrize("name", list(INVALID_DIM))
def test_invalid_dim_index_error(name):
    _both_raise(IndexError, INVALID_DIM[name])


BAD_INDEX = {
    "int_oob": lambda m: m.zeros(3)[3],
    "int_oob_neg": lambda m: m.zeros(3)[-4],
    "int_oob_dim1": lambda m: m.zeros(2, 3)[:, 10],
    "too_many_indices": lambda m: m.zeros(2, 3)[0, 0, 0],
    "float_index_tensor": lambda m: m.zeros(3)[m.tensor([1.0])],
    "float_index_tensor_2d": lambda m: m.zeros(2, 3)[:, m.tensor([0.0, 1.0])],
    "index_tensor_oob": lambda m: m.zeros(3)[m.tensor([5])],
    "index_tensor_oob_neg": lambda m: m.zeros(3)[m.tensor([-4])],
    "index_tensor_oob_dim1": lambda m: m.zeros(2, 3)[:, m.tensor([0, 3])],
    "bool_mask_wrong_shape": lambda m: m.zeros(3)[m.tensor([True, False])],
    "index_0d": lambda m: m.tensor(1.0)[0],
    "setitem_int_oob": lambda m: m.zeros(3).__setitem__(3, 1.0),
    "setitem_index_tensor_oob": lambda m: m.zeros(3).__setitem__(m.tensor([7]), 1.0),
    "setitem_float_index": lambda m: m.zeros(3).__setitem__(m.tensor([0.5]), 1.0),
}


@pytest.mark.parametrize("name", list(BAD_INDEX))
def test_bad_index_raises_index_error(name):
    _both_raise(IndexError, BAD_INDEX[name])


def test_advanced_index_shapes_not_broadcastable():
    _both_raise(IndexError, lambda m: m.zeros(4, 4)[m.tensor([0, 1, 2]), m.tensor([0, 1])])


def test_setitem_value_shape_mismatch():
    _both_raise(RuntimeError, lambda m: m.zeros(2, 3).__setitem__(0, m.ones(4)))


# ----------------------------------------------------------------------------
# the interpreter survives: a sequence of errors followed by a normal op
# ----------------------------------------------------------------------------
def test_still_usable_after_errors():
    for fn in list(SHAPE_MISMATCH.values()) + list(VIEW_ERRORS.values()):
        try:
            fn(pynn)
        except (RuntimeError, IndexError):
            pass
    assert_close(pynn.ones(2, 2) @ pynn.ones(2, 2), torch.full((2, 2), 2.0))
