#include "autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/elementwise.h"
#include "ops/factory.h"

namespace pynn {
namespace autograd {
namespace {

struct GraphTask {
  std::unordered_map<Node*, int> dependencies;
  std::unordered_map<Node*, Tensor> buffers;
  // autograd.grad: gradients are captured at these nodes instead of running them.
  std::unordered_map<Node*, int> capture_index;
  std::vector<Tensor> captured;
  // False for autograd.grad: it returns gradients and never writes any leaf's .grad.
  bool accumulate_into_leaves = true;
};

void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot) slot = g;
  else slot = binary(BinaryOp::Add, slot, g);
}

std::vector<Edge> root_edges(const std::vector<Tensor>& outputs) {
  std::vector<Edge> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    Edge e = gradient_edge(outputs[i]);
    PYNN_CHECK(e.valid(), "backward", "element ", i, " of tensors does not require grad and does not have a grad_fn");
    roots.push_back(e);
  }
  return roots;
}

std::vector<Tensor> root_grads(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    Tensor g = i < grad_outputs.size() ? grad_outputs[i] : nullptr;
    if (!g) {
      PYNN_CHECK(out->numel() == 1, "backward", "grad can be implicitly created only for scalar outputs");
      PYNN_CHECK(is_floating(out->dtype()), "backward", "grad can be implicitly created only for real scalar outputs but got ",
                 dtype_name(out->dtype()));
      g = full(out->sizes(), Scalar(1.0), out->dtype(), out->device());
    } else {
      PYNN_CHECK(g->sizes() == out->sizes(), "backward", "Mismatch in shape: grad_output[", i, "] has a shape of ",
                 g->sizes().str(), " and output[", i, "] has a shape of ", out->sizes().str(), ".");
    }
    grads.push_back(g);
  }
  return grads;
}

void execute(const std::vector<Edge>& roots, const std::vector<Tensor>& grads, GraphTask& task, bool retain_graph) {
  // Count, for every reachable node, how many edges lead into it.
  std::vector<Node*> stack;
  std::unordered_set<Node*> seen;
  for (const Edge& e : roots)
    if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.valid()) continue;
      task.dependencies[e.fn.get()]++;
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }
  // grad(): only nodes from which a captured input is reachable run (an input may lie past another one).
  std::unordered_set<Node*> needed;
  const bool prune = !task.capture_index.empty();
  if (prune) {
    std::unordered_map<Node*, bool> done;  // post-order: a node is needed once any child is
    std::vector<std::pair<Node*, size_t>> walk;
    for (const Edge& e : roots) walk.push_back({e.fn.get(), 0});
    while (!walk.empty()) {
      auto& [n, i] = walk.back();
      if (i == 0 && done.count(n)) { walk.pop_back(); continue; }
      if (i < n->next_edges.size()) {
        Node* child = n->next_edges[i++].fn.get();
        if (child && !done.count(child)) walk.push_back({child, 0});
        continue;
      }
      bool need = task.capture_index.count(n) > 0;
      for (const Edge& e : n->next_edges) need = need || (e.valid() && needed.count(e.fn.get()));
      if (need) needed.insert(n);
      done[n] = true;
      walk.pop_back();
    }
  }
  for (size_t i = 0; i < roots.size(); ++i) accumulate(task.buffers[roots[i].fn.get()], grads[i]);

  // Newest node first among the ready ones, like torch (keeps memory low on long chains).
  auto later = [](const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) { return a->sequence_nr < b->sequence_nr; };
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, decltype(later)> ready(later);
  std::unordered_set<Node*> queued;
  for (const Edge& e : roots)
    if (task.dependencies[e.fn.get()] == 0 && queued.insert(e.fn.get()).second) ready.push(e.fn);

  std::vector<std::shared_ptr<Node>> ran;
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.top();
    ready.pop();
    Tensor g = std::move(task.buffers[node.get()]);
    task.buffers.erase(node.get());
    if (prune && !needed.count(node.get())) continue;  // nothing past it is needed either
    auto* leaf = dynamic_cast<AccumulateGrad*>(node.get());
    auto cap = task.capture_index.find(node.get());
    const bool captured = cap != task.capture_index.end();
    if (g && !leaf)
      for (const GradHook& h : node->pre_hooks) {
        Tensor r = h(g);
        if (r) g = r;
      }
    bool run = g != nullptr;
    if (captured) {  // as in torch, the gradient is captured after the tensor's hooks
      if (leaf && g)
        if (Tensor var = leaf->variable.lock()) g = run_leaf_hooks(var, g);
      task.captured[cap->second] = g;
      bool inputs_past_it = false;
      for (const Edge& e : node->next_edges) inputs_past_it = inputs_past_it || (e.valid() && needed.count(e.fn.get()));
      run = run && inputs_past_it;
    } else if (leaf && !task.accumulate_into_leaves) {
      run = false;
    }
    std::vector<Tensor> input_grads;
    if (run) {
      PYNN_CHECK(!node->released, "backward",
                 "Trying to backward through the graph a second time (or directly access saved tensors after they have "
                 "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
                 "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time.");
      input_grads = node->apply(g);
      ran.push_back(node);
    }
    // Children are released even when no gradient flowed here: another path may still feed them.
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      if (i < input_grads.size() && input_grads[i]) accumulate(task.buffers[e.fn.get()], input_grads[i]);
      if (--task.dependencies[e.fn.get()] == 0 && queued.insert(e.fn.get()).second) ready.push(e.fn);
    }
  }
  if (!retain_graph)
    for (auto& n : ran)
      if (dynamic_cast<AccumulateGrad*>(n.get()) == nullptr) {
        n->release_saved();
        n->released = true;
      }
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  std::vector<Edge> roots = root_edges(outputs);
  std::vector<Tensor> grads = root_grads(outputs, grad_outputs);
  GradModeGuard mode(create_graph);
  GraphTask task;
  execute(roots, grads, task, retain_graph || create_graph);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  std::vector<Edge> roots = root_edges(outputs);
  std::vector<Tensor> grads = root_grads(outputs, grad_outputs);
  GraphTask task;
  task.accumulate_into_leaves = false;
  task.captured.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    Edge e = gradient_edge(inputs[i]);
    PYNN_CHECK(e.valid(), "grad", "One of the differentiated Tensors does not require grad");
    task.capture_index[e.fn.get()] = static_cast<int>(i);
  }
  {
    GradModeGuard mode(create_graph);
    execute(roots, grads, task, retain_graph || create_graph);
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    PYNN_CHECK(task.captured[i] || allow_unused, "grad",
               "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if "
               "this is the desired behavior.");
  return task.captured;
}

void backward_into(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                   const std::vector<Tensor>& inputs, bool retain_graph, bool create_graph) {
  PYNN_CHECK(!inputs.empty(), "backward", "'inputs' argument to backward() cannot be empty.");
  std::vector<Tensor> gs = grad(outputs, inputs, grad_outputs, retain_graph, create_graph, /*allow_unused=*/true);
  GradModeGuard mode(create_graph);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!gs[i]) continue;
    const AutogradMeta& m = meta(inputs[i]);
    if (m.grad_fn && m.retains_grad) continue;  // its retain_grad hook has accumulated it already
    accumulate_grad(inputs[i], gs[i]);         // leaf hooks ran when the gradient was captured
  }
}

}  // namespace autograd
}  // namespace pynn
