#include "ops/optim.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/common.h"
#include "ops/elementwise.h"

namespace pynn {

PYNN_DEFINE_KERNEL(sgd_kernel, "sgd_step");
PYNN_DEFINE_KERNEL(adam_kernel, "adam_step");
PYNN_DEFINE_KERNEL(rmsprop_kernel, "rmsprop_step");
PYNN_DEFINE_KERNEL(adagrad_kernel, "adagrad_step");
PYNN_DEFINE_KERNEL(adadelta_kernel, "adadelta_step");
PYNN_DEFINE_KERNEL(adamax_kernel, "adamax_step");
PYNN_DEFINE_KERNEL(nadam_kernel, "nadam_step");
PYNN_DEFINE_KERNEL(radam_kernel, "radam_step");
PYNN_DEFINE_KERNEL(asgd_kernel, "asgd_step");
PYNN_DEFINE_KERNEL(rprop_kernel, "rprop_step");

namespace {

void check_count(const char* op, const std::vector<Tensor>& list, size_t n, const char* what) {
  PYNN_CHECK_VALUE(list.size() == n, op, "expected one ", what, " per param (", n, "), got ", list.size());
}

void check_param(const char* op, size_t i, const Tensor& p, const Tensor& g) {
  PYNN_CHECK_TYPE(p != nullptr, op, "params[", i, "] is None");
  PYNN_CHECK_TYPE(g != nullptr, op, "grads[", i, "] is None");
  same_device(op, p, g);
  PYNN_CHECK_TYPE(is_floating(p->dtype()), op, "can only optimize floating point tensors, but params[", i,
                  "] has dtype ", dtype_name(p->dtype()));
  PYNN_CHECK_TYPE(g->dtype() == p->dtype(), op, "grads[", i, "] has dtype ", dtype_name(g->dtype()),
                  " but its param has dtype ", dtype_name(p->dtype()));
  PYNN_CHECK(g->sizes() == p->sizes(), op, "grads[", i, "] has shape ", g->sizes().str(),
             " but its param has shape ", p->sizes().str());
  autograd::check_inplace(p, op);
}

void check_state(const char* op, size_t i, const Tensor& p, const Tensor& s, const char* what) {
  PYNN_CHECK_TYPE(s != nullptr, op, what, "[", i, "] is None");
  same_device(op, p, s);
  PYNN_CHECK_TYPE(s->dtype() == p->dtype(), op, what, "[", i, "] has dtype ", dtype_name(s->dtype()),
                  " but its param has dtype ", dtype_name(p->dtype()));
  PYNN_CHECK(s->sizes() == p->sizes(), op, what, "[", i, "] has shape ", s->sizes().str(),
             " but its param has shape ", p->sizes().str());
  autograd::check_inplace(s, op);
}

void check_step(const char* op, size_t i, const Tensor& s) {
  PYNN_CHECK_TYPE(s != nullptr, op, "state_steps[", i, "] is None");
  // Step counts stay on the host (torch's default, capturable=False): the kernels take them as doubles.
  PYNN_CHECK(s->device().is_cpu(), op, "state_steps[", i, "] must be a CPU tensor");
  PYNN_CHECK(s->numel() == 1 && is_floating(s->dtype()), op, "state_steps[", i,
             "] must be a 1-element floating point tensor");
}

// step += 1 in the step tensor's own precision (torch keeps it as float32); returns the new count.
double increment_step(const Tensor& s) {
  double next = s->dtype() == ScalarType::Float32 ? static_cast<double>(item(s).to<float>() + 1.0f) : item(s).d + 1.0;
  fill_(s, Scalar(next));
  return next;
}

// Kernels need contiguous memory of a dtype they have. A tensor that is not contiguous, or a 16-bit float (updated
// in float32, as torch's CPU steps compute them), goes through a copy that is written back (rounded) afterwards;
// a contiguous float32/float64 one is written directly and its version bumped.
class ContiguousWriteBack {
 public:
  explicit ContiguousWriteBack(const Tensor& t) : orig_(t), work_(working_copy(t)) {}
  const Tensor& get() const { return work_; }
  void finish() const {
    if (!orig_) return;
    if (work_ != orig_) copy_(orig_, work_);
    else orig_->bump_version();
  }

