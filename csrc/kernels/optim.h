// Kernel interface of the fused optimizer steps, shared by csrc/cpu and csrc/cuda: one call updates one parameter
// and its state in a single pass. Every tensor is contiguous, has the parameter's dtype (float32/float64) and its
// number of elements; csrc/ops/optim.cpp checked all of that. Optional state tensors are null when the option is
// off.
#pragma once
#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};
struct AdamHyper {
  double lr, beta1, beta2, weight_decay, eps;
  bool maximize, decoupled_weight_decay;  // decoupled: AdamW
};
struct RmspropHyper {
  double lr, alpha, eps, weight_decay, momentum;
  bool maximize;
};
struct AdagradHyper {
  double lr, lr_decay, weight_decay, eps;
  bool maximize;
};

// buf: momentum buffer (null when momentum == 0); first: buf holds no history yet and receives the direction.
using sgd_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& buf, const SgdHyper& h, bool first);
// vmax: running max of exp_avg_sq (null unless amsgrad); step: this update's 1-based step count.
using adam_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const Tensor& vmax,
                         const AdamHyper& h, double step);
// grad_avg: null unless centered; buf: null unless momentum > 0.
using rmsprop_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& square_avg, const Tensor& grad_avg,
                            const Tensor& buf, const RmspropHyper& h);
using adagrad_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& sum, const AdagradHyper& h, double step);

struct AdadeltaHyper {
  double lr, rho, eps, weight_decay;
  bool maximize;
};
struct AdamaxHyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool maximize;
};
// NAdam and RAdam share the options; decoupled: the param is scaled by (1 - lr * weight_decay) first.
struct NadamHyper {
  double lr, beta1, beta2, weight_decay, eps;
  bool maximize, decoupled_weight_decay;
};
// The per-step scalars of NAdam, computed by the op in double as torch's Python does (the mu product is state).
struct NadamScalars {
  double bias_correction2, grad_coef, avg_coef;
};
struct AsgdHyper {
  double lambd, weight_decay;
  bool maximize;
};
// eta and mu are the state's current values (torch reads them with .item() before the update).
struct AsgdScalars {
  double eta, mu;
};
struct RpropHyper {
  double etaminus, etaplus, step_size_min, step_size_max;
  bool maximize;
};

using adadelta_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& square_avg, const Tensor& acc_delta,
                             const AdadeltaHyper& h);
using adamax_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& exp_avg, const Tensor& exp_inf,
                           const AdamaxHyper& h, double step);
using nadam_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const NadamHyper& h,
                          const NadamScalars& s);
using radam_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const NadamHyper& h,
                          double step);
using asgd_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& ax, const AsgdHyper& h,
                         const AsgdScalars& s);
using rprop_fn = void (*)(const Tensor& p, const Tensor& g, const Tensor& prev, const Tensor& step_size,
                          const RpropHyper& h);

PYNN_DECLARE_KERNEL(sgd_kernel, sgd_fn);
PYNN_DECLARE_KERNEL(adadelta_kernel, adadelta_fn);
PYNN_DECLARE_KERNEL(adamax_kernel, adamax_fn);
PYNN_DECLARE_KERNEL(nadam_kernel, nadam_fn);
PYNN_DECLARE_KERNEL(radam_kernel, radam_fn);
PYNN_DECLARE_KERNEL(asgd_kernel, asgd_fn);
PYNN_DECLARE_KERNEL(rprop_kernel, rprop_fn);
PYNN_DECLARE_KERNEL(adam_kernel, adam_fn);
PYNN_DECLARE_KERNEL(rmsprop_kernel, rmsprop_fn);
PYNN_DECLARE_KERNEL(adagrad_kernel, adagrad_fn);

}  // namespace pynn
