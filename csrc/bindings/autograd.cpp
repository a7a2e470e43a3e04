// The autograd surface of Tensor (requires_grad, grad, grad_fn, backward, hooks, detach) and grad mode.
#include <pybind11/functional.h>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "bindings/bindings.h"
#include "ops/elementwise.h"
#include "ops/shape.h"

using namespace pynn;
namespace ag = pynn::autograd;

namespace {

std::vector<Tensor> tensor_list(py::handle obj) {
  std::vector<Tensor> out;
  if (obj.is_none()) return out;
  if (pynn_py::is_tensor(obj)) return {obj.cast<Tensor>()};
  for (py::handle h : obj) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
  return out;
}

// A detached view: same storage and version counter, no history.
Tensor detached(const Tensor& t) { return make_view(t, t->sizes(), t->strides(), t->offset()); }

// Backward runs without the GIL: the hook takes it to call Python, and the holder to drop the callable.
ag::GradHook python_hook(py::function fn) {
  auto holder = std::make_shared<pynn_py::GilSafeObject>(std::move(fn));
  return [holder](const Tensor& g) -> Tensor {
    py::gil_scoped_acquire gil;
    py::object r = holder->get()(g);
    if (r.is_none()) return nullptr;
    return r.cast<Tensor>();
  };
}

struct HookHandle {
  std::weak_ptr<TensorImpl> tensor;
  std::weak_ptr<ag::Node> node;
  size_t index;
  bool leaf;
  void remove() {
    // Replace with a pass-through so other handles' indices stay valid.
    ag::GradHook noop = [](const Tensor&) -> Tensor { return nullptr; };
    if (leaf) {
      if (auto t = tensor.lock())
        if (t->autograd_meta && index < t->autograd_meta->leaf_hooks.size()) t->autograd_meta->leaf_hooks[index] = noop;
    } else if (auto n = node.lock()) {
      if (index < n->pre_hooks.size()) n->pre_hooks[index] = noop;
    }
  }
};

struct PyFunctionNode : ag::Node {
  PyFunctionNode(py::function fn, int index, std::string name, size_t num_inputs)
      : backward_(std::make_shared<pynn_py::GilSafeObject>(std::move(fn))), index_(index), name_(std::move(name)),
        num_inputs_(num_inputs) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    py::gil_scoped_acquire gil;
    PYNN_CHECK(backward_, "backward", "Trying to backward through the graph a second time");
    py::object r = backward_->get()(index_, grad);
    std::vector<Tensor> out;
    out.reserve(num_inputs_);
    for (py::handle h : r) out.push_back(h.is_none() ? Tensor() : h.cast<Tensor>());
    PYNN_CHECK(out.size() == num_inputs_, "backward", "function ", name_, " returned ", out.size(),
               " gradients for ", num_inputs_, " tensor inputs");
    return out;
  }
  std::string name() const override { return name_; }
  // Drops the Python closure (and the ctx it holds, whose saved outputs point back here) after backward.
  void release_saved() override { backward_.reset(); }

 private:
  std::shared_ptr<pynn_py::GilSafeObject> backward_;
  int index_;
  std::string name_;
  size_t num_inputs_;
};

void set_requires_grad(const Tensor& t, bool flag) {
  if (!flag && ag::requires_grad(t) && t->autograd_meta->grad_fn)
    throw std::runtime_error(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
        "subgraph that doesn't require differentiation use var_no_grad = var.detach().");
  if (flag && !is_floating(t->dtype()))
    throw std::runtime_error("only Tensors of floating point dtype can require gradients");
  if (flag) ag::check_not_inference_requires_grad(*t);
  if (!flag && !t->autograd_meta) return;
  ag::meta(t).requires_grad = flag;
}

}  // namespace

