// Joining and splitting (cat, stack, split, chunk, unbind), repeat, flip, roll, and tril / triu.
#include <algorithm>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "kernels/indexing.h"
#include "kernels/join.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/indexing_internal.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(triangle_mask_kernel, "tril");

namespace {

using autograd::untracked;
using namespace index_detail;

bool any_needs_grad(const std::vector<Tensor>& ts) {
  if (!autograd::grad_enabled()) return false;
  for (const Tensor& t : ts)
    if (autograd::requires_grad(t)) return true;
  return false;
}

void triangle_(const Tensor& x, int64_t diagonal, bool lower) {
  const char* op = lower ? "tril" : "triu";
  require_defined(op, x);
  PYNN_CHECK(x->dim() >= 2, op, op, ": input tensor must have at least 2 dimensions");
  const auto kernel = triangle_mask_kernel.at(x->device(), op);
  autograd::check_inplace(x, op);
  const bool grad = autograd::needs_grad(x);
  if (x->is_contiguous()) {
    kernel(x, diagonal, lower);
  } else {
    Tensor tmp = untracked([&] { return clone(x); });
    kernel(tmp, diagonal, lower);
    untracked([&] { copy_(x, tmp); });
  }
  x->bump_version();
  if (grad) autograd::record_triangle(x, diagonal, lower, x, true);
}

Tensor triangle(const Tensor& x, int64_t diagonal, bool lower) {
  const auto kernel = triangle_mask_kernel.at(x->device(), lower ? "tril" : "triu");
  Tensor out = untracked([&] { return clone(x); });
  kernel(out, diagonal, lower);
  if (autograd::needs_grad(x)) autograd::record_triangle(x, diagonal, lower, out, false);
  return out;
}

// Consecutive pieces of x along d (split / split_with_sizes): views torch refuses to modify in place.
std::vector<Tensor> narrow_pieces(const Tensor& x, int d, const std::vector<int64_t>& sizes, const char* name,
                                  const char* fn_name) {
  const bool grad = autograd::needs_grad(x);
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t len : sizes) {
    out.push_back(untracked([&] { return narrow(x, d, start, len); }));
    if (grad)
      autograd::record_multi_view(x, out.back(), [d, start, len](const Tensor& b) { return narrow(b, d, start, len); },
                                  name, fn_name, static_cast<int>(out.size() - 1));
    start += len;
  }
  return out;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  PYNN_CHECK_VALUE(!tensors.empty(), "cat", "expected a non-empty list of Tensors");
  ScalarType dtype = ScalarType::Bool;
  const Tensor* ref = nullptr;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    require_defined("cat", t, "tensors");
    PYNN_CHECK(t->dim() > 0, "cat", "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    dtype = i == 0 ? t->dtype() : promote_types(dtype, t->dtype());
    if (!ref && !(t->dim() == 1 && t->numel() == 0)) ref = &t;
  }
  const Device dev = same_device("cat", tensors);
  if (!ref) {  // only legacy 1-D empty inputs: still part of the graph, as in torch
    Tensor out = empty(Dims{0}, dtype, dev);
    if (any_needs_grad(tensors)) autograd::record_cat(tensors, 0, out);
    return out;
  }
  const int nd = (*ref)->dim();
  const int d = wrap_dim(dim, nd, "cat");
  Dims out_sizes = (*ref)->sizes();
  out_sizes[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t->dim() == 1 && t->numel() == 0) continue;  // legacy: 1-D empty tensors are skipped
    PYNN_CHECK(t->dim() == nd, "cat", "Tensors must have same number of dimensions: got ", nd, " and ", t->dim());
    for (int k = 0; k < nd; ++k) {
      if (k == d) continue;
      PYNN_CHECK(t->sizes()[k] == (*ref)->sizes()[k], "cat", "Sizes of tensors must match except in dimension ", d,
                 ". Expected size ", (*ref)->sizes()[k], " but got size ", t->sizes()[k], " for tensor number ", i,
                 " in the list.");
    }
    out_sizes[d] += t->sizes()[d];
  }
  Tensor out = empty(out_sizes, dtype, dev);
  const bool grad = any_needs_grad(tensors);
  untracked([&] {
    int64_t offset = 0;
    for (const Tensor& t : tensors) {
      if (t->dim() == 1 && t->numel() == 0) continue;
      const int64_t len = t->sizes()[d];
      if (len > 0 && t->numel() > 0) copy_(narrow(out, d, offset, len), t);
      offset += len;
    }
  });
  if (grad) autograd::record_cat(tensors, d, out);
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  PYNN_CHECK(!tensors.empty(), "stack", "stack expects a non-empty TensorList");
  for (size_t i = 0; i < tensors.size(); ++i) {
    require_defined("stack", tensors[i], "tensors");
    PYNN_CHECK(tensors[i]->sizes() == tensors[0]->sizes(), "stack", "stack expects each tensor to be equal size, but got ",
               tensors[0]->sizes().str(), " at entry 0 and ", tensors[i]->sizes().str(), " at entry ", i);
  }
  const int d = wrap_dim(dim, tensors[0]->dim() + 1, "stack");
  Tensor out = untracked([&] {
    std::vector<Tensor> parts;
    parts.reserve(tensors.size());
    for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
    return cat(parts, d);
  });
  if (any_needs_grad(tensors)) autograd::record_stack(tensors, d, out);
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  require_defined("split", x);
  PYNN_CHECK(x->dim() > 0, "split", "split expects at least a 1-dimensional tensor");
  const int d = wrap_dim(dim, x->dim(), "split");
  PYNN_CHECK(split_size >= 0, "split", "split expects split_size be non-negative, but got split_size=", split_size);
  const int64_t n = x->sizes()[d];
  PYNN_CHECK(split_size != 0 || n == 0, "split", "split_size can only be 0 if dimension size is 0, but got dimension size of ",
             n);
  int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<int64_t> sizes;
  for (int64_t i = 0; i < pieces; ++i) sizes.push_back(std::min(split_size, n - i * split_size));
  return narrow_pieces(x, d, sizes, "SplitBackward0", "Split");
}

