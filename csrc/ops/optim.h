// Fused optimizer steps: one call updates every parameter of a param group (torch's single-tensor
// algorithms, same arithmetic), in place and without recording autograd history. Lists are parallel:
// entry i of every list belongs to params[i]. State tensors are updated in place; version counters of
// everything written are bumped like any in-place op's.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "kernels/optim.h"

namespace pynn {

// momentum_buffers: one entry per param, null where no buffer exists yet (it is created from this step's
// direction, as torch does). Empty when momentum == 0. Returns the buffers, the new ones included.
std::vector<Tensor> sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                             const std::vector<Tensor>& momentum_buffers, const SgdHyper& h);
// state_steps: 1-element float tensors, incremented by one before use. max_exp_avg_sqs: empty unless amsgrad.
void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
               const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
               const std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& state_steps,
               const AdamHyper& h);
// grad_avgs: empty unless centered; momentum_buffers: empty unless momentum > 0.
void rmsprop_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& grad_avgs,
                  const std::vector<Tensor>& momentum_buffers, const std::vector<Tensor>& state_steps,
                  const RmspropHyper& h);
void adagrad_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& state_sums, const std::vector<Tensor>& state_steps,
                  const AdagradHyper& h);

}  // namespace pynn
