// Normalization ops (csrc/ops/norm.cpp): batch_norm, layer_norm, rms_norm, group_norm, each one fused kernel
// forward (kernels/norm.h) that also saves the per-group mean and inverse standard deviation. Each backward is
// an op too: its fused kernel when no graph is being built, the same formula in differentiable ops when one
// is (create_graph), so that higher-order gradients work.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor.h"

namespace pynn {

// Which of (input, weight, bias) a backward should produce.
using NormGradMask = std::array<bool, 3>;
struct NormGrads {
  Tensor input, weight, bias;  // null where not asked for
};

// input (N, C, *); running_mean / running_var (C) or null (required in eval mode), updated in place in
// training mode with the batch mean and unbiased variance: running = (1 - momentum) * running + momentum * batch.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps);
// mean / invstd: the forward's saved statistics (the running ones in eval mode). eps recomputes invstd from
// input on the differentiable path.
NormGrads batch_norm_backward(const Tensor& grad, const Tensor& input, const Tensor& weight, const Tensor& mean,
                              const Tensor& invstd, bool training, double eps, NormGradMask mask);

// Normalises over the trailing dims given by normalized_shape; weight / bias have that shape or are null.
Tensor layer_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps);
// eps: nullopt is the dtype's machine epsilon, as torch.
Tensor rms_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                std::optional<double> eps);
// The backward of both: normalized_ndim trailing dims; mean null for rms_norm.
NormGrads row_norm_backward(const Tensor& grad, const Tensor& input, int normalized_ndim, const Tensor& weight,
                            const Tensor& mean, const Tensor& rstd, double eps, bool rms, NormGradMask mask);

// input (N, C, *), C divisible by num_groups; weight / bias (C) or null.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps);
NormGrads group_norm_backward(const Tensor& grad, const Tensor& input, int64_t num_groups, const Tensor& weight,
                              const Tensor& mean, const Tensor& rstd, double eps, NormGradMask mask);

}  // namespace pynn
