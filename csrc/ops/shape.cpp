#include "ops/shape.h"

#include <algorithm>

#include "autograd/functions.h"
#include "core/shape.h"
#include "ops/common.h"
#include "ops/elementwise.h"

namespace pynn {

namespace {
// torch multiplies the requested sizes in order with an overflow check, a 0 not ending it early: view(2**62, 6, 0)
// is refused (its strides would not fit int64 either), view(2**62, 0, 6) is not.
Dims checked_infer_size(const std::vector<int64_t>& shape, int64_t numel, const char* op) {
  int64_t n = 1;
  for (int64_t s : shape)
    PYNN_CHECK(s == -1 || !__builtin_mul_overflow(n, s, &n), op, "numel: integer multiplication overflow");
  return infer_size(shape, numel, op);
}
}  // namespace

Tensor view(const Tensor& x, const std::vector<int64_t>& shape) {
  require_defined("view", x);
  Dims sizes = checked_infer_size(shape, x->numel(), "view");
  Dims strides;
  PYNN_CHECK(view_strides(x->sizes(), x->strides(), sizes, strides), "view",
             "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
             "two contiguous subspaces). Use .reshape(...) instead.");
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_reshape(x, out, "ViewBackward0");
  return out;
}

Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape) {
  require_defined("reshape", x);
  Dims sizes = checked_infer_size(shape, x->numel(), "reshape");
  Dims strides;
  Tensor out = view_strides(x->sizes(), x->strides(), sizes, strides)
                   ? make_view(x, sizes, strides, x->offset())
                   : make_view(contiguous(x), sizes, contiguous_strides(sizes), 0);
  if (autograd::needs_grad(x)) autograd::record_reshape(x, out, "ViewBackward0");
  return out;
}

Tensor as_strided(const Tensor& x, const Dims& sizes, const Dims& strides, int64_t offset) {
  PYNN_CHECK(sizes.size() == strides.size(), "as_strided", "mismatch in length of strides and shape");
  for (int64_t s : strides) PYNN_CHECK(s >= 0, "as_strided", "Negative strides are not supported at the moment, got strides: ", strides.str());
  PYNN_CHECK(offset >= 0, "as_strided", "storage offset must be non-negative");
  int64_t need = required_storage_elems(sizes, strides, offset);
  PYNN_CHECK(need * static_cast<int64_t>(x->itemsize()) <= static_cast<int64_t>(x->storage()->nbytes), "as_strided",
             "setStorage: sizes ", sizes.str(), ", strides ", strides.str(), ", storage offset ", offset,
             " requiring a storage size of ", need * x->itemsize(), " are out of bounds for storage of size ",
             x->storage()->nbytes);
  Tensor out = make_view(x, sizes, strides, offset);
  if (autograd::needs_grad(x))
    autograd::record_as_strided(x, out, sizes, strides, offset);
  return out;
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  int n = x->dim();
  int a = wrap_dim(d0, n, "transpose"), b = wrap_dim(d1, n, "transpose");  // a 0-d tensor takes dims -1 and 0
  if (n == 0) {  // the identity, but still a recorded view (requires_grad survives)
    Tensor out = make_view(x, x->sizes(), x->strides(), x->offset());
    if (autograd::needs_grad(x)) autograd::record_permute(x, out, {}, "TransposeBackward0");
    return out;
  }
  Dims sizes = x->sizes(), strides = x->strides();
  std::swap(sizes[a], sizes[b]);
  std::swap(strides[a], strides[b]);
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) {
    std::vector<int64_t> perm(n);
    for (int i = 0; i < n; ++i) perm[i] = i;
    std::swap(perm[a], perm[b]);
    autograd::record_permute(x, out, perm, "TransposeBackward0");
  }
  return out;
}

Tensor t(const Tensor& x) {
  PYNN_CHECK(x->dim() <= 2, "t", "t() expects a tensor with <= 2 dimensions, but self is ", x->dim(), "D");
  if (x->dim() < 2) return alias(x);
  return transpose(x, 0, 1);
}

