"""Docstrings for pynn's public names, kept in one table and attached at import (torch's _torch_docs.py +
add_docstr), so the source files stay free of long docstrings and no edit there is needed to document a name.

Each entry's first line is the signature with torch's argument names as pynn accepts them; tests/test_docs.py
checks those names against inspect.signature so the docs cannot drift from the code.
"""
from __future__ import annotations

_DOCS: dict = {}


def _dedent(text: str) -> str:
    # textwrap.dedent's regexes cost ~15 ms over the table at every import; the entries are plainly indented
    lines = text.strip("\n").split("\n")
    indent = min(len(line) - len(line.lstrip(" ")) for line in lines if line.strip())
    return "\n".join(line[indent:].rstrip() for line in lines).strip()


def _doc(names: str, text: str) -> None:
    """Registers `text` for each space-separated dotted name (several names: distinct objects, same contract)."""
    text = _dedent(text)
    for name in names.split():
        _DOCS[name] = text


def _resolve(name: str):
    import pynn

    obj = pynn
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def attach() -> None:
    """Sets each table entry as its object's __doc__ unless the object already has one (never overwritten)."""
    for name, text in _DOCS.items():
        try:
            obj = _resolve(name)
        except AttributeError:  # a name another build does not have; tests/test_docs.py catches stale entries
            continue
        if getattr(obj, "__doc__", None):
            continue
        try:
            obj.__doc__ = text
        except (AttributeError, TypeError):
            pass


# ----------------------------------------------------------------------------------------------- classes
_doc("pynn.Tensor", """
    Tensor

    A multi-dimensional array with a dtype, a device and an optional autograd history (torch.Tensor). pynn:
    Tensor(...) itself cannot be called; build tensors with pynn.tensor(data), the factories (zeros, ones, rand,
    ...), pynn.from_numpy or the legacy FloatTensor(...) family.
    """)
_doc("pynn.device", """
    device(type, index=None)

    Names a device: 'cpu', 'cuda' or 'cuda:0' (torch.device); `.type` and `.index` read it back.
    """)
_doc("pynn.dtype", """
    dtype

    A tensor element type (pynn.float32, pynn.float64, pynn.int64, pynn.int32, pynn.bool, ...), as torch.dtype;
    `is_floating_point`, `is_signed`, `is_complex` and `itemsize` describe it.
    """)
_doc("pynn.Node", """
    Node

    A node of the autograd graph (a tensor's grad_fn): `name()` and `next_functions` walk the graph backwards.
    """)
_doc("pynn.RemovableHandle", """
    RemovableHandle

    Returned by a hook registration; `remove()` unregisters the hook.
    """)
_doc("pynn.Generator", """
    Generator(device='cpu')

    An explicitly seeded random stream (torch.Generator) with manual_seed, seed, initial_seed, get_state and
    set_state. pynn: only the cpu device; the numbers differ from torch's (another algorithm).
    """)
for _n, _dt in (("FloatTensor", "float32"), ("DoubleTensor", "float64"), ("LongTensor", "int64"),
                ("IntTensor", "int32"), ("BoolTensor", "bool"), ("HalfTensor", "float16"),
                ("BFloat16Tensor", "bfloat16")):
    _doc("pynn." + _n, f"""
        {_n}(*args, device=None)

        Legacy constructor of a {_dt} tensor: {_n}(2, 3) is uninitialised of that shape, {_n}([1, 2]) is built
        from data, {_n}() is empty; isinstance(t, pynn.{_n}) tests the dtype (cpu only).
        """)

# ------------------------------------------------------------------------------------------- factories
_FACTORY_KW = "out=None, dtype=None, layout=None, device=None, requires_grad=False"
_LIKE_KW = "dtype=None, layout=None, device=None, requires_grad=False, memory_format=None"
for _n, _what in (("zeros", "filled with 0"), ("ones", "filled with 1"),
                  ("empty", "with uninitialised values")):
    _doc("pynn." + _n, f"""
        {_n}(*size, {_FACTORY_KW}) -> Tensor

        Returns a tensor of shape `size` (ints, a list/tuple or pynn.Size) {_what}; dtype defaults to
        pynn.get_default_dtype().
        """)
for _n, _what in (("zeros_like", "filled with 0"), ("ones_like", "filled with 1"),
                  ("empty_like", "with uninitialised values"),
                  ("rand_like", "of uniform samples from [0, 1)"),
                  ("randn_like", "of standard normal samples")):
    _doc("pynn." + _n, f"""
        {_n}(input, *, {_LIKE_KW}) -> Tensor

        Returns a tensor with input's shape (and its dtype and device unless given) {_what}.
        """)
_doc("pynn.full", f"""
    full(size, fill_value, *, {_FACTORY_KW}) -> Tensor

    Returns a tensor of shape `size` filled with fill_value; the dtype is inferred from fill_value (bool, int
    -> int64, float -> the default dtype) unless given.
    """)
_doc("pynn.full_like", f"""
    full_like(input, fill_value, *, {_LIKE_KW}) -> Tensor

    Returns a tensor with input's shape, dtype and device (unless given) filled with fill_value.
    """)
_doc("pynn.rand", """
    rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor

    Returns a tensor of shape `size` filled with samples from the uniform distribution on [0, 1).
    """)
_doc("pynn.randn", """
    randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor

    Returns a tensor of shape `size` filled with samples from the standard normal distribution N(0, 1).
    """)
_doc("pynn.randint_like", f"""
    randint_like(input, low=0, high=None, *, {_LIKE_KW}) -> Tensor

    Returns a tensor with input's shape filled with random integers in [low, high); randint_like(input, high)
    means low=0.
    """)
_doc("pynn.randperm", f"""
    randperm(n, *, generator=None, {_FACTORY_KW}) -> Tensor

    Returns a random permutation of the integers 0 .. n-1 (dtype int64 by default).
    """)
_doc("pynn.arange", f"""
    arange(start, end, step=1, *, {_FACTORY_KW}) -> Tensor

    Returns the 1-D tensor of values from start (inclusive) to end (exclusive) in steps of step; arange(end)
    starts at 0. Integer arguments give int64, any float gives the default dtype.
    """)
_doc("pynn.linspace", f"""
    linspace(start, end, steps, *, {_FACTORY_KW}) -> Tensor

    Returns the 1-D tensor of `steps` values evenly spaced from start to end, both included.
    """)
_doc("pynn.eye", f"""
    eye(n, m=n, *, {_FACTORY_KW}) -> Tensor

    Returns the 2-D n x m (m defaults to n) tensor with ones on the diagonal and zeros elsewhere.
    """)
for _n, _part in (("tril_indices", "lower"), ("triu_indices", "upper")):
    _doc("pynn." + _n, f"""
        {_n}(row, col, offset=0, *, dtype=None, device='cpu', layout=None) -> Tensor

        Returns the 2 x N tensor of (row, column) indices of the {_part} triangle of a row x col matrix (diagonal
        `offset` included) in row-major order; dtype int64 by default.
        """)

# ------------------------------------------------------------------------------------------ grad mode, misc
_doc("pynn.no_grad", """
    no_grad()

    Context manager and decorator that disables gradient recording: results computed inside have
    requires_grad=False.
    """)
_doc("pynn.enable_grad", """
    enable_grad()

    Context manager and decorator that re-enables gradient recording inside a no_grad block.
    """)
_doc("pynn.get_default_dtype", """
    get_default_dtype() -> dtype

    Returns the dtype that float factories and Python floats produce: always pynn.float32 (pynn has no
    set_default_dtype).
    """)
_doc("pynn.is_tensor", """
    is_tensor(obj) -> bool

    True when obj is a pynn Tensor.
    """)
_doc("pynn.is_floating_point", """
    is_floating_point(input) -> bool

    True when input's dtype is a floating-point type.
    """)
_doc("pynn.numel", """
    numel(input) -> int

    Returns the total number of elements of input.
    """)
_doc("pynn.allclose", """
    allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool

    True when every element satisfies |input - other| <= atol + rtol * |other| (broadcasting); NaNs compare
    equal only with equal_nan=True.
    """)
_doc("pynn.isclose", """
    isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor

    Elementwise bool tensor of |input - other| <= atol + rtol * |other| (broadcasting); NaNs compare equal only
    with equal_nan=True.
    """)
_doc("pynn.equal", """
    equal(input, other) -> bool

    True when input and other have the same shape and the same values.
    """)
# ------------------------------------------------------------------------------------------ pynn.* ops
_doc("pynn.addbmm", """
    addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor

    Returns beta * input + alpha * sum_b (batch1[b] @ batch2[b]): the batched products of (b, n, m) and (b, m, p)
    reduced over the batch, added to input (broadcastable to (n, p)).
    """)
_doc("pynn.addmv", """
    addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor

    Returns beta * input + alpha * (mat @ vec) for an (n, m) matrix and an m vector.
    """)
_doc("pynn.addr", """
    addr(input, vec1, vec2, *, beta=1, alpha=1, out=None) -> Tensor

    Returns beta * input + alpha * outer(vec1, vec2).
    """)
_doc("pynn.addcmul", """
    addcmul(input, tensor1, tensor2, *, value=1, out=None) -> Tensor

    Returns input + value * tensor1 * tensor2 (broadcasting).
    """)
_doc("pynn.addcdiv", """
    addcdiv(input, tensor1, tensor2, *, value=1, out=None) -> Tensor

    Returns input + value * tensor1 / tensor2 (broadcasting).
    """)
_doc("pynn.aminmax", """
    aminmax(input, *, dim=None, keepdim=False) -> (Tensor, Tensor)

    Returns the named tuple (min, max) of input, over all elements or along dim.
    """)
_doc("pynn.atleast_1d", """
    atleast_1d(*tensors)

    Returns each input viewed with at least 1 dimension (a 0-d tensor becomes shape (1,)); one tensor in, one out,
    several in (or one list), a tuple out.
    """)
_doc("pynn.atleast_2d", """
    atleast_2d(*tensors)

    Returns each input viewed with at least 2 dimensions (leading size-1 dims added); one tensor in, one out,
    several in (or one list), a tuple out.
    """)
