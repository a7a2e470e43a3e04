// Thread-local switch for recording the graph (pynn.no_grad / enable_grad / set_grad_enabled).
#pragma once

namespace pynn {
namespace autograd {

bool grad_enabled();
void set_grad_enabled(bool enabled);

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
