// Inference mode switches (pynn.inference_mode wraps them) and Tensor.is_inference().
#include "autograd/grad_mode.h"
#include "bindings/bindings.h"

using namespace pynn;

void bind_grad_mode(py::module_& m, TensorClass& cls) {
  m.def("_set_inference_mode", [](bool enabled) { autograd::set_inference_mode(enabled); }, py::arg("enabled"));
  m.def("is_inference_mode_enabled", [] { return autograd::inference_mode_enabled(); });
  cls.def("is_inference", [](const Tensor& t) { return t->is_inference; });
}