 private:
  static Tensor working_copy(const Tensor& t) {
    if (!t) return t;
    if (is_reduced_float(t->dtype())) return widen_reduced(t);  // a fresh contiguous float32 copy
    return t->is_contiguous() ? t : contiguous(t);
  }
  Tensor orig_, work_;
};

// Runs the update of one param with its state tensors made writable-contiguous, then writes them back.
template <typename F>
void update(std::initializer_list<Tensor> written, F&& kernel) {
  std::vector<ContiguousWriteBack> w;
  w.reserve(written.size());
  for (const Tensor& t : written) w.emplace_back(t);
  kernel(w);
  for (const ContiguousWriteBack& x : w) x.finish();
}

Tensor at_or_null(const std::vector<Tensor>& list, size_t i) { return list.empty() ? nullptr : list[i]; }

struct StateList {
  const std::vector<Tensor>& tensors;
  const char* name;  // e.g. "exp_avgs"; its singular (without the trailing s) names one entry
};

// The checks every step shares: one grad, one of each state tensor and one step count per param, all matching
// the param. scalar_states: 1-element state tensors (NAdam's mu_product, ASGD's eta and mu), checked like steps.
void check_group(const char* op, const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 std::initializer_list<StateList> states, const std::vector<Tensor>& state_steps,
                 std::initializer_list<StateList> scalar_states = {}) {
  const size_t n = params.size();
  check_count(op, grads, n, "grad");
  for (const StateList& s : states) {
    const std::string one(s.name, std::strlen(s.name) - 1);
    check_count(op, s.tensors, n, one.c_str());
  }
  check_count(op, state_steps, n, "step");
  for (const StateList& s : scalar_states) check_count(op, s.tensors, n, s.name);
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i], grads[i]);
    for (const StateList& s : states) check_state(op, i, params[i], s.tensors[i], s.name);
    check_step(op, i, state_steps[i]);
    for (const StateList& s : scalar_states) {
      PYNN_CHECK_TYPE(s.tensors[i] != nullptr, op, s.name, "[", i, "] is None");
      PYNN_CHECK(s.tensors[i]->device().is_cpu() && s.tensors[i]->numel() == 1 && is_floating(s.tensors[i]->dtype()),
                 op, s.name, "[", i, "] must be a 1-element floating point CPU tensor");
    }
  }
}

// The value torch's `t.item()` gives after `t *= factor` (or `t.copy_(value)` with factor 0 and add = value),
// rounded to t's own dtype the way its kernel rounds it.
double set_scalar(const Tensor& t, double value) {
  if (t->dtype() == ScalarType::Float32) value = static_cast<double>(static_cast<float>(value));
  fill_(t, Scalar(value));
  return value;
}
double scale_scalar(const Tensor& t, double factor) {
  if (t->dtype() == ScalarType::Float32)
    return set_scalar(t, static_cast<double>(item(t).to<float>() * static_cast<float>(factor)));
  return set_scalar(t, item(t).d * factor);
}

}  // namespace

std::vector<Tensor> sgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                             const std::vector<Tensor>& momentum_buffers, const SgdHyper& h) {
  const char* op = "sgd";
  const size_t n = params.size();
  check_count(op, grads, n, "grad");
  const bool use_momentum = h.momentum != 0;
  if (use_momentum) check_count(op, momentum_buffers, n, "momentum buffer");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i], grads[i]);
    if (use_momentum && momentum_buffers[i]) check_state(op, i, params[i], momentum_buffers[i], "momentum_buffers");
  }
  autograd::GradModeGuard no_grad(false);
  std::vector<Tensor> out = use_momentum ? momentum_buffers : std::vector<Tensor>{};
  for (size_t i = 0; i < n; ++i) {
    const Tensor& p = params[i];
    bool first = use_momentum && !out[i];
    if (first) out[i] = empty(p->sizes(), p->dtype(), p->device());
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({p, use_momentum ? out[i] : nullptr}, [&](const std::vector<ContiguousWriteBack>& w) {
      sgd_kernel(g->device(), w[0].get(), g, w[1].get(), h, first);
    });
  }
  return out;
}

