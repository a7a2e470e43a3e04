// Runs the graph backwards: dependency counts, a ready queue, one visit per node.
#pragma once
#include <vector>

#include "autograd/node.h"

namespace pynn {
namespace autograd {

// tensor.backward(gradient, retain_graph, create_graph): accumulates into the leaves' .grad.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph);
// tensor.backward(inputs=...): accumulates into .grad of `inputs` only (leaf or not), running leaf hooks.
void backward_into(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                   const std::vector<Tensor>& inputs, bool retain_graph, bool create_graph);
// autograd.grad(outputs, inputs, ...): returns d(outputs)/d(inputs) without touching .grad.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused);

}  // namespace autograd
}  // namespace pynn
