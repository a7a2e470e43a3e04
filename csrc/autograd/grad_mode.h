// Thread-local switch for recording the graph (pynn.no_grad / enable_grad / set_grad_enabled).
#pragma once

namespace pynn {
class TensorImpl;
namespace autograd {

bool grad_enabled();
void set_grad_enabled(bool enabled);

// pynn.inference_mode: grad mode off and, while it is on, every new tensor is an inference tensor
// (TensorImpl::is_inference). Outside the mode such tensors cannot be saved for backward, updated in place
// or set to require grad: the checks below raise torch's errors.
bool inference_mode_enabled();
void set_inference_mode(bool enabled);
void check_not_inference_saved(const TensorImpl& t);
void check_not_inference_inplace(const TensorImpl& t);
void check_not_inference_requires_grad(const TensorImpl& t);

class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : prev_(grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeGuard() { set_grad_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};

// Runs f() with recording off and returns its result. Composite forwards call other ops this way, then record
// one node of their own for the whole op.
template <typename F>
auto untracked(F&& f) {
  GradModeGuard off(false);
  return f();
}

}  // namespace autograd
}  // namespace pynn
