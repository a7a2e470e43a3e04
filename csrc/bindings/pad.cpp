// F.pad as a private _C function (pynn/functional.py gives it torch's signature).
#include "bindings/bindings.h"
#include "ops/pad.h"

using namespace pynn;
using pynn_py::run_released;

void bind_pad(py::module_& m) {
  m.def("_pad", [](const Tensor& x, std::vector<int64_t> pad, const std::string& mode, std::optional<double> value) {
    return run_released({x}, [&] { return pynn::pad(x, pad, mode, value); });
  });
}
