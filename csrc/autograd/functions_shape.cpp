// Backward of view ops: reshape-like, permutations, expand, and sub-views (narrow, select, slice...).
// Every recorded view also learns how to replay itself from its base (set_view), for in-place ops on it.
#include <string>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"

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

// g written into zeros (laid out like the input) through the same view.
struct SubviewBackward : Node {
  InputInfo info;
  Dims strides;
  ViewReplay replay;
  std::string label;
  std::string name() const override { return label; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {write_through_view(zeros_laid_out_like(info.shape, strides, g->dtype(), g->device()), replay, g)};
  }
};

// Replays below rebuild the same view (and its grad_fn, under the same name) on another tensor.
Tensor reshape_view(const Tensor& b, const Dims& sizes, const std::string& label) {
  Dims strides;
  PYNN_CHECK(view_strides(b->sizes(), b->strides(), sizes, strides), "view",
             "view size is not compatible with input tensor's size and stride");
  Tensor out = make_view(b, sizes, strides, b->offset());
  if (needs_grad(b)) record_reshape(b, out, label.c_str());
  return out;
}

Tensor permute_view(const Tensor& b, const std::vector<int64_t>& dims, const std::string& label) {
  const int n = b->dim();
  Dims sizes(n), strides(n);
  for (int i = 0; i < n; ++i) {
    int d = wrap_dim(dims[i], n, "permute");
    sizes[i] = b->sizes()[d];
    strides[i] = b->strides()[d];
  }
  Tensor out = make_view(b, sizes, strides, b->offset());
  if (needs_grad(b)) record_permute(b, out, dims, label.c_str());
  return out;
}

}  // namespace

Tensor write_through_view(const Tensor& buffer, const ViewReplay& replay, const Tensor& g) {
  Tensor region = replay(buffer);
  // create_graph: the write is an in-place op on a view of buffer, recorded as such (CopySlices).
  if (grad_enabled() && requires_grad(g)) set_view(region, buffer, replay);
  copy_(region, g);
  return buffer;
}

std::shared_ptr<Node> make_view_backward(const Tensor& base, ViewReplay replay, const char* name) {
  auto node = std::make_shared<SubviewBackward>();
  node->info = InputInfo(base);
  node->strides = base->strides();
  node->replay = std::move(replay);
  node->label = name;
  return node;
}

void record_reshape(const Tensor& x, const Tensor& out, const char* name) {
  auto node = std::make_shared<ReshapeBackward>();
  node->info = InputInfo(x);
  node->label = name;
  record(node, {&x}, out);
  set_view(out, x, [sizes = out->sizes(), label = node->label](const Tensor& b) { return reshape_view(b, sizes, label); });
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
  set_view(out, x, [dims, label = node->label](const Tensor& b) { return permute_view(b, dims, label); });
}

void record_expand(const Tensor& x, const Tensor& out) {
  auto node = std::make_shared<ExpandBackward>();
  node->info = InputInfo(x);
  record(node, {&x}, out);
  set_view(out, x, [sizes = out->sizes().vec()](const Tensor& b) { return expand(b, sizes); });
}

void record_subview(const Tensor& x, const Tensor& out, std::function<Tensor(const Tensor&)> replay, const char* name) {
  record(make_view_backward(x, replay, name), {&x}, out);
  set_view(out, x, std::move(replay));
}

}  // namespace autograd
}  // namespace pynn