void adam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
               const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
               const std::vector<Tensor>& max_exp_avg_sqs, const std::vector<Tensor>& state_steps,
               const AdamHyper& h) {
  const char* op = h.decoupled_weight_decay ? "adamw" : "adam";
  const size_t n = params.size();
  check_count(op, grads, n, "grad");
  check_count(op, exp_avgs, n, "exp_avg");
  check_count(op, exp_avg_sqs, n, "exp_avg_sq");
  check_count(op, state_steps, n, "step");
  const bool amsgrad = !max_exp_avg_sqs.empty();
  if (amsgrad) check_count(op, max_exp_avg_sqs, n, "max_exp_avg_sq");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i], grads[i]);
    check_state(op, i, params[i], exp_avgs[i], "exp_avgs");
    check_state(op, i, params[i], exp_avg_sqs[i], "exp_avg_sqs");
    if (amsgrad) check_state(op, i, params[i], max_exp_avg_sqs[i], "max_exp_avg_sqs");
    check_step(op, i, state_steps[i]);
  }
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < n; ++i) {
    double step = increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], exp_avgs[i], exp_avg_sqs[i], at_or_null(max_exp_avg_sqs, i)},
           [&](const std::vector<ContiguousWriteBack>& w) {
             adam_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), w[3].get(), h, step);
           });
  }
}

void rmsprop_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& grad_avgs,
                  const std::vector<Tensor>& momentum_buffers, const std::vector<Tensor>& state_steps,
                  const RmspropHyper& h) {
  const char* op = "rmsprop";
  const size_t n = params.size();
  check_count(op, grads, n, "grad");
  check_count(op, square_avgs, n, "square_avg");
  check_count(op, state_steps, n, "step");
  const bool centered = !grad_avgs.empty(), use_momentum = !momentum_buffers.empty();
  if (centered) check_count(op, grad_avgs, n, "grad_avg");
  if (use_momentum) check_count(op, momentum_buffers, n, "momentum buffer");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i], grads[i]);
    check_state(op, i, params[i], square_avgs[i], "square_avgs");
    if (centered) check_state(op, i, params[i], grad_avgs[i], "grad_avgs");
    if (use_momentum) check_state(op, i, params[i], momentum_buffers[i], "momentum_buffers");
    check_step(op, i, state_steps[i]);
  }
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < n; ++i) {
    increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], square_avgs[i], at_or_null(grad_avgs, i), at_or_null(momentum_buffers, i)},
           [&](const std::vector<ContiguousWriteBack>& w) {
             rmsprop_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), w[3].get(), h);
           });
  }
}

void adagrad_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                  const std::vector<Tensor>& state_sums, const std::vector<Tensor>& state_steps,
                  const AdagradHyper& h) {
  const char* op = "adagrad";
  const size_t n = params.size();
  check_count(op, grads, n, "grad");
  check_count(op, state_sums, n, "sum");
  check_count(op, state_steps, n, "step");
  for (size_t i = 0; i < n; ++i) {
    check_param(op, i, params[i], grads[i]);
    check_state(op, i, params[i], state_sums[i], "state_sums");
    check_step(op, i, state_steps[i]);
  }
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < n; ++i) {
    double step = increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], state_sums[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      adagrad_kernel(g->device(), w[0].get(), g, w[1].get(), h, step);
    });
  }
}

void adadelta_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                   const std::vector<Tensor>& square_avgs, const std::vector<Tensor>& acc_deltas,
                   const std::vector<Tensor>& state_steps, const AdadeltaHyper& h) {
  const char* op = "adadelta";
  check_group(op, params, grads, {{square_avgs, "square_avgs"}, {acc_deltas, "acc_deltas"}}, state_steps);
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < params.size(); ++i) {
    increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], square_avgs[i], acc_deltas[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      adadelta_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), h);
    });
  }
}

