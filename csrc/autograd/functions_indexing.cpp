// Backward of the indexing family: advanced indexing and index_put, joins, gather/scatter, masks,
// repeat/flip/roll/tril, sort/topk values, unfold. Formulas and node names follow torch's
// derivatives.yaml; every formula is written in ops, so create_graph works through them.
#include <string>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "core/shape.h"
#include "ops/indexing.h"
#include "ops/reduce.h"

namespace pynn {
namespace autograd {
using namespace fn;

namespace {

std::vector<SavedTensor> save_all(const std::vector<Tensor>& ts) {
  std::vector<SavedTensor> out;
  for (const Tensor& t : ts) out.push_back(t ? SavedTensor(t, false) : SavedTensor());
  return out;
}

std::vector<Tensor> unpack_all(const std::vector<SavedTensor>& ts, const Node* owner) {
  std::vector<Tensor> out;
  for (const SavedTensor& t : ts) out.push_back(t.unpack(owner));
  return out;
}

void reset_all(std::vector<SavedTensor>& ts) {
  for (SavedTensor& t : ts) t.reset();
}

Tensor zeros_of(const Dims& shape, const Tensor& like) { return full(shape, Scalar(0.0), like->dtype(), like->device()); }
Tensor zero_scalar(const Tensor& like) { return scalar_tensor(Scalar(0.0), like->dtype()); }

// zeros(shape) with g's rows added at `indices` (duplicates accumulate): the adjoint of x[indices].
Tensor index_add_into_zeros(const Dims& shape, const std::vector<Tensor>& indices, const Tensor& g) {
  Tensor z = zeros_of(shape, g);
  index_put_tensors_(z, indices, g, true);
  return z;
}

// g (shape of index) padded with zeros to `shape` (no larger in any dim): the adjoint of taking the
// leading corner, for scatter's src, which may be larger than its index.
Tensor pad_to(const Tensor& g, const Dims& shape) {
  if (g->sizes() == shape) return g;
  Dims gs = g->sizes();
  ViewReplay corner = [gs](const Tensor& b) {
    Tensor r = b;
    for (int k = 0; k < gs.size(); ++k) r = narrow(r, k, 0, gs[k]);
    return r;
  };
  return write_through_view(zeros_of(shape, g), corner, g);
}

// Node output for an input that may be a different dtype (cat/stack promote): cast back.
Tensor as_input(const Tensor& g, const InputInfo& info) {
  return g->dtype() == info.dtype ? g : to_dtype(g, info.dtype);
}

Dims strip_leading_ones(const Dims& s) {
  int lead = 0;
  while (lead < s.size() && s[lead] == 1) ++lead;
  return Dims(s.begin() + lead, s.end());
}

// -------------------------------------------------------------------------------------------------
struct IndexBackward : Node {
  InputInfo info;
  std::vector<SavedTensor> indices;
  std::string name() const override { return "IndexBackward0"; }
  void release_saved() override { reset_all(indices); }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {index_add_into_zeros(info.shape, unpack_all(indices, this), g)};
  }
};

// self[indices] = value (accumulate: +=). Self's overwritten positions get no gradient; value gets the
// gradient of every position it was written to, summed back over broadcasting.
struct IndexPutBackward : Node {
  InputInfo value_info;
  Dims value_core;  // value's shape without leading 1s (what was broadcast to the indexed shape)
  std::vector<SavedTensor> indices;
  bool accumulate = false;
  std::string name() const override { return "IndexPutBackward0"; }
  void release_saved() override { reset_all(indices); }
  std::vector<Tensor> apply(const Tensor& g) override {
    std::vector<Tensor> idx = unpack_all(indices, this);
    Tensor gself, gvalue;
    if (next_edges[0].valid()) {
      gself = g;
      if (!accumulate) {
        gself = clone(g);
        index_put_tensors_(gself, idx, zero_scalar(g));
      }
    }
    if (next_edges[1].valid()) {
      Tensor taken = index_tensors(g, idx);
      gvalue = as_input(reshape(sum_to(taken, value_core), value_info.shape.vec()), value_info);
    }
    return {gself, gvalue};
  }
};

struct CatBackward : Node {
  std::vector<InputInfo> infos;
  std::vector<int64_t> lengths;  // -1: a legacy 1-D empty input, skipped by cat
  int64_t dim = 0;
  bool stack = false;
  std::string name() const override { return stack ? "StackBackward0" : "CatBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    std::vector<Tensor> out;
    int64_t offset = 0;
    for (size_t i = 0; i < infos.size(); ++i) {
      Tensor piece;
      if (stack) piece = select(g, dim, static_cast<int64_t>(i));
      else if (lengths[i] < 0) piece = full(infos[i].shape, Scalar(0.0), g->dtype(), g->device());
      else piece = narrow(g, dim, offset, lengths[i]);
      if (!stack && lengths[i] > 0) offset += lengths[i];
      out.push_back(next_edges[i].valid() ? as_input(piece, infos[i]) : nullptr);
    }
    return out;
  }
};

struct GatherBackward : Node {
  InputInfo info;
  int64_t dim = 0;
  SavedTensor index;
  std::string name() const override { return "GatherBackward0"; }
  void release_saved() override { index.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {scatter_add(zeros_of(info.shape, g), dim, index.unpack(this), g)};
  }
};

enum class ScatterKind { Src, Value, Add };

struct ScatterBackward : Node {
  ScatterKind kind = ScatterKind::Src;
  InputInfo src_info;
  int64_t dim = 0;
  SavedTensor index;
  std::string name() const override {
    return kind == ScatterKind::Add ? "ScatterAddBackward0" : kind == ScatterKind::Src ? "ScatterBackward0"
                                                                                       : "ScatterBackward1";
  }
  void release_saved() override { index.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor idx = index.unpack(this);
    Tensor gself;
    if (next_edges[0].valid()) gself = kind == ScatterKind::Add ? g : scatter(g, dim, idx, Scalar(0.0));
    if (kind == ScatterKind::Value) return {gself};
    Tensor gsrc = next_edges[1].valid() ? pad_to(gather(g, dim, idx), src_info.shape) : nullptr;
    return {gself, gsrc};
  }
};

struct IndexSelectBackward : Node {
  InputInfo info;
  int64_t dim = 0;
  SavedTensor index;
  std::string name() const override { return "IndexSelectBackward0"; }
  void release_saved() override { index.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (info.shape.empty()) return {reshape(sum(g), {})};  // a 0-dim input: every pick is element 0
    std::vector<Tensor> adv(static_cast<size_t>(dim) + 1);
    adv[static_cast<size_t>(dim)] = reshape(index.unpack(this), {-1});
    return {index_add_into_zeros(info.shape, adv, g)};
  }
};

struct MaskedFillBackward : Node {
  InputInfo info, value_info;
  SavedTensor mask;
  bool tensor_value = false;
  std::string name() const override { return tensor_value ? "MaskedFillBackward1" : "MaskedFillBackward0"; }
  void release_saved() override { mask.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor m = mask.unpack(this);
    Tensor gx = next_edges[0].valid() ? reduce_to(masked_fill(g, m, Scalar(0.0)), info) : nullptr;
    if (!tensor_value) return {gx};
    Tensor gv = next_edges[1].valid() ? as_input(sum(mul(g, mask_as(m, g))), value_info) : nullptr;
    return {gx, gv};
  }
};

struct MaskedSelectBackward : Node {
  InputInfo info;
  Dims shape;  // x and mask broadcast together
  SavedTensor mask;
  std::string name() const override { return "MaskedSelectBackward0"; }
  void release_saved() override { mask.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor z = zeros_of(shape, g);
    index_put_tensors_(z, {expand_to(mask.unpack(this), shape)}, g);
    return {reduce_to(z, info)};
  }
};

struct RepeatBackward : Node {
  InputInfo info;
  std::vector<int64_t> repeats;
  std::string name() const override { return "RepeatBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    // Split every repeated dim into (repeats, size) and sum the copies.
    const int nr = static_cast<int>(repeats.size()), pad = nr - info.shape.size();
    std::vector<int64_t> split_shape, summed;
    for (int i = 0; i < nr; ++i) {
      const int64_t size = i < pad ? 1 : info.shape[i - pad];
      if (repeats[i] != 1) {
        summed.push_back(static_cast<int64_t>(split_shape.size()));
        split_shape.push_back(repeats[i]);
      }
      split_shape.push_back(size);
    }
    Tensor r = reshape(g, split_shape);
    if (!summed.empty()) r = sum(r, summed);
    return {reshape(r, info.shape.vec())};
  }
};

struct FlipBackward : Node {
  std::vector<int64_t> dims;
  std::string name() const override { return "FlipBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override { return {flip(g, dims)}; }
};

struct RollBackward : Node {
  std::vector<int64_t> shifts, dims;
  std::string name() const override { return "RollBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    std::vector<int64_t> back;
    for (int64_t s : shifts) back.push_back(-s);
    return {roll(g, back, dims)};
  }
};

struct TriangleBackward : Node {
  int64_t diagonal = 0;
  bool lower = true;
  std::string name() const override { return lower ? "TrilBackward0" : "TriuBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override { return {lower ? tril(g, diagonal) : triu(g, diagonal)}; }
};

// values = x gathered at indices along dim: the gradient is scattered back (torch's
// value_selecting_reduction_backward).
struct SortValuesBackward : Node {
  InputInfo info;
  int64_t dim = 0;
  SavedTensor indices;
  std::string label;
  std::string name() const override { return label; }
  void release_saved() override { indices.reset(); }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {scatter(zeros_of(info.shape, g), dim, indices.unpack(this), g)};
  }
};

// Windows may overlap (step < size): each element gets the sum over the windows that hold it.
struct UnfoldBackward : Node {
  InputInfo info;
  int64_t dim = 0, size = 0, step = 1;
  std::string name() const override { return "UnfoldBackward0"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (info.shape.empty()) return {reshape(sum(g), {})};
    const int nd = info.shape.size();
    const int64_t windows = g->sizes()[static_cast<int>(dim)];
    // g: [..., windows (at dim), ..., size] -> [..., windows * size (at dim), ...]
    std::vector<int64_t> perm;
    for (int i = 0; i < nd; ++i) {
      perm.push_back(i);
      if (i == dim) perm.push_back(nd);
    }
    std::vector<int64_t> merged = info.shape.vec();
    merged[static_cast<size_t>(dim)] = windows * size;
    Tensor flat = reshape(permute(g, perm), merged);
    // positions[w * size + j] = w * step + j, built from ops so it lives on g's device.
    Tensor window_starts = mul(arange(Scalar(int64_t(0)), Scalar(windows), Scalar(int64_t(1)), ScalarType::Int64,
                                      g->device()), wrap_scalar(Scalar(step)));
    Tensor offsets = arange(Scalar(int64_t(0)), Scalar(size), Scalar(int64_t(1)), ScalarType::Int64, g->device());
    Tensor positions = reshape(add(unsqueeze(window_starts, 1), unsqueeze(offsets, 0)), {windows * size});
    std::vector<Tensor> adv(static_cast<size_t>(dim) + 1);
    adv[static_cast<size_t>(dim)] = positions;
    return {index_add_into_zeros(info.shape, adv, flat)};
  }
};

void finish(const std::shared_ptr<Node>& node, const Tensor& x, const Tensor* other, const Tensor& out, bool inplace) {
  if (inplace) record_inplace(node, out, {other});
  else if (other) record(node, {&x, other}, out);
  else record(node, {&x}, out);
}

}  // namespace

void record_index(const Tensor& x, const std::vector<Tensor>& indices, const Tensor& out) {
  auto node = std::make_shared<IndexBackward>();
  node->info = InputInfo(x);
  node->indices = save_all(indices);
  record(node, {&x}, out);
}

void record_index_put_inplace(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& value,
                              bool accumulate) {
  auto node = std::make_shared<IndexPutBackward>();
  node->value_info = InputInfo(value);
  node->value_core = strip_leading_ones(value->sizes());
  node->indices = save_all(indices);
  node->accumulate = accumulate;
  record_inplace(node, self, {&value});
}

namespace {
void record_join(const std::vector<Tensor>& inputs, int64_t dim, const Tensor& out, bool stack) {
  auto node = std::make_shared<CatBackward>();
  node->stack = stack;
  node->dim = dim;
  for (const Tensor& t : inputs) {
    node->infos.emplace_back(t);
    const bool skipped = !stack && t->dim() == 1 && t->numel() == 0;
    node->lengths.push_back(skipped ? -1 : stack ? 1 : t->sizes()[static_cast<int>(dim)]);
  }
  record(node, inputs, out);
}
}  // namespace

void record_cat(const std::vector<Tensor>& inputs, int64_t dim, const Tensor& out) { record_join(inputs, dim, out, false); }
void record_stack(const std::vector<Tensor>& inputs, int64_t dim, const Tensor& out) { record_join(inputs, dim, out, true); }

void record_multi_view(const Tensor& x, const Tensor& piece, ViewReplay replay, const char* name, const char* fn_name,
                       int output_nr) {
  record_subview(x, piece, std::move(replay), name);
  if (piece->autograd_meta && piece->autograd_meta->view) {
    piece->autograd_meta->view->multi_output = fn_name;
    piece->autograd_meta->view->output_nr = output_nr;
  }
}

void record_gather(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  auto node = std::make_shared<GatherBackward>();
  node->info = InputInfo(x);
  node->dim = dim;
  node->index = SavedTensor(index, false);
  record(node, {&x}, out);
}

void record_scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, bool add, const Tensor& out,
                    bool inplace) {
  auto node = std::make_shared<ScatterBackward>();
  node->kind = add ? ScatterKind::Add : src ? ScatterKind::Src : ScatterKind::Value;
  if (src) node->src_info = InputInfo(src);
  node->dim = dim;
  node->index = SavedTensor(index, false);
  finish(node, x, src ? &src : nullptr, out, inplace);
}

void record_index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  auto node = std::make_shared<IndexSelectBackward>();
  node->info = InputInfo(x);
  node->dim = dim;
  node->index = SavedTensor(index, false);
  record(node, {&x}, out);
}

