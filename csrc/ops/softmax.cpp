// softmax / log_softmax and their backward (kernels/softmax.h).
#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "core/shape.h"
#include "kernels/softmax.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/nn.h"
#include "ops/nn_common.h"
#include "ops/reduce.h"

namespace pynn {
using namespace autograd::fn;

PYNN_DEFINE_KERNEL(softmax_kernel, "softmax");
PYNN_DEFINE_KERNEL(softmax_backward_kernel, "softmax_backward");

namespace {
Tensor softmax_impl(const Tensor& x, int64_t dim, bool is_log) {
  const char* name = is_log ? "log_softmax" : "softmax";
  require_defined(name, x);
  const Device dev = x->device();
  const int d = wrap_dim(dim, x->dim(), name);
  require_float(name, x);
  if (is_reduced_float(x->dtype())) return to_dtype(softmax_impl(widen_reduced(x), dim, is_log), x->dtype());
  Tensor in = contiguous_untracked(x);
  Tensor out = empty(x->sizes(), x->dtype(), dev);
  softmax_kernel.at(dev, name)(out, in, row_geom(x->sizes(), d), is_log);
  if (autograd::needs_grad(x)) autograd::record_softmax(x, out, d, is_log);
  return out;
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, true); }

Tensor softmax_backward_data(const Tensor& grad, const Tensor& out, int64_t dim, bool is_log) {
  const char* name = is_log ? "log_softmax_backward" : "softmax_backward";
  const int d = wrap_dim(dim, out->dim(), name);
  const Device dev = same_device(name, grad, out);
  if (autograd::needs_grad(grad, out)) {
    if (is_log) return sub(grad, mul(unary(UnaryOp::Exp, out), sum(grad, {d}, true)));
    return mul(out, sub(grad, sum(mul(grad, out), {d}, true)));
  }
  Tensor g = contiguous_untracked(grad, out->dtype()), o = contiguous_untracked(out);
  Tensor gx = empty(out->sizes(), out->dtype(), dev);
  softmax_backward_kernel.at(dev, name)(gx, g, o, row_geom(out->sizes(), d), is_log);
  return gx;
}

}  // namespace pynn
