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

// The steps below follow the same conventions: state_steps are incremented first; every state list has one
// tensor per param. NAdam's mu_products and ASGD's mus/etas are 1-element tensors updated as torch does.
void adadelta_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                   const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& acc_deltas,
                   const std::vector<Tensor>& state_steps, const AdadeltaHyper& h);
void adamax_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_infs,
                 const std::vector<Tensor>& state_steps, const AdamaxHyper& h);
void nadam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                const std::vector<Tensor>& mu_products, const std::vector<Tensor>& state_steps,
                const NadamHyper& h, double momentum_decay);
void radam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                const std::vector<Tensor>& state_steps, const NadamHyper& h);
void asgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, const std::vector<Tensor>& axs,
               const std::vector<Tensor>& mus, const std::vector<Tensor>& etas,
               const std::vector<Tensor>& state_steps, const AsgdHyper& h, double lr, double t0, double alpha);
void rprop_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& prevs, const std::vector<Tensor>& step_sizes,
                const std::vector<Tensor>& state_steps, const RpropHyper& h);

}  // namespace pynn
