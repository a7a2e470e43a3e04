// Backward of F.pad: padding and its adjoint (each output gradient added to the input position it read) are each
// other's gradient; constant padding's value is an offset, absent from both.
#include "autograd/functions_pad.h"

#include "ops/pad.h"

namespace pynn {
namespace autograd {

namespace {
struct PadNode : Node {
  PadGeometry g;
  Dims input_sizes;  // of the forward padding
  bool adjoint = false;
  std::string name() const override {
    const char* names[] = {"ConstantPadNdBackward0", "ReflectionPadBackward0", "ReplicationPadBackward0",
                           "CircularPadBackward0"};
    return adjoint ? "PadBackwardBackward0" : names[static_cast<int>(g.mode)];
  }
  std::vector<Tensor> apply(const Tensor& grad) override {
    if (adjoint) {
      PadGeometry zero = g;
      zero.value = 0;
      return {pad_geometry(grad, zero)};
    }
    return {pad_backward(grad, g, input_sizes)};
  }
};
}  // namespace

void record_pad(const Tensor& input, const PadGeometry& g, bool adjoint, const Tensor& out) {
  auto node = std::make_shared<PadNode>();
  node->g = g;
  node->adjoint = adjoint;
  node->input_sizes = adjoint ? out->sizes() : input->sizes();
  record(node, {&input}, out);
}

}  // namespace autograd
}  // namespace pynn
