// sort, argsort and topk along a dim: the dim is moved last and made contiguous, then each row is sorted.
#include <utility>
#include <vector>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "kernels/sort.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/indexing_internal.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(sort_rows_kernel, "sort");

namespace {

using autograd::untracked;
using namespace index_detail;

// Values and indices of the k first elements along `dim` in sorted order (ascending unless descending).
// backward_name: the values' grad_fn name (TopkBackward0 / SortBackward0).
std::pair<Tensor, Tensor> sort_impl(const Tensor& x, int64_t dim, int64_t k, bool descending, const char* op,
                                    const char* backward_name) {
  require_defined(op, x);
  if (is_reduced_float(x->dtype())) {  // sorted as float32 (exact), the values rounded back (exact too)
    std::pair<Tensor, Tensor> r = sort_impl(widen_reduced(x), dim, k, descending, op, backward_name);
    r.first = to_dtype(r.first, x->dtype());
    return r;
  }
  const auto kernel = sort_rows_kernel.at(x->device(), op);
  int d = wrap_dim(dim, x->dim(), op);
  Tensor xv = as_1d(x);
  const int nd = xv->dim();
  const int64_t n = xv->sizes()[d];
  PYNN_CHECK(k >= 0 && k <= n, op, "selected index k out of range");
  std::vector<int64_t> perm, inv(static_cast<size_t>(nd));
  for (int i = 0; i < nd; ++i)
    if (i != d) perm.push_back(i);
  perm.push_back(d);
  for (int i = 0; i < nd; ++i) inv[static_cast<size_t>(perm[i])] = i;
  const bool moved = d != nd - 1;
  const bool grad = autograd::needs_grad(x);
  Tensor xt = untracked([&] { return contiguous(moved ? permute(xv, perm) : xv); });
  Dims out_sizes = xt->sizes();
  out_sizes[nd - 1] = k;
  int64_t rows = 1;
  for (int i = 0; i < nd - 1; ++i) rows *= out_sizes[i];
  Tensor values = empty(out_sizes, x->dtype(), x->device());
  Tensor indices = empty(out_sizes, ScalarType::Int64, x->device());
  if (values->numel() > 0) kernel(values, indices, xt, SortRows{rows, n, k, descending});
  if (moved) {
    values = contiguous(permute(values, inv));
    indices = contiguous(permute(indices, inv));
  }
  if (x->dim() == 0) {
    values = as_0d(values);
    indices = as_0d(indices);
  }
  if (grad) autograd::record_sort_values(x, d, indices, values, backward_name);
  return {values, indices};
}

}  // namespace

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  (void)sorted;  // results are always sorted, which torch allows for sorted=False
  return sort_impl(x, dim, k, largest, "topk", "TopkBackward0");
}

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  (void)stable;  // always stable
  require_defined("sort", x);
  const int d = wrap_dim(dim, x->dim(), "sort");
  const int64_t n = x->dim() == 0 ? 1 : x->sizes()[d];
  return sort_impl(x, d, n, descending, "sort", "SortBackward0");
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  return untracked([&] { return sort(x, dim, descending, stable).second; });
}

}  // namespace pynn
