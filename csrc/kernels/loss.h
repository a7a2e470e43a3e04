// Kernel interface of the fused losses, shared by csrc/cpu and csrc/cuda: nll_loss and cross entropy over class
// rows (kernels/softmax.h's RowGeom), binary cross entropy and its logits form elementwise. Checks, promotion
// and layout happened in csrc/ops/loss.cpp; kernels receive floating operands of one dtype and int64 targets.
// Reduced results stay on the device as 0-dim tensors (no host round trip); targets outside [0, C) other than
// ignore_index raise IndexError from inside the kernel, where a device kernel can check them.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/iterator.h"
#include "kernels/softmax.h"

namespace pynn {

enum class Reduction : int { None = 0, Mean = 1, Sum = 2 };

// The class rows: input contiguous [N, C, inner] read as rows of size C (RowGeom{N, C, inner}).
struct ClassLoss {
  RowGeom g;
  int64_t ignore_index = -100;
  double label_smoothing = 0;
};

// What a forward class-loss kernel writes, all in the compute dtype.
struct LossOutputs {
  Reduction reduction = Reduction::Mean;
  Tensor per_row;       // (N*inner): each row's loss; written for reduction none, null otherwise
  Tensor loss;          // 0-dim: the rows' summed loss (over total_weight for mean); null for reduction none
  Tensor total_weight;  // 0-dim, always written: sum of w[target] over rows not ignored (rows for probabilities)
};

// The gradient flowing into each row: grad[r] (reduction none) or grad[0], over total_weight for mean.
struct RowGrad {
  Reduction reduction = Reduction::Mean;
  Tensor grad;          // contiguous, the compute dtype: (N*inner) for reduction none, 0-dim otherwise
  Tensor total_weight;  // 0-dim, the forward's; read for mean only
};

// input contiguous [N, C, inner]; target contiguous int64 with N*inner elements; weight contiguous (C) or null.
using nll_loss_fn = void (*)(const LossOutputs& out, const Tensor& input, const Tensor& target, const Tensor& weight,
                             const ClassLoss& c);
// grad_x is fully written (zeros off the targets).
using nll_loss_backward_fn = void (*)(const Tensor& grad_x, const RowGrad& rg, const Tensor& target,
                                      const Tensor& weight, const ClassLoss& c);
// Fused log_softmax + nll with label smoothing; lse (N*inner) receives each row's logsumexp for backward.
// Class-index targets as for nll_loss, or (the prob kernels) class probabilities: target contiguous with
// input's shape and dtype.
using cross_entropy_fn = void (*)(const LossOutputs& out, const Tensor& lse, const Tensor& input,
                                  const Tensor& target, const Tensor& weight, const ClassLoss& c);
// grad_x = G * (softmax(x) * a - b): the softmax-minus-smoothed-one-hot formula in one pass.
using cross_entropy_backward_fn = void (*)(const Tensor& grad_x, const RowGrad& rg, const Tensor& input,
                                           const Tensor& lse, const Tensor& target, const Tensor& weight,
                                           const ClassLoss& c);
// The constants of that formula for class-index targets, for the differentiable (create_graph) path:
// a (N*inner), b (input's shape).
using cross_entropy_coefficients_fn = void (*)(const Tensor& a, const Tensor& b, const Tensor& target,
                                               const Tensor& weight, const ClassLoss& c);

// iter = (out, input, target[, weight]), has_weight says which; raises when an input is outside [0, 1].
using binary_cross_entropy_fn = void (*)(const TensorIter& iter, ScalarType dtype, bool has_weight);
// iter = (out, input, target[, pos_weight]), has_pos_weight says which.
using binary_cross_entropy_with_logits_fn = void (*)(const TensorIter& iter, ScalarType dtype, bool has_pos_weight);

PYNN_DECLARE_KERNEL(nll_loss_kernel, nll_loss_fn);
PYNN_DECLARE_KERNEL(nll_loss_backward_kernel, nll_loss_backward_fn);
PYNN_DECLARE_KERNEL(cross_entropy_kernel, cross_entropy_fn);
PYNN_DECLARE_KERNEL(cross_entropy_backward_kernel, cross_entropy_backward_fn);
PYNN_DECLARE_KERNEL(cross_entropy_coefficients_kernel, cross_entropy_coefficients_fn);
PYNN_DECLARE_KERNEL(cross_entropy_prob_kernel, cross_entropy_fn);
PYNN_DECLARE_KERNEL(cross_entropy_prob_backward_kernel, cross_entropy_backward_fn);
PYNN_DECLARE_KERNEL(binary_cross_entropy_kernel, binary_cross_entropy_fn);
PYNN_DECLARE_KERNEL(binary_cross_entropy_with_logits_kernel, binary_cross_entropy_with_logits_fn);

}  // namespace pynn
