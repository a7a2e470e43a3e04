// Record functions of F.pad and F.interpolate (nodes in functions_pad.cpp / functions_resample.cpp): both are
// linear maps whose backward is their adjoint op, and the adjoint's backward the map again.
#pragma once
#include "autograd/node.h"

namespace pynn {
struct PadGeometry;
struct ResampleGeometry;
struct GridSampleArgs;
namespace autograd {

// adjoint: the recorded op is pad_backward (input: its grad_out).
void record_pad(const Tensor& input, const PadGeometry& g, bool adjoint, const Tensor& out);
void record_resample(const Tensor& input, const ResampleGeometry& g, int spatial, bool adjoint, const Tensor& out);
void record_grid_sample(const Tensor& input, const Tensor& grid, const GridSampleArgs& a, const Tensor& out);

}  // namespace autograd
}  // namespace pynn
