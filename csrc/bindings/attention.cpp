// Attention ops as private _C functions (pynn/functional.py wraps them with torch's signatures and brings
// inputs to the 4-d layout the op takes).
#include "bindings/bindings.h"
#include "ops/attention.h"

using namespace pynn;
using pynn_py::run_released;

void bind_attention(py::module_& m) {
  m.def("_scaled_dot_product_attention", [](const Tensor& q, const Tensor& k, const Tensor& v,
                                            const std::optional<Tensor>& attn_mask, double dropout_p, bool is_causal,
                                            std::optional<double> scale, bool enable_gqa) {
    return run_released({q, k, v}, [&] {
      return scaled_dot_product_attention(q, k, v, attn_mask ? *attn_mask : nullptr, dropout_p, is_causal, scale,
                                          enable_gqa);
    });
  }, py::arg("query"), py::arg("key"), py::arg("value"), py::arg("attn_mask") = py::none(),
        py::arg("dropout_p") = 0.0, py::arg("is_causal") = false, py::arg("scale") = py::none(),
        py::arg("enable_gqa") = false);
  m.def("_sdpa_dropout_mask", [](const std::vector<int64_t>& shape, double p, ScalarType dtype) {
    return sdpa_dropout_mask(Dims(shape), p, dtype);
  }, py::arg("shape"), py::arg("p"), py::arg("dtype"));
}