_doc("pynn.atleast_3d", """
    atleast_3d(*tensors)

    Returns each input viewed with at least 3 dimensions (as torch: a 2-D (m, n) becomes (m, n, 1)); one tensor in,
    one out, several in (or one list), a tuple out.
    """)
_doc("pynn.bernoulli", """
    bernoulli(input, p=None, *, generator=None, out=None) -> Tensor

    Draws 0/1 samples: each element is 1 with probability input[i] (or with probability p when given), in input's
    dtype. Probabilities outside [0, 1] raise.
    """)
_doc("pynn.bincount", """
    bincount(input, weights=None, minlength=0) -> Tensor

    Counts the occurrences of each value of the non-negative 1-D int tensor input (summing weights instead when
    given); the result has max(input) + 1 bins, at least minlength.
    """)
_doc("pynn.block_diag", """
    block_diag(*tensors) -> Tensor

    Returns the block-diagonal matrix with the given (0-, 1- or 2-D) tensors on its diagonal.
    """)
_doc("pynn.broadcast_shapes", """
    broadcast_shapes(*shapes) -> Size

    Returns the shape that tensors of the given shapes broadcast to, raising when they do not.
    """)
_doc("pynn.broadcast_tensors", """
    broadcast_tensors(*tensors)

    Returns views of the tensors expanded to their common broadcast shape.
    """)
_doc("pynn.cartesian_prod", """
    cartesian_prod(*tensors) -> Tensor

    Returns the cartesian product of the given 1-D tensors as an (N, len(tensors)) tensor (itertools.product order);
    one tensor is returned as is.
    """)
_doc("pynn.cdist", """
    cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary') -> Tensor

    Returns the p-norm distances between each row of x1 (..., P, M) and each row of x2 (..., R, M), shape
    (..., P, R). pynn computes every p directly (compute_mode is accepted, the matmul shortcut is not used).
    """)
_doc("pynn.celu", """
    celu(input, alpha=1.0, inplace=False) -> Tensor

    Elementwise max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
    """)
_doc("pynn.column_stack", """
    column_stack(tensors) -> Tensor

    Stacks the tensors as columns: 0-d and 1-D inputs become (n, 1) columns, then all are concatenated along dim 1.
    """)
_doc("pynn.combinations", """
    combinations(input, r=2, with_replacement=False) -> Tensor

    Returns the length-r combinations of the 1-D input's elements as rows (itertools.combinations order, or
    combinations_with_replacement).
    """)
_doc("pynn.cosine_similarity", """
    cosine_similarity(x1, x2, dim=1, eps=1e-08) -> Tensor

    Returns sum(x1 * x2) / max(||x1|| * ||x2||, eps) along dim (broadcasting x1 and x2).
    """)
_doc("pynn.count_nonzero", """
    count_nonzero(input, dim=None) -> Tensor

    Counts the non-zero elements of input, over all elements or over dim (an int or tuple of ints); int64 result.
    """)
_doc("pynn.cross", """
    cross(input, other, dim=None) -> Tensor

    Returns the 3-D vector cross product along dim (default: the first dim of size 3, as torch's legacy rule;
    linalg.cross defaults to the last dim).
    """)
_doc("pynn.det", """
    det(A, *, out=None) -> Tensor

    Returns the determinant of a square matrix or of each matrix in a batch (..., n, n) (torch.det, alias of
    linalg.det).
    """)
_doc("pynn.diag", """
    diag(input, diagonal=0) -> Tensor

    For a 1-D input, returns the square matrix with input on the given diagonal; for a 2-D input, returns that
    diagonal as a 1-D tensor (diagonal > 0 above the main one, < 0 below).
    """)
_doc("pynn.diag_embed", """
    diag_embed(input, offset=0, dim1=-2, dim2=-1) -> Tensor

    Returns a tensor whose diagonals (offset, in the plane dim1 x dim2) are filled with input's last dimension,
    zeros elsewhere.
    """)
_doc("pynn.diff", """
    diff(input, n=1, dim=-1, prepend=None, append=None) -> Tensor

    Returns the n-th forward difference along dim (out[i] = input[i + 1] - input[i]), after concatenating prepend and
    append to input along dim; bool inputs use xor.
    """)
_doc("pynn.dsplit", """
    dsplit(input, indices_or_sections)

    Splits input (at least 3-D) along dim 2 into equal sections or at the given indices (tensor_split along dim 2).
    """)
_doc("pynn.hsplit", """
    hsplit(input, indices_or_sections)

    Splits input along dim 1 (dim 0 for a 1-D input) into equal sections or at the given indices.
    """)
_doc("pynn.vsplit", """
    vsplit(input, indices_or_sections)

    Splits input (at least 2-D) along dim 0 into equal sections or at the given indices.
    """)
_doc("pynn.dstack", """
    dstack(tensors) -> Tensor

    Concatenates the tensors along dim 2 after making each at least 3-D (atleast_3d).
    """)
_doc("pynn.hstack", """
    hstack(tensors) -> Tensor

    Concatenates the tensors along dim 1 (dim 0 for 1-D tensors) after making each at least 1-D.
    """)
_doc("pynn.row_stack", """
    row_stack(tensors) -> Tensor

    Concatenates the tensors along dim 0 after making each at least 2-D (vstack; row_stack is its alias).
    """)
_doc("pynn.fmin", """
    fmin(input, other, *, out=None) -> Tensor

    Elementwise minimum that ignores NaN: when exactly one operand is NaN the other is returned.
    """)
_doc("pynn.frac", """
    frac(input) -> Tensor

    Elementwise fractional part, input - trunc(input) (the sign of input kept); floating-point dtypes only.
    """)
_doc("pynn.heaviside", """
    heaviside(input, values) -> Tensor

    Elementwise Heaviside step: 0 where input < 0, 1 where input > 0, values where input == 0.
    """)
_doc("pynn.histc", """
    histc(input, bins=100, min=0, max=0) -> Tensor

    Histogram of a floating-point input with `bins` equal-width bins on [min, max] (min == max: the data's range);
    elements outside the range are ignored.
    """)
_doc("pynn.index_add", """
    index_add(input, dim, index, source, *, alpha=1) -> Tensor

    Returns a copy of input with alpha * source added at the positions index along dim (repeated indices
    accumulate).
    """)
_doc("pynn.index_copy", """
    index_copy(input, dim, index, source) -> Tensor

    Returns a copy of input with the slices of source copied to the positions index along dim.
    """)
_doc("pynn.index_fill", """
    index_fill(input, dim, index, value) -> Tensor

    Returns a copy of input with the slices at positions index along dim filled with value (a number or 0-d
    tensor).
    """)
_doc("pynn.inverse", """
    inverse(A, *, out=None) -> Tensor

    Returns the inverse of a square matrix or of each matrix in a batch (torch.inverse, linalg.inv); a singular
    matrix raises.
    """)
_doc("pynn.kthvalue", """
    kthvalue(input, k, dim=-1, keepdim=False) -> (Tensor, Tensor)

    Returns the named tuple (values, indices) of the k-th smallest element (1-based) along dim.
    """)
_doc("pynn.lerp", """
    lerp(input, end, weight, *, out=None) -> Tensor

    Linear interpolation input + weight * (end - input); weight is a number or a broadcastable tensor.
    """)
_doc("pynn.logaddexp", """
    logaddexp(input, other) -> Tensor

    Elementwise log(exp(input) + exp(other)), computed without overflow.
    """)
_doc("pynn.logaddexp2", """
    logaddexp2(input, other) -> Tensor

    Elementwise log2(2**input + 2**other), computed without overflow.
    """)
_doc("pynn.logdet", """
    logdet(A) -> Tensor

    Returns log(det(A)) of a square matrix or batch of them: NaN for a negative determinant, -inf for zero.
    """)
_doc("pynn.logit", """
    logit(input, eps=None) -> Tensor

    Elementwise log(p / (1 - p)); with eps, p is input clamped to [eps, 1 - eps] first.
    """)
_doc("pynn.median", """
    median(input, dim=None, keepdim=False)

    Without dim, returns the median of all elements (the lower of the two middle values for an even count); with dim,
    the named tuple (values, indices) along dim. NaN propagates.
    """)
_doc("pynn.nanmedian", """
    nanmedian(input, dim=None, keepdim=False)

    median that ignores NaN: the (lower) median of the non-NaN values, over all elements or as (values, indices)
    along dim.
    """)
_doc("pynn.meshgrid", """
    meshgrid(*tensors, indexing=None)

    Returns the coordinate grids of the given 1-D tensors: indexing='ij' (the default) or 'xy'
    (the first two output dims swapped).
    """)
_doc("pynn.movedim", """
    movedim(input, source, destination) -> Tensor

    Returns a view of input with the dims in source (int or tuple) moved to the positions in destination, the other
    dims keeping their order; moveaxis is the same function.
    """)
_doc("pynn.multinomial", """
    multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor

    Draws num_samples category indices from the non-negative weights in each row of input (1-D or 2-D), with or
    without replacement; int64 result.
    """)
_doc("pynn.nan_to_num", """
    nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None) -> Tensor

    Replaces NaN with nan, +inf with posinf and -inf with neginf (default: the dtype's largest and lowest finite
    values).
    """)
_doc("pynn.nanmean", """
    nanmean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    Mean of the non-NaN elements, over all elements or over dim (int or tuple).
    """)
_doc("pynn.nansum", """
    nansum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor

    Sum treating NaN as zero, over all elements or over dim (int or tuple).
    """)
_doc("pynn.quantile", """
    quantile(input, q, dim=None, keepdim=False, *, interpolation='linear') -> Tensor

    Returns the q-th quantiles (q a float or 1-D tensor in [0, 1]) of input, flattened or along dim;
    interpolation is 'linear', 'lower', 'higher', 'midpoint' or 'nearest'. A q tensor adds a leading dim.
    """)
_doc("pynn.nanquantile", """
    nanquantile(input, q, dim=None, keepdim=False, *, interpolation='linear') -> Tensor

    quantile that ignores NaN values (NaN only where a whole slice is NaN).
    """)