std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  require_defined("split", x);
  PYNN_CHECK(x->dim() > 0, "split", "split expects at least a 1-dimensional tensor");
  const int d = wrap_dim(dim, x->dim(), "split");
  const int64_t n = x->sizes()[d];
  int64_t total = 0;
  for (int64_t s : sizes) {
    PYNN_CHECK(s >= 0, "split", "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=",
               Dims(sizes).str());
    total += s;
  }
  PYNN_CHECK(total == n, "split", "split_with_sizes expects split_sizes to sum exactly to ", n,
             " (input tensor's size at dimension ", d, "), but got split_sizes=", Dims(sizes).str());
  return narrow_pieces(x, d, sizes, "SplitWithSizesBackward0", "SplitWithSizes");
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  require_defined("chunk", x);
  PYNN_CHECK(x->dim() > 0, "chunk", "chunk expects at least a 1-dimensional tensor");
  PYNN_CHECK(chunks > 0, "chunk", "chunk expects `chunks` to be greater than 0, got: ", chunks);
  const int d = wrap_dim(dim, x->dim(), "chunk");
  const int64_t n = x->sizes()[d];
  const int64_t split_size = (n + chunks - 1) / chunks;
  if (split_size == 0 && n == 0) return split_with_sizes(x, std::vector<int64_t>(static_cast<size_t>(chunks), 0), d);
  return split(x, split_size, d);
}

