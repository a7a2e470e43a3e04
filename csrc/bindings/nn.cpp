// nn ops as private _C functions (pynn/ wraps them with torch's signatures).
#include "bindings/bindings.h"
#include "ops/nn.h"

using namespace pynn;
using pynn_py::without_gil_if;

namespace {

bool big(const Tensor& x) { return x && x->numel() > pynn_py::kReleaseGilAbove; }
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : nullptr; }

// Runs f without the GIL when x is big enough for that to pay.
template <typename F>
Tensor run(const Tensor& x, F&& f) {
  return without_gil_if(big(x), std::forward<F>(f));
}

}  // namespace

void bind_nn(py::module_& m, TensorClass& cls) {
  m.def("_softmax", [](const Tensor& x, int64_t dim) { return run(x, [&] { return softmax(x, dim); }); },
        py::arg("input"), py::arg("dim"));
  m.def("_log_softmax", [](const Tensor& x, int64_t dim) { return run(x, [&] { return log_softmax(x, dim); }); },
        py::arg("input"), py::arg("dim"));

  m.def("_gelu", [](const Tensor& x, const std::string& approximate) {
    return run(x, [&] { return gelu(x, approximate); });
  }, py::arg("input"), py::arg("approximate") = "none");
  m.def("_elu", [](const Tensor& x, double alpha, double scale, double input_scale) {
    return run(x, [&] { return elu(x, alpha, scale, input_scale); });
  }, py::arg("input"), py::arg("alpha") = 1.0, py::arg("scale") = 1.0, py::arg("input_scale") = 1.0);
  m.def("_silu", [](const Tensor& x) { return run(x, [&] { return silu(x); }); }, py::arg("input"));
  m.def("_mish", [](const Tensor& x) { return run(x, [&] { return mish(x); }); }, py::arg("input"));
  m.def("_softplus", [](const Tensor& x, double beta, double threshold) {
    return run(x, [&] { return softplus(x, beta, threshold); });
  }, py::arg("input"), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  m.def("_leaky_relu", [](const Tensor& x, double negative_slope) {
    return run(x, [&] { return leaky_relu(x, negative_slope); });
  }, py::arg("input"), py::arg("negative_slope") = 0.01);
  m.def("_hardtanh", [](const Tensor& x, double min_val, double max_val) {
    return run(x, [&] { return hardtanh(x, min_val, max_val); });
  }, py::arg("input"), py::arg("min_val") = -1.0, py::arg("max_val") = 1.0);
  m.def("_prelu", [](const Tensor& x, const Tensor& weight) { return run(x, [&] { return prelu(x, weight); }); },
        py::arg("input"), py::arg("weight"));

  m.def("_dropout", [](const Tensor& x, double p, bool training) {
    return run(x, [&] { return dropout(x, p, training); });
  }, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true);

  m.def("_nll_loss", [](const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                        int64_t reduction, int64_t ignore_index) {
    return run(input, [&] { return nll_loss(input, target, opt(weight), reduction, ignore_index); });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = 1,
        py::arg("ignore_index") = -100);
  m.def("_cross_entropy", [](const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                             int64_t reduction, int64_t ignore_index, double label_smoothing) {
    return run(input, [&] {
      return cross_entropy(input, target, opt(weight), reduction, ignore_index, label_smoothing);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = 1,
        py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0);
  m.def("_binary_cross_entropy", [](const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                                    int64_t reduction) {
    return run(input, [&] { return binary_cross_entropy(input, target, opt(weight), reduction); });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = 1);
  m.def("_binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target,
                                                const std::optional<Tensor>& weight,
                                                const std::optional<Tensor>& pos_weight, int64_t reduction) {
    return run(input, [&] {
      return binary_cross_entropy_with_logits(input, target, opt(weight), opt(pos_weight), reduction);
    });
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("pos_weight") = py::none(),
        py::arg("reduction") = 1);
}