_doc("pynn.prelu", """
    prelu(input, weight) -> Tensor

    Elementwise max(0, x) + weight * min(0, x); weight has one element or one per channel (input dim 1).
    """)
_doc("pynn.repeat_interleave", """
    repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor

    Repeats each element (or slice along dim; without dim the input is flattened) repeats times; repeats is an int
    or a tensor with one count per element. repeat_interleave(repeats) alone returns indices repeated by count.
    """)
_doc("pynn.rot90", """
    rot90(input, k=1, dims=(0, 1)) -> Tensor

    Rotates input by 90 degrees k times in the plane dims, from the first dim towards the second.
    """)
_doc("pynn.selu", """
    selu(input, inplace=False) -> Tensor

    Elementwise scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with alpha = 1.6732632423543772 and
    scale = 1.0507009873554805.
    """)
_doc("pynn.signbit", """
    signbit(input) -> Tensor

    Elementwise bool: True where the sign bit is set (negative values and -0.0).
    """)
_doc("pynn.slogdet", """
    slogdet(A, *, out=None) -> (Tensor, Tensor)

    Returns the named tuple (sign, logabsdet) of the determinant of a square matrix or a batch of them;
    det = sign * exp(logabsdet).
    """)
_doc("pynn.softmax", """
    softmax(input, dim, dtype=None) -> Tensor

    Returns exp(x) / sum(exp(x)) along dim, computed stably; dtype casts input first. As torch.softmax, dim is
    required (F.softmax has the legacy implicit default).
    """)
_doc("pynn.nn.functional.softmax", """
    softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor

    Returns exp(x) / sum(exp(x)) along dim, computed stably; dtype casts input first. Without dim it warns and picks
    torch's legacy default (dim 0 for 0-, 1- and 3-D inputs, else 1).
    """)
_doc("pynn.nn.functional.softmin", """
    softmin(input, dim=None, _stacklevel=3, dtype=None) -> Tensor

    Returns softmax(-input, dim): exp(-x) / sum(exp(-x)) along dim; dtype casts input first.
    """)
_doc("pynn.log_softmax", """
    log_softmax(input, dim, dtype=None) -> Tensor

    Returns log(softmax(input, dim)), computed stably as x - logsumexp(x); dtype casts input first. dim is required.
    """)
_doc("pynn.nn.functional.log_softmax", """
    log_softmax(input, dim=None, _stacklevel=3, dtype=None) -> Tensor

    Returns log(softmax(input, dim)), computed stably as x - logsumexp(x); dtype casts input first. Without dim it
    warns and picks torch's legacy default.
    """)
_doc("pynn.take", """
    take(input, index) -> Tensor

    Returns the elements of input, treated as 1-D, at the given indices; the result has index's shape.
    """)
_doc("pynn.tensor_split", """
    tensor_split(input, indices_or_sections, dim=0)

    Splits input along dim into n nearly equal views (an int; the first size % n parts one larger) or at the given
    indices (a list or tensor); returns a tuple.
    """)
_doc("pynn.tile", """
    tile(input, dims) -> Tensor

    Repeats input dims[i] times along each dim; shorter dims are padded with leading 1s (and the input with
    leading size-1 dims).
    """)
_doc("pynn.trace", """
    trace(input) -> Tensor

    Returns the sum of the main diagonal of a 2-D input.
    """)
_doc("pynn.unique", """
    unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None)

    Returns the unique elements of input (sorted), plus the inverse indices and/or the counts when asked.
    pynn: dim is not supported (unique over all elements only).
    """)
_doc("pynn.unique_consecutive", """
    unique_consecutive(input, return_inverse=False, return_counts=False, dim=None)

    Collapses each run of consecutive equal elements into one, plus the inverse indices and/or run lengths when
    asked. pynn: dim is not supported (over all elements only).
    """)
_doc("pynn.xlogy", """
    xlogy(input, other) -> Tensor

    Elementwise input * log(other), with 0 where input == 0 (unless other is NaN).
    """)
# ------------------------------------------------------------------------------------------ nn modules
for _d in (1, 2, 3):
    _sp = {1: "L", 2: "H, W", 3: "D, H, W"}[_d]
    _div = "" if _d == 1 else ", divisor_override=None"
    _out = {1: "L_out", 2: "H_out, W_out", 3: "D_out, H_out, W_out"}[_d]
    _doc(f"pynn.nn.MaxPool{_d}d", f"""
        MaxPool{_d}d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)

        {_d}-D max pooling over windows of kernel_size (stride defaults to kernel_size; padding counts as -inf);
        return_indices=True also returns the argmax indices for MaxUnpool{_d}d. Input: (N, C, {_sp}) or (C, {_sp}),
        output (N, C, {_out}).
        """)
    _doc(f"pynn.nn.AvgPool{_d}d", f"""
        AvgPool{_d}d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True{_div})

        {_d}-D average pooling over windows of kernel_size (stride defaults to kernel_size); count_include_pad
        decides whether zero padding counts in the divisor. Input: (N, C, {_sp}) or (C, {_sp}).
        """)
    _doc(f"pynn.nn.AdaptiveAvgPool{_d}d", f"""
        AdaptiveAvgPool{_d}d(output_size)

        {_d}-D average pooling whose windows are chosen so the output has spatial size output_size (None keeps the
        input's size in that dim). Input: (N, C, {_sp}) or (C, {_sp}).
        """)
    _doc(f"pynn.nn.AdaptiveMaxPool{_d}d", f"""
        AdaptiveMaxPool{_d}d(output_size, return_indices=False)

        {_d}-D max pooling whose windows are chosen so the output has spatial size output_size; return_indices=True
        also returns the argmax indices. Input: (N, C, {_sp}) or (C, {_sp}).
        """)
    _doc(f"pynn.nn.MaxUnpool{_d}d", f"""
        MaxUnpool{_d}d(kernel_size, stride=None, padding=0)

        Partial inverse of MaxPool{_d}d: forward(input, indices, output_size=None) scatters input to the positions
        in indices, zeros elsewhere. Input: (N, C, {_sp}) or (C, {_sp}).
        """)
    _doc(f"pynn.nn.LPPool{_d}d", f"""
        LPPool{_d}d(norm_type, kernel_size, stride=None, ceil_mode=False)

        {_d}-D power-average pooling: (sum over each window of x ** norm_type) ** (1 / norm_type). Input:
        (N, C, {_sp}) or (C, {_sp}).
        """)

_doc("pynn.nn.CosineSimilarity", """
    CosineSimilarity(dim=1, eps=1e-08)

    Module form of F.cosine_similarity: forward(x1, x2) returns x1 . x2 / max(||x1|| ||x2||, eps) along dim.
    """)
_doc("pynn.nn.PairwiseDistance", """
    PairwiseDistance(p=2.0, eps=1e-06, keepdim=False)

    forward(x1, x2) returns the p-norm of x1 - x2 + eps along the last dim. Input: (N, D) or (D,).
    """)
_doc("pynn.nn.DataParallel", """
    DataParallel(module, device_ids=None, output_device=None, dim=0)

    Wraps module (state_dict keys gain the 'module.' prefix) and calls it on the whole batch. pynn has no GPUs, so,
    as torch without CUDA, nothing is replicated or scattered.
    """)
_doc("pynn.nn.Fold", """
    Fold(output_size, kernel_size, dilation=1, padding=0, stride=1)

    Combines sliding local blocks into a tensor (col2im), summing overlaps: input (N, C * prod(kernel_size), L),
    output (N, C, *output_size). The inverse layout of Unfold.
    """)
_doc("pynn.nn.Unfold", """
    Unfold(kernel_size, dilation=1, padding=0, stride=1)

    Extracts sliding local blocks (im2col): input (N, C, H, W), output (N, C * prod(kernel_size), L) with L the
    number of block positions.
    """)
_doc("pynn.nn.RNNCellBase", """
    RNNCellBase(input_size, hidden_size, bias, num_chunks, device=None, dtype=None)

    Base of RNNCell, LSTMCell and GRUCell: holds weight_ih (num_chunks * hidden_size, input_size), weight_hh and
    the biases, initialised from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    """)
_doc("pynn.nn.RNNCell", """
    RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None)

    One Elman RNN step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). forward(input, hx=None): input
    (N, input_size) or (input_size,), hx (N, hidden_size) defaulting to zeros.
    """)
_doc("pynn.nn.LSTMCell", """
    LSTMCell(input_size, hidden_size, bias=True, device=None, dtype=None)

    One LSTM step (gates i, f, g, o). forward(input, hx=None) with hx = (h, c), each (N, hidden_size), defaulting
    to zeros; returns (h', c').
    """)
_doc("pynn.nn.GRUCell", """
    GRUCell(input_size, hidden_size, bias=True, device=None, dtype=None)

    One GRU step (gates r, z, n). forward(input, hx=None): input (N, input_size), hx (N, hidden_size) defaulting
    to zeros; returns h'.
    """)
_doc("pynn.nn.LogSigmoid", """
    LogSigmoid()

    Elementwise log(1 / (1 + exp(-x))), computed stably. Input: any shape.
    """)
_doc("pynn.nn.Softsign", """
    Softsign()

    Elementwise x / (1 + |x|). Input: any shape.
    """)
_doc("pynn.nn.Tanh", """
    Tanh()

    Elementwise hyperbolic tangent. Input: any shape.
    """)
_doc("pynn.nn.Tanhshrink", """
    Tanhshrink()

    Elementwise x - tanh(x). Input: any shape.
    """)
_doc("pynn.nn.MultiheadAttention", """
    MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
    kdim=None, vdim=None, batch_first=False, device=None, dtype=None)

    Multi-head scaled dot-product attention with input and output projections. forward(query, key, value,
    key_padding_mask=None, need_weights=True, attn_mask=None, average_attn_weights=True, is_causal=False) returns
    (attn_output, attn_weights or None); query (L, N, E), or (N, L, E) with batch_first=True.
    """)
_doc("pynn.nn.PixelShuffle", """
    PixelShuffle(upscale_factor)

    Rearranges (*, C * r**2, H, W) into (*, C, H * r, W * r) with r = upscale_factor.
    """)
