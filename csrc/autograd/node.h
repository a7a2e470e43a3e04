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

struct Node {
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
  bool is_view_of_grad_tensor = false;             // in-place ops on such views are refused (no rebase yet)
};

namespace autograd {

// Accumulates the incoming gradient into a leaf's .grad.
struct AccumulateGrad : Node {
  explicit AccumulateGrad(const Tensor& var) : variable(var) {}
  std::vector<Tensor> apply(const Tensor& grad) override;
  std::string name() const override { return "AccumulateGrad"; }
  std::weak_ptr<TensorImpl> variable;
};

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
// After an in-place op on `self`: refuse leaves and views, then chain the new node after self's history.
void check_inplace(const Tensor& self, const char* op);
void record_inplace(const std::shared_ptr<Node>& node, const Tensor& self, std::initializer_list<const Tensor*> others);
// The edge a gradient for t flows into (its grad_fn, or its leaf accumulator).
Edge gradient_edge(const Tensor& t);
AutogradMeta& meta(const Tensor& t);  // creates it if missing
// A view created by a view op inherits nothing but must know it aliases a grad-requiring tensor.
void mark_view(const Tensor& view, const Tensor& base);
// Reduces a broadcast gradient back to `shape` (sum over broadcast dims).
Tensor sum_to(const Tensor& grad, const Dims& shape);

}  // namespace autograd
}  // namespace pynn
