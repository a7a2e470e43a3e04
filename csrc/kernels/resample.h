// Kernel interface of F.interpolate's resampling modes (nearest, nearest-exact, linear / bilinear / trilinear,
// bicubic), shared by csrc/cpu and csrc/cuda. All checks, and the tap tables, come from csrc/ops/resample.cpp.
#pragma once
#include <cstdint>
#include <vector>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

// One separable axis: output position o reads input positions index[o * taps + t] with weights
// weight[o * taps + t], t < taps (1 nearest, 2 linear, 4 cubic; positions already clamped into the input).
// Weights were computed in the tensor's precision, as torch's, and are exact in double.
struct ResampleAxis {
  int64_t in = 1, out = 1;
  int taps = 1;
  std::vector<int64_t> index{0};
  std::vector<double> weight{1.0};
};

// planes (every leading dim) of d x h x w; 2-d resampling has a unit depth, 1-d a unit height too.
struct ResampleGeometry {
  int64_t planes = 0;
  ResampleAxis d, h, w;
  int64_t in_plane() const { return d.in * h.in * w.in; }
  int64_t out_plane() const { return d.out * h.out * w.out; }
};

// out (planes, od, oh, ow) = sum over the taps of wd * wh * ww * x (planes, d, h, w), summed innermost axis first.
using resample_fn = void (*)(const Tensor& out, const Tensor& x, const ResampleGeometry& g);
// grad_input (planes, d, h, w) = the adjoint applied to grad_out; every element written.
using resample_backward_fn = void (*)(const Tensor& grad_input, const Tensor& grad_out, const ResampleGeometry& g);

PYNN_DECLARE_KERNEL(resample_kernel, resample_fn);
PYNN_DECLARE_KERNEL(resample_backward_kernel, resample_backward_fn);

// F.grid_sample: input (N, C, D, H, W) read at grid (N, OD, OH, OW, dims) points, x first (dims 2 for 4-D inputs,
// which the op passes with D = OD = 1). All operands contiguous, one floating dtype.
enum class GridMode { Bilinear, Nearest, Bicubic };
enum class GridPadding { Zeros, Border, Reflection };
struct GridSampleArgs {
  GridMode mode = GridMode::Bilinear;
  GridPadding padding = GridPadding::Zeros;
  bool align_corners = false;
  int dims = 2;  // coordinates per grid point
};
// out (N, C, OD, OH, OW), every element written.
using grid_sample_fn = void (*)(const Tensor& out, const Tensor& input, const Tensor& grid, const GridSampleArgs& a);
// grad_input (zeroed and accumulated; null when not wanted) and grad_grid (null when not wanted).
using grid_sample_backward_fn = void (*)(const Tensor& grad_input, const Tensor& grad_grid, const Tensor& grad_out,
                                         const Tensor& input, const Tensor& grid, const GridSampleArgs& a);
PYNN_DECLARE_KERNEL(grid_sample_kernel, grid_sample_fn);
PYNN_DECLARE_KERNEL(grid_sample_backward_kernel, grid_sample_backward_fn);

}  // namespace pynn