_doc("pynn.nn.PixelUnshuffle", """
    PixelUnshuffle(downscale_factor)

    Inverse of PixelShuffle: (*, C, H * r, W * r) into (*, C * r**2, H, W) with r = downscale_factor.
    """)
_doc("pynn.nn.Transformer", """
    Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
    dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-05,
    batch_first=False, norm_first=False, bias=True, device=None, dtype=None)

    The encoder-decoder transformer of "Attention Is All You Need". forward(src, tgt, src_mask=None, tgt_mask=None,
    memory_mask=None, ...): src (S, N, E), tgt (T, N, E) (batch first with batch_first=True), output (T, N, E).
    """)
_doc("pynn.nn.TransformerEncoderLayer", """
    TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
    layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True, device=None, dtype=None)

    Self-attention then a feed-forward block, each with dropout, residual and LayerNorm (before the block with
    norm_first=True). forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False); src (S, N, E).
    """)
_doc("pynn.nn.TransformerDecoderLayer", """
    TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu,
    layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True, device=None, dtype=None)

    Self-attention, attention over the encoder memory, then a feed-forward block, each with dropout, residual and
    LayerNorm. forward(tgt, memory, tgt_mask=None, memory_mask=None, ...); tgt (T, N, E).
    """)
_doc("pynn.nn.TransformerEncoder", """
    TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True)

    A stack of num_layers deep copies of encoder_layer, then norm if given. pynn has no nested tensors
    (enable_nested_tensor is accepted and has no effect).
    """)
_doc("pynn.nn.TransformerDecoder", """
    TransformerDecoder(decoder_layer, num_layers, norm=None)

    A stack of num_layers deep copies of decoder_layer, then norm if given. forward(tgt, memory, ...).
    """)
_doc("pynn.nn.Upsample", """
    Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None)

    Module form of F.interpolate: resamples (N, C, L), (N, C, H, W) or (N, C, D, H, W) to size or by scale_factor;
    mode is 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear' or 'area'.
    """)
_doc("pynn.nn.UpsamplingNearest2d", """
    UpsamplingNearest2d(size=None, scale_factor=None)

    Upsample with mode='nearest' for (N, C, H, W) inputs.
    """)
_doc("pynn.nn.UpsamplingBilinear2d", """
    UpsamplingBilinear2d(size=None, scale_factor=None)

    Upsample with mode='bilinear' and align_corners=True for (N, C, H, W) inputs.
    """)
_doc("pynn.utils.data.SequentialSampler", """
    SequentialSampler(data_source)

    Yields the indices 0 .. len(data_source) - 1 in order.
    """)
# ------------------------------------------------------------------------------------------ nn.functional
_F = "pynn.nn.functional."
_RED = "size_average=None, reduce=None, reduction='mean'"
_RED_TEXT = "reduction is 'none', 'mean' or 'sum' (size_average and reduce are torch's deprecated spellings)."


def _fdoc(name: str, text: str) -> None:
    _doc(_F + name, text)


for _d in (1, 2, 3):
    _sp = {1: "L", 2: "H, W", 3: "D, H, W"}[_d]
    _div = "" if _d == 1 else ", divisor_override=None"
    _fdoc(f"conv{_d}d", f"""
        conv{_d}d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor

        {_d}-D convolution (cross-correlation) of input (N, C_in, {_sp}) with weight (C_out, C_in / groups, k...);
        padding is an int, a tuple, 'valid' or 'same' (stride 1 only).
        """)
    _fdoc(f"conv_transpose{_d}d", f"""
        conv_transpose{_d}d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)
        -> Tensor

        {_d}-D transposed convolution (the gradient of conv{_d}d with respect to its input) of input
        (N, C_in, {_sp}) with weight (C_in, C_out / groups, k...).
        """)
    _fdoc(f"max_pool{_d}d", f"""
        max_pool{_d}d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)

        {_d}-D max pooling of (N, C, {_sp}) or (C, {_sp}); stride defaults to kernel_size. Returns the output, or
        (output, indices) with return_indices=True.
        """)
    _fdoc(f"max_pool{_d}d_with_indices", f"""
        max_pool{_d}d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
        return_indices=True)

        max_pool{_d}d that returns (output, indices), the flat argmax positions within each input plane.
        """)
    _fdoc(f"avg_pool{_d}d", f"""
        avg_pool{_d}d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True{_div})
        -> Tensor

        {_d}-D average pooling of (N, C, {_sp}) or (C, {_sp}); stride defaults to kernel_size.
        """)
    _fdoc(f"adaptive_avg_pool{_d}d", f"""
        adaptive_avg_pool{_d}d(input, output_size) -> Tensor

        {_d}-D average pooling with windows chosen so the output's spatial size is output_size.
        """)
    _fdoc(f"adaptive_max_pool{_d}d", f"""
        adaptive_max_pool{_d}d(input, output_size, return_indices=False)

        {_d}-D max pooling with windows chosen so the output's spatial size is output_size; (output, indices) with
        return_indices=True.
        """)
    _fdoc(f"adaptive_max_pool{_d}d_with_indices", f"""
        adaptive_max_pool{_d}d_with_indices(input, output_size, return_indices=True)

        adaptive_max_pool{_d}d that returns (output, indices).
        """)
    _fdoc(f"max_unpool{_d}d", f"""
        max_unpool{_d}d(input, indices, kernel_size, stride=None, padding=0, output_size=None) -> Tensor

        Partial inverse of max_pool{_d}d: scatters input to the positions in indices, zeros elsewhere.
        """)
    _fdoc(f"lp_pool{_d}d", f"""
        lp_pool{_d}d(input, norm_type, kernel_size, stride=None, ceil_mode=False) -> Tensor

        {_d}-D power-average pooling: (sum over each window of x ** norm_type) ** (1 / norm_type).
        """)
    _fdoc(f"dropout{_d}d", f"""
        dropout{_d}d(input, p=0.5, training=True, inplace=False) -> Tensor

        Zeroes whole channels of (N, C, {_sp}) or (C, {_sp}) with probability p while training, scaling the rest
        by 1 / (1 - p).
        """)

_fdoc("batch_norm", """
    batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05)
    -> Tensor

    Normalises each channel (dim 1) of input by its batch statistics while training (updating running_mean and
    running_var with momentum) or by the running statistics otherwise, then applies weight and bias.
    """)
_fdoc("layer_norm", """
    layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor

    Normalises input over its last len(normalized_shape) dims to zero mean and unit (biased) variance, then applies
    the elementwise weight and bias.
    """)
_fdoc("group_norm", """
    group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) -> Tensor

    Normalises (N, C, *) input over each of num_groups channel groups, then applies the per-channel weight and bias.
    """)
_fdoc("rms_norm", """
    rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor

    Returns input / sqrt(mean(input**2) + eps) over the last len(normalized_shape) dims, times weight; eps None
    means the dtype's machine epsilon.
    """)
_fdoc("normalize", """
    normalize(input, p=2.0, dim=1, eps=1e-12, out=None) -> Tensor

    Returns input / max(||input||_p, eps) along dim.
    """)
_fdoc("embedding", """
    embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False)
    -> Tensor

    Looks up the rows of weight (num_embeddings, embedding_dim) at the integer indices in input; padding_idx rows
    get no gradient, max_norm renormalises the rows looked up (in place). pynn: sparse=True is not supported.
    """)
_fdoc("one_hot", """
    one_hot(tensor, num_classes=-1) -> Tensor

    Returns the int64 one-hot encoding of the integer tensor, with a new last dim of size num_classes
    (-1: max(tensor) + 1).
    """)
_fdoc("identity", """
    identity(input) -> Tensor

    Returns input unchanged.
    """)
_fdoc("channel_shuffle", """
    channel_shuffle(input, groups) -> Tensor

    Rearranges the C channels of (N, C, *) as (groups, C / groups) transposed, as in ShuffleNet.
    """)
_fdoc("dropout", """
    dropout(input, p=0.5, training=True, inplace=False) -> Tensor

    Zeroes each element with probability p while training and scales the rest by 1 / (1 - p); the identity when
    not training.
    """)
_fdoc("feature_alpha_dropout", """
    feature_alpha_dropout(input, p=0.5, training=False, inplace=False) -> Tensor

    Alpha dropout over whole channels: dropped channels take SELU's negative saturation value and the result is
    rescaled to keep mean and variance, for SELU networks.
    """)

# activations
for _n, _formula in (("relu", "max(0, x)"), ("relu6", "min(max(0, x), 6)"), ("silu", "x * sigmoid(x)"),
                     ("mish", "x * tanh(softplus(x))"), ("hardsigmoid", "relu6(x + 3) / 6"),
                     ("hardswish", "x * relu6(x + 3) / 6")):
    _fdoc(_n, f"""
        {_n}(input, inplace=False) -> Tensor

        Elementwise {_formula}; inplace=True writes the result into input.
        """)
for _n, _formula in (("sigmoid", "1 / (1 + exp(-x))"), ("tanh", "tanh(x)"), ("softsign", "x / (1 + |x|)"),
                     ("tanhshrink", "x - tanh(x)"), ("logsigmoid", "log(sigmoid(x)), computed stably")):
    _fdoc(_n, f"""
        {_n}(input) -> Tensor

        Elementwise {_formula}.
        """)
_fdoc("relu_", """
    relu_(input) -> Tensor

    In-place relu: input = max(0, input).
    """)
_fdoc("elu", """
    elu(input, alpha=1.0, inplace=False) -> Tensor

    Elementwise x for x > 0, alpha * (exp(x) - 1) otherwise.
    """)
_fdoc("elu_", """
    elu_(input, alpha=1.0) -> Tensor

    In-place elu.
    """)
_fdoc("gelu", """
    gelu(input, approximate='none') -> Tensor

    Elementwise x * Phi(x) with Phi the standard normal CDF; approximate='tanh' uses the tanh approximation.
    """)
_fdoc("glu", """
    glu(input, dim=-1) -> Tensor

    Gated linear unit: splits input in halves a, b along dim (even size) and returns a * sigmoid(b).
    """)
