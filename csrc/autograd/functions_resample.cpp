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
}  // namespace

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
