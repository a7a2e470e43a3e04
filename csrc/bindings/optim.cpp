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
}
