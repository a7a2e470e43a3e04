// Backward of the normalization and embedding ops. Each node calls its backward op (csrc/ops/norm.cpp,
// csrc/ops/embedding.cpp), which runs the fused kernel without a graph and differentiable ops with one.
#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/embedding.h"
#include "ops/norm.h"
#include "ops/shape.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

// Affine parameters are optional: an absent one unpacks as null.
SavedTensor saved_param(const Tensor& t) { return t ? SavedTensor(t, false) : SavedTensor(); }

// The norm nodes' edges are (input, weight, bias); the mask asks for the ones that lead somewhere.
struct NormNode : Node {
  SavedTensor input, weight;
  Tensor mean, rstd;  // the forward kernel's statistics, seen by nothing else
  double eps = 1e-5;
  NormGradMask mask() const {
    return {next_edges[0].valid(), next_edges[1].valid(), next_edges[2].valid()};
  }
  void release_saved() override {
    input.reset();
    weight.reset();
    mean.reset();
    rstd.reset();
  }
  static std::vector<Tensor> grads(const NormGrads& g) { return {g.input, g.weight, g.bias}; }
};

struct BatchNormBackward : NormNode {
  bool training = true;
  std::string name() const override { return "NativeBatchNormBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return grads(batch_norm_backward(g, input.unpack(this), weight.unpack(this), mean, rstd, training, eps, mask()));
  }
};

struct RowNormBackward : NormNode {
  int normalized_ndim = 1;
  bool rms = false;
  std::string name() const override { return rms ? "RmsNormBackward0" : "NativeLayerNormBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return grads(row_norm_backward(g, input.unpack(this), normalized_ndim, weight.unpack(this), mean, rstd, eps, rms,
                                   mask()));
  }
};

struct GroupNormBackward : NormNode {
  int64_t groups = 1;
  std::string name() const override { return "NativeGroupNormBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return grads(group_norm_backward(g, input.unpack(this), groups, weight.unpack(this), mean, rstd, eps, mask()));
  }
};

template <typename N>
void record_norm(const std::shared_ptr<N>& node, const Tensor& input, const Tensor& weight, const Tensor& bias,
                 const Tensor& mean, const Tensor& rstd, double eps, const Tensor& out) {
  node->input = SavedTensor(input, false);
  node->weight = saved_param(weight);
  node->mean = mean;
  node->rstd = rstd;
  node->eps = eps;
  record(node, {&input, &weight, &bias}, out);
}

struct EmbeddingBackward : Node {
  SavedTensor indices;
  int64_t num_weights = 0, padding_idx = -1;
  bool scale_grad_by_freq = false;
  std::string name() const override { return "EmbeddingBackward0"; }
  void release_saved() override { indices.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {embedding_backward(g, indices.unpack(this), num_weights, padding_idx, scale_grad_by_freq)};
  }
};

// embedding_backward scatters grad's rows (times their scale) into the table; its adjoint gathers them back.
struct EmbeddingBackwardBackward : Node {
  SavedTensor indices;
  int64_t padding_idx = -1;
  bool scale_grad_by_freq = false;
  std::string name() const override { return "EmbeddingBackwardBackward0"; }
  void release_saved() override { indices.reset(); }
  std::vector<Tensor> apply(const Tensor& gg) override {
    Tensor idx = indices.unpack(this);
    Tensor rows = embedding(gg, idx, -1, false);
    if (padding_idx < 0 && !scale_grad_by_freq) return {rows};
    return {mul(rows, unsqueeze(embedding_grad_scale(idx, padding_idx, scale_grad_by_freq, gg->dtype()), -1))};
  }
};

}  // namespace

void record_batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                       const Tensor& invstd, bool training, double eps, const Tensor& out) {
  auto node = std::make_shared<BatchNormBackward>();
  node->training = training;
  record_norm(node, input, weight, bias, mean, invstd, eps, out);
}

void record_row_norm(const Tensor& input, int normalized_ndim, const Tensor& weight, const Tensor& bias,
                     const Tensor& mean, const Tensor& rstd, double eps, bool rms, const Tensor& out) {
  auto node = std::make_shared<RowNormBackward>();
  node->normalized_ndim = normalized_ndim;
  node->rms = rms;
  record_norm(node, input, weight, bias, mean, rstd, eps, out);
}

void record_group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                       const Tensor& mean, const Tensor& rstd, double eps, const Tensor& out) {
  auto node = std::make_shared<GroupNormBackward>();
  node->groups = num_groups;
  record_norm(node, input, weight, bias, mean, rstd, eps, out);
}

void record_embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq,
                      const Tensor& out) {
  auto node = std::make_shared<EmbeddingBackward>();
  node->indices = SavedTensor(indices, false);
  node->num_weights = weight->size(0);
  node->padding_idx = padding_idx;
  node->scale_grad_by_freq = scale_grad_by_freq;
  record(node, {&weight}, out);
}

void record_embedding_backward(const Tensor& grad, const Tensor& indices, int64_t padding_idx,
                               bool scale_grad_by_freq, const Tensor& out) {
  auto node = std::make_shared<EmbeddingBackwardBackward>();
  node->indices = SavedTensor(indices, false);
  node->padding_idx = padding_idx;
  node->scale_grad_by_freq = scale_grad_by_freq;
  record(node, {&grad}, out);
}

}  // namespace autograd
}  // namespace pynn
