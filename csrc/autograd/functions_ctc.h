// Backward of the CTC loss (node in functions_ctc.cpp). Like torch's, it is not itself differentiable.
#pragma once
#include <vector>

#include "autograd/node.h"

namespace pynn {
namespace autograd {

struct CtcSaved {
  Tensor log_probs, targets;
  std::vector<int64_t> offsets, input_lengths, target_lengths;
  Tensor nll, log_alpha;
  int64_t blank = 0;
  bool zero_infinity = false;
};

void record_ctc(const Tensor& log_probs, const Tensor& out, CtcSaved saved);

}  // namespace autograd

// grad_nll (N) -> gradient with respect to log_probs (T, N, C) (ops/ctc.cpp).
Tensor ctc_loss_backward(const Tensor& grad_nll, const autograd::CtcSaved& saved);

}  // namespace pynn