void resize_(const Tensor& x, const Dims& sizes, std::optional<Dims> dense_strides) {
  require_defined("resize_", x);
  PYNN_CHECK(!autograd::requires_grad(x), "resize_", "cannot resize variables that require grad");
  for (int64_t s : sizes) PYNN_CHECK(s >= 0, "resize_", "Trying to create tensor with negative dimension ", s, ": ", sizes.str());
  checked_numel(sizes);
  const Dims strides = dense_strides ? *dense_strides : contiguous_strides(sizes);
  PYNN_CHECK(strides.size() == sizes.size(), "resize_", "strides do not match the sizes");
  const size_t needed = static_cast<size_t>(required_storage_elems(sizes, strides, x->offset())) * x->itemsize();
  const std::shared_ptr<Storage>& storage = x->storage();
  if (needed > storage->nbytes) {
    PYNN_CHECK(storage->allocator, "resize_", "Trying to resize storage that is not resizable");
    // A new block holding the old bytes, whose memory then moves into the storage every view shares.
    const ScalarType dt = x->dtype();
    const int64_t old_elems = static_cast<int64_t>(storage->nbytes / x->itemsize());
    auto grown = Storage::allocate(needed, storage->device);
    Tensor from = std::make_shared<TensorImpl>(storage, Dims{old_elems}, Dims{1}, 0, dt);
    Tensor to = std::make_shared<TensorImpl>(grown, Dims{old_elems}, Dims{1}, 0, dt);
    if (old_elems > 0) copy_(to, from);
    std::swap(storage->data, grown->data);
    std::swap(storage->nbytes, grown->nbytes);
  }
  x->set_geometry(sizes, strides, x->offset());
  x->bump_version();
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  int n = x->dim();
  PYNN_CHECK(static_cast<int>(dims.size()) == n, "permute",
             "number of dims don't match in permute (input has ", n, " dims, but got ", dims.size(), ")");
  Dims sizes(n), strides(n);
  uint32_t seen = 0;  // a bit per dim (at most kMaxDims)
  static_assert(kMaxDims <= 32, "permute's seen mask holds one bit per dim");
  for (int i = 0; i < n; ++i) {
    int d = wrap_dim(dims[i], n, "permute");
    PYNN_CHECK(!(seen >> d & 1u), "permute", "repeated dim in permute");
    seen |= 1u << d;
    sizes[i] = x->sizes()[d];
    strides[i] = x->strides()[d];
  }
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_permute(x, out, dims, "PermuteBackward0");
  return out;
}

Tensor expand(const Tensor& x, const std::vector<int64_t>& shape) {
  int n = static_cast<int>(shape.size());
  PYNN_CHECK(n >= x->dim(), "expand", "the number of sizes provided (", n,
             ") must be greater or equal to the number of dimensions in the tensor (", x->dim(), ")");
  Dims sizes(n), strides(n);
  for (int i = n - 1; i >= 0; --i) {
    int xd = x->dim() - n + i;
    int64_t want = shape[i];
    if (xd >= 0) {
      int64_t have = x->sizes()[xd];
      if (want == -1) want = have;
      PYNN_CHECK(have == want || have == 1, "expand", "The expanded size of the tensor (", want,
                 ") must match the existing size (", have, ") at non-singleton dimension ", i,
                 ".  Target sizes: ", Dims(shape).str(), ".  Tensor sizes: ", x->sizes().str());
      sizes[i] = want;
      strides[i] = have == want ? x->strides()[xd] : 0;
    } else {
      PYNN_CHECK(want >= 0, "expand", "The expanded size of the tensor (", want,
                 ") isn't allowed in a leading, non-existing dimension ", i);
      sizes[i] = want;
      strides[i] = 0;
    }
  }
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_expand(x, out);
  return out;
}

Tensor expand_to(const Tensor& x, const Dims& shape) { return expand(x, shape.vec()); }

