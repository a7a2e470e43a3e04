// Backward of F.interpolate's resampling: the resampling and its adjoint (each output gradient spread over the
// taps it read, by the same weights) are each other's gradient.
#include "autograd/functions_pad.h"
#include "ops/resample.h"

namespace pynn {
namespace autograd {

namespace {
struct ResampleNode : Node {
  ResampleGeometry g;
  Dims input_sizes;  // of the forward resampling
  int spatial = 2;
  bool adjoint = false;
  std::string name() const override {
    const char* linear[] = {"UpsampleLinear1D", "UpsampleBilinear2D", "UpsampleTrilinear3D"};
    const std::string kind = g.w.taps == 1   ? str("UpsampleNearest", spatial, "D")
                             : g.w.taps == 2 ? std::string(linear[spatial - 1])
                                             : str("UpsampleBicubic", spatial, "D");
    return kind + (adjoint ? "BackwardBackward0" : "Backward0");
  }
  std::vector<Tensor> apply(const Tensor& grad) override {
    if (adjoint) return {resample_geometry(grad, spatial, g)};
    return {resample_backward(grad, g, input_sizes, spatial)};
  }
};
// F.grid_sample: the kernel's backward gives both gradients; it is not differentiated again (torch's isn't either
// for the input's gradient through the grid).
struct GridSampleNode : Node {
  GridSampleArgs a;
  SavedTensor input, grid;
  std::string name() const override {
    return a.dims == 2 ? "GridSampler2DBackward0" : "GridSampler3DBackward0";
  }
  void release_saved() override {
    input.reset();
    grid.reset();
  }
  std::vector<Tensor> apply(const Tensor& grad) override {
    auto [gi, gg] = grid_sample_backward(grad, input.unpack(this), grid.unpack(this), a, next_edges[0].valid(),
                                         next_edges[1].valid());
    return {gi, gg};
  }
};
}  // namespace

void record_grid_sample(const Tensor& input, const Tensor& grid, const GridSampleArgs& a, const Tensor& out) {
  auto node = std::make_shared<GridSampleNode>();
  node->a = a;
  node->input = SavedTensor(input, false);
  node->grid = SavedTensor(grid, false);
  record(node, {&input, &grid}, out);
}

void record_resample(const Tensor& input, const ResampleGeometry& g, int spatial, bool adjoint, const Tensor& out) {
  auto node = std::make_shared<ResampleNode>();
  node->g = g;
  node->spatial = spatial;
  node->adjoint = adjoint;
  node->input_sizes = adjoint ? out->sizes() : input->sizes();
  record(node, {&input}, out);
}

}  // namespace autograd
}  // namespace pynn
