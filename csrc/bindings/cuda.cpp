// The device queries behind pynn.cuda and Tensor._to_device. They exist in every build: without the CUDA backend
// the core's default hooks answer (no devices, zero counters).
#include "bindings/bindings.h"
#include "core/cuda_hooks.h"
#include "ops/factory.h"

using namespace pynn;
using pynn_py::run_released;

namespace {

// torch's device arguments: None or -1 is the current device, an int or a cuda device names one.
int index_of(const std::optional<Device>& d) {
  if (!d || d->index < 0) return cuda_hooks().current_device();
  return d->index;
}

}  // namespace

void bind_cuda(py::module_& m, TensorClass& cls) {
  m.def("_cuda_is_available", [] { return cuda_hooks().device_count() > 0; });
  m.def("_cuda_device_count", [] { return cuda_hooks().device_count(); });
  m.def("_cuda_unavailable_reason", [] { return cuda_hooks().unavailable_reason(); });
  m.def("_cuda_current_device", [] { return cuda_hooks().current_device(); });
  m.def("_cuda_set_device", [](int i) { cuda_hooks().set_device(i); });
  m.def("_cuda_synchronize", [](std::optional<Device> d) {
    const int i = index_of(d);
    py::gil_scoped_release no_gil;
    cuda_hooks().synchronize(i);
  }, py::arg("device") = py::none());
  m.def("_cuda_get_device_name", [](std::optional<Device> d) { return cuda_hooks().device_name(index_of(d)); },
        py::arg("device") = py::none());
  m.def("_cuda_empty_cache", [] { cuda_hooks().empty_cache(); });
  m.def("_cuda_memory_allocated", [](std::optional<Device> d) { return cuda_hooks().memory_allocated(index_of(d)); },
        py::arg("device") = py::none());
  m.def("_cuda_max_memory_allocated",
        [](std::optional<Device> d) { return cuda_hooks().max_memory_allocated(index_of(d)); },
        py::arg("device") = py::none());
  m.def("_cuda_memory_reserved", [](std::optional<Device> d) { return cuda_hooks().memory_reserved(index_of(d)); },
        py::arg("device") = py::none());
  m.def("_cuda_reset_peak_memory_stats",
        [](std::optional<Device> d) { cuda_hooks().reset_peak_memory_stats(index_of(d)); },
        py::arg("device") = py::none());
  m.def("_cuda_set_cublas_path", [](const std::string& p) { cuda_hooks().set_cublas_path(p); });
  m.def("_cuda_cublas_loaded", [] { return cuda_hooks().cublas_loaded(); });
  m.def("_cuda_use_reference_gemm", [](bool on) { cuda_hooks().use_reference_gemm(on); });
  cls.def("_to_device", [](const Tensor& t, Device d) {
    return run_released({t}, [&] { return to_device(t, d); });
  }, py::arg("device"));
}
