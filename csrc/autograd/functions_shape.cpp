// Backward of view ops: reshape-like, permutations, expand, and sub-views (narrow, select, slice...).
#include "autograd/functions.h"
#include "autograd/functions_common.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

struct ReshapeBackward : Node {
  InputInfo info;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override { return {reshape(g, info.shape.vec())}; }
};

struct PermuteBackward : Node {
  std::vector<int64_t> inverse;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override { return {permute(g, inverse)}; }
};

struct ExpandBackward : Node {
  InputInfo info;
  std::string name() const override { return "ExpandBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override { return {reduce_to(g, info)}; }
};

struct SubviewBackward : Node {
  InputInfo info;
  std::function<Tensor(const Tensor&)> replay;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor gx = full(info.shape, Scalar(0.0), g->dtype());
    // A plain write into fresh zeros: double backward through sub-views is not supported yet.
    copy_(replay(gx), g);
    return {gx};
  }
};

}  // namespace

void record_reshape(const Tensor& x, const Tensor& out, const char* name) {
  auto node = std::make_shared<ReshapeBackward>();
  node->info = InputInfo(x);
  node->label = name;
  record(node, {&x}, out);
  mark_view(out, x);
}

void record_permute(const Tensor& x, const Tensor& out, const std::vector<int64_t>& dims, const char* name) {
  auto node = std::make_shared<PermuteBackward>();
  int n = static_cast<int>(dims.size());
  node->inverse.assign(n, 0);
  for (int i = 0; i < n; ++i) {
    int64_t d = dims[i] < 0 ? dims[i] + n : dims[i];
    node->inverse[d] = i;
  }
  node->label = name;
  record(node, {&x}, out);
  mark_view(out, x);
}

void record_expand(const Tensor& x, const Tensor& out) {
  auto node = std::make_shared<ExpandBackward>();
  node->info = InputInfo(x);
  record(node, {&x}, out);
  mark_view(out, x);
}

void record_subview(const Tensor& x, const Tensor& out, std::function<Tensor(const Tensor&)> replay, const char* name) {
  auto node = std::make_shared<SubviewBackward>();
  node->info = InputInfo(x);
  node->replay = std::move(replay);
  node->label = name;
  record(node, {&x}, out);
  mark_view(out, x);
}

}  // namespace autograd
}  // namespace pynn
