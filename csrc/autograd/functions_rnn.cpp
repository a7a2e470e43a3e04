// Backward of the recurrent ops (csrc/ops/rnn.cpp). A layer's node runs the backward through time of both its
// directions from the gates its forward saved; a cell's node does the same for one step, or, when a graph is
// being built (create_graph), the formula in differentiable ops, so that cells are twice differentiable.
#include <array>
#include <vector>

#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "ops/nn_common.h"
#include "ops/rnn.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

SavedTensor save_opt(const Tensor& t) { return t ? SavedTensor(t, false) : SavedTensor(); }

// The node's edges are (input, h0, c0, then five per direction); its saved inputs are in the same order.
struct RnnNodeBase : Node {
  RnnSpec spec;
  std::vector<SavedTensor> inputs;
  std::vector<RnnSaved> saved;

  void release_saved() override {
    for (SavedTensor& t : inputs) t.reset();
    saved.clear();
  }
  Tensor input_at(size_t i) const { return inputs[i].defined() ? inputs[i].unpack(this) : nullptr; }
  RnnGradMask mask() const {
    RnnGradMask m;
    m.input = next_edges[0].valid();
    m.h0 = next_edges[1].valid();
    m.c0 = next_edges[2].valid();
    m.weights.resize(spec.dirs);
    for (int64_t d = 0; d < spec.dirs; ++d)
      for (int k = 0; k < 5; ++k) m.weights[d][k] = next_edges[3 + 5 * d + k].valid();
    return m;
  }
  // Kernel-ready weights of direction d (the forward's dtype is the input's).
  RnnWeights weights(int64_t d, ScalarType dt) const {
    auto w = [&](int k) { return contiguous_untracked(input_at(3 + 5 * d + k), dt); };
    return RnnWeights{w(0), w(1), w(2), w(3), w(4)};
  }
  // Gradients in edge order, each in its input's shape (a cell's states are (B, H), not (1, B, H)) and dtype.
  std::vector<Tensor> edge_grads(const RnnGrads& g) const {
    std::vector<Tensor> out{g.input, g.h0, g.c0};
    for (int64_t d = 0; d < spec.dirs; ++d) {
      const RnnWeights& w = g.weights[d];
      for (const Tensor& t : {w.w_ih, w.w_hh, w.b_ih, w.b_hh, w.w_hr}) out.push_back(t);
    }
    for (size_t i = 0; i < out.size(); ++i) {
      const Tensor p = input_at(i);
      if (!out[i] || !p) continue;
      if (out[i]->sizes() != p->sizes()) out[i] = reshape(out[i], p->sizes().vec());
      if (out[i]->dtype() != p->dtype()) out[i] = to_dtype(out[i], p->dtype());
    }
    return out;
  }
  std::vector<Tensor> fused_backward(const Tensor& grad) const {
    const Tensor x = contiguous_untracked(input_at(0));
    std::vector<RnnWeights> w;
    for (int64_t d = 0; d < spec.dirs; ++d) w.push_back(weights(d, x->dtype()));
    return edge_grads(rnn_layer_backward(spec, grad, x, w, saved, mask()));
  }
};

// Stands behind the gradients a layer's backward returns under create_graph: they are right, but not
// differentiable again, and differentiating through them raises (torch's once_differentiable).
struct RnnLayerDoubleBackward : Node {
  std::string name() const override { return "RnnLayerBackwardBackward"; }
  std::vector<Tensor> apply(const Tensor&) override {
    PYNN_CHECK(false, "rnn",
               "double backward through a whole RNN / LSTM / GRU layer is not supported; step nn.RNNCell / "
               "nn.LSTMCell / nn.GRUCell in a loop for higher-order gradients");
    return {};
  }
};

struct RnnLayerBackward : RnnNodeBase {
  std::string name() const override { return "RnnLayerBackward"; }
  std::vector<Tensor> apply(const Tensor& grad) override {
    if (!grad_enabled()) return fused_backward(grad);
    std::vector<Tensor> g = untracked([&] { return fused_backward(grad); });
    for (Tensor& t : g)
      if (t) record(std::make_shared<RnnLayerDoubleBackward>(), {&grad}, t);
    return g;
  }
};

struct RnnCellBackward : RnnNodeBase {
  std::string name() const override {
    switch (spec.mode) {
      case RnnMode::LSTM: return "LstmCellBackward";
      case RnnMode::GRU: return "GruCellBackward";
      default: return "RnnCellBackward";
    }
  }
  std::vector<Tensor> apply(const Tensor& grad) override {
    if (!grad_enabled()) return fused_backward(grad);
    // create_graph: the same gradients as differentiable ops of the inputs and of grad.
    const int64_t B = spec.batch, H = spec.hidden;
    const bool lstm = spec.mode == RnnMode::LSTM;
    Tensor gh = lstm ? view(narrow(grad, 0, 0, B * H), {B, H}) : reshape(grad, {B, H});
    Tensor gc = lstm ? view(narrow(grad, 0, B * H, B * H), {B, H}) : nullptr;
    const Tensor x = input_at(0);
    Tensor hx = input_at(1), cx = input_at(2);
    if (!hx) hx = full(Dims{B, H}, Scalar(0.0), x->dtype(), x->device());
    if (lstm && !cx) cx = full(Dims{B, H}, Scalar(0.0), x->dtype(), x->device());
    RnnWeights w{input_at(3), input_at(4), input_at(5), input_at(6), nullptr};
    return edge_grads(rnn_cell_backward_ops(spec.mode, gh, gc, x, hx, cx, w, mask()));
  }
};

template <typename N>
void record_node(const std::shared_ptr<N>& node, const RnnSpec& spec, const std::vector<Tensor>& inputs,
                 std::vector<RnnSaved> saved, const Tensor& out, bool save_states) {
  node->spec = spec;
  node->inputs.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    node->inputs.push_back((i == 1 || i == 2) && !save_states ? SavedTensor() : save_opt(inputs[i]));
  node->saved = std::move(saved);
  record(node, inputs, out);
}

}  // namespace

void record_rnn_layer(const RnnSpec& spec, const std::vector<Tensor>& inputs, std::vector<RnnSaved> saved,
                      const Tensor& out) {
  // The layer's states enter its backward through the saved per-step states, not as tensors.
  record_node(std::make_shared<RnnLayerBackward>(), spec, inputs, std::move(saved), out, false);
}

void record_rnn_cell(const RnnSpec& spec, const std::vector<Tensor>& inputs, RnnSaved saved, const Tensor& out) {
  std::vector<RnnSaved> s;
  s.push_back(std::move(saved));
  record_node(std::make_shared<RnnCellBackward>(), spec, inputs, std::move(s), out, true);
}

}  // namespace autograd
}  // namespace pynn
