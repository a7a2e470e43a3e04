// F.interpolate's resampling as a private _C function (pynn/functional.py resolves sizes and scales as torch).
#include "bindings/bindings.h"
#include "ops/resample.h"

using namespace pynn;
using pynn_py::run_released;

void bind_resample(py::module_& m) {
  m.def("_interpolate", [](const Tensor& x, const std::string& mode, std::vector<int64_t> output_size,
                           std::vector<double> scales, bool align_corners) {
    return run_released({x}, [&] { return pynn::interpolate(x, mode, output_size, scales, align_corners); });
  });
  m.def("_grid_sample", [](const Tensor& input, const Tensor& grid, int mode, int padding, bool align_corners) {
    GridSampleArgs a;
    a.mode = static_cast<GridMode>(mode);
    a.padding = static_cast<GridPadding>(padding);
    a.align_corners = align_corners;
    return run_released({input, grid}, [&] { return pynn::grid_sample(input, grid, a); });
  });
}