_fdoc("hardtanh", """
    hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False) -> Tensor

    Elementwise clamp of input to [min_val, max_val].
    """)
_fdoc("hardtanh_", """
    hardtanh_(input, min_val=-1.0, max_val=1.0) -> Tensor

    In-place hardtanh.
    """)
_fdoc("leaky_relu", """
    leaky_relu(input, negative_slope=0.01, inplace=False) -> Tensor

    Elementwise x for x >= 0, negative_slope * x otherwise.
    """)
_fdoc("leaky_relu_", """
    leaky_relu_(input, negative_slope=0.01) -> Tensor

    In-place leaky_relu.
    """)
_fdoc("hardshrink", """
    hardshrink(input, lambd=0.5) -> Tensor

    Elementwise x where |x| > lambd, 0 otherwise.
    """)
_fdoc("softshrink", """
    softshrink(input, lambd=0.5) -> Tensor

    Elementwise x - lambd for x > lambd, x + lambd for x < -lambd, 0 otherwise (lambd >= 0).
    """)
_fdoc("softplus", """
    softplus(input, beta=1.0, threshold=20.0) -> Tensor

    Elementwise log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
    """)
_fdoc("threshold", """
    threshold(input, threshold, value, inplace=False) -> Tensor

    Elementwise x where x > threshold, value otherwise.
    """)
_fdoc("threshold_", """
    threshold_(input, threshold, value) -> Tensor

    In-place threshold.
    """)
_fdoc("rrelu", """
    rrelu(input, lower=0.125, upper=0.3333333333333333, training=False, inplace=False) -> Tensor

    Randomised leaky relu: while training the negative slope of each element is drawn from U(lower, upper),
    otherwise it is (lower + upper) / 2.
    """)
_fdoc("rrelu_", """
    rrelu_(input, lower=0.125, upper=0.3333333333333333, training=False) -> Tensor

    In-place rrelu.
    """)

# losses
_fdoc("binary_cross_entropy", f"""
    binary_cross_entropy(input, target, weight=None, {_RED}) -> Tensor

    Mean (or sum, or per element) of -w * (t * log(p) + (1 - t) * log(1 - p)) for probabilities input, the logs
    clamped at -100. {_RED_TEXT}
    """)
_fdoc("binary_cross_entropy_with_logits", f"""
    binary_cross_entropy_with_logits(input, target, weight=None, {_RED}, pos_weight=None) -> Tensor

    binary_cross_entropy of sigmoid(input), computed stably from the logits; pos_weight weighs the positive
    term per class. {_RED_TEXT}
    """)
_fdoc("cross_entropy", f"""
    cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean',
    label_smoothing=0.0) -> Tensor

    nll_loss of log_softmax(input, 1): input (N, C) or (N, C, d1, ...) logits, target class indices (N, ...) or
    class probabilities of input's shape; weight per class, ignore_index skipped, label_smoothing mixes in the
    uniform distribution. {_RED_TEXT}
    """)
_fdoc("nll_loss", f"""
    nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean')
    -> Tensor

    Negative log-likelihood -w[t] * input[n, t] for log-probabilities input (N, C, ...) and class indices target
    (N, ...); 'mean' divides by the summed weights of the targets not ignored.
    """)
_fdoc("mse_loss", f"""
    mse_loss(input, target, {_RED}, weight=None) -> Tensor

    Squared error (input - target)**2, optionally weighted elementwise, reduced. {_RED_TEXT}
    """)
_fdoc("l1_loss", f"""
    l1_loss(input, target, {_RED}, weight=None) -> Tensor

    Absolute error |input - target|, optionally weighted elementwise, reduced. {_RED_TEXT}
    """)
_fdoc("smooth_l1_loss", f"""
    smooth_l1_loss(input, target, {_RED}, beta=1.0) -> Tensor

    0.5 * d**2 / beta where |d| < beta, |d| - 0.5 * beta otherwise, d = input - target, reduced. {_RED_TEXT}
    """)
_fdoc("huber_loss", """
    huber_loss(input, target, reduction='mean', delta=1.0, weight=None) -> Tensor

    0.5 * d**2 where |d| < delta, delta * (|d| - 0.5 * delta) otherwise, d = input - target, optionally weighted,
    reduced ('none', 'mean' or 'sum').
    """)
_fdoc("kl_div", f"""
    kl_div(input, target, {_RED}, log_target=False) -> Tensor

    Pointwise KL divergence target * (log(target) - input) for log-probabilities input (target in log space with
    log_target=True); reduction also takes 'batchmean' (sum / batch size, the true KL). {_RED_TEXT}
    """)
_fdoc("hinge_embedding_loss", f"""
    hinge_embedding_loss(input, target, margin=1.0, {_RED}) -> Tensor

    x where target == 1, max(0, margin - x) where target == -1, reduced. {_RED_TEXT}
    """)
_fdoc("margin_ranking_loss", f"""
    margin_ranking_loss(input1, input2, target, margin=0.0, {_RED}) -> Tensor

    max(0, -target * (input1 - input2) + margin) with target in {{1, -1}}, reduced. {_RED_TEXT}
    """)
_fdoc("cosine_embedding_loss", f"""
    cosine_embedding_loss(input1, input2, target, margin=0.0, {_RED}) -> Tensor

    1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1, reduced. {_RED_TEXT}
    """)
_fdoc("soft_margin_loss", f"""
    soft_margin_loss(input, target, {_RED}) -> Tensor

    log(1 + exp(-target * input)) for targets in {{1, -1}}, reduced. {_RED_TEXT}
    """)
_fdoc("multilabel_soft_margin_loss", f"""
    multilabel_soft_margin_loss(input, target, weight=None, {_RED}) -> Tensor

    Per sample, the mean over classes of the binary cross-entropy of sigmoid(input) against the 0/1 target
    (N, C), optionally weighted per class, then reduced over the batch. {_RED_TEXT}
    """)
_fdoc("multilabel_margin_loss", f"""
    multilabel_margin_loss(input, target, {_RED}) -> Tensor

    Multi-class multi-label hinge loss: target (N, C) lists each sample's class indices, ended by the first -1;
    sum over target classes j and other classes i of max(0, 1 - (x[j] - x[i])) / C. {_RED_TEXT}
    """)
_fdoc("multi_margin_loss", f"""
    multi_margin_loss(input, target, p=1, margin=1.0, weight=None, {_RED}) -> Tensor

    Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i])**p / C (p is 1 or 2), weighted by
    weight[y]. {_RED_TEXT}
    """)
_fdoc("triplet_margin_loss", f"""
    triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, {_RED}) -> Tensor

    max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-norm distance; swap uses min(d(a, n), d(p, n)).
    {_RED_TEXT}
    """)
_fdoc("triplet_margin_with_distance_loss", """
    triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
    swap=False, reduction='mean') -> Tensor

    triplet_margin_loss with a custom distance_function (default: pairwise_distance); margin must be > 0.
    """)
_fdoc("gaussian_nll_loss", """
    gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction='mean') -> Tensor

    Gaussian negative log-likelihood 0.5 * (log(max(var, eps)) + (input - target)**2 / max(var, eps)), plus
    0.5 * log(2 pi) with full=True; var broadcasts and must be non-negative.
    """)
_fdoc("poisson_nll_loss", f"""
    poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08, reduce=None,
    reduction='mean') -> Tensor

    Poisson negative log-likelihood exp(input) - target * input (log_input=True) or input - target * log(input +
    eps); full adds Stirling's term. {_RED_TEXT}
    """)
_fdoc("ctc_loss", """
    ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean', zero_infinity=False)
    -> Tensor

    Connectionist temporal classification loss of log_probs (T, N, C) (or (T, C)) against targets (N, S) or
    concatenated; 'mean' divides each loss by its target length, then averages. zero_infinity zeroes infinite
    losses and their gradients.
    """)
_fdoc("multi_head_attention_forward", """
    multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
    bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
    need_weights=True, attn_mask=None, use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
    v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True, is_causal=False)

    The functional core of nn.MultiheadAttention for (L, N, E) inputs: projects query, key and value, attends per
    head and projects back; returns (attn_output, attn_weights or None).
    """)
_fdoc("upsample", """
    upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None) -> Tensor

    Deprecated alias of interpolate.
    """)
_fdoc("upsample_nearest", """
    upsample_nearest(input, size=None, scale_factor=None) -> Tensor

    Deprecated: interpolate(input, size, scale_factor, mode='nearest').
    """)
_fdoc("upsample_bilinear", """
    upsample_bilinear(input, size=None, scale_factor=None) -> Tensor

    Deprecated: interpolate(input, size, scale_factor, mode='bilinear', align_corners=True).
    """)
# ------------------------------------------------------------------------------------------ linalg
_doc("pynn.linalg.cholesky", """
    cholesky(A, *, upper=False, out=None) -> Tensor

    Returns the lower-triangular L with A = L L^T of a symmetric positive-definite matrix or batch (U = L^T with
    upper=True); a matrix that is not positive-definite raises.
    """)
_doc("pynn.linalg.lu_factor", """
    lu_factor(A, *, pivot=True, out=None) -> (LU, pivots)

    Returns the packed LU factorization with partial pivoting of a matrix or batch (any m x n): L's strict lower
    part and U in one tensor, and getrf's 1-based int32 row-swap pivots. A singular A raises (lu_factor_ex reports
    it instead); differentiable, double backward included.
    """)
_doc("pynn.linalg.lu_factor_ex", """
    lu_factor_ex(A, *, pivot=True, check_errors=False, out=None) -> (LU, pivots, info)

    lu_factor plus getrf's int32 info per matrix: 0, or the 1-based index of U's first zero pivot.
    """)
_doc("pynn.linalg.lu", """
    lu(A, *, pivot=True, out=None) -> (P, L, U)

    Returns A = P L U: P a permutation matrix, L unit lower-triangular (m x k), U upper-triangular (k x n).
    """)
_doc("pynn.lu_unpack", """
    lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None) -> (P, L, U)

    Splits lu_factor's packed result into P, L and U (empty tensors for the parts not unpacked).
    """)