Tensor squeeze(const Tensor& x) {
  Dims sizes, strides;
  for (int i = 0; i < x->dim(); ++i)
    if (x->sizes()[i] != 1) {
      sizes.push_back(x->sizes()[i]);
      strides.push_back(x->strides()[i]);
    }
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_reshape(x, out, "SqueezeBackward0");
  return out;
}

Tensor squeeze(const Tensor& x, const std::vector<int64_t>& dims) {
  int n = x->dim();
  std::vector<bool> drop(std::max(n, 1), false);
  for (int64_t d : dims) {
    int w = wrap_dim(d, n, "squeeze");
    if (n > 0 && x->sizes()[w] == 1) drop[w] = true;
  }
  Dims sizes, strides;
  for (int i = 0; i < n; ++i)
    if (!drop[i]) {
      sizes.push_back(x->sizes()[i]);
      strides.push_back(x->strides()[i]);
    }
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_reshape(x, out, "SqueezeBackward0");
  return out;
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  int d = wrap_dim(dim, x->dim() + 1, "unsqueeze");
  Dims sizes = x->sizes(), strides = x->strides();
  int64_t st = d < x->dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, st);
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_reshape(x, out, "UnsqueezeBackward0");
  return out;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  int n = x->dim();
  if (n == 0) return reshape(x, {1});
  int s = wrap_dim(start_dim, n, "flatten"), e = wrap_dim(end_dim, n, "flatten");
  PYNN_CHECK(s <= e, "flatten", "start_dim cannot come after end_dim");
  if (s == e) return alias(x);
  std::vector<int64_t> shape;
  for (int i = 0; i < s; ++i) shape.push_back(x->sizes()[i]);
  int64_t p = 1;
  for (int i = s; i <= e; ++i) p *= x->sizes()[i];
  shape.push_back(p);
  for (int i = e + 1; i < n; ++i) shape.push_back(x->sizes()[i]);
  return reshape(x, shape);
}

Tensor unflatten(const Tensor& x, int64_t dim, const std::vector<int64_t>& sizes) {
  int d = wrap_dim(dim, x->dim(), "unflatten");
  PYNN_CHECK(!sizes.empty(), "unflatten", "sizes must be non-empty");
  Dims inner = infer_size(sizes, x->sizes()[d], "unflatten");
  std::vector<int64_t> shape;
  for (int i = 0; i < d; ++i) shape.push_back(x->sizes()[i]);
  for (int64_t s : inner) shape.push_back(s);
  for (int i = d + 1; i < x->dim(); ++i) shape.push_back(x->sizes()[i]);
  return view(x, shape);
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  PYNN_CHECK(x->dim() > 0, "narrow", "narrow() cannot be applied to a 0-dim tensor.");
  int d = wrap_dim(dim, x->dim(), "narrow");
  int64_t size = x->sizes()[d];
  PYNN_CHECK_INDEX(start >= -size && start <= size, "narrow", "start out of range (expected to be in range of [", -size,
                   ", ", size, "], but got ", start, ")");
  if (start < 0) start += size;
  PYNN_CHECK(length >= 0 && start + length <= size, "narrow", "start (", start, ") + length (", length,
             ") exceeds dimension size (", size, ").");
  Dims sizes = x->sizes();
  sizes[d] = length;
  Tensor out = make_view(x, sizes, x->strides(), x->offset() + start * x->strides()[d]);
  if (autograd::needs_grad(x))
    autograd::record_subview(x, out, [d, start, length](const Tensor& b) { return narrow(b, d, start, length); }, "NarrowBackward0");
  return out;
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  PYNN_CHECK_INDEX(x->dim() > 0, "select", "invalid index of a 0-dim tensor. Use `tensor.item()` to convert a 0-dim tensor to a number");
  int d = wrap_dim(dim, x->dim(), "select");
  int64_t size = x->sizes()[d];
  PYNN_CHECK_INDEX(index >= -size && index < size, "select", "index ", index, " is out of bounds for dimension ", d,
                   " with size ", size);
  if (index < 0) index += size;
  Dims sizes = x->sizes(), strides = x->strides();
  int64_t offset = x->offset() + index * strides[d];
  sizes.erase(d);
  strides.erase(d);
  Tensor out = make_view(x, sizes, strides, offset);
  if (autograd::needs_grad(x))
    autograd::record_subview(x, out, [d, index](const Tensor& b) { return select(b, d, index); }, "SelectBackward0");
  return out;
}

Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  PYNN_CHECK_INDEX(x->dim() > 0, "slice", "invalid index of a 0-dim tensor.");
  PYNN_CHECK_VALUE(step > 0, "slice", "step must be greater than zero");
  int d = wrap_dim(dim, x->dim(), "slice");
  int64_t size = x->sizes()[d];
  int64_t b = start.value_or(0), e = stop.value_or(size);
  if (b < 0) b += size;
  if (e < 0) e += size;
  b = std::min(std::max<int64_t>(b, 0), size);
  e = std::min(std::max<int64_t>(e, b), size);
  Dims sizes = x->sizes(), strides = x->strides();
  sizes[d] = (e - b + step - 1) / step;
  int64_t offset = x->offset() + b * strides[d];
  strides[d] *= step;
  Tensor out = make_view(x, sizes, strides, offset);
  if (autograd::needs_grad(x))
    autograd::record_subview(x, out, [d, b, e, step](const Tensor& t) { return slice(t, d, b, e, step); }, "SliceBackward0");
  return out;
}

