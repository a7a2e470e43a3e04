#include "autograd/node.h"

#include <atomic>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
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

namespace {
void attach(const std::shared_ptr<Node>& node, const Tensor& output) {
  node->sequence_nr = g_sequence++;
  AutogradMeta& m = meta(output);
  m.requires_grad = true;
  m.grad_fn = node;
}

// A view's grad_fn as torch re-derives it after an in-place write: "the base's history, seen through
// the view" (named AsStridedBackward0 like torch's).
void derive_view_grad_fn(const Tensor& view, ViewInfo& vi, const Edge& base_edge) {
  vi.version = view->version();
  if (!base_edge.valid()) return;
  std::shared_ptr<Node> node = make_view_backward(vi.base, vi.replay, "AsStridedBackward0");
  node->next_edges = {base_edge};
  attach(node, view);
}

// The view's storage was written since its grad_fn was derived (an in-place op on the base or on a
// sibling view): its old grad_fn would skip that write, so derive it again from the base.
void refresh_view(const Tensor& t, AutogradMeta& m) {
  if (!m.view || m.view->version == t->version()) return;
  std::shared_ptr<ViewInfo> vi = m.view;  // keeps it alive while grad_fn is replaced
  derive_view_grad_fn(t, *vi, gradient_edge(vi->base));
}
}  // namespace

std::shared_ptr<Node> grad_fn(const Tensor& t) {
  if (!t || !t->autograd_meta) return nullptr;
  AutogradMeta& m = *t->autograd_meta;
  if (m.requires_grad) refresh_view(t, m);
  return m.grad_fn;
}

Edge gradient_edge(const Tensor& t) {
  if (!requires_grad(t)) return Edge{};
  AutogradMeta& m = *t->autograd_meta;
  refresh_view(t, m);
  if (m.grad_fn) return Edge{m.grad_fn};
  std::shared_ptr<Node> acc = m.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    m.grad_accumulator = acc;
  }
  return Edge{acc};
}

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
  check_not_inference_inplace(*self);
  if (!grad_enabled() || !self->autograd_meta) return;
  const AutogradMeta& m = *self->autograd_meta;
  if (m.view) {
    const ViewInfo& vi = *m.view;
    PYNN_CHECK(!(vi.multi_output && m.requires_grad), op, "Output ", vi.output_nr, " of ", vi.multi_output,
               " is a view and is being modified inplace. This view is the output of a function that returns "
               "multiple views. Such functions do not allow the output views to be modified inplace. You should "
               "replace the inplace operation by an out-of-place one.");
    PYNN_CHECK(!(requires_grad(vi.base) && !vi.base->autograd_meta->grad_fn), op,
               "a view of a leaf Variable that requires grad is being used in an in-place operation.");
    return;
  }
  PYNN_CHECK(!m.requires_grad || m.grad_fn != nullptr, op,
             "a leaf Variable that requires grad is being used in an in-place operation.");
}

namespace {

// torch's CopySlices: the base's grad_fn after an in-place op `fn` on one of its views. The gradient of
// the view's region goes through fn (whose first input is the view's old value); the rest passes through.
struct CopySlices : Node {
  Dims sizes, strides;  // the base's layout, so that replay yields views of the buffer
  ViewReplay replay;
  std::shared_ptr<Node> fn;
  std::string name() const override { return "CopySlices"; }
  void release_saved() override { fn->release_saved(); }
  std::vector<Tensor> apply(const Tensor& grad) override {
    Tensor result = zeros_laid_out_like(sizes, strides, grad->dtype(), grad->device());
    copy_(result, grad);
    Tensor region = replay(result);
    // fn gets its own copy: its results may alias their input and region is overwritten below.
    std::vector<Tensor> res = fn->apply(clone(region));
    if (!res.empty() && res[0]) copy_(region, res[0]);
    else fill_(region, Scalar(0.0));
    std::vector<Tensor> out{result};
    for (size_t i = 1; i < fn->next_edges.size(); ++i) out.push_back(i < res.size() ? res[i] : nullptr);
    return out;
  }
};

void rebase_view(const std::shared_ptr<Node>& fn, const Tensor& view, AutogradMeta& m) {
  std::shared_ptr<ViewInfo> vi = m.view;
  const Tensor& base = vi->base;
  auto cs = std::make_shared<CopySlices>();
  cs->sizes = base->sizes();
  cs->strides = base->strides();
  cs->replay = vi->replay;
  cs->fn = fn;
  cs->next_edges.push_back(gradient_edge(base));
  for (size_t i = 1; i < fn->next_edges.size(); ++i) cs->next_edges.push_back(fn->next_edges[i]);
  attach(cs, base);
  derive_view_grad_fn(view, *vi, Edge{cs});
}

}  // namespace