_doc("pynn.linalg.solve_triangular", """
    solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None) -> Tensor

    Returns X with A X = B (X A = B when not left) for triangular A, batches broadcast; unitriangular assumes a
    unit diagonal. B is solved in A's dtype, as torch does.
    """)
_doc("pynn.linalg.lu_solve", """
    lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None) -> Tensor

    Returns X with A X = B (A^H X = B when adjoint, X A = B when not left) from A's lu_factor result.
    """)
_doc("pynn.lu_solve pynn.Tensor.lu_solve", """
    lu_solve(b, LU_data, LU_pivots, *, out=None) -> Tensor

    torch's older argument order for linalg.lu_solve(LU_data, LU_pivots, b).
    """)
_doc("pynn.linalg.cross", """
    cross(input, other, *, dim=-1, out=None) -> Tensor

    Returns the cross product of 3-vectors along dim (broadcasting).
    """)
_doc("pynn.linalg.diagonal", """
    diagonal(A, *, offset=0, dim1=-2, dim2=-1) -> Tensor

    Returns a view of the diagonals of A (offset above the main one, in the plane dim1 x dim2) as its last dim.
    """)
_doc("pynn.linalg.eigh", """
    eigh(A, UPLO='L', *, out=None) -> (Tensor, Tensor)

    Returns the named tuple (eigenvalues, eigenvectors) of a symmetric matrix or batch, eigenvalues ascending;
    only the triangle UPLO ('L' or 'U') is read.
    """)
_doc("pynn.linalg.eigvalsh", """
    eigvalsh(A, UPLO='L', *, out=None) -> Tensor

    Returns the ascending eigenvalues of a symmetric matrix or batch; only the triangle UPLO is read.
    """)
_doc("pynn.linalg.inv_ex", """
    inv_ex(A, *, check_errors=False) -> (Tensor, Tensor)

    Returns the named tuple (inverse, info): info is getrf's per matrix (0, or the 1-based index of U's first zero
    pivot), and where it is not 0 the inverse holds LAPACK's inf/nan; check_errors=True raises LinAlgError instead.
    """)
_doc("pynn.linalg.LinAlgError", """
    LinAlgError(*args)

    The RuntimeError subclass (torch.linalg.LinAlgError) raised where LAPACK fails on the values: a singular matrix
    for inv, solve and their _ex forms with check_errors, a matrix that is not positive-definite for cholesky, no
    convergence for svd and eigh. Shape and dtype errors stay plain RuntimeErrors.
    """)
_doc("pynn.linalg.matmul", """
    matmul(input, other, *, out=None) -> Tensor

    Alias of pynn.matmul: matrix product with broadcasting batch dims (1-D operands treated as vectors).
    """)
_doc("pynn.linalg.matrix_norm", """
    matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None, out=None) -> Tensor

    Returns the matrix norm over the two dims: ord 'fro', 'nuc', 2, -2 (extreme singular values), 1, -1 (max/min
    column sum), inf, -inf (max/min row sum).
    """)
_doc("pynn.linalg.multi_dot", """
    multi_dot(tensors, *, out=None) -> Tensor

    Returns the chained matrix product of two or more tensors (the first and last may be 1-D). pynn multiplies
    left to right (torch picks the cheapest order; the value is the same up to rounding).
    """)
_doc("pynn.linalg.norm", """
    norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor

    vector_norm or matrix_norm depending on ord and dim: a matrix norm for a 2-tuple dim, a string ord, or a 2-D
    input with ord given; otherwise the vector 2-norm (of the flattened input when dim is None).
    """)
_doc("pynn.linalg.qr", """
    qr(A, mode='reduced', *, out=None) -> (Tensor, Tensor)

    Returns the named tuple (Q, R) of the QR decomposition A = Q R; mode 'reduced', 'complete' or 'r' (Q empty).
    """)
_doc("pynn.linalg.solve", """
    solve(A, B, *, left=True, out=None) -> Tensor

    Returns X with A X = B (X A = B with left=False) for square invertible A, batching and broadcasting.
    """)
_doc("pynn.linalg.svd", """
    svd(A, full_matrices=True, *, driver=None, out=None) -> (Tensor, Tensor, Tensor)

    Returns the named tuple (U, S, Vh) with A = U diag(S) Vh, S descending; full_matrices=False gives the reduced
    factors. driver (cuSOLVER's choice in torch) is ignored.
    """)
_doc("pynn.linalg.svdvals", """
    svdvals(A, *, driver=None, out=None) -> Tensor

    Returns the singular values of A in descending order.
    """)
_doc("pynn.linalg.vecdot", """
    vecdot(x, y, *, dim=-1, out=None) -> Tensor

    Returns the dot product sum(x * y) along dim (broadcasting); real dtypes.
    """)
_doc("pynn.linalg.vector_norm", """
    vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor

    Returns (sum |x|**ord) ** (1 / ord) over dim (all elements when None); ord inf / -inf give max / min |x|,
    0 the count of non-zeros. Floating-point inputs only.
    """)

# ------------------------------------------------------------------------------------------ optim
_OPT_COMMON = ("pynn: foreach and fused are accepted and have no effect (one implementation); differentiable=True "
               "and capturable=True raise ValueError.")
_doc("pynn.optim.SGD", f"""
    SGD(params, lr=0.001, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, foreach=None,
    differentiable=False, fused=None)

    Stochastic gradient descent with optional momentum (buffer b = momentum * b + (1 - dampening) * g), Nesterov
    momentum and L2 weight_decay. {_OPT_COMMON}
    """)
_doc("pynn.optim.Adam", f"""
    Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, amsgrad=False, *, foreach=None,
    maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False)

    Adam: bias-corrected running averages of the gradient and its square (betas), step lr * m / (sqrt(v) + eps);
    amsgrad keeps the maximum v, decoupled_weight_decay makes it AdamW. {_OPT_COMMON}
    """)
_doc("pynn.optim.AdamW", f"""
    AdamW(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.01, amsgrad=False, *, maximize=False,
    foreach=None, capturable=False, differentiable=False, fused=None)

    Adam with decoupled weight decay: parameters shrink by lr * weight_decay before the Adam step. {_OPT_COMMON}
    """)
_doc("pynn.optim.Adamax", f"""
    Adamax(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, foreach=None, *, maximize=False,
    differentiable=False, capturable=False)

    Adam's infinity-norm variant: the second moment is replaced by an exponentially weighted max of |g|.
    {_OPT_COMMON}
    """)
_doc("pynn.optim.NAdam", f"""
    NAdam(params, lr=0.002, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, momentum_decay=0.004,
    decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, differentiable=False)

    Adam with Nesterov momentum and torch's momentum schedule (momentum_decay). {_OPT_COMMON}
    """)
_doc("pynn.optim.RAdam", f"""
    RAdam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0, decoupled_weight_decay=False, *,
    foreach=None, maximize=False, capturable=False, differentiable=False)

    Rectified Adam: plain momentum steps until the variance estimate is tractable, then variance-rectified Adam
    steps. {_OPT_COMMON}
    """)
_doc("pynn.optim.RMSprop", f"""
    RMSprop(params, lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0, momentum=0, centered=False, capturable=False,
    foreach=None, maximize=False, differentiable=False)

    Divides the gradient by sqrt of a running average (alpha) of its square (centered: minus the squared running
    mean), with optional momentum. {_OPT_COMMON}
    """)
_doc("pynn.optim.Rprop", f"""
    Rprop(params, lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-06, 50), *, capturable=False, foreach=None,
    maximize=False, differentiable=False)

    Resilient backpropagation: per-element step sizes grow by etas[1] while the gradient keeps its sign and shrink
    by etas[0] when it flips, clamped to step_sizes; only the gradient's sign is used. {_OPT_COMMON}
    """)
_doc("pynn.optim.Adagrad", """
    Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, foreach=None, *,
    maximize=False, differentiable=False, fused=None)

    Divides each step by sqrt of the accumulated squared gradients; lr decays as lr / (1 + (step - 1) * lr_decay).
    pynn: foreach and fused have no effect; differentiable=True raises ValueError.
    """)
_doc("pynn.optim.Adadelta", f"""
    Adadelta(params, lr=1.0, rho=0.9, eps=1e-06, weight_decay=0, foreach=None, *, capturable=False,
    maximize=False, differentiable=False)

    Steps by the ratio of running RMS of past updates to running RMS of gradients (decay rho), scaled by lr.
    {_OPT_COMMON}
    """)
_doc("pynn.optim.ASGD", f"""
    ASGD(params, lr=0.01, lambd=0.0001, alpha=0.75, t0=1000000.0, weight_decay=0, foreach=None, maximize=False,
    differentiable=False, capturable=False)

    Averaged SGD: SGD with a decaying step size (lambd, alpha) that keeps a running average of the parameters
    (state 'ax') from step t0 on. {_OPT_COMMON}
    """)

# ------------------------------------------------------------------------------------------ nn.init
_I = "pynn.nn.init."
_doc(_I + "constant_", """
    constant_(tensor, val) -> Tensor

    Fills tensor in place with val (without recording gradients) and returns it. nn.init.constant is the same
    function.
    """)
_doc(_I + "ones_", """
    ones_(tensor) -> Tensor

    Fills tensor in place with 1 and returns it.
    """)
_doc(_I + "zeros_", """
    zeros_(tensor) -> Tensor

    Fills tensor in place with 0 and returns it.
    """)
_doc(_I + "eye_", """
    eye_(tensor) -> Tensor

    Fills the 2-D tensor in place with the identity (ones on the main diagonal) and returns it.
    """)
_doc(_I + "uniform_", """
    uniform_(tensor, a=0.0, b=1.0, generator=None) -> Tensor

    Fills tensor in place with samples from U(a, b) and returns it (nn.init.uniform is the same function).
    """)
_doc(_I + "normal_", """
    normal_(tensor, mean=0.0, std=1.0, generator=None) -> Tensor

    Fills tensor in place with samples from N(mean, std**2) and returns it (nn.init.normal is the same function).
    """)
_doc(_I + "xavier_uniform_", """
    xavier_uniform_(tensor, gain=1.0, generator=None) -> Tensor

    Glorot initialisation: fills tensor in place from U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
    """)
