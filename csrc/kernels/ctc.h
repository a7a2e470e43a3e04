// Kernel interface of the CTC loss (torch's algorithm: log-space alpha/beta over the blank-extended target),
// shared by csrc/cpu and csrc/cuda. log_probs (T, N, C) contiguous; targets int64, sample n's labels start at
// target_offsets[n] (padded 2-D or concatenated 1-D layouts both reduce to offsets); all checks happened in
// csrc/ops/ctc.cpp.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/dtype.h"

namespace pynn {

struct CtcArgs {
  int64_t T = 0, N = 0, C = 0;
  int64_t max_target = 0;  // max target length: log_alpha holds (N, T, 2 * max_target + 1)
  int64_t blank = 0;
  const int64_t* targets = nullptr;
  const int64_t* target_offsets = nullptr;  // (N)
  const int64_t* input_lengths = nullptr;   // (N)
  const int64_t* target_lengths = nullptr;  // (N)
};

// nll (N) = -log p(target | input); log_alpha (N, T, 2 * max_target + 1) saved for the backward.
using ctc_forward_fn = void (*)(ScalarType dt, const CtcArgs& a, const void* log_probs, void* nll, void* log_alpha);
// grad (T, N, C) = torch's gradient with respect to log_probs, scaled by grad_nll (N): exp(lp) - exp(lcab + nll - lp)
// over the input length, 0 beyond it; samples with infinite nll get 0 when zero_infinity.
using ctc_backward_fn = void (*)(ScalarType dt, const CtcArgs& a, const void* log_probs, const void* nll,
                                 const void* log_alpha, const void* grad_nll, bool zero_infinity, void* grad);

PYNN_DECLARE_KERNEL(ctc_forward_kernel, ctc_forward_fn);
PYNN_DECLARE_KERNEL(ctc_backward_kernel, ctc_backward_fn);

}  // namespace pynn
