// CPU kernels for the nn family: activations, softmax, dropout and the fused losses. Checking, promotion
// and layout happened in csrc/ops/nn.cpp; kernels receive float32/float64 operands of one dtype.
#pragma once
#include <cstdint>

#include "core/iterator.h"
#include "ops/nn.h"

namespace pynn {
namespace cpu {

// iter = (out, x)
void activation_kernel(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt);
// iter = (grad_x, grad, x): grad_x = grad * f'(x)
void activation_backward_kernel(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt);
// iter = (out, x, weight broadcast to x)
void prelu_kernel(const TensorIter& iter, ScalarType dt);

// A contiguous tensor read as [outer, size, inner]; a "row" is the `size` elements of one (outer, inner)
// pair, `inner` apart. Softmax normalizes rows; the losses take size = C classes.
struct RowGeom {
  int64_t outer = 1, size = 1, inner = 1;
  int64_t rows() const { return outer * inner; }
};

// All tensors contiguous with x's shape.
void softmax_kernel(const Tensor& out, const Tensor& x, const RowGeom& g, bool is_log);
void softmax_backward_kernel(const Tensor& grad_x, const Tensor& grad, const Tensor& out, const RowGeom& g,
                             bool is_log);

// Contiguous out, mask and x; keeps an element with probability 1-p using a counter-based stream keyed by
// `seed`, so the result does not depend on the thread count. mask = 0 or 1/(1-p), out = x * mask.
void dropout_kernel(const Tensor& out, const Tensor& mask, const Tensor& x, double p, uint64_t seed);

// Losses over class rows. input contiguous [N, C, inner]; target contiguous int64 with N*inner elements;
// weight contiguous (C) or null; per_row (N*inner, input's dtype) receives each row's loss when not null.
// Targets outside [0, C) other than ignore_index raise IndexError.
struct LossSums {
  double loss = 0;    // sum of the rows' losses
  double weight = 0;  // mean's divisor: sum of w[target] over rows not ignored (rows for probability targets)
};
struct ClassLoss {
  RowGeom g;
  int64_t ignore_index = -100;
  double label_smoothing = 0;
};
// The gradient flowing into each row: grad[r] (reduction none) or grad[0], times `scale` (1/total for mean).
struct RowGrad {
  Tensor grad;  // contiguous
  bool per_row = false;
  double scale = 1;
};

LossSums nll_loss_kernel(const Tensor& per_row, const Tensor& input, const Tensor& target, const Tensor& weight,
                         const ClassLoss& c);
// grad_x is fully written (zeros off the targets).
void nll_loss_backward_kernel(const Tensor& grad_x, const RowGrad& rg, const Tensor& target, const Tensor& weight,
                              const ClassLoss& c);

// Fused log_softmax + nll with label smoothing; lse (N*inner) receives each row's logsumexp for backward.
LossSums cross_entropy_kernel(const Tensor& per_row, const Tensor& lse, const Tensor& input, const Tensor& target,
                              const Tensor& weight, const ClassLoss& c);
// grad_x = G * (softmax(x) * a - b): the softmax-minus-smoothed-one-hot formula in one pass.
void cross_entropy_backward_kernel(const Tensor& grad_x, const RowGrad& rg, const Tensor& input, const Tensor& lse,
                                   const Tensor& target, const Tensor& weight, const ClassLoss& c);
// The constants of that formula for the differentiable (create_graph) path: a (N*inner), b (input's shape).
void cross_entropy_coefficients_kernel(const Tensor& a, const Tensor& b, const Tensor& target, const Tensor& weight,
                                       const ClassLoss& c);
// Probability targets: target contiguous with input's shape and dtype.
LossSums cross_entropy_prob_kernel(const Tensor& per_row, const Tensor& lse, const Tensor& input,
                                   const Tensor& target, const Tensor& weight, const ClassLoss& c);
void cross_entropy_prob_backward_kernel(const Tensor& grad_x, const RowGrad& rg, const Tensor& input,
                                        const Tensor& lse, const Tensor& target, const Tensor& weight,
                                        const ClassLoss& c);

// iter = (out, input, target[, weight]); raises when an input is outside [0, 1].
void binary_cross_entropy_kernel(const TensorIter& iter, ScalarType dt, bool has_weight);
// iter = (out, input, target[, pos_weight])
void binary_cross_entropy_with_logits_kernel(const TensorIter& iter, ScalarType dt, bool has_pos_weight);

}  // namespace cpu
}  // namespace pynn
