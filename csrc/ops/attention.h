// Scaled dot-product attention (csrc/ops/attention.cpp): one fused kernel forward that saves only the row
// log-sum-exp, one fused kernel backward that recomputes the probabilities from it (kernels/attention.h).
// The backward is an op too: with a graph being built (create_graph) it runs the same formulas in
// differentiable ops, so higher-order gradients work. A float attn_mask that requires grad takes the math path
// (differentiable ops) forward, as torch does, so the mask gets its gradient.
#pragma once
#include <optional>

#include "core/tensor.h"
#include "kernels/attention.h"

namespace pynn {

// q (B, Hq, L, E), k (B, Hkv, S, E), v (B, Hkv, S, Ev) (pynn/functional.py brings other ranks and broadcast
// batch dims to this); attn_mask bool (True = attend) or additive of q's dtype, broadcastable to
// (B, Hq, L, S), or null. Hkv == Hq unless enable_gqa (then Hq % Hkv == 0). scale: nullopt is 1 / sqrt(E).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, std::optional<double> scale, bool enable_gqa);

struct SdpaGrads {
  Tensor q, k, v;
};
// p.mask.data: the forward's additive mask expanded to (B, Hq, L, S) (or null); out and lse the forward's.
SdpaGrads scaled_dot_product_attention_backward(const Tensor& grad, const Tensor& q, const Tensor& k,
                                                const Tensor& v, const Tensor& out, const Tensor& lse,
                                                const SdpaParams& p);

// The dropout multipliers (0 or 1 / (1 - p)) that an attention of this (B, H, L, S) shape drawing the next
// counters of the default generator would use; tests rebuild the forward from them.
Tensor sdpa_dropout_mask(const Dims& shape, double p, ScalarType dtype);

namespace autograd {
void record_sdpa(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                 const SdpaParams& p);
}  // namespace autograd

}  // namespace pynn
