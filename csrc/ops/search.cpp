#include "ops/search.h"

#include "autograd/functions_search.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "kernels/search.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(searchsorted_kernel, "searchsorted");
PYNN_DEFINE_KERNEL(scan_kernel, "cummax");

Tensor searchsorted(const Tensor& seq_in, const Tensor& values_in, bool out_int32, bool right, const Tensor& sorter) {
  const char* op = "searchsorted";
  require_defined(op, seq_in, "sorted_sequence");
  require_defined(op, values_in, "input");
  same_device(op, seq_in, values_in);
  PYNN_CHECK(seq_in->dim() >= 1, op, "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
             "dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor ",
             seq_in->sizes().str(), " and input value tensor ", values_in->sizes().str());
  const bool shared = seq_in->dim() == 1;
  if (!shared) {
    bool match = seq_in->dim() == values_in->dim();
    for (int d = 0; match && d + 1 < seq_in->dim(); ++d) match = seq_in->sizes()[d] == values_in->sizes()[d];
    PYNN_CHECK(match, op, "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
               "of boundaries tensor and input value tensor must match, but we got boundaries tensor ",
               seq_in->sizes().str(), " and input value tensor ", values_in->sizes().str());
  }
  PYNN_CHECK(seq_in->dtype() != ScalarType::Bool && values_in->dtype() != ScalarType::Bool, op,
             "torch.searchsorted(): boolean tensors are not supported");
  Tensor seq = seq_in;
  if (sorter) {
    PYNN_CHECK(sorter->sizes() == seq_in->sizes(), op, "torch.searchsorted(): boundary and sorter must have the same "
               "size, but got boundary tensor ", seq_in->sizes().str(), "and got sorter tensor ", sorter->sizes().str());
    PYNN_CHECK(sorter->dtype() == ScalarType::Int64, op, "torch.searchsorted(): sorter must be a tensor of long dtype "
               "but got dtype ", type_title(sorter->dtype()));
    seq = gather(seq_in, seq_in->dim() - 1, sorter);
  }
  const ScalarType common = promote_types(seq->dtype(), values_in->dtype());
  const ScalarType dt = is_reduced_float(common) ? ScalarType::Float32 : common;  // exact: compared as float32
  Tensor s = contiguous(to_dtype(seq, dt));
  Tensor v = contiguous(to_dtype(values_in, dt));
  const int64_t n = s->sizes()[s->dim() - 1];
  const int64_t m = v->dim() == 0 ? 1 : v->sizes()[v->dim() - 1];
  const int64_t rows = m == 0 ? 0 : v->numel() / m;
  Tensor out = empty(values_in->sizes(), out_int32 ? ScalarType::Int32 : ScalarType::Int64, values_in->device());
  if (out->numel() > 0)
    searchsorted_kernel(out->device(), dt, rows, n, m, s->data(), shared, v->data(), out->data(), out_int32, right);
  return out;
}

Tensor bucketize(const Tensor& values, const Tensor& boundaries, bool out_int32, bool right) {
  require_defined("bucketize", boundaries, "boundaries");
  PYNN_CHECK(boundaries->dim() == 1, "bucketize", "boundaries tensor must be 1 dimension, but got dim(",
             boundaries->dim(), ")");
  return searchsorted(boundaries, values, out_int32, right);
}

namespace {

int64_t wrap(const char* op, int64_t dim, int64_t n) {
  const int64_t r = std::max<int64_t>(n, 1);
  PYNN_CHECK_INDEX(dim >= -r && dim < r, op, "Dimension out of range (expected to be in range of [", -r, ", ", r - 1,
                   "], but got ", dim, ")");
  return dim < 0 ? dim + r : dim;
}

struct Geometry {
  int64_t outer = 1, n = 1, inner = 1;
};

Geometry line_geometry(const Tensor& x, int64_t d) {
  Geometry g;
  for (int i = 0; i < x->dim(); ++i) {
    if (i < d) g.outer *= x->sizes()[i];
    else if (i == d) g.n = x->sizes()[i];
    else g.inner *= x->sizes()[i];
  }
  return g;
}

std::pair<Tensor, Tensor> cum_extreme(const char* op, ScanOp kind, const Tensor& x, int64_t dim) {
  require_defined(op, x);
  if (is_reduced_float(x->dtype())) {
    std::pair<Tensor, Tensor> r = cum_extreme(op, kind, widen_reduced(x), dim);
    r.first = to_dtype(r.first, x->dtype());
    return r;
  }
  const int64_t d = wrap(op, dim, x->dim());
  const bool grad = autograd::needs_grad(x);
  Tensor values, indices;
  autograd::untracked([&] {
    Tensor c = contiguous(x);
    values = empty(x->sizes(), x->dtype(), x->device());
    indices = empty(x->sizes(), ScalarType::Int64, x->device());
    const Geometry g = line_geometry(x, d);
    if (x->numel() > 0)
      scan_kernel(x->device(), kind, x->dtype(), g.outer, g.n, g.inner, c->data(), values->data(),
                  static_cast<int64_t*>(indices->data()));
    return 0;
  });
  if (grad) autograd::record_cum_extreme(x, d, indices, values, kind == ScanOp::Max ? "CummaxBackward0" : "CumminBackward0");
  return {values, indices};
}

}  // namespace

std::pair<Tensor, Tensor> cummax(const Tensor& x, int64_t dim) { return cum_extreme("cummax", ScanOp::Max, x, dim); }
std::pair<Tensor, Tensor> cummin(const Tensor& x, int64_t dim) { return cum_extreme("cummin", ScanOp::Min, x, dim); }

Tensor logcumsumexp(const Tensor& x, int64_t dim) {
  const char* op = "logcumsumexp";
  require_defined(op, x);
  if (!is_floating(x->dtype()))  // torch has no integer kernel (it does not promote here)
    throw NotImplementedError(str("[", op, "] \"logcumsumexp_out_cpu\" not implemented for '", type_title(x->dtype()), "'"));
  if (is_reduced_float(x->dtype())) return to_dtype(logcumsumexp(widen_reduced(x), dim), x->dtype());
  const int64_t d = wrap(op, dim, x->dim());
  const bool grad = autograd::needs_grad(x);
  Tensor out = autograd::untracked([&] {
    Tensor c = contiguous(is_floating(x->dtype()) ? x : to_dtype(x, default_float()));
    Tensor r = empty(c->sizes(), c->dtype(), c->device());
    const Geometry g = line_geometry(c, d);
    if (c->numel() > 0) scan_kernel(c->device(), ScanOp::LogSumExp, c->dtype(), g.outer, g.n, g.inner, c->data(), r->data(), nullptr);
    return r;
  });
  if (grad) autograd::record_logcumsumexp(x, d, out);
  return out;
}

}  // namespace pynn
