// CPU kernels for the fused optimizer steps: one call updates one parameter and its state in a single
// pass. Every tensor is contiguous, has the parameter's dtype (float32/float64) and its number of elements;
// csrc/ops/optim.cpp checked all of that. Optional state tensors are null when the option is off.
#pragma once
#include "core/tensor.h"
#include "ops/optim.h"

namespace pynn {
namespace cpu {

// buf: momentum buffer (null when momentum == 0); first: buf holds no history yet and receives the direction.
void sgd_kernel(const Tensor& p, const Tensor& g, const Tensor& buf, const SgdHyper& h, bool first);
// vmax: running max of exp_avg_sq (null unless amsgrad); step: this update's 1-based step count.
void adam_kernel(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const Tensor& vmax,
                 const AdamHyper& h, double step);
// grad_avg: null unless centered; buf: null unless momentum > 0.
void rmsprop_kernel(const Tensor& p, const Tensor& g, const Tensor& square_avg, const Tensor& grad_avg,
                    const Tensor& buf, const RmspropHyper& h);
void adagrad_kernel(const Tensor& p, const Tensor& g, const Tensor& sum, const AdagradHyper& h, double step);

}  // namespace cpu
}  // namespace pynn