_doc(_I + "xavier_normal_", """
    xavier_normal_(tensor, gain=1.0, generator=None) -> Tensor

    Glorot initialisation: fills tensor in place from N(0, std**2), std = gain * sqrt(2 / (fan_in + fan_out)).
    """)
_doc(_I + "kaiming_uniform_", """
    kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None) -> Tensor

    He initialisation: fills tensor in place from U(-b, b), b = gain * sqrt(3 / fan_mode), gain from
    calculate_gain(nonlinearity, a); mode 'fan_in' or 'fan_out'.
    """)
_doc(_I + "kaiming_normal_", """
    kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None) -> Tensor

    He initialisation: fills tensor in place from N(0, std**2), std = gain / sqrt(fan_mode), gain from
    calculate_gain(nonlinearity, a).
    """)
_doc(_I + "sparse_", """
    sparse_(tensor, sparsity, std=0.01, generator=None) -> Tensor

    Fills the 2-D tensor from N(0, std**2), then zeroes ceil(sparsity * rows) randomly chosen rows in each column.
    """)

# ------------------------------------------------------------------------------------------ nn.utils
_doc("pynn.nn.utils.spectral_norm", """
    spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None) -> Module

    Reparametrises module.<name> as weight / sigma, sigma its largest singular value estimated by power iteration
    (n_power_iterations per training forward); returns module.
    """)
_doc("pynn.nn.utils.remove_spectral_norm", """
    remove_spectral_norm(module, name='weight') -> Module

    Removes the spectral_norm reparametrisation, keeping the current normalised weight as a plain parameter.
    """)
_doc("pynn.nn.utils.remove_weight_norm", """
    remove_weight_norm(module, name='weight') -> Module

    Removes the weight_norm reparametrisation, keeping the current weight g * v / ||v|| as a plain parameter.
    """)
# ------------------------------------------------------------------------------------------ Tensor methods
_T = "pynn.Tensor."
for _n in ("addcmul", "addcdiv", "lerp", "index_add", "index_copy", "index_fill", "nan_to_num", "frac"):
    _sig = _DOCS["pynn." + _n].split("\n", 1)[0]
    _params = _sig[_sig.index("(") + 1:_sig.rindex(")")].split(", ", 1)
    _rest = _params[1] if len(_params) > 1 else ""
    _rest = _rest.replace(", out=None", "").replace("out=None", "").rstrip(", *")
    _doc(_T + _n + "_", f"""
        {_n}_({_rest}) -> Tensor

        In-place version of Tensor.{_n}: writes the result into self and returns self.
        """)
for _n, _dt in (("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32"), ("bool", "bool"),
               ("half", "float16"), ("bfloat16", "bfloat16")):
    _doc(_T + _n, f"""
        {_n}(memory_format=None) -> Tensor

        self.to(pynn.{_dt}): self when it already has that dtype, else a converted copy.
        """)
_doc(_T + "to", """
    to(*args, **kwargs) -> Tensor

    Returns self converted to another dtype and/or device: to(dtype, non_blocking=False, copy=False),
    to(device=None, dtype=None, non_blocking=False, copy=False) or to(other) (other's dtype and device). self is
    returned unchanged when nothing changes, unless copy=True.
    """)
_doc(_T + "cpu", """
    cpu(memory_format=None) -> Tensor

    Returns self on the cpu (self when it is already there).
    """)
_doc(_T + "cuda", """
    cuda(device=None, non_blocking=False, memory_format=None) -> Tensor

    Returns a copy of self on the CUDA device (an int index or device); raises when CUDA is not available.
    """)
_doc(_T + "pin_memory", """
    pin_memory(device=None) -> Tensor

    Returns a copy of self. pynn: there is no page-locked memory (it only speeds up host-to-GPU copies).
    """)
_doc(_T + "is_pinned", """
    is_pinned(device=None) -> bool

    Always False in pynn (no page-locked memory).
    """)
_doc(_T + "tolist", """
    tolist() -> list or number

    Returns the data as nested Python lists of Python numbers (a number for a 0-d tensor).
    """)
_doc(_T + "type_as", """
    type_as(other) -> Tensor

    Returns self converted to other's dtype (self when it already has it).
    """)
_doc(_T + "softmax", """
    softmax(dim, dtype=None) -> Tensor

    F.softmax(self, dim, dtype=dtype).
    """)
_doc(_T + "log_softmax", """
    log_softmax(dim, dtype=None) -> Tensor

    F.log_softmax(self, dim, dtype=dtype).
    """)
_doc(_T + "cholesky", """
    cholesky(upper=False) -> Tensor

    torch's deprecated Tensor.cholesky: linalg.cholesky(self, upper=upper).
    """)
_NEW_NOTE = "The device is self's unless given."
for _n, _what in (("new_zeros", "filled with 0"), ("new_ones", "filled with 1"), ("new_empty", "uninitialised")):
    _doc(_T + _n, f"""
        {_n}(*size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False) -> Tensor

        Returns a tensor of shape size {_what}, with self's dtype unless given. {_NEW_NOTE}
        """)
_doc(_T + "new_full", f"""
    new_full(size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False) -> Tensor

    Returns a tensor of shape size filled with fill_value, with self's dtype unless given. {_NEW_NOTE}
    """)
_doc(_T + "new_tensor", f"""
    new_tensor(data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False) -> Tensor

    Returns a new tensor copied from data, with self's dtype unless given. {_NEW_NOTE}
    """)

