// Normalization and embedding ops as private _C functions (pynn/functional.py wraps them with torch's
// signatures and Python-side checks).
#include "bindings/bindings.h"
#include "ops/embedding.h"
#include "ops/norm.h"

using namespace pynn;
using pynn_py::run_released;

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : nullptr; }

}  // namespace

void bind_norm(py::module_& m) {
  m.def("_batch_norm", [](const Tensor& input, const std::optional<Tensor>& running_mean,
                          const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight,
                          const std::optional<Tensor>& bias, bool training, double momentum, double eps) {
    return run_released({input}, [&] {
      return batch_norm(input, opt(running_mean), opt(running_var), opt(weight), opt(bias), training, momentum, eps);
    });
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
        py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  m.def("_layer_norm", [](const Tensor& input, const std::vector<int64_t>& normalized_shape,
                          const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, double eps) {
    return run_released({input}, [&] { return layer_norm(input, normalized_shape, opt(weight), opt(bias), eps); });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
        py::arg("eps") = 1e-5);
  m.def("_rms_norm", [](const Tensor& input, const std::vector<int64_t>& normalized_shape,
                        const std::optional<Tensor>& weight, std::optional<double> eps) {
    return run_released({input}, [&] { return rms_norm(input, normalized_shape, opt(weight), eps); });
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("eps") = py::none());
  m.def("_group_norm", [](const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                          const std::optional<Tensor>& bias, double eps) {
    return run_released({input}, [&] { return group_norm(input, num_groups, opt(weight), opt(bias), eps); });
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
        py::arg("eps") = 1e-5);

  m.def("_embedding", [](const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq) {
    // The work is the looked-up rows, not the table.
    const int64_t rows = indices->numel() * (weight->dim() == 2 ? weight->size(1) : 1);
    return pynn_py::without_gil_if(rows > pynn_py::kReleaseGilAbove,
                                   [&] { return embedding(weight, indices, padding_idx, scale_grad_by_freq); });
  }, py::arg("weight"), py::arg("indices"), py::arg("padding_idx") = -1, py::arg("scale_grad_by_freq") = false);
  m.def("_embedding_renorm_", [](const Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
    run_released({indices}, [&] {
      embedding_renorm_(weight, indices, max_norm, norm_type);
      return 0;
    });
    return weight;
  }, py::arg("weight"), py::arg("indices"), py::arg("max_norm"), py::arg("norm_type") = 2.0);
}
