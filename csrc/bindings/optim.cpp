// optim ops as private _C functions (pynn/optim wraps them with torch's signatures).
#include "bindings/bindings.h"
#include "ops/optim.h"

using namespace pynn;

namespace {

// A Python sequence of tensors; None entries become null (SGD's not-yet-created momentum buffers).
std::vector<Tensor> tensor_list(py::handle obj, const char* op, const char* what) {
  PYNN_CHECK_TYPE(py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj), op, what,
                  " must be a list of Tensors, got ", pynn_py::type_name(obj));
  std::vector<Tensor> out;
  for (py::handle h : obj) {
    if (h.is_none()) {
      out.push_back(nullptr);
      continue;
    }
    PYNN_CHECK_TYPE(pynn_py::is_tensor(h), op, what, " must contain Tensors, got ", pynn_py::type_name(h));
    out.push_back(h.cast<Tensor>());
  }
  return out;
}

}  // namespace

void bind_optim(py::module_& m, TensorClass&) {
  m.def("_sgd_step", [](py::handle params, py::handle grads, py::handle bufs, double lr, double momentum,
                        double dampening, double weight_decay, bool nesterov, bool maximize) {
    auto p = tensor_list(params, "sgd", "params");
    auto g = tensor_list(grads, "sgd", "grads");
    auto b = tensor_list(bufs, "sgd", "momentum_buffers");
    SgdHyper h{lr, momentum, dampening, weight_decay, nesterov, maximize};
    return pynn_py::run_released({p}, [&] { return sgd_step(p, g, b, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::arg("lr"), py::arg("momentum"),
     py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"));

  m.def("_adam_step", [](py::handle params, py::handle grads, py::handle exp_avgs, py::handle exp_avg_sqs,
                         py::handle max_exp_avg_sqs, py::handle steps, double lr, double beta1, double beta2,
                         double weight_decay, double eps, bool maximize, bool decoupled) {
    const char* op = decoupled ? "adamw" : "adam";
    auto p = tensor_list(params, op, "params");
    auto g = tensor_list(grads, op, "grads");
    auto m1 = tensor_list(exp_avgs, op, "exp_avgs");
    auto m2 = tensor_list(exp_avg_sqs, op, "exp_avg_sqs");
    auto mx = tensor_list(max_exp_avg_sqs, op, "max_exp_avg_sqs");
    auto s = tensor_list(steps, op, "state_steps");
    AdamHyper h{lr, beta1, beta2, weight_decay, eps, maximize, decoupled};
    pynn_py::run_released({p}, [&] { adam_step(p, g, m1, m2, mx, s, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
     py::arg("state_steps"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("weight_decay"),
     py::arg("eps"), py::arg("maximize"), py::arg("decoupled_weight_decay"));

  m.def("_rmsprop_step", [](py::handle params, py::handle grads, py::handle square_avgs, py::handle grad_avgs,
                            py::handle bufs, py::handle steps, double lr, double alpha, double eps,
                            double weight_decay, double momentum, bool maximize) {
    auto p = tensor_list(params, "rmsprop", "params");
    auto g = tensor_list(grads, "rmsprop", "grads");
    auto sq = tensor_list(square_avgs, "rmsprop", "square_avgs");
    auto ga = tensor_list(grad_avgs, "rmsprop", "grad_avgs");
    auto b = tensor_list(bufs, "rmsprop", "momentum_buffers");
    auto s = tensor_list(steps, "rmsprop", "state_steps");
    RmspropHyper h{lr, alpha, eps, weight_decay, momentum, maximize};
    pynn_py::run_released({p}, [&] { rmsprop_step(p, g, sq, ga, b, s, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"), py::arg("momentum_buffers"),
     py::arg("state_steps"), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"),
     py::arg("momentum"), py::arg("maximize"));

  m.def("_adagrad_step", [](py::handle params, py::handle grads, py::handle sums, py::handle steps, double lr,
                            double lr_decay, double weight_decay, double eps, bool maximize) {
    auto p = tensor_list(params, "adagrad", "params");
    auto g = tensor_list(grads, "adagrad", "grads");
    auto s = tensor_list(sums, "adagrad", "state_sums");
    auto st = tensor_list(steps, "adagrad", "state_steps");
    AdagradHyper h{lr, lr_decay, weight_decay, eps, maximize};
    pynn_py::run_released({p}, [&] { adagrad_step(p, g, s, st, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("state_steps"), py::arg("lr"),
     py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"));

  m.def("_adadelta_step", [](py::handle params, py::handle grads, py::handle square_avgs, py::handle acc_deltas,
                             py::handle steps, double lr, double rho, double eps, double weight_decay, bool maximize) {
    auto p = tensor_list(params, "adadelta", "params");
    auto g = tensor_list(grads, "adadelta", "grads");
    auto sq = tensor_list(square_avgs, "adadelta", "square_avgs");
    auto ad = tensor_list(acc_deltas, "adadelta", "acc_deltas");
    auto s = tensor_list(steps, "adadelta", "state_steps");
    AdadeltaHyper h{lr, rho, eps, weight_decay, maximize};
    pynn_py::run_released({p}, [&] { adadelta_step(p, g, sq, ad, s, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::arg("state_steps"),
     py::arg("lr"), py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"));

  m.def("_adamax_step", [](py::handle params, py::handle grads, py::handle exp_avgs, py::handle exp_infs,
                           py::handle steps, double lr, double beta1, double beta2, double eps, double weight_decay,
                           bool maximize) {
    auto p = tensor_list(params, "adamax", "params");
    auto g = tensor_list(grads, "adamax", "grads");
    auto m1 = tensor_list(exp_avgs, "adamax", "exp_avgs");
    auto ei = tensor_list(exp_infs, "adamax", "exp_infs");
    auto s = tensor_list(steps, "adamax", "state_steps");
    AdamaxHyper h{lr, beta1, beta2, eps, weight_decay, maximize};
    pynn_py::run_released({p}, [&] { adamax_step(p, g, m1, ei, s, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_infs"), py::arg("state_steps"),
     py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"));

  // NAdam (mu_products given) and RAdam (mu_products None) share their arguments.
  m.def("_nadam_radam_step", [](py::handle params, py::handle grads, py::handle exp_avgs, py::handle exp_avg_sqs,
                                py::handle mu_products, py::handle steps, double lr, double beta1, double beta2,
                                double weight_decay, double eps, bool maximize, bool decoupled,
                                double momentum_decay) {
    const bool nadam = !mu_products.is_none();
    const char* op = nadam ? "nadam" : "radam";
    auto p = tensor_list(params, op, "params");
    auto g = tensor_list(grads, op, "grads");
    auto m1 = tensor_list(exp_avgs, op, "exp_avgs");
    auto m2 = tensor_list(exp_avg_sqs, op, "exp_avg_sqs");
    auto mp = nadam ? tensor_list(mu_products, op, "mu_products") : std::vector<Tensor>{};
    auto s = tensor_list(steps, op, "state_steps");
    NadamHyper h{lr, beta1, beta2, weight_decay, eps, maximize, decoupled};
    pynn_py::run_released({p}, [&] {
      if (nadam) nadam_step(p, g, m1, m2, mp, s, h, momentum_decay);
      else radam_step(p, g, m1, m2, s, h);
    });
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("mu_products"),
     py::arg("state_steps"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("weight_decay"),
     py::arg("eps"), py::arg("maximize"), py::arg("decoupled_weight_decay"), py::arg("momentum_decay"));

  m.def("_asgd_step", [](py::handle params, py::handle grads, py::handle axs, py::handle mus, py::handle etas,
                         py::handle steps, double lambd, double lr, double t0, double alpha, double weight_decay,
                         bool maximize) {
    auto p = tensor_list(params, "asgd", "params");
    auto g = tensor_list(grads, "asgd", "grads");
    auto ax = tensor_list(axs, "asgd", "axs");
    auto mu = tensor_list(mus, "asgd", "mus");
    auto eta = tensor_list(etas, "asgd", "etas");
    auto s = tensor_list(steps, "asgd", "state_steps");
    AsgdHyper h{lambd, weight_decay, maximize};
    pynn_py::run_released({p}, [&] { asgd_step(p, g, ax, mu, eta, s, h, lr, t0, alpha); });
  }, py::arg("params"), py::arg("grads"), py::arg("axs"), py::arg("mus"), py::arg("etas"), py::arg("state_steps"),
     py::arg("lambd"), py::arg("lr"), py::arg("t0"), py::arg("alpha"), py::arg("weight_decay"), py::arg("maximize"));

  m.def("_rprop_step", [](py::handle params, py::handle grads, py::handle prevs, py::handle step_sizes,
                          py::handle steps, double etaminus, double etaplus, double step_size_min,
                          double step_size_max, bool maximize) {
    auto p = tensor_list(params, "rprop", "params");
    auto g = tensor_list(grads, "rprop", "grads");
    auto pv = tensor_list(prevs, "rprop", "prevs");
    auto ss = tensor_list(step_sizes, "rprop", "step_sizes");
    auto s = tensor_list(steps, "rprop", "state_steps");
    RpropHyper h{etaminus, etaplus, step_size_min, step_size_max, maximize};
    pynn_py::run_released({p}, [&] { rprop_step(p, g, pv, ss, s, h); });
  }, py::arg("params"), py::arg("grads"), py::arg("prevs"), py::arg("step_sizes"), py::arg("state_steps"),
     py::arg("etaminus"), py::arg("etaplus"), py::arg("step_size_min"), py::arg("step_size_max"),
     py::arg("maximize"));
}
