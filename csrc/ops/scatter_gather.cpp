// Gather / scatter, index_select, take_along_dim, masks (masked_fill / masked_select), nonzero and one_hot.
#include <algorithm>
#include <string>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/overlap.h"
#include "core/shape.h"
#include "kernels/scatter_gather.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/indexing_internal.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(gather_kernel, "gather");
PYNN_DEFINE_KERNEL(scatter_kernel, "scatter");
PYNN_DEFINE_KERNEL(scatter_fill_kernel, "scatter");
PYNN_DEFINE_KERNEL(masked_fill_kernel, "masked_fill_");
PYNN_DEFINE_KERNEL(count_nonzero_kernel, "nonzero");
PYNN_DEFINE_KERNEL(nonzero_kernel, "nonzero");
PYNN_DEFINE_KERNEL(masked_select_kernel, "masked_select");

namespace {

using autograd::untracked;
using namespace index_detail;

// Number of non-zero elements of contiguous x, read back to size a result.
int64_t count_nonzero(Device dev, const Tensor& x, const char* op) {
  Tensor count = empty(Dims{}, ScalarType::Int64, dev);
  count_nonzero_kernel.at(dev, op)(count, x);
  return item(count).i;
}

void scatter_impl(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar* value, bool add,
                  const char* op) {
  require_defined(op, x, "self");
  require_defined(op, index, "index");
  const Device dev = same_device(op, x, index, src);
  const int d = wrap_dim(dim, x->dim(), op);
  PYNN_CHECK(is_index_dtype(index->dtype()), op, "scatter(): Expected dtype int64 for index");
  if (src) {
    PYNN_CHECK(src->dtype() == x->dtype(), op, "scatter(): Expected self.dtype to be equal to src.dtype");
  }
  if (index->numel() == 0) return;
  Tensor xv = as_1d(x), iv = as_1d(index);
  Tensor sv = src ? as_1d(src) : nullptr;
  PYNN_CHECK(iv->dim() == xv->dim(), op, "Index tensor must have the same number of dimensions as self tensor");
  if (sv) PYNN_CHECK(iv->dim() == sv->dim(), op, "Index tensor must have the same number of dimensions as src tensor");
  for (int k = 0; k < iv->dim(); ++k) {
    bool ok = (k == d || iv->sizes()[k] <= xv->sizes()[k]) && (!sv || iv->sizes()[k] <= sv->sizes()[k]);
    if (!ok) {
      if (sv)
        throw std::runtime_error(str("[", op, "] Expected index ", iv->sizes().str(), " to be no larger than self ",
                                     xv->sizes().str(), " apart from dimension ", d,
                                     " and to be no larger size than src ", sv->sizes().str()));
      throw std::runtime_error(str("[", op, "] Expected index ", iv->sizes().str(), " to be no larger than self ",
                                   xv->sizes().str(), " apart from dimension ", d));
    }
  }
  Tensor idx = index_as_int64(iv);
  if (sv) {
    assert_no_internal_overlap(*x, op);
    assert_no_overlap(*x, *src, op);  // torch refuses a src that shares any memory with the written tensor
    scatter_kernel.at(dev, op)(xv, d, idx, sv, add, op);
  } else {
    scatter_fill_kernel.at(dev, op)(xv, d, idx, *value, op);
  }
  x->bump_version();
}

Tensor scatter_out_of_place(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar* value,
                            bool add, const char* op) {
  Tensor out = untracked([&] {
    Tensor o = clone(x);
    scatter_impl(o, dim, index, src, value, add, op);
    return o;
  });
  if (autograd::needs_grad(x, src)) autograd::record_scatter(x, dim, index, src, add, out, false);
  return out;
}

void scatter_in_place(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar* value,
                      bool add, const char* op) {
  require_defined(op, x);
  autograd::check_inplace(x, op);
  const bool grad = autograd::needs_grad(x, src);
  untracked([&] { scatter_impl(x, dim, index, src, value, add, op); });
  if (grad) autograd::record_scatter(x, dim, index, src, add, x, true);
}

// value_tensor: the 0-dim tensor `value` came from (it may require grad), or null for a number.
void masked_fill_impl(const Tensor& x, const Tensor& mask, const Scalar& value, const Tensor& value_tensor) {
  require_defined("masked_fill_", x);
  require_defined("masked_fill_", mask, "mask");
  const Device dev = same_device("masked_fill_", x, mask);
  PYNN_CHECK(mask->dtype() == ScalarType::Bool, "masked_fill_",
             "masked_fill_ only supports boolean masks, but got mask with dtype ", dtype_name(mask->dtype()));
  Dims b = broadcast_shapes(x->sizes(), mask->sizes(), "masked_fill_");
  PYNN_CHECK(b == x->sizes(), "masked_fill_", "output with shape ", x->sizes().str(),
             " doesn't match the broadcast shape ", b.str());
  autograd::check_inplace(x, "masked_fill_");
  const bool grad = autograd::needs_grad(x, value_tensor);
  masked_fill_kernel(dev, TensorIter{x, mask}, x->dtype(), value);
  x->bump_version();
  if (grad) autograd::record_masked_fill(x, mask, value_tensor, x, true);
}

Tensor masked_fill_out_of_place(const Tensor& x, const Tensor& mask, const Scalar& value, const Tensor& value_tensor) {
  require_defined("masked_fill", x);
  require_defined("masked_fill", mask, "mask");
  PYNN_CHECK(mask->dtype() == ScalarType::Bool, "masked_fill",
             "masked_fill_ only supports boolean masks, but got mask with dtype ", dtype_name(mask->dtype()));
  Dims b = broadcast_shapes(x->sizes(), mask->sizes(), "masked_fill");
  Tensor out = empty(b, x->dtype(), same_device("masked_fill", x, mask));
  untracked([&] {
    copy_(out, x);
    masked_fill_impl(out, mask, value, nullptr);
  });
  if (autograd::needs_grad(x, value_tensor)) autograd::record_masked_fill(x, mask, value_tensor, out, false);
  return out;
}

}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  require_defined("gather", x);
  require_defined("gather", index, "index");
  const Device dev = same_device("gather", x, index);
  const int d = wrap_dim(dim, x->dim(), "gather");
  PYNN_CHECK(is_index_dtype(index->dtype()), "gather", "gather(): Expected dtype int64 for index");
  Tensor xv = as_1d(x), iv = as_1d(index);
  PYNN_CHECK(iv->dim() == xv->dim(), "gather", "Index tensor must have the same number of dimensions as input tensor");
  for (int k = 0; k < iv->dim(); ++k)
    PYNN_CHECK(k == d || iv->sizes()[k] <= xv->sizes()[k], "gather", "Size does not match at dimension ", k,
               " expected index ", iv->sizes().str(), " to be no larger than self ", xv->sizes().str(),
               " apart from dimension ", d);
  Tensor idx = index_as_int64(iv);
  Tensor out = empty(iv->sizes(), x->dtype(), dev);
  gather_kernel(dev, out, xv, d, idx, "gather");
  if (index->dim() == 0) out = as_0d(out);
  if (autograd::needs_grad(x)) autograd::record_gather(x, d, index, out);
  return out;
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter", x);
  return scatter_out_of_place(x, dim, index, src, nullptr, false, "scatter");
}
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value) {
  require_defined("scatter", x);
  return scatter_out_of_place(x, dim, index, nullptr, &value, false, "scatter");
}
void scatter_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter_", src, "src");
  scatter_in_place(x, dim, index, src, nullptr, false, "scatter_");
}
void scatter_(const Tensor& x, int64_t dim, const Tensor& index, const Scalar& value) {
  scatter_in_place(x, dim, index, nullptr, &value, false, "scatter_");
}
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter_add", x);
  require_defined("scatter_add", src, "src");
  return scatter_out_of_place(x, dim, index, src, nullptr, true, "scatter_add");
}
void scatter_add_(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  require_defined("scatter_add_", src, "src");
  scatter_in_place(x, dim, index, src, nullptr, true, "scatter_add_");
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  require_defined("index_select", x);
  require_defined("index_select", index, "index");
  same_device("index_select", x, index);
  const int d = wrap_dim(dim, x->dim(), "index_select");
  PYNN_CHECK_INDEX(index->dim() <= 1, "index_select", "index_select(): Index is supposed to be a vector");
  PYNN_CHECK(is_index_dtype(index->dtype()), "index_select", "index_select(): Expected dtype int32 or int64 for index");
  Tensor xv = as_1d(x);
  Tensor idx = index_as_int64(as_1d(index));
  std::vector<Tensor> adv(static_cast<size_t>(xv->dim()));
  adv[static_cast<size_t>(d)] = idx;
  Tensor out = take_advanced(xv, adv, "index_select", /*wrap_negative=*/false);
  if (x->dim() == 0 && out->numel() == 1) out = as_0d(out);
  if (autograd::needs_grad(x)) autograd::record_index_select(x, d, index, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Masks

void masked_fill_(const Tensor& x, const Tensor& mask, const Scalar& value) {
  masked_fill_impl(x, mask, value, nullptr);
}

void masked_fill_(const Tensor& x, const Tensor& mask, const Tensor& value) {
  require_defined("masked_fill_", value, "value");
  PYNN_CHECK(value->dim() == 0, "masked_fill_",
             "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value->dim(),
             " dimension(s).");
  masked_fill_impl(x, mask, item(value), value);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Scalar& value) {
  return masked_fill_out_of_place(x, mask, value, nullptr);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  require_defined("masked_fill", value, "value");
  PYNN_CHECK(value->dim() == 0, "masked_fill",
             "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ", value->dim(),
             " dimension(s).");
  return masked_fill_out_of_place(x, mask, item(value), value);
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  require_defined("masked_select", x);
  require_defined("masked_select", mask, "mask");
  const Device dev = same_device("masked_select", x, mask);
  PYNN_CHECK(mask->dtype() == ScalarType::Bool, "masked_select", "masked_select: expected BoolTensor for mask");
  Dims b = broadcast_shapes(x->sizes(), mask->sizes(), "masked_select");
  Tensor xc = untracked([&] { return contiguous(expand_to(x, b)); });
  Tensor mc = contiguous(expand_to(mask, b));
  const int64_t n = count_nonzero(dev, mc, "masked_select");
  Tensor out = empty(Dims{n}, x->dtype(), dev);
  masked_select_kernel(dev, out, xc, mc);
  if (autograd::needs_grad(x)) autograd::record_masked_select(x, mask, out);
  return out;
}

Tensor nonzero(const Tensor& x) {
  require_defined("nonzero", x);
  const Device dev = x->device();
  Tensor xc = contiguous(x);
  const int64_t n = count_nonzero(dev, xc, "nonzero");
  Tensor out = empty(Dims{n, static_cast<int64_t>(x->dim())}, ScalarType::Int64, dev);
  if (out->numel() > 0) nonzero_kernel(dev, out, xc);
  return out;
}

std::vector<Tensor> nonzero_tuple(const Tensor& x) {
  require_defined("nonzero", x);
  Tensor nz = nonzero(as_1d(x));
  std::vector<Tensor> out;
  for (int k = 0; k < nz->sizes()[1]; ++k) out.push_back(contiguous(select(nz, 1, k)));
  return out;
}
Tensor one_hot(const Tensor& x, int64_t num_classes) {
  require_defined("one_hot", x);
  PYNN_CHECK(x->dtype() == ScalarType::Int64, "one_hot", "one_hot is only applicable to index tensor of type LongTensor.");
  const int64_t n = x->numel();
  // The class range comes from reductions (read back, as torch does), not from a host loop over x.
  if (n > 0) PYNN_CHECK(item(min(x)).i >= 0, "one_hot", "Class values must be non-negative.");
  const int64_t mx = n > 0 ? item(max(x)).i : -1;
  if (num_classes == -1) {
    PYNN_CHECK(n > 0, "one_hot", "Can not infer total number of classes from empty tensor.");
    num_classes = mx + 1;
  } else {
    PYNN_CHECK(num_classes >= 0, "one_hot", "num_classes should be positive or -1, got ", num_classes);
    PYNN_CHECK(mx < num_classes, "one_hot", "Class values must be smaller than num_classes.");
  }
  Dims sizes = x->sizes();
  sizes.push_back(num_classes);
  Tensor out = empty(sizes, ScalarType::Int64, x->device());
  fill_(out, Scalar(int64_t(0)));
  if (out->numel() > 0) {
    const Scalar one(int64_t(1));
    scatter_impl(out, -1, unsqueeze(x, -1), nullptr, &one, false, "one_hot");
  }
  return out;
}

// torch.take_along_dim: gather after broadcasting input and indices in every dim but `dim`; no dim: both
// flattened.
Tensor take_along_dim(const Tensor& x, const Tensor& index, std::optional<int64_t> dim) {
  require_defined("take_along_dim", x);
  require_defined("take_along_dim", index, "indices");
  if (!dim) return gather(reshape(x, {-1}), 0, reshape(index, {-1}));
  // Only the dim form checks the dtype in torch (the flattened one is a plain gather, which takes int32).
  PYNN_CHECK(index->dtype() == ScalarType::Int64, "take_along_dim",
             "torch.take_along_dim(): dtype of indices should be Long but got ", type_title(index->dtype()));
  PYNN_CHECK(x->dim() == index->dim(), "take_along_dim",
             "torch.take_along_dim(): input and indices should have the same number of dimensions, but got ",
             x->dim(), " dimensions for input, and ", index->dim(), " dimensions for indices");
  const int d = wrap_dim(*dim, x->dim(), "take_along_dim");
  std::vector<int64_t> xs = x->sizes().vec(), is = index->sizes().vec();
  for (int k = 0; k < x->dim(); ++k) {
    if (k == d) continue;
    PYNN_CHECK(xs[k] == is[k] || xs[k] == 1 || is[k] == 1, "take_along_dim", "The size of tensor a (", xs[k],
               ") must match the size of tensor b (", is[k], ") at non-singleton dimension ", k);
    xs[k] = is[k] = std::max(xs[k], is[k]);
  }
  return gather(expand(x, xs), d, expand(index, is));
}

}  // namespace pynn
