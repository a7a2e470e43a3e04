// Backward of view ops: reshape-like, permutations, expand, and sub-views (narrow, select, slice...).
// Every recorded view also learns how to replay itself from its base (set_view), for in-place ops on it.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "ops/indexing.h"

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

// The storage position of every element of a geometry, relative to `rel`: an int64 tensor shaped `sizes`.
Tensor storage_positions(const Dims& sizes, const Dims& strides, int64_t rel, Device device) {
  Tensor pos = full(Dims{}, Scalar(rel), ScalarType::Int64, device);
  const int n = static_cast<int>(sizes.size());
  for (int k = 0; k < n; ++k) {
    std::vector<int64_t> shape(n, 1);
    shape[k] = sizes[k];
    Tensor step = arange(Scalar(int64_t(0)), Scalar(sizes[k]), Scalar(int64_t(1)), ScalarType::Int64, device);
    pos = add(pos, mul(reshape(step, shape), wrap_scalar(Scalar(strides[k]))));
  }
  return contiguous(expand(pos, sizes.vec()));
}

// True when two elements of the geometry share a storage position (torch's as_strided backward then
// averages the gradient over the repeats).
bool overlaps_itself(const Dims& sizes, const Dims& strides) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size) of the dims that move
  for (int i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return false;
    if (sizes[i] > 1) dims.emplace_back(strides[i], sizes[i]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t span = 0;  // the largest position reached by the smaller-stride dims
  for (const auto& [stride, size] : dims) {
    if (stride <= span) return true;
    span += (size - 1) * stride;
  }
  return false;
}

// as_strided's gradient as torch defines it: g scatter-added into the storage the view reads (overlapping
// outputs accumulate), then read back through the input's own geometry, storage offsets included.
struct AsStridedBackward : Node {
  Dims in_sizes, in_strides, out_sizes, out_strides;
  int64_t in_offset = 0, out_offset = 0;
  ScalarType dtype = ScalarType::Float32;
  std::string name() const override { return "AsStridedBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    const int64_t base = std::min(in_offset, out_offset);
    const int64_t extent = std::max(required_storage_elems(in_sizes, in_strides, in_offset),
                                    required_storage_elems(out_sizes, out_strides, out_offset)) - base;
    Tensor flat = full(Dims{extent}, Scalar(0.0), g->dtype(), g->device());
    Tensor out_pos = reshape(storage_positions(out_sizes, out_strides, out_offset - base, g->device()), {-1});
    flat = scatter_add(flat, 0, out_pos, reshape(contiguous(g), {-1}));
    Tensor in_pos = reshape(storage_positions(in_sizes, in_strides, in_offset - base, g->device()), {-1});
    Tensor gi = gather(flat, 0, in_pos);
    if (overlaps_itself(in_sizes, in_strides)) {
      Tensor ones = full(in_pos->sizes(), Scalar(1.0), g->dtype(), g->device());
      Tensor repeats = scatter_add(full(Dims{extent}, Scalar(0.0), g->dtype(), g->device()), 0, in_pos, ones);
      gi = div(gi, gather(repeats, 0, in_pos));
    }
    gi = reshape(gi, in_sizes.vec());
    return {gi->dtype() == dtype ? gi : to_dtype(gi, dtype)};
  }
};

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

void record_as_strided(const Tensor& x, const Tensor& out, const Dims& sizes, const Dims& strides, int64_t offset) {
  auto node = std::make_shared<AsStridedBackward>();
  node->in_sizes = x->sizes();
  node->in_strides = x->strides();
  node->in_offset = x->offset();
  node->out_sizes = sizes;
  node->out_strides = strides;
  node->out_offset = offset;
  node->dtype = x->dtype();
  record(node, {&x}, out);
  set_view(out, x, [sizes, strides, offset](const Tensor& b) { return make_view(b, sizes, strides, offset); });
}

void record_subview(const Tensor& x, const Tensor& out, std::function<Tensor(const Tensor&)> replay, const char* name) {
  record(make_view_backward(x, replay, name), {&x}, out);
  set_view(out, x, std::move(replay));
}

}  // namespace autograd
}  // namespace pynn
