#include "autograd/node.h"

#include <atomic>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {
namespace autograd {
namespace {
std::atomic<uint64_t> g_sequence{0};
}

AutogradMeta& meta(const Tensor& t) {
  if (!t->autograd_meta) t->autograd_meta = std::make_shared<AutogradMeta>();
  return *t->autograd_meta;
}

bool requires_grad(const Tensor& t) { return t && t->autograd_meta && t->autograd_meta->requires_grad; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && requires_grad(*t)) return true;
  return false;
}

Edge gradient_edge(const Tensor& t) {
  if (!requires_grad(t)) return Edge{};
  AutogradMeta& m = *t->autograd_meta;
  if (m.grad_fn) return Edge{m.grad_fn};
  std::shared_ptr<Node> acc = m.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    m.grad_accumulator = acc;
  }
  return Edge{acc};
}

namespace {
void attach(const std::shared_ptr<Node>& node, const Tensor& output) {
  node->sequence_nr = g_sequence++;
  AutogradMeta& m = meta(output);
  m.requires_grad = true;
  m.grad_fn = node;
}
}  // namespace

void record(const std::shared_ptr<Node>& node, std::initializer_list<const Tensor*> inputs, const Tensor& output) {
  node->next_edges.clear();
  for (const Tensor* t : inputs) node->next_edges.push_back(t ? gradient_edge(*t) : Edge{});
  attach(node, output);
}

void record(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs, const Tensor& output) {
  node->next_edges.clear();
  for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
  attach(node, output);
}

void check_inplace(const Tensor& self, const char* op) {
  if (!grad_enabled() || !requires_grad(self)) return;
  AutogradMeta& m = *self->autograd_meta;
  PYNN_CHECK(m.grad_fn != nullptr, op, "a leaf Variable that requires grad is being used in an in-place operation.");
  PYNN_CHECK(!m.is_view_of_grad_tensor, op,
             "in-place operation on a view of a tensor that requires grad is not supported; use the out-of-place op "
             "or clone() the view first");
}

void record_inplace(const std::shared_ptr<Node>& node, const Tensor& self, std::initializer_list<const Tensor*> others) {
  node->next_edges.clear();
  node->next_edges.push_back(gradient_edge(self));  // the history self had before being overwritten
  for (const Tensor* t : others) node->next_edges.push_back(t ? gradient_edge(*t) : Edge{});
  attach(node, self);
}

void mark_view(const Tensor& view, const Tensor& base) {
  if (requires_grad(base)) meta(view).is_view_of_grad_tensor = true;
}

Tensor sum_to(const Tensor& grad, const Dims& shape) {
  if (grad->sizes() == shape) return grad;
  int lead = grad->dim() - shape.size();
  std::vector<int64_t> dims;
  for (int i = 0; i < grad->dim(); ++i) {
    int si = i - lead;
    if (si < 0 || (shape[si] == 1 && grad->sizes()[i] != 1)) dims.push_back(i);
  }
  Tensor r = dims.empty() ? grad : sum(grad, dims, true);
  return reshape(r, shape.vec());
}

std::vector<Tensor> AccumulateGrad::apply(const Tensor& incoming) {
  Tensor var = variable.lock();
  if (!var) return {};
  AutogradMeta& m = meta(var);
  Tensor g = incoming;
  for (const GradHook& h : m.leaf_hooks) {
    Tensor r = h(g);
    if (r) g = r;
  }
  if (!g) return {};
  PYNN_CHECK(g->sizes() == var->sizes(), "backward", "Function AccumulateGrad returned an invalid gradient - got ",
             g->sizes().str(), " but expected shape compatible with ", var->sizes().str());
  if (grad_enabled()) {  // create_graph: keep the gradient's own graph
    m.grad = m.grad ? binary(BinaryOp::Add, m.grad, g) : g;
  } else if (!m.grad) {
    // The incoming buffer may be a broadcast view or shared with another node: own a copy.
    m.grad = clone(g);
  } else {
    binary_(BinaryOp::Add, m.grad, g);
  }
  return {};
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output), saved_(true) {
  if (!t) return;
  version_ = t->version();
  requires_grad_ = requires_grad(t);
  if (is_output && requires_grad_) {
    data_ = make_view(t, t->sizes(), t->strides(), t->offset());  // no autograd meta: no cycle through grad_fn
    weak_fn_ = t->autograd_meta->grad_fn;
  } else {
    data_ = t;
  }
}

Tensor SavedTensor::unpack(const Node* owner) const {
  if (!saved_) return nullptr;
  PYNN_CHECK(data_ != nullptr, "backward",
             "Trying to backward through the graph a second time (or directly access saved tensors after they have "
             "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
             "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time.");
  if (data_->version() != version_) {
    throw std::runtime_error(str(
        "one of the variables needed for gradient computation has been modified by an inplace operation: [",
        dtype_name(data_->dtype()), " ", data_->sizes().str(), "], which is ", is_output_ ? "output 0 of " : "an input of ",
        owner ? owner->name() : std::string("a node"), ", is at version ", data_->version(), "; expected version ",
        version_, " instead."));
  }
  if (is_output_ && requires_grad_) {
    Tensor t = make_view(data_, data_->sizes(), data_->strides(), data_->offset());
    AutogradMeta& m = meta(t);
    m.requires_grad = true;
    m.grad_fn = weak_fn_.lock();
    return t;
  }
  return data_;
}

}  // namespace autograd
}  // namespace pynn