std::vector<Tensor> unbind(const Tensor& x, int64_t dim) {
  require_defined("unbind", x);
  PYNN_CHECK_INDEX(x->dim() > 0, "unbind", "Dimension specified as ", dim, " but tensor has no dimensions");
  const int d = wrap_dim(dim, x->dim(), "unbind");
  const bool grad = autograd::needs_grad(x);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < x->sizes()[d]; ++i) {
    out.push_back(untracked([&] { return select(x, d, i); }));
    if (grad)
      autograd::record_multi_view(x, out.back(), [d, i](const Tensor& b) { return select(b, d, i); },
                                  "UnbindBackward0", "Unbind", static_cast<int>(i));
  }
  return out;
}

Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats) {
  require_defined("repeat", x);
  const int nr = static_cast<int>(repeats.size());
  PYNN_CHECK(nr >= x->dim(), "repeat",
             "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  const int pad = nr - x->dim();
  Dims xs(nr, int64_t(1)), xst(nr, int64_t(0)), out_sizes(nr);
  for (int i = 0; i < x->dim(); ++i) {
    xs[pad + i] = x->sizes()[i];
    xst[pad + i] = x->strides()[i];
  }
  for (int i = 0; i < nr; ++i) {
    PYNN_CHECK(repeats[i] >= 0, "repeat", "Trying to create tensor with negative dimension ", repeats[i], ": ",
               Dims(repeats).str());
    out_sizes[i] = xs[i] * repeats[i];
  }
  Tensor out = empty(out_sizes, x->dtype(), x->device());
  if (out->numel() == 0) {
    if (autograd::needs_grad(x)) autograd::record_repeat(x, repeats, out);
    return out;
  }
  // View out as (r0, s0, r1, s1, ...) and copy x (broadcast along the r dims) into it.
  Dims ov_sizes, ov_strides, sv_sizes, sv_strides;
  const Dims& os = out->strides();
  for (int i = 0; i < nr; ++i) {
    if (repeats[i] != 1) {
      ov_sizes.push_back(repeats[i]);
      ov_strides.push_back(xs[i] * os[i]);
      sv_sizes.push_back(1);
      sv_strides.push_back(0);
    }
    ov_sizes.push_back(xs[i]);
    ov_strides.push_back(os[i]);
    sv_sizes.push_back(xs[i]);
    sv_strides.push_back(xst[i]);
  }
  copy_(make_view(out, ov_sizes, ov_strides, 0), make_view(x, sv_sizes, sv_strides, x->offset()));
  if (autograd::needs_grad(x)) autograd::record_repeat(x, repeats, out);
  return out;
}

Tensor flip(const Tensor& x, const std::vector<int64_t>& dims) {
  require_defined("flip", x);
  const int nd = x->dim();
  std::vector<bool> flipped(static_cast<size_t>(std::max(nd, 1)), false);
  for (int64_t d0 : dims) {
    int d = wrap_dim(d0, nd, "flip");
    PYNN_CHECK(!flipped[d], "flip", "dim ", d, " appears multiple times in the list of dims");
    flipped[d] = true;
  }
  const bool grad = autograd::needs_grad(x);
  if (nd == 0 || x->numel() == 0) {
    Tensor out = untracked([&] { return clone(x); });
    if (grad) autograd::record_flip(x, dims, out);
    return out;
  }
  // Source offsets with the flipped dims walked backwards: rows over dims [0, nd-1), then the last dim.
  int64_t base = 0;
  std::vector<int64_t> outer_sizes, outer_strides, inner_sizes, inner_strides;
  for (int d = 0; d < nd; ++d) {
    int64_t st = x->strides()[d];
    if (flipped[d]) {
      base += (x->sizes()[d] - 1) * st;
      st = -st;
    }
    (d < nd - 1 ? outer_sizes : inner_sizes).push_back(x->sizes()[d]);
    (d < nd - 1 ? outer_strides : inner_strides).push_back(st);
  }
  // A take with no index tensors: the flipped dims' reversal lives in the offsets.
  AdvancedIndexGeom geom;
  geom.op = "flip";
  geom.outer_offsets = strided_offsets(outer_sizes, outer_strides);
  for (int64_t& o : geom.outer_offsets) o += base;
  geom.inner_offsets = strided_offsets(inner_sizes, inner_strides);
  Tensor out = empty(x->sizes(), x->dtype(), x->device());
  index_take_kernel.at(x->device(), "flip")(out, x, geom);
  if (grad) autograd::record_flip(x, dims, out);
  return out;
}

Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims) {
  require_defined("roll", x);
  if (autograd::needs_grad(x)) {
    Tensor out = untracked([&] { return roll(x, shifts, dims); });
    autograd::record_roll(x, shifts, dims, out);
    return out;
  }
  if (dims.empty()) {
    PYNN_CHECK(shifts.size() == 1, "roll", "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:0");
    Tensor flat = reshape(x, {-1});
    Tensor r = roll(flat, shifts, {0});
    return reshape(r, x->sizes().vec());
  }
  PYNN_CHECK(shifts.size() == dims.size(), "roll", "shifts and dimensions must align. shifts: ", shifts.size(),
             ", dims:", dims.size());
  Tensor cur = x;
  for (size_t i = 0; i < dims.size(); ++i) {
    const int d = wrap_dim(dims[i], x->dim(), "roll");
    const int64_t n = x->dim() == 0 ? 1 : cur->sizes()[d];
    if (n == 0 || x->dim() == 0) continue;
    const int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    Tensor out = empty(cur->sizes(), cur->dtype(), cur->device());
    copy_(narrow(out, d, s, n - s), narrow(cur, d, 0, n - s));
    copy_(narrow(out, d, 0, s), narrow(cur, d, n - s, s));
    cur = out;
  }
  return cur == x ? clone(x) : cur;
}

Tensor tril(const Tensor& x, int64_t diagonal) {
  require_defined("tril", x);
  PYNN_CHECK(x->dim() >= 2, "tril", "tril: input tensor must have at least 2 dimensions");
  return triangle(x, diagonal, true);
}

Tensor triu(const Tensor& x, int64_t diagonal) {
  require_defined("triu", x);
  PYNN_CHECK(x->dim() >= 2, "triu", "triu: input tensor must have at least 2 dimensions");
  return triangle(x, diagonal, false);
}

void tril_(const Tensor& x, int64_t diagonal) { triangle_(x, diagonal, true); }
void triu_(const Tensor& x, int64_t diagonal) { triangle_(x, diagonal, false); }
}  // namespace pynn
