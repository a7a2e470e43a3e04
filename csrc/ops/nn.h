// nn ops: activations (ops/activation.cpp), softmax (ops/softmax.cpp), dropout (ops/dropout.cpp) and the fused
// losses (ops/loss.cpp): check -> promote -> allocate -> kernel -> record backward. Each fused backward is an
// op too: it runs its kernel when no graph is being built and the same formula written in differentiable ops
// when one is (create_graph), so higher-order gradients work.
#pragma once
#include <cstdint>
#include <string>

#include "core/tensor.h"
#include "kernels/activation.h"
#include "kernels/loss.h"

namespace pynn {

Reduction reduction_from_int(int64_t r, const char* op);

Tensor activation(Activation act, const Tensor& x, const ActParams& p);
// grad * f'(x), the shape of x.
Tensor activation_backward(Activation act, const Tensor& grad, const Tensor& x, const ActParams& p);

Tensor gelu(const Tensor& x, const std::string& approximate);  // "none" | "tanh"
Tensor elu(const Tensor& x, double alpha, double scale, double input_scale);
Tensor silu(const Tensor& x);
Tensor mish(const Tensor& x);
Tensor softplus(const Tensor& x, double beta, double threshold);
Tensor leaky_relu(const Tensor& x, double negative_slope);
Tensor hardtanh(const Tensor& x, double min_val, double max_val);
// weight: 1 or C elements, C = x.size(1) (1 for inputs of fewer than 2 dims).
Tensor prelu(const Tensor& x, const Tensor& weight);

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// out = softmax(x) (or log_softmax(x) when is_log); returns dL/dx given grad = dL/dout.
Tensor softmax_backward_data(const Tensor& grad, const Tensor& out, int64_t dim, bool is_log);

// p == 0 or !training returns x itself; the mask (0 or 1/(1-p)) is kept by the backward node.
Tensor dropout(const Tensor& x, double p, bool training);

// input (C), (N, C) or (N, C, d1, ..., dk); target int64 class indices; weight null or (C).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index);
// target: int64 class indices (shaped as for nll_loss) or floating class probabilities shaped like input.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction,
                     int64_t ignore_index, double label_smoothing);
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction);

// dL/dinput of cross_entropy from the forward's row logsumexps (lse).
struct CrossEntropyArgs {
  Reduction reduction = Reduction::Mean;
  int64_t ignore_index = -100;
  double label_smoothing = 0;
  Tensor total_weight;  // 0-dim, the forward's: the mean's divisor
  bool prob = false;    // target holds class probabilities
};
Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              const Tensor& lse, const CrossEntropyArgs& args);
// dL/dinput of nll_loss, linear in grad; total_weight (0-dim, the forward's) is the mean's divisor.
// Differentiable in grad.
Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                         Reduction reduction, int64_t ignore_index, const Tensor& total_weight);

}  // namespace pynn