void record_masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value, const Tensor& out, bool inplace) {
  auto node = std::make_shared<MaskedFillBackward>();
  node->info = InputInfo(x);
  node->mask = SavedTensor(mask, false);
  node->tensor_value = value != nullptr;
  if (value) node->value_info = InputInfo(value);
  finish(node, x, value ? &value : nullptr, out, inplace);
}

void record_masked_select(const Tensor& x, const Tensor& mask, const Tensor& out) {
  auto node = std::make_shared<MaskedSelectBackward>();
  node->info = InputInfo(x);
  node->shape = broadcast_shapes(x->sizes(), mask->sizes(), "masked_select");
  node->mask = SavedTensor(mask, false);
  record(node, {&x}, out);
}

void record_repeat(const Tensor& x, const std::vector<int64_t>& repeats, const Tensor& out) {
  auto node = std::make_shared<RepeatBackward>();
  node->info = InputInfo(x);
  node->repeats = repeats;
  record(node, {&x}, out);
}

void record_flip(const Tensor& x, const std::vector<int64_t>& dims, const Tensor& out) {
  auto node = std::make_shared<FlipBackward>();
  node->dims = dims;
  record(node, {&x}, out);
}

void record_roll(const Tensor& x, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims,
                 const Tensor& out) {
  auto node = std::make_shared<RollBackward>();
  node->shifts = shifts;
  node->dims = dims;
  record(node, {&x}, out);
}

void record_triangle(const Tensor& x, int64_t diagonal, bool lower, const Tensor& out, bool inplace) {
  auto node = std::make_shared<TriangleBackward>();
  node->diagonal = diagonal;
  node->lower = lower;
  finish(node, x, nullptr, out, inplace);
}

void record_sort_values(const Tensor& x, int64_t dim, const Tensor& indices, const Tensor& values, const char* name) {
  auto node = std::make_shared<SortValuesBackward>();
  node->info = InputInfo(x);
  node->dim = dim;
  node->indices = SavedTensor(indices, false);
  node->label = name;
  record(node, {&x}, values);
}

void record_unfold(const Tensor& x, int64_t dim, int64_t size, int64_t step, const Tensor& out) {
  auto node = std::make_shared<UnfoldBackward>();
  node->info = InputInfo(x);
  node->dim = dim;
  node->size = size;
  node->step = step;
  record(node, {&x}, out);
  set_view(out, x, [dim, size, step](const Tensor& b) { return unfold(b, dim, size, step); });
}

}  // namespace autograd
}  // namespace pynn
