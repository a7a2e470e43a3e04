#include "ops/ctc.h"

#include <algorithm>

#include "autograd/functions_ctc.h"
#include "autograd/grad_mode.h"
#include "kernels/ctc.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/factory.h"

namespace pynn {

PYNN_DEFINE_KERNEL(ctc_forward_kernel, "ctc_loss");
PYNN_DEFINE_KERNEL(ctc_backward_kernel, "ctc_loss_backward");

namespace {

// The host-side layout both kernels read: targets as int64 with per-sample offsets.
struct CtcInputs {
  Tensor targets;
  std::vector<int64_t> offsets, input_lengths, target_lengths;
  CtcArgs args(const Tensor& log_probs, int64_t blank) const {
    CtcArgs a;
    a.T = log_probs->sizes()[0];
    a.N = log_probs->sizes()[1];
    a.C = log_probs->sizes()[2];
    a.max_target = target_lengths.empty() ? 0 : *std::max_element(target_lengths.begin(), target_lengths.end());
    a.blank = blank;
    a.targets = static_cast<const int64_t*>(targets->data());
    a.target_offsets = offsets.data();
    a.input_lengths = input_lengths.data();
    a.target_lengths = target_lengths.data();
    return a;
  }
};

CtcInputs check_inputs(const Tensor& lp, const Tensor& targets, const std::vector<int64_t>& il,
                       const std::vector<int64_t>& tl, int64_t blank) {
  const char* op = "ctc_loss";
  require_defined(op, lp, "log_probs");
  require_defined(op, targets, "targets");
  PYNN_CHECK(is_floating(lp->dtype()), op, "ctc_loss: expected log_probs to be a float tensor, got ", type_title(lp->dtype()));
  PYNN_CHECK(lp->dim() == 3, op, "ctc_loss: expected log_probs to be 3-D (T, N, C), got ", lp->dim(), "-D");
  PYNN_CHECK(targets->dtype() == ScalarType::Int64 || targets->dtype() == ScalarType::Int32, op,
             "ctc_loss: expected targets to be an integer tensor, got ", type_title(targets->dtype()));
  const int64_t T = lp->sizes()[0], N = lp->sizes()[1], C = lp->sizes()[2];
  PYNN_CHECK(blank >= 0 && blank < C, op, "blank must be in label range");
  PYNN_CHECK(static_cast<int64_t>(il.size()) == N, op, "input_lengths must be of size batch_size");
  PYNN_CHECK(static_cast<int64_t>(tl.size()) == N, op, "target_lengths must be of size batch_size");
  CtcInputs in;
  in.targets = contiguous(to_dtype(targets, ScalarType::Int64));
  in.input_lengths = il;
  in.target_lengths = tl;
  int64_t pos = 0;
  for (int64_t n = 0; n < N; ++n) {
    PYNN_CHECK(il[n] >= 0 && il[n] <= T, op, "Expected input_lengths to have value at most ", T, ", but got value ",
               il[n], " (while checking arguments for ctc_loss_cpu)");
    PYNN_CHECK(tl[n] >= 0, op, "Expected target_lengths to be non-negative, but got value ", tl[n]);
    if (targets->dim() == 1) {
      in.offsets.push_back(pos);
      pos += tl[n];
    } else {
      PYNN_CHECK(targets->dim() == 2 && targets->sizes()[0] == N, op,
                 "ctc_loss: targets must be (N, S) or 1-D concatenated, got ", targets->sizes().str());
      PYNN_CHECK(tl[n] <= targets->sizes()[1], op, "Expected tensor to have size at least ", tl[n],
                 " at dimension 1, but got size ", targets->sizes()[1], " for argument #2 'targets' (while checking "
                 "arguments for ctc_loss_cpu)");
      in.offsets.push_back(n * targets->sizes()[1]);
    }
  }
  if (targets->dim() == 1)
    PYNN_CHECK(pos <= targets->numel(), op, "Expected tensor to have size at least ", pos,
               " at dimension 1, but got size ", targets->numel(), " for argument #2 'targets' (while checking "
               "arguments for ctc_loss_cpu)");
  // Labels index log_probs' class dim: out-of-range ones would read outside it.
  const int64_t* t = static_cast<const int64_t*>(in.targets->data());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t j = 0; j < tl[n]; ++j) {
      const int64_t v = t[in.offsets[n] + j];
      PYNN_CHECK_INDEX(v >= 0 && v < C, op, "ctc_loss: target index ", v, " is out of bounds for ", C, " classes");
    }
  return in;
}

}  // namespace

Tensor ctc_loss_nll(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                    const std::vector<int64_t>& target_lengths, int64_t blank, bool zero_infinity) {
  CtcInputs in = check_inputs(log_probs, targets, input_lengths, target_lengths, blank);
  const bool grad = autograd::needs_grad(log_probs);
  Tensor lp = contiguous(log_probs);
  const CtcArgs a = in.args(lp, blank);
  Tensor nll = empty(Dims{a.N}, lp->dtype(), lp->device());
  Tensor alpha = empty(Dims{a.N, a.T, 2 * a.max_target + 1}, lp->dtype(), lp->device());
  if (a.N > 0) ctc_forward_kernel(lp->device(), lp->dtype(), a, lp->data(), nll->data(), alpha->data());
  // The backward needs the true likelihood even where zero_infinity reports 0; the output is a separate tensor.
  Tensor out = autograd::untracked([&] {
    return zero_infinity ? where(unary(UnaryOp::IsInf, nll), full(Dims{a.N}, Scalar(0.0), nll->dtype(), nll->device()), nll)
                         : clone(nll);
  });
  if (grad) {
    autograd::CtcSaved saved{lp, in.targets, in.offsets, in.input_lengths, in.target_lengths, nll, alpha, blank,
                             zero_infinity};
    autograd::record_ctc(log_probs, out, std::move(saved));
  }
  return out;
}

Tensor ctc_loss_backward(const Tensor& grad_nll, const autograd::CtcSaved& s) {
  CtcInputs in;
  in.targets = s.targets;
  in.offsets = s.offsets;
  in.input_lengths = s.input_lengths;
  in.target_lengths = s.target_lengths;
  const CtcArgs a = in.args(s.log_probs, s.blank);
  Tensor g = contiguous(to_dtype(grad_nll, s.log_probs->dtype()));
  Tensor out = empty(s.log_probs->sizes(), s.log_probs->dtype(), s.log_probs->device());
  if (out->numel() > 0)
    ctc_backward_kernel(out->device(), out->dtype(), a, s.log_probs->data(), s.nll->data(), s.log_alpha->data(),
                        g->data(), s.zero_infinity, out->data());
  return out;
}

}  // namespace pynn
