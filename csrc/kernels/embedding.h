// Kernel interface of embedding lookups, shared by csrc/cpu and csrc/cuda. The op (csrc/ops/embedding.cpp)
// hands over a contiguous (num_weights, dim) floating table and contiguous int64 or int32 indices; every kernel
// checks each index it reads against [0, num_weights) and raises torch's IndexError ("index out of range in
// self") itself, where a device kernel can do the check. Work is proportional to the looked-up rows, never to
// the table, except for the zero fill of a dense gradient.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// out (count, dim) = weight[indices], count = indices->numel().
using embedding_fn = void (*)(const Tensor& out, const Tensor& weight, const Tensor& indices);

struct EmbeddingBackwardArgs {
  Tensor grad_weight;  // (num_weights, dim), fully written: zeros, plus the rows of grad summed per index
  Tensor grad;         // (count, dim), grad_weight's dtype
  Tensor indices;
  int64_t padding_idx = -1;         // in [0, num_weights) or -1: that index receives no gradient
  bool scale_grad_by_freq = false;  // each row scaled by 1 / (occurrences of its index in indices)
};
// Duplicates are summed in index order, so the result is deterministic whatever the thread count.
using embedding_backward_fn = void (*)(const EmbeddingBackwardArgs& a);

// scale (count), floating: the factor embedding_backward applies to row i (0 at padding_idx, 1 / occurrences
// with scale_grad_by_freq, else 1); the differentiable paths multiply by it.
using embedding_grad_scale_fn = void (*)(const Tensor& scale, const Tensor& indices, int64_t padding_idx,
                                         bool scale_grad_by_freq);

// In place: each distinct looked-up row whose norm_type-norm exceeds max_norm is scaled by
// max_norm / (norm + 1e-7), as torch's embedding_renorm_.
using embedding_renorm_fn = void (*)(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type);

PYNN_DECLARE_KERNEL(embedding_kernel, embedding_fn);
PYNN_DECLARE_KERNEL(embedding_backward_kernel, embedding_backward_fn);
PYNN_DECLARE_KERNEL(embedding_grad_scale_kernel, embedding_grad_scale_fn);
PYNN_DECLARE_KERNEL(embedding_renorm_kernel, embedding_renorm_fn);

}  // namespace pynn
