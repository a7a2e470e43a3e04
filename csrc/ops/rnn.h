// Recurrent ops (csrc/ops/rnn.cpp): the whole RNN / LSTM / GRU stack in one call, and the three cells.
//
// A layer runs, per direction, one GEMM for the input projection of the whole sequence, then per step one GEMM
// for the hidden projection and one fused gate kernel (kernels/rnn.h). Sequences are handled in torch's packed
// layout throughout: `batch_sizes[t]` rows are active at step t (non-increasing), time t's rows follow time
// t-1's, so a padded (T, B, *) input is the packed case with every batch size B. Each layer records one
// autograd node (both directions) whose backward runs through time in C++ from the gates the forward saved,
// and produces gradients for the input, the initial states and every parameter. Its several outputs
// (output, h_n, c_n) are views of one buffer, the node's single output.
//
// Cells record their own node: its backward runs the same fused kernels when no graph is being built and the
// formula in differentiable ops when one is (create_graph), so cells are twice differentiable. A layer's node
// refuses create_graph with a clear error.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.h"
#include "kernels/rnn.h"

namespace pynn {

struct RnnOptions {
  RnnMode mode = RnnMode::LSTM;
  int64_t num_layers = 1;
  bool bias = true;
  bool bidirectional = false;
  bool batch_first = false;  // padded input only
  double dropout = 0;        // between layers, in training mode
  bool training = false;
  int64_t proj_size = 0;  // LSTM only
};

struct RnnOutput {
  Tensor output;    // (T, B, D * Hout) (batch_first: (B, T, D * Hout)), or packed data (total, D * Hout)
  Tensor h_n, c_n;  // (L * D, B, Hout), (L * D, B, H); c_n null unless LSTM
};

// input: padded (T, B, I) ((B, T, I) when batch_first) with batch_sizes empty, or packed data (total, I) with
// its batch sizes. hx / cx: initial states or null (zeros). params: torch's _flat_weights order, per layer and
// direction w_ih, w_hh, [b_ih, b_hh], [w_hr].
RnnOutput rnn(const Tensor& input, const std::vector<int64_t>& batch_sizes, const Tensor& hx, const Tensor& cx,
              const std::vector<Tensor>& params, const RnnOptions& opts);

// One step: input (B, I), hx (B, H) or null (zeros), cx (LSTM) likewise; returns h' and (LSTM) c'.
std::vector<Tensor> rnn_cell(RnnMode mode, const Tensor& input, const Tensor& hx, const Tensor& cx,
                             const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh);

// --- what the backward nodes (autograd/functions_rnn.cpp) share with the ops ----------------------------

// One layer's geometry.
struct RnnSpec {
  RnnMode mode = RnnMode::LSTM;
  int64_t input_size = 0, hidden = 0, proj = 0, dirs = 1;
  std::vector<int64_t> batch_sizes, offsets;  // per step; offsets[t]: time t's first row
  int64_t total = 0, batch = 0;
  bool cell = false;  // a cell's output buffer is [h' | c'] (no sequence output)
  int64_t hout() const { return proj > 0 ? proj : hidden; }
  int64_t out_elems() const { return cell ? 0 : total * dirs * hout(); }
  int64_t hn_elems() const { return dirs * batch * hout(); }
  int64_t cn_elems() const { return mode == RnnMode::LSTM ? dirs * batch * hidden : 0; }
};

// One direction's parameters, contiguous in the input's dtype; b_* null without bias, w_hr without projection.
struct RnnWeights {
  Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
};

// What a direction's forward keeps for its backward (rows as the sequence's).
struct RnnSaved {
  Tensor gates;  // (total, rnn_saved_width * H)
  Tensor hprev;  // (total, Hout): the state entering each step
  Tensor cprev;  // LSTM (total, H)
  Tensor r;      // projection: (total, H), o * tanh(c) before W_hr
};

// Gradients of one layer: input, initial states and, per direction, its five parameters (nulls where not
// asked for or absent). mask: which of them to produce, in the same order.
struct RnnGrads {
  Tensor input, h0, c0;
  std::vector<RnnWeights> weights;
};
struct RnnGradMask {
  bool input = true, h0 = true, c0 = true;
  std::vector<std::array<bool, 5>> weights;
};

// Backward through time of one layer: grad is the gradient of its output buffer (out | h_n | c_n).
RnnGrads rnn_layer_backward(const RnnSpec& spec, const Tensor& grad, const Tensor& input,
                            const std::vector<RnnWeights>& w, const std::vector<RnnSaved>& saved,
                            const RnnGradMask& mask);
// A cell's backward as differentiable ops (recomputing the gates from the inputs): used under create_graph.
RnnGrads rnn_cell_backward_ops(RnnMode mode, const Tensor& grad_h, const Tensor& grad_c, const Tensor& input,
                               const Tensor& hx, const Tensor& cx, const RnnWeights& w, const RnnGradMask& mask);

namespace autograd {
// inputs: input (total, I) contiguous, h0, c0 (each may be null), then per direction w_ih, w_hh, b_ih, b_hh,
// w_hr (null when absent). The node saves the input and the weights (version-checked) and the forward's buffers.
void record_rnn_layer(const RnnSpec& spec, const std::vector<Tensor>& inputs, std::vector<RnnSaved> saved,
                      const Tensor& out);
// inputs: input, hx, cx, w_ih, w_hh, b_ih, b_hh (nulls allowed), all saved.
void record_rnn_cell(const RnnSpec& spec, const std::vector<Tensor>& inputs, RnnSaved saved, const Tensor& out);
}  // namespace autograd

}  // namespace pynn
