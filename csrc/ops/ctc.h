// CTC loss: the per-sample negative log-likelihood as one op; F.ctc_loss reduces it in Python.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace pynn {

// log_probs (T, N, C) float; targets int (N, S) padded or 1-D concatenated; lengths one per sample.
// zero_infinity: infinite losses (and their gradients) become 0.
Tensor ctc_loss_nll(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                    const std::vector<int64_t>& target_lengths, int64_t blank, bool zero_infinity);

}  // namespace pynn