# ------------------------------------------------------------------------------------------ pynn notes
for _n in ("uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "sparse_"):
    _DOCS[_I + _n] += "\n\npynn: generator is accepted and not used; the draws come from the global stream " \
                      "(pynn.manual_seed)."
# ------------------------------------------------------------------------------------------ surface batch 2
_doc("pynn.adjoint", """
    adjoint(input) -> Tensor

    Returns the conjugate transpose of the last two dims as a view; for pynn's real dtypes, input.transpose(-2, -1).
    """)
_doc("pynn.chain_matmul", """
    chain_matmul(*matrices) -> Tensor

    Deprecated torch name for linalg.multi_dot over 2-D matrices: their chained product.
    """)
_doc("pynn.conj_physical", """
    conj_physical(input) -> Tensor

    Elementwise complex conjugate, materialised; pynn's dtypes are real, so a copy of input.
    """)
_doc("pynn.resolve_conj", """
    resolve_conj(input) -> Tensor

    Returns input with any lazy conjugation materialised; pynn has none, so input itself.
    """)
_doc("pynn.resolve_neg", """
    resolve_neg(input) -> Tensor

    Returns input with any lazy negation materialised; pynn has none, so input itself.
    """)
_doc("pynn.Tensor.is_conj", """
    is_conj() -> bool

    True when the conjugate bit is set; always False in pynn (real dtypes, no lazy conjugation). Tensor.is_neg is
    the same function.
    """)
_doc("pynn.corrcoef", """
    corrcoef(input) -> Tensor

    Pearson correlation coefficients of the variables in the rows of input (variables x observations), clipped to
    [-1, 1].
    """)
_doc("pynn.cov", """
    cov(input, *, correction=1, fweights=None, aweights=None) -> Tensor

    Covariance matrix of the variables in the rows of input (variables x observations); correction=1 is Bessel's;
    fweights are integer frequency weights, aweights observation weights.
    """)
_doc("pynn.trapezoid", """
    trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor

    Integrates y along dim with the trapezoidal rule, at sample points x or with spacing dx (default 1); trapz is
    the same function.
    """)
_doc("pynn.cumulative_trapezoid", """
    cumulative_trapezoid(y, x=None, *, dx=None, dim=-1) -> Tensor

    The running trapezoidal integral of y along dim (one element fewer than y along dim).
    """)
_doc("pynn.deg2rad", """
    deg2rad(input) -> Tensor

    Elementwise degrees to radians (input * pi / 180); integer inputs give float32.
    """)
_doc("pynn.rad2deg", """
    rad2deg(input) -> Tensor

    Elementwise radians to degrees (input * 180 / pi); integer inputs give float32.
    """)
_doc("pynn.diagonal_scatter", """
    diagonal_scatter(input, src, offset=0, dim1=0, dim2=1) -> Tensor

    Returns a copy of input with src written into its diagonal (offset, in the plane dim1 x dim2).
    """)
_doc("pynn.select_scatter", """
    select_scatter(input, src, dim, index) -> Tensor

    Returns a copy of input with src written into input.select(dim, index).
    """)
_doc("pynn.slice_scatter", """
    slice_scatter(input, src, dim=0, start=None, end=None, step=1) -> Tensor

    Returns a copy of input with src written into the slice start:end:step along dim.
    """)
_doc("pynn.empty_strided", """
    empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False)
    -> Tensor

    Returns an uninitialised tensor of shape size with the given element strides.
    """)
_doc("pynn.float_power pynn.Tensor.float_power", """
    float_power(input, exponent) -> Tensor

    Elementwise input ** exponent computed in float64 (the result is float64 whatever the inputs).
    """)
_doc("pynn.Tensor.float_power_", """
    float_power_(exponent) -> Tensor

    In-place float_power; self must already be float64.
    """)
_doc("pynn.frexp", """
    frexp(input) -> (Tensor, Tensor)

    Splits a floating-point input into the named tuple (mantissa, exponent) with input = mantissa * 2**exponent,
    |mantissa| in [0.5, 1); exponent is int32.
    """)
_doc("pynn.ldexp", """
    ldexp(input, other) -> Tensor

    Elementwise input * 2**other.
    """)
_doc("pynn.gcd", """
    gcd(input, other) -> Tensor

    Elementwise greatest common divisor of integer tensors (non-negative; gcd(0, 0) = 0).
    """)
_doc("pynn.lcm", """
    lcm(input, other) -> Tensor

    Elementwise least common multiple of integer tensors (non-negative; 0 when either is 0).
    """)
_doc("pynn.histogram", """
    histogram(input, bins=100, *, range=None, weight=None, density=False, out=None) -> (Tensor, Tensor)

    Returns the named tuple (hist, bin_edges) of a floating-point input: bins equal-width bins over range (default:
    the data's min and max) or the given edges tensor; weight weighs each element, density normalises to unit area.
    """)
_doc("pynn.index_put", """
    index_put(input, indices, values, accumulate=False) -> Tensor

    Returns a copy of input with values written at input[indices] (a tuple of index tensors), summed there with
    accumulate=True.
    """)
_doc("pynn.index_reduce", """
    index_reduce(input, dim, index, source, reduce, *, include_self=True) -> Tensor

    Returns a copy of input whose slices at index along dim are reduced with the slices of source: reduce is 'prod',
    'mean', 'amax' or 'amin'; include_self=False leaves input's own values out of the reduction.
    """)
_doc("pynn.scatter_reduce", """
    scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None) -> Tensor

    Returns a copy of input with each src value reduced into input at index along dim (as scatter): reduce is
    'sum', 'prod', 'mean', 'amax' or 'amin'; include_self=False leaves input's own values out at scattered places.
    """)
_doc("pynn.masked_scatter", """
    masked_scatter(input, mask, source) -> Tensor

    Returns a copy of input with the positions where the broadcast bool mask is True filled, in order, from the
    first elements of source.
    """)
_doc("pynn.put", """
    put(input, index, source, accumulate=False) -> Tensor

    Returns a copy of input, viewed as 1-D, with source written at the flat indices index (summed with
    accumulate=True).
    """)
_doc("pynn.is_nonzero", """
    is_nonzero(input) -> bool

    True when the single element of a one-element tensor is non-zero; any other size raises.
    """)
_doc("pynn.isin", """
    isin(elements, test_elements, *, assume_unique=False, invert=False) -> Tensor

    Elementwise bool: whether each element of elements occurs in test_elements (negated with invert=True).
    """)
_doc("pynn.logspace", """
    logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False)
    -> Tensor

    Returns steps values base ** linspace(start, end, steps).
    """)
_doc("pynn.matrix_power", """
    matrix_power(input, n) -> Tensor

    Returns the square matrix (or batch) input raised to the integer power n; n = 0 gives the identity, n < 0
    powers of the inverse.
    """)
_doc("pynn.linalg.pinv", """
    pinv(input, *, atol=None, rtol=None, hermitian=False) -> Tensor

    Moore-Penrose pseudo-inverse via the SVD, singular values below max(atol, rtol * largest) treated as zero.
    """)
_doc("pynn.pinverse", """
    pinverse(input, rcond=1e-15) -> Tensor

    Pseudo-inverse, linalg.pinv(input, rtol=rcond).
    """)
_doc("pynn.mvlgamma", """
    mvlgamma(input, p) -> Tensor

    Elementwise multivariate log-gamma of dimension p: p(p-1)/4 log(pi) + sum_{i<p} lgamma(x - i/2); every element
    must exceed (p - 1) / 2.
    """)
_doc("pynn.polygamma", """
    polygamma(n, input) -> Tensor

    Elementwise n-th derivative of the digamma function (n = 0: digamma).
    """)
_doc("pynn.Tensor.polygamma", """
    polygamma(n) -> Tensor

    pynn.polygamma(n, self).
    """)
_doc("pynn.Tensor.polygamma_", """
    polygamma_(n) -> Tensor

    In-place polygamma.
    """)
_doc("pynn.narrow_copy", """
    narrow_copy(input, dim, start, length) -> Tensor

    A contiguous copy of input.narrow(dim, start, length).
    """)
_doc("pynn.positive", """
    positive(input) -> Tensor

    Returns input (unary +); bool tensors raise.
    """)
_doc("pynn.renorm", """
    renorm(input, p, dim, maxnorm) -> Tensor

    Rescales each slice of input along dim whose p-norm exceeds maxnorm down to norm maxnorm.
    """)
_doc("pynn.round", """
    round(input, *, decimals=0, out=None) -> Tensor

    Elementwise rounding to the nearest integer, ties to even, or to `decimals` decimal places (negative: to the left
    of the point).
    """)
_doc("pynn.Tensor.round", """
    round(decimals=0) -> Tensor

    pynn.round(self, decimals=decimals).
    """)
_doc("pynn.Tensor.round_", """
    round_(decimals=0) -> Tensor

    In-place round.
    """)
_doc("pynn.sgn", """
    sgn(input) -> Tensor

    Elementwise sign (-1, 0, 1); for pynn's real dtypes the same as sign.
    """)
_doc("pynn.sinc", """
    sinc(input) -> Tensor

    Elementwise normalised sinc, sin(pi x) / (pi x), with sinc(0) = 1.
    """)
_doc("pynn.vander", """
    vander(x, N=None, increasing=False) -> Tensor

    Vandermonde matrix of the 1-D x: columns x**(N-1), ..., x**0 (reversed with increasing=True); N defaults to
    len(x).
    """)
for _n in ("deg2rad", "rad2deg", "sinc", "ldexp", "lcm", "renorm", "mvlgamma", "sgn"):
    _sig = _DOCS["pynn." + _n].split("\n", 1)[0]
    _rest = _sig[_sig.index("(") + 1:_sig.rindex(")")].partition(", ")[2]
    _doc(_T + _n + "_", f"""
        {_n}_({_rest}) -> Tensor

        In-place version of Tensor.{_n}: writes the result into self and returns self.
        """)
for _n, _args in (("scatter_reduce_", "dim, index, src, reduce, *, include_self=True"),
                  ("index_reduce_", "dim, index, source, reduce, *, include_self=True"),
                  ("masked_scatter_", "mask, source"), ("put_", "index, source, accumulate=False")):
    _doc(_T + _n, f"""
        {_n}({_args}) -> Tensor

        In-place version of Tensor.{_n[:-1]}: writes the result into self and returns self.
        """)
_doc(_T + "addmm_", """
    addmm_(mat1, mat2, *, beta=1, alpha=1) -> Tensor

    In-place addmm: self = beta * self + alpha * (mat1 @ mat2).
    """)
_doc(_T + "fill_diagonal_", """
    fill_diagonal_(fill_value, wrap=False) -> Tensor

    Fills the main diagonal of self (2-D, or n-D with equal sizes) with fill_value in place; wrap=True restarts the
    diagonal below a tall matrix's square part.
    """)
_doc(_T + "sum_to_size", """
    sum_to_size(*size) -> Tensor

    Sums self down to size (which self must broadcast to), as a gradient is reduced to its input's shape.
    """)
_doc(_T + "apply_", """
    apply_(callable) -> Tensor

    Replaces each element x of self with callable(x) in place (Python per element; cpu tensors without grad only).
    """)
_doc(_T + "map_", """
    map_(tensor, callable) -> Tensor

    Replaces each element x of self with callable(x, y), y the matching element of tensor broadcast to self, in
    place (cpu tensors without grad only).
    """)
for _n, _what in (("exponential_", "the exponential distribution with rate lambd"),
                  ("geometric_", "the geometric distribution with success probability p (values 1, 2, ...)"),
                  ("log_normal_", "a log-normal distribution whose log has the given mean and std"),
                  ("cauchy_", "the Cauchy distribution with the given median and scale sigma")):
    _args = {"exponential_": "lambd=1.0", "geometric_": "p", "log_normal_": "mean=1.0, std=2.0",
             "cauchy_": "median=0.0, sigma=1.0"}[_n]
    _doc(_T + _n, f"""
        {_n}({_args}, *, generator=None) -> Tensor

        Fills self in place with samples from {_what}; floating-point tensors.
        """)
_doc(_T + "random_", """
    random_(from_=None, to=None, *, generator=None) -> Tensor

    Fills self in place with integers drawn uniformly from [from, to): random_(to) means [0, to), random_() the
    whole range the dtype represents exactly. torch's keyword from= is accepted as well as from_=.
    """)
# ------------------------------------------------------------------------------------------ pynn.special
_S = "pynn.special."
for _n, _what in (("digamma", "digamma (psi) function, the derivative of lgamma"), ("psi", "digamma function"),
                  ("erf", "error function"), ("erfc", "complementary error function 1 - erf(x)"),
                  ("erfinv", "inverse error function on (-1, 1)"), ("exp2", "2**x"),
                  ("expit", "logistic sigmoid 1 / (1 + exp(-x))"), ("expm1", "exp(x) - 1, accurate near 0"),
                  ("gammaln", "log|Gamma(x)| (lgamma)"),
                  ("i0", "modified Bessel function of the first kind, order 0"),
                  ("i1", "modified Bessel function of the first kind, order 1"),
                  ("log1p", "log(1 + x), accurate near 0"), ("ndtr", "standard normal CDF (1 + erf(x / sqrt(2))) / 2"),
                  ("sinc", "normalised sinc sin(pi x) / (pi x), 1 at 0")):
    _doc(_S + _n, f"""
        {_n}(input) -> Tensor

        Elementwise {_what}.
        """)
_doc(_S + "logit", """
    logit(input, eps=None) -> Tensor

    Elementwise log(p / (1 - p)); with eps, p is input clamped to [eps, 1 - eps] first.
    """)
_doc(_S + "xlogy", """
    xlogy(input, other) -> Tensor

    Elementwise input * log(other), 0 where input == 0 (unless other is NaN).
    """)
_doc(_S + "log_softmax", """
    log_softmax(input, dim, *, dtype=None) -> Tensor

    log(softmax(input, dim)), computed stably; dtype casts input first.
    """)
_doc(_S + "softmax", """
    softmax(input, dim, *, dtype=None) -> Tensor

    exp(x) / sum(exp(x)) along dim, computed stably; dtype casts input first.
    """)
_doc(_S + "logsumexp", """
    logsumexp(input, dim, keepdim=False) -> Tensor

    log(sum(exp(input))) over dim, computed stably.
    """)
_doc(_S + "multigammaln", """
    multigammaln(input, p) -> Tensor

    Multivariate log-gamma of dimension p (mvlgamma).
    """)
_doc(_S + "polygamma", """
    polygamma(n, input) -> Tensor

    Elementwise n-th derivative of the digamma function.
    """)
_doc(_S + "round", """
    round(input, *, decimals=0) -> Tensor

    Elementwise rounding, ties to even, to `decimals` decimal places.
    """)