namespace {
// An in-place op with grad on a view that autograd did not track (made from a tensor that needed no
// grad): track it now, as an as_strided view of its root, so the root's history is rewritten too.
void track_untracked_view(const Tensor& self) {
  if (self->autograd_meta && self->autograd_meta->view) return;
  Tensor base = self->view_base.lock();
  if (!base || base->storage() != self->storage()) return;
  const Dims sizes = self->sizes(), strides = self->strides();
  const int64_t rel = self->offset() - base->offset();
  set_view(self, base, [sizes, strides, rel](const Tensor& b) { return as_strided(b, sizes, strides, b->offset() + rel); });
}
}  // namespace

void record_inplace(const std::shared_ptr<Node>& node, const Tensor& self, std::initializer_list<const Tensor*> others) {
  track_untracked_view(self);
  node->next_edges.clear();
  node->next_edges.push_back(gradient_edge(self));  // the history self had before being overwritten
  for (const Tensor* t : others) node->next_edges.push_back(t ? gradient_edge(*t) : Edge{});
  if (self->autograd_meta && self->autograd_meta->view) rebase_view(node, self, *self->autograd_meta);
  else attach(node, self);
}

void set_view(const Tensor& view, const Tensor& base, ViewReplay replay) {
  if (view->storage() != base->storage()) return;  // a copy (reshape of a non-viewable layout)
  auto vi = std::make_shared<ViewInfo>();
  const AutogradMeta* bm = base->autograd_meta.get();
  if (bm && bm->view) {
    vi->base = bm->view->base;
    vi->replay = [outer = bm->view->replay, inner = std::move(replay)](const Tensor& b) { return inner(outer(b)); };
  } else {
    vi->base = base;
    vi->replay = std::move(replay);
  }
  vi->version = view->version();
  meta(view).view = std::move(vi);
}

Tensor zeros_laid_out_like(const Dims& sizes, const Dims& strides, ScalarType dtype, Device device) {
  if (strides == contiguous_strides(sizes)) return full(sizes, Scalar(0.0), dtype, device);
  Tensor buf = full(Dims{required_storage_elems(sizes, strides, 0)}, Scalar(0.0), dtype, device);
  return make_view(buf, sizes, strides, 0);
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

Tensor run_leaf_hooks(const Tensor& var, Tensor g) {
  for (const GradHook& h : meta(var).leaf_hooks) {
    Tensor r = h(g);
    if (r) g = r;
  }
  return g;
}

void accumulate_grad(const Tensor& var, const Tensor& g) {
  AutogradMeta& m = meta(var);
  PYNN_CHECK(g->sizes() == var->sizes(), "backward", "Function AccumulateGrad returned an invalid gradient - got ",
             g->sizes().str(), " but expected shape compatible with ", var->sizes().str());
  if (grad_enabled()) {  // create_graph: keep the gradient's own graph
    m.grad = m.grad ? binary(BinaryOp::Add, m.grad, g) : g;
  } else if (!m.grad) {
    // A fresh contiguous buffer that nobody else holds (the engine's slot and `g` are the only owners)
    // becomes .grad as is, as torch steals it; a broadcast view or a shared buffer is copied.
    const bool stealable = g.use_count() <= 2 && g->storage().use_count() == 1 && g->is_contiguous() &&
                           g->offset() == 0 && g->dtype() == var->dtype() && !requires_grad(g);
    m.grad = stealable ? g : clone(g);
  } else {
    binary_(BinaryOp::Add, m.grad, g);
  }
}

std::vector<Tensor> AccumulateGrad::apply(const Tensor& incoming) {
  Tensor var = variable.lock();
  if (!var) return {};
  Tensor g = run_leaf_hooks(var, incoming);
  if (g) accumulate_grad(var, g);
  return {};
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output), saved_(true) {
  if (!t) return;
  check_not_inference_saved(*t);
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
    // An output written in place through a view: its derived view node lives only as long as the view.
    // The owner computed this output from the view's old value, so it stands in (as in torch).
    if (!m.grad_fn && owner) m.grad_fn = std::const_pointer_cast<Node>(owner->weak_from_this().lock());
    return t;
  }
  return data_;
}

}  // namespace autograd
}  // namespace pynn
