#include "autograd/functions_ctc.h"

#include "autograd/functions.h"
#include "autograd/grad_mode.h"

namespace pynn {
namespace autograd {

namespace {

// The gradient kernel's output under create_graph: using it in a further backward raises (torch:
// "the derivative for '_ctc_loss_backward' is not implemented").
struct CtcDoubleBackward : Node {
  std::string name() const override { return "CtcLossBackwardBackward0"; }
  std::vector<Tensor> apply(const Tensor&) override {
    throw NotImplementedError("[ctc_loss] the derivative for '_ctc_loss_backward' is not implemented.");
  }
};

struct CtcLossBackward : Node {
  CtcSaved saved;
  SavedTensor input;  // log_probs as the caller passed them: where a refused double backward attaches
  std::string name() const override { return "CtcLossBackward0"; }
  void release_saved() override {
    saved = CtcSaved{};
    input.reset();
  }
  std::vector<Tensor> apply(const Tensor& g) override {
    PYNN_CHECK(saved.log_probs, "ctc_loss", "Trying to backward through the graph a second time (or directly access "
               "saved tensors after they have already been freed). Specify retain_graph=True if you need to backward "
               "through the graph a second time or if you need to access saved tensors after calling backward.");
    Tensor gx = untracked([&] { return ctc_loss_backward(g, saved); });
    if (grad_enabled()) {  // create_graph: gx depends on log_probs and on g, through a kernel with no derivative
      Tensor lp = input.unpack(this);
      record(std::make_shared<CtcDoubleBackward>(), {&lp, &g}, gx);
    }
    return {gx};
  }
};

}  // namespace

void record_ctc(const Tensor& log_probs, const Tensor& out, CtcSaved saved) {
  auto node = std::make_shared<CtcLossBackward>();
  node->saved = std::move(saved);
  node->input = SavedTensor(log_probs, false);
  record(node, {&log_probs}, out);
}

}  // namespace autograd
}  // namespace pynn
