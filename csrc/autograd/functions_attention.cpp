// Backward of scaled_dot_product_attention: the node calls the backward op (csrc/ops/attention.cpp), which runs
// the fused kernel without a graph and differentiable ops with one (double backward).
#include "autograd/functions.h"
#include "ops/attention.h"

namespace pynn {
namespace autograd {

namespace {

struct SdpaBackward : Node {
  SavedTensor q, k, v, out;
  Tensor lse;  // the forward kernel's row log-sum-exp, seen by nothing else
  SdpaParams params;  // geometry, mask (additive, expanded), dropout key, causal, scale
  std::string name() const override { return "ScaledDotProductFlashAttentionForCpuBackward0"; }
  void release_saved() override {
    q.reset();
    k.reset();
    v.reset();
    out.reset();
    lse.reset();
    params.mask.data.reset();
  }
  std::vector<Tensor> apply(const Tensor& g) override {
    SdpaGrads r = scaled_dot_product_attention_backward(g, q.unpack(this), k.unpack(this), v.unpack(this),
                                                        out.unpack(this), lse, params);
    return {r.q, r.k, r.v};
  }
};

}  // namespace

void record_sdpa(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out, const Tensor& lse,
                 const SdpaParams& p) {
  auto node = std::make_shared<SdpaBackward>();
  node->q = SavedTensor(q, false);
  node->k = SavedTensor(k, false);
  node->v = SavedTensor(v, false);
  node->lse = lse;
  node->params = p;
  record(node, {&q, &k, &v}, out);
  node->out = SavedTensor(out, true);  // after record: out's grad_fn is this node
}

}  // namespace autograd
}  // namespace pynn
