// Backward of the convolution and pooling families. conv(x, w), its input gradient BI(g, w) and its weight
// gradient BW(g, x) are bilinear and adjoint to one another (<g, conv(x, w)> = <BI(g, w), x> = <BW(g, x), w>),
// so the gradient of each of the three is made of the other two, all ops: gradients of any order follow.
#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/conv.h"
#include "ops/indexing.h"
#include "ops/pool.h"
#include "ops/reduce.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

enum class ConvRole { Forward, BackwardInput, BackwardWeight };

// Edges: Forward (input, weight, bias); BackwardInput (grad_out, weight); BackwardWeight (grad_out, input).
struct ConvNode : Node {
  ConvRole role = ConvRole::Forward;
  Conv2dParams p;
  SavedTensor first, second;  // the two operands of the recorded op, in edge order
  Dims input_sizes, weight_sizes;
  Dims out_spatial;  // the convolution's output size (2 or 3 dims)

  std::string name() const override {
    return role == ConvRole::Forward ? "ConvolutionBackward0" : "ConvolutionBackwardBackward0";
  }
  void release_saved() override {
    first.reset();
    second.reset();
  }
  std::vector<Tensor> apply(const Tensor& g) override {
    const bool want0 = next_edges[0].valid(), want1 = next_edges[1].valid();
    Tensor g0, g1;
    switch (role) {
      case ConvRole::Forward: {  // out = conv(x, w) + b
        if (want0) g0 = conv2d_backward_input(g, second.unpack(this), input_sizes, p);
        if (want1) g1 = conv2d_backward_weight(g, first.unpack(this), weight_sizes, p);
        Tensor gb;
        if (next_edges[2].valid()) {
          std::vector<int64_t> dims{0};
          for (int i = 2; i < g->dim(); ++i) dims.push_back(i);
          gb = sum(g, dims);
        }
        return {g0, g1, gb};
      }
      case ConvRole::BackwardInput: {  // out = BI(grad_out, w), shaped like the input
        if (want0) g0 = convolution(g, second.unpack(this), nullptr, p, out_spatial);
        if (want1) g1 = conv2d_backward_weight(first.unpack(this), g, weight_sizes, p);
        break;
      }
      case ConvRole::BackwardWeight: {  // out = BW(grad_out, x), shaped like the weight
        if (want0) g0 = convolution(second.unpack(this), g, nullptr, p, out_spatial);
        if (want1) g1 = conv2d_backward_input(first.unpack(this), g, input_sizes, p);
        break;
      }
    }
    return {g0, g1};
  }
};

// Saves each operand only when the other one's gradient needs it.
std::shared_ptr<ConvNode> make_node(ConvRole role, const Tensor& a, const Tensor& b, const Conv2dParams& p) {
  auto node = std::make_shared<ConvNode>();
  node->role = role;
  node->p = p;
  if (requires_grad(b)) node->first = SavedTensor(a, false);
  if (requires_grad(a)) node->second = SavedTensor(b, false);
  return node;
}

// unfold (im2col) and fold (col2im) are adjoint linear maps: each one's gradient is the other.
struct FoldNode : Node {
  bool col2im = false;  // the recorded op is fold
  ConvGeometry g;
  std::string name() const override { return col2im ? "Col2ImBackward0" : "Im2ColBackward0"; }
  std::vector<Tensor> apply(const Tensor& grad) override {
    return {col2im ? im2col_geometry(grad, g) : col2im_geometry(grad, g)};
  }
};

// Pooling's input gradient is linear in grad_out: max scatters it to the argmax positions, avg spreads it (the
// adjoint of avg pooling). Their own gradients are the adjoints again: a gather at the argmaxes, and avg pooling.
struct PoolNode : Node {
  bool of_backward = false;  // this is the backward of pool2d_backward
  PoolGeometry g;
  int spatial = 2;
  const char* base_name = "";
  SavedTensor indices;
  Dims input_sizes;

  std::string name() const override {
    std::string n = base_name;  // "...Backward0" -> "...BackwardBackward0"
    return of_backward ? n.insert(n.size() - 1, "Backward") : n;
  }
  void release_saved() override { indices.reset(); }
  std::vector<Tensor> apply(const Tensor& grad) override {
    const Tensor idx = indices.defined() ? indices.unpack(this) : Tensor();
    if (!of_backward) return {pool2d_backward(grad, idx, input_sizes, spatial, g, base_name)};
    if (g.mode == PoolMode::Avg) return {pool2d(grad, spatial, g, nullptr, base_name)};
    const Tensor flat = reshape(grad, {g.planes, g.in_plane()});
    const Tensor picked = gather(flat, 1, reshape(idx, {g.planes, g.out_plane()}));
    return {reshape(picked, idx->sizes().vec())};
  }
};

std::shared_ptr<PoolNode> make_pool_node(bool of_backward, const Tensor& indices, const Dims& input_sizes, int spatial,
                                         const PoolGeometry& g, const char* name) {
  auto node = std::make_shared<PoolNode>();
  node->of_backward = of_backward;
  node->g = g;
  node->spatial = spatial;
  node->base_name = name;
  if (indices) node->indices = SavedTensor(indices, false);
  node->input_sizes = input_sizes;
  return node;
}

}  // namespace

void record_fold(const Tensor& input, const ConvGeometry& g, bool col2im, const Tensor& out) {
  auto node = std::make_shared<FoldNode>();
  node->col2im = col2im;
  node->g = g;
  record(node, {&input}, out);
}

void record_pool2d(const Tensor& input, const Tensor& indices, int spatial, const PoolGeometry& g, const char* name,
                   const Tensor& out) {
  record(make_pool_node(false, indices, input->sizes(), spatial, g, name), {&input}, out);
}

void record_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Dims& input_sizes, int spatial,
                            const PoolGeometry& g, const char* name, const Tensor& out) {
  record(make_pool_node(true, indices, input_sizes, spatial, g, name), {&grad_out}, out);
}

void record_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                   const Tensor& out) {
  auto node = make_node(ConvRole::Forward, input, weight, p);
  node->input_sizes = input->sizes();
  node->weight_sizes = weight->sizes();
  node->out_spatial = Dims(out->sizes().begin() + 2, out->sizes().end());
  record(node, {&input, &weight, &bias}, out);
}

void record_conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Conv2dParams& p,
                                  const Tensor& out) {
  auto node = make_node(ConvRole::BackwardInput, grad_out, weight, p);
  node->input_sizes = out->sizes();
  node->weight_sizes = weight->sizes();
  node->out_spatial = Dims(grad_out->sizes().begin() + 2, grad_out->sizes().end());
  record(node, {&grad_out, &weight}, out);
}

void record_conv2d_backward_weight(const Tensor& grad_out, const Tensor& input, const Conv2dParams& p,
                                   const Tensor& out) {
  auto node = make_node(ConvRole::BackwardWeight, grad_out, input, p);
  node->input_sizes = input->sizes();
  node->weight_sizes = out->sizes();
  node->out_spatial = Dims(grad_out->sizes().begin() + 2, grad_out->sizes().end());
  record(node, {&grad_out, &input}, out);
}

}  // namespace autograd
}  // namespace pynn
