// F.interpolate's resampling modes (ops/resample.cpp): nearest, nearest-exact, (bi/tri)linear and bicubic over
// the last 1-3 dims of (N, C, *spatial), with torch's source-index rules. Linear in the input: the backward is an
// op (and differentiates again). 'area' is adaptive average pooling (pynn/functional.py).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "kernels/resample.h"

namespace pynn {

// mode: "nearest", "nearest-exact", "linear" (any of linear / bilinear / trilinear: the rank says which) or
// "bicubic". output_size: one per spatial dim; scales: empty, or one per spatial dim (the scale_factor the sizes
// came from, which torch's kernels use for the source index; <= 0 means none).
Tensor interpolate(const Tensor& input, const std::string& mode, const std::vector<int64_t>& output_size,
                   const std::vector<double>& scales, bool align_corners);
// The checked resampling of input's trailing `spatial` dims by a resolved geometry, and its adjoint for an input
// of input_sizes: each is the other's backward.
Tensor resample_geometry(const Tensor& input, int spatial, const ResampleGeometry& g);
Tensor resample_backward(const Tensor& grad_out, const ResampleGeometry& g, const Dims& input_sizes, int spatial);

// F.grid_sample of a 4-D or 5-D input at grid's points (torch's checks; args.dims is set from the rank), and its
// backward: (grad_input, grad_grid), each null when not wanted. The backward is not differentiated again.
Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleArgs& args);
std::pair<Tensor, Tensor> grid_sample_backward(const Tensor& grad_out, const Tensor& input, const Tensor& grid,
                                               const GridSampleArgs& args, bool want_input, bool want_grid);

}  // namespace pynn
