// Embedding ops (csrc/ops/embedding.cpp): lookups of rows of a (num_weights, dim) table by int64 or int32
// indices, the dense gradient of the table, and torch's max_norm renormalisation.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace pynn {

// out: indices.shape + (dim). padding_idx in [0, num_weights) or -1 (none); that row gets no gradient.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq);
// The (num_weights, dim) gradient of the table; linear in grad, and differentiable in it.
Tensor embedding_backward(const Tensor& grad, const Tensor& indices, int64_t num_weights, int64_t padding_idx,
                          bool scale_grad_by_freq);
// The factor each looked-up row's gradient is scaled by (0 at padding_idx, 1 / occurrences with
// scale_grad_by_freq), shaped like indices, in dtype `dt`: a constant.
Tensor embedding_grad_scale(const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq, ScalarType dt);
// In place and unrecorded (torch's embedding_renorm_): looked-up rows with norm above max_norm are scaled down.
void embedding_renorm_(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type);

}  // namespace pynn