Tensor diagonal(const Tensor& x, int64_t offset, int64_t d1, int64_t d2) {
  int n = x->dim();
  int a = wrap_dim(d1, n, "diagonal"), b = wrap_dim(d2, n, "diagonal");
  PYNN_CHECK(a != b, "diagonal", "diagonal dimensions cannot be identical ", d1, ", ", d2);
  int64_t len, start = x->offset();
  if (offset >= 0) {
    len = std::max<int64_t>(std::min(x->sizes()[a], x->sizes()[b] - offset), 0);
    start += offset * x->strides()[b];
  } else {
    len = std::max<int64_t>(std::min(x->sizes()[a] + offset, x->sizes()[b]), 0);
    start -= offset * x->strides()[a];
  }
  if (len == 0) start = x->offset();
  Dims sizes, strides;
  for (int i = 0; i < n; ++i)
    if (i != a && i != b) {
      sizes.push_back(x->sizes()[i]);
      strides.push_back(x->strides()[i]);
    }
  sizes.push_back(len);
  strides.push_back(x->strides()[a] + x->strides()[b]);
  Tensor out = make_view(x, sizes, strides, start);
  if (autograd::needs_grad(x))
    autograd::record_subview(x, out, [offset, a, b](const Tensor& t) { return diagonal(t, offset, a, b); }, "DiagonalBackward0");
  return out;
}

Tensor unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step) {
  int d = x->dim() == 0 ? 0 : wrap_dim(dim, x->dim(), "unfold");
  int64_t len = x->dim() == 0 ? 1 : x->sizes()[d];
  PYNN_CHECK(size <= len, "unfold", "maximum size for tensor at dimension ", d, " is ", len, " but size is ", size);
  PYNN_CHECK(step > 0, "unfold", "step is ", step, " but must be > 0");
  Dims sizes = x->sizes(), strides = x->strides();
  if (x->dim() > 0) {
    sizes[d] = (len - size) / step + 1;
    strides[d] = x->strides()[d] * step;
  }
  // A 0-dim input is treated as a length-1 dim that is replaced by the window dim (torch: shape [size]).
  sizes.push_back(size);
  strides.push_back(x->dim() == 0 ? 1 : x->strides()[d]);
  Tensor out = make_view(x, sizes, strides, x->offset());
  if (autograd::needs_grad(x)) autograd::record_unfold(x, d, size, step, out);
  return out;
}

Tensor alias(const Tensor& x) {
  Tensor out = make_view(x, x->sizes(), x->strides(), x->offset());
  if (autograd::needs_grad(x)) autograd::record_reshape(x, out, "AliasBackward0");
  return out;
}

}  // namespace pynn
