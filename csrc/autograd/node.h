// The recorded graph: each differentiable op output points at a Node (its grad_fn); a Node's edges
// point at the Nodes of its inputs, or at AccumulateGrad for leaves. Every Node has exactly one
// output gradient (ops with several differentiable outputs record one Node per output).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace pynn {
namespace autograd {

struct Node;

struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  bool valid() const { return fn != nullptr; }
};

// A hook sees a gradient and may return a replacement (null keeps it).
using GradHook = std::function<Tensor(const Tensor&)>;
// Rebuilds a view from its base (or from any tensor laid out like the base) by re-running the view ops.
using ViewReplay = std::function<Tensor(const Tensor&)>;

// What a tracked view knows about its origin, for torch's in-place-on-view semantics: an in-place op
// on the view rewrites the base's history (CopySlices) and the view's grad_fn is re-derived from it.
struct ViewInfo {
  Tensor base;        // the root: never itself a tracked view
  ViewReplay replay;  // base -> this view
  uint64_t version = 0;  // storage version when the view's grad_fn was last derived
  // Set for the outputs of split/chunk/unbind, which torch refuses to modify in place.
  const char* multi_output = nullptr;
  int output_nr = 0;
};

struct Node : std::enable_shared_from_this<Node> {
  virtual ~Node() = default;
  // grad of this node's output -> grads of its inputs, one per edge (null where not needed).
  virtual std::vector<Tensor> apply(const Tensor& grad) = 0;
  virtual std::string name() const = 0;
  // Drops saved tensors after a backward without retain_graph.
  virtual void release_saved() {}

  std::vector<Edge> next_edges;
  std::vector<GradHook> pre_hooks;  // hooks of the output tensor (register_hook on a non-leaf)
  bool released = false;
  uint64_t sequence_nr = 0;
};

}  // namespace autograd

// Declared in core/tensor.h; holds a tensor's autograd state.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves only
  std::vector<autograd::GradHook> leaf_hooks;      // leaves: run before accumulation
  bool retains_grad = false;
  std::shared_ptr<autograd::ViewInfo> view;        // set on views of tensors that take part in autograd
};

namespace autograd {

// Accumulates the incoming gradient into a leaf's .grad.
struct AccumulateGrad : Node {
  explicit AccumulateGrad(const Tensor& var) : variable(var) {}
  std::vector<Tensor> apply(const Tensor& grad) override;
  std::string name() const override { return "AccumulateGrad"; }
  std::weak_ptr<TensorImpl> variable;
};

// What AccumulateGrad does, in two steps (autograd.grad and backward(inputs=) capture in between):
// the leaf's hooks, then the sum into .grad.
Tensor run_leaf_hooks(const Tensor& var, Tensor g);
void accumulate_grad(const Tensor& var, const Tensor& g);

// A tensor saved for backward, with the version it had, so that in-place changes are detected.
// Outputs are saved without their grad_fn (a strong link would be a cycle) and get it back on unpack.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  Tensor unpack(const Node* owner) const;
  void reset() { data_.reset(); weak_fn_.reset(); }
  bool defined() const { return saved_ || data_ != nullptr; }

 private:
  Tensor data_;
  std::weak_ptr<Node> weak_fn_;
  bool requires_grad_ = false;
  bool is_output_ = false;
  bool saved_ = false;
  uint64_t version_ = 0;
};

// --- used by the op entries -------------------------------------------------------------
bool requires_grad(const Tensor& t);
// True when grad mode is on and any input requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
inline bool needs_grad(const Tensor& a) { return needs_grad({&a}); }
inline bool needs_grad(const Tensor& a, const Tensor& b) { return needs_grad({&a, &b}); }
// Wires `node` to the inputs' gradient edges and makes it the grad_fn of `output`.
void record(const std::shared_ptr<Node>& node, std::initializer_list<const Tensor*> inputs, const Tensor& output);
void record(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs, const Tensor& output);
// Before an in-place op on `self`: refuses leaves that require grad, views of such leaves and outputs of
// multi-view functions (torch's errors). Call it before writing.
void check_inplace(const Tensor& self, const char* op);
// After an in-place op on `self`: `node` is the op's backward, its first edge self's old history and then
// one edge per tensor in `others`. On a tracked view the base's history is rewritten instead (CopySlices).
void record_inplace(const std::shared_ptr<Node>& node, const Tensor& self, std::initializer_list<const Tensor*> others);
// The edge a gradient for t flows into (its grad_fn, or its leaf accumulator).
Edge gradient_edge(const Tensor& t);
// t's grad_fn, re-derived first when t is a view whose storage was written in place since.
std::shared_ptr<Node> grad_fn(const Tensor& t);
AutogradMeta& meta(const Tensor& t);  // creates it if missing
// Records that `view` (sharing base's storage) is obtained from `base` by `replay`; views of views point
// at the root base with the replays composed. No-op when `view` has its own storage (reshape copied).
void set_view(const Tensor& view, const Tensor& base, ViewReplay replay);
// The backward of a view given by `replay`: g written through the same view into zeros laid out like base
// (functions_shape.cpp). `name` must be a string literal.
std::shared_ptr<Node> make_view_backward(const Tensor& base, ViewReplay replay, const char* name);
// Writes g into replay(buffer) and returns buffer; with create_graph the write is recorded as an in-place
// op on a view of buffer, so the result stays differentiable in g.
Tensor write_through_view(const Tensor& buffer, const ViewReplay& replay, const Tensor& g);
// A zero-filled tensor with base's sizes and strides (so that replaying view ops on it yields views).
Tensor zeros_laid_out_like(const Dims& sizes, const Dims& strides, ScalarType dtype, Device device);
// Reduces a broadcast gradient back to `shape` (sum over broadcast dims).
Tensor sum_to(const Tensor& grad, const Dims& shape);

}  // namespace autograd
}  // namespace pynn