void bind_autograd(py::module_& m, TensorClass& cls) {
  py::class_<ag::Node, std::shared_ptr<ag::Node>>(m, "Node")
      .def("name", &ag::Node::name)
      .def_property_readonly("next_functions", [](const ag::Node& n) {
        py::list out;
        for (const ag::Edge& e : n.next_edges)
          out.append(py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), 0));
        return py::tuple(out);
      })
      .def("__repr__", [](const ag::Node& n) { return "<" + n.name() + " object>"; });
  py::class_<HookHandle>(m, "RemovableHandle").def("remove", &HookHandle::remove);

  cls.def_property("requires_grad", [](const Tensor& t) { return ag::requires_grad(t); }, &set_requires_grad);
  cls.def("requires_grad_", [](py::object self, bool flag) {
    set_requires_grad(self.cast<Tensor>(), flag);
    return self;
  }, py::arg("requires_grad") = true);
  cls.def_property("grad", [](const Tensor& t) -> Tensor { return t->autograd_meta ? t->autograd_meta->grad : nullptr; },
                   [](const Tensor& t, py::handle value) {
                     if (value.is_none()) {
                       if (t->autograd_meta) t->autograd_meta->grad = nullptr;
                       return;
                     }
                     PYNN_CHECK_TYPE(pynn_py::is_tensor(value), "grad",
                                     "assigned grad expected to be a Tensor or None but got grad of type ",
                                     pynn_py::type_name(value));
                     Tensor g = value.cast<Tensor>();
                     PYNN_CHECK(g->dtype() == t->dtype(), "grad", "attempting to assign a gradient with dtype '",
                                dtype_name(g->dtype()), "' to a tensor with grad_dtype '", dtype_name(t->dtype()),
                                "'. The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype).");
                     PYNN_CHECK(g->sizes() == t->sizes(), "grad", "attempting to assign a gradient of size '",
                                g->sizes().str(), "' to a tensor of size '", t->sizes().str(),
                                "'. Please ensure that the gradient and the tensor are the same size");
                     PYNN_CHECK(g->device() == t->device(), "grad", "assigned grad has data located on a different device");
                     ag::meta(t).grad = g;
                   });
  cls.def_property_readonly("grad_fn", [](const Tensor& t) -> std::shared_ptr<ag::Node> {
    return ag::grad_fn(t);  // a view written through its base or a sibling gets a fresh grad_fn
  });
  cls.def_property_readonly("is_leaf", [](const Tensor& t) { return ag::grad_fn(t) == nullptr; });
  cls.def("detach", [](const Tensor& t) { return detached(t); });
  cls.def("detach_", [](py::object self) {
    Tensor t = self.cast<Tensor>();
    if (t->autograd_meta) {
      t->autograd_meta->grad_fn.reset();
      t->autograd_meta->requires_grad = false;
    }
    return self;
  });
  cls.def_property("data", [](const Tensor& t) { return detached(t); }, [](const Tensor& t, py::handle value) {
    PYNN_CHECK_TYPE(pynn_py::is_tensor(value), "data", "Variable data has to be a tensor, but got ",
                    pynn_py::type_name(value));
    Tensor src = value.cast<Tensor>();
    PYNN_CHECK(!ag::requires_grad(t) || is_floating(src->dtype()), "data",
               "data set to a tensor that requires gradients must be floating point or complex dtype");
    t->set_storage(src->storage(), src->dtype());
    t->set_geometry(src->sizes(), src->strides(), src->offset());
  });
  cls.def("retain_grad", [](const Tensor& t) {
    PYNN_CHECK(ag::requires_grad(t), "retain_grad", "can't retain_grad on Tensor that has requires_grad=False");
    // ag::grad_fn re-derives a view's node first, so the hook lands on the node backward will run.
    std::shared_ptr<ag::Node> fn = ag::grad_fn(t);
    AutogradMeta& meta = ag::meta(t);
    if (!fn || meta.retains_grad) return;
    meta.retains_grad = true;
    std::weak_ptr<TensorImpl> weak = t;
    fn->pre_hooks.push_back([weak](const Tensor& g) -> Tensor {
      if (auto self = weak.lock()) {
        AutogradMeta& mm = ag::meta(self);
        mm.grad = mm.grad ? binary(BinaryOp::Add, mm.grad, g) : clone(g);
      }
      return nullptr;
    });
  });
  cls.def_property_readonly("retains_grad", [](const Tensor& t) { return t->autograd_meta && t->autograd_meta->retains_grad; });
  cls.def("register_hook", [](const Tensor& t, py::function fn) {
    PYNN_CHECK(ag::requires_grad(t), "register_hook", "cannot register a hook on a tensor that doesn't require gradient");
    // As in torch, the hook belongs to the node that is t's grad_fn now (re-derived first for a view
    // written through its base): a later in-place write gives t a new node, which the hook does not follow.
    std::shared_ptr<ag::Node> node = ag::grad_fn(t);
    AutogradMeta& meta = ag::meta(t);
    HookHandle h;
    h.tensor = t;
    if (node) {
      h.leaf = false;
      h.node = node;
      h.index = node->pre_hooks.size();
      node->pre_hooks.push_back(python_hook(fn));
    } else {
      h.leaf = true;
      h.index = meta.leaf_hooks.size();
      meta.leaf_hooks.push_back(python_hook(fn));
    }
    return h;
  });
  cls.def("backward", [](const Tensor& t, py::object gradient, py::object retain_graph, bool create_graph, py::object inputs) {
    std::vector<Tensor> grads;
    if (!gradient.is_none()) {
      PYNN_CHECK_TYPE(pynn_py::is_tensor(gradient), "backward", "argument 'gradient' must be Tensor or None, not ",
                      pynn_py::type_name(gradient));
      grads.push_back(gradient.cast<Tensor>());
    }
    bool retain = retain_graph.is_none() ? create_graph : retain_graph.cast<bool>();
    if (!inputs.is_none()) {
      std::vector<Tensor> ins = tensor_list(inputs);
      return pynn_py::without_gil([&] { ag::backward_into({t}, grads, ins, retain, create_graph); });
    }
    pynn_py::without_gil([&] { ag::backward({t}, grads, retain, create_graph); });
  }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
     py::arg("inputs") = py::none());

  m.def("_autograd_backward", [](py::handle tensors, py::handle grads, bool retain, bool create, py::handle inputs) {
    std::vector<Tensor> outs = tensor_list(tensors), gs = tensor_list(grads);
    if (!inputs.is_none()) {
      std::vector<Tensor> ins = tensor_list(inputs);
      return pynn_py::without_gil([&] { ag::backward_into(outs, gs, ins, retain, create); });
    }
    pynn_py::without_gil([&] { ag::backward(outs, gs, retain, create); });
  }, py::arg("tensors"), py::arg("grads"), py::arg("retain"), py::arg("create"), py::arg("inputs") = py::none());
  // autograd.Function: `backward(index, grad)` (Python, run with the GIL) maps the gradient of output `index`
  // to one gradient (or None) per tensor input. One node per differentiable output, as every op here records.
  m.def("_record_function", [](py::function backward, const std::vector<Tensor>& inputs, const Tensor& output,
                               int index, std::string name) {
    auto node = std::make_shared<PyFunctionNode>(std::move(backward), index, std::move(name), inputs.size());
    ag::record(node, inputs, output);
  });
  m.def("_autograd_grad", [](py::handle outputs, py::handle inputs, py::handle grads, bool retain, bool create, bool allow_unused) {
    std::vector<Tensor> outs = tensor_list(outputs), ins = tensor_list(inputs), gs = tensor_list(grads);
    std::vector<Tensor> r = pynn_py::without_gil([&] { return ag::grad(outs, ins, gs, retain, create, allow_unused); });
    py::tuple out(r.size());
    for (size_t i = 0; i < r.size(); ++i) out[i] = r[i] ? py::cast(r[i]) : py::none();
    return out;
  });
  m.def("is_grad_enabled", [] { return ag::grad_enabled(); });
  m.def("_set_grad_enabled", [](bool b) { ag::set_grad_enabled(b); });
}