void adamax_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                 const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_infs,
                 const std::vector<Tensor>& state_steps, const AdamaxHyper& h) {
  const char* op = "adamax";
  check_group(op, params, grads, {{exp_avgs, "exp_avgs"}, {exp_infs, "exp_infs"}}, state_steps);
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < params.size(); ++i) {
    double step = increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], exp_avgs[i], exp_infs[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      adamax_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), h, step);
    });
  }
}

void nadam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                const std::vector<Tensor>& mu_products, const std::vector<Tensor>& state_steps,
                const NadamHyper& h, double momentum_decay) {
  const char* op = "nadam";
  check_group(op, params, grads, {{exp_avgs, "exp_avgs"}, {exp_avg_sqs, "exp_avg_sqs"}}, state_steps,
              {{mu_products, "mu_products"}});
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < params.size(); ++i) {
    double step = increment_step(state_steps[i]);
    // torch's Python scalars, in double; mu_product is a state tensor (float32 in torch) updated in its dtype.
    const double mu = h.beta1 * (1.0 - 0.5 * std::pow(0.96, step * momentum_decay));
    const double mu_next = h.beta1 * (1.0 - 0.5 * std::pow(0.96, (step + 1) * momentum_decay));
    const double mu_product = scale_scalar(mu_products[i], mu);
    const double mu_product_next = mu_product * mu_next;
    const NadamScalars s{1 - std::pow(h.beta2, step), -h.lr * (1.0 - mu) / (1.0 - mu_product),
                         (-h.lr * mu_next) / (1.0 - mu_product_next)};
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], exp_avgs[i], exp_avg_sqs[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      nadam_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), h, s);
    });
  }
}

void radam_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& exp_avgs, const std::vector<Tensor>& exp_avg_sqs,
                const std::vector<Tensor>& state_steps, const NadamHyper& h) {
  const char* op = "radam";
  check_group(op, params, grads, {{exp_avgs, "exp_avgs"}, {exp_avg_sqs, "exp_avg_sqs"}}, state_steps);
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < params.size(); ++i) {
    double step = increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], exp_avgs[i], exp_avg_sqs[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      radam_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), h, step);
    });
  }
}

void asgd_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads, const std::vector<Tensor>& axs,
               const std::vector<Tensor>& mus, const std::vector<Tensor>& etas,
               const std::vector<Tensor>& state_steps, const AsgdHyper& h, double lr, double t0, double alpha) {
  const char* op = "asgd";
  check_group(op, params, grads, {{axs, "axs"}}, state_steps, {{mus, "mus"}, {etas, "etas"}});
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < params.size(); ++i) {
    double step = increment_step(state_steps[i]);
    const AsgdScalars s{item(etas[i]).d, item(mus[i]).d};
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], axs[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      asgd_kernel(g->device(), w[0].get(), g, w[1].get(), h, s);
    });
    // torch.as_tensor(python float) makes a float32 tensor (the default dtype) before copying it into the state,
    // so the new values are rounded to float32 even when the state is float64 (after a load_state_dict cast).
    set_scalar(etas[i], static_cast<float>(lr / std::pow(1 + h.lambd * lr * step, alpha)));
    set_scalar(mus[i], static_cast<float>(1 / std::max(1.0, step - t0)));
  }
}

void rprop_step(const std::vector<Tensor>& params, const std::vector<Tensor>& grads,
                const std::vector<Tensor>& prevs, const std::vector<Tensor>& step_sizes,
                const std::vector<Tensor>& state_steps, const RpropHyper& h) {
  const char* op = "rprop";
  check_group(op, params, grads, {{prevs, "prevs"}, {step_sizes, "step_sizes"}}, state_steps);
  autograd::GradModeGuard no_grad(false);
  for (size_t i = 0; i < params.size(); ++i) {
    increment_step(state_steps[i]);
    Tensor g = contiguous(widen_reduced(grads[i]));
    update({params[i], prevs[i], step_sizes[i]}, [&](const std::vector<ContiguousWriteBack>& w) {
      rprop_kernel(g->device(), w[0].get(), g, w[1].get(), w[2].get(), h);
    });
  }
}

}  // namespace pynn
