// Embedding lookups (kernels/embedding.h). The kernels check the index values; the ops check dtypes and
// shapes. The backward is one kernel that is linear in the incoming gradient, so it is exact on every path; with
// a graph being built it records its own adjoint (a lookup of the grad-of-grad) instead of switching to ops.
#include "ops/embedding.h"

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "kernels/embedding.h"
#include "ops/common.h"
#include "ops/nn_common.h"

namespace pynn {

PYNN_DEFINE_KERNEL(embedding_kernel, "embedding");
PYNN_DEFINE_KERNEL(embedding_backward_kernel, "embedding_backward");
PYNN_DEFINE_KERNEL(embedding_grad_scale_kernel, "embedding_backward");
PYNN_DEFINE_KERNEL(embedding_renorm_kernel, "embedding_renorm_");

namespace {

void check_indices(const char* op, const Tensor& indices) {
  require_defined(op, indices, "indices");
  const ScalarType dt = indices->dtype();
  PYNN_CHECK(dt == ScalarType::Int64 || dt == ScalarType::Int32, op,
             "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
             "pynn.", type_title(dt), "Tensor instead (while checking arguments for embedding)");
}

void check_table(const char* op, const Tensor& weight) {
  require_defined(op, weight, "weight");
  PYNN_CHECK(weight->dim() == 2, op, "'weight' must be 2-D");
  require_float(op, weight);
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq) {
  const char* op = "embedding";
  check_table(op, weight);
  check_indices(op, indices);
  const Device dev = same_device(op, weight, indices);
  Dims shape = indices->sizes();
  shape.push_back(weight->size(1));
  Tensor out = empty(shape, weight->dtype(), dev);
  embedding_kernel(dev, out, contiguous_untracked(weight), contiguous_untracked(indices));
  if (autograd::needs_grad(weight)) autograd::record_embedding(weight, indices, padding_idx, scale_grad_by_freq, out);
  return out;
}

Tensor embedding_backward(const Tensor& grad, const Tensor& indices, int64_t num_weights, int64_t padding_idx,
                          bool scale_grad_by_freq) {
  const char* op = "embedding_backward";
  check_indices(op, indices);
  const Device dev = same_device(op, grad, indices);
  require_float(op, grad);
  const int64_t n = indices->numel();
  const int64_t D = grad->dim() > indices->dim() ? grad->size(-1) : 0;
  PYNN_CHECK(grad->dim() == indices->dim() + 1 && grad->numel() == n * D, op, "grad of shape ", grad->sizes().str(),
             " does not match indices of shape ", indices->sizes().str());
  if (is_reduced_float(grad->dtype()))  // the sums of repeated rows accumulate in float32
    return to_dtype(embedding_backward(widen_reduced(grad), indices, num_weights, padding_idx, scale_grad_by_freq),
                    grad->dtype());
  EmbeddingBackwardArgs a;
  a.grad_weight = empty(Dims{num_weights, D}, grad->dtype(), dev);
  a.grad = contiguous_untracked(grad);
  a.indices = contiguous_untracked(indices);
  a.padding_idx = padding_idx;
  a.scale_grad_by_freq = scale_grad_by_freq;
  embedding_backward_kernel(dev, a);
  if (autograd::needs_grad(grad))
    autograd::record_embedding_backward(grad, indices, padding_idx, scale_grad_by_freq, a.grad_weight);
  return a.grad_weight;
}

Tensor embedding_grad_scale(const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq, ScalarType dt) {
  const char* op = "embedding_backward";
  check_indices(op, indices);
  const Device dev = same_device(op, indices);
  Tensor scale = empty(indices->sizes(), dt, dev);
  embedding_grad_scale_kernel(dev, scale, contiguous_untracked(indices), padding_idx, scale_grad_by_freq);
  return scale;
}

void embedding_renorm_(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  const char* op = "embedding_renorm_";
  check_table(op, weight);
  check_indices(op, indices);
  const Device dev = same_device(op, weight, indices);
  Tensor w = contiguous_untracked(weight);
  embedding_renorm_kernel(dev, w, contiguous_untracked(indices), max_norm, norm_type);
  // Written in place, like torch's no-grad renorm: through a copy when the table was not kernel-ready.
  if (w != weight) autograd::untracked([&] { copy_(weight, w); });
  else weight->bump_version();
}

}  // namespace pynn
