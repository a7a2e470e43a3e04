// The fused losses (kernels/loss.h): nll_loss and cross entropy over class rows, binary cross entropy and its
// logits form elementwise. Reduced values and the mean's divisor come back from the kernels as 0-dim tensors
// on the input's device, so no loss makes a host round trip.
#include <string>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "core/shape.h"
#include "kernels/loss.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/nn.h"
#include "ops/nn_common.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {
using namespace autograd::fn;

PYNN_DEFINE_KERNEL(nll_loss_kernel, "nll_loss");
PYNN_DEFINE_KERNEL(nll_loss_backward_kernel, "nll_loss_backward");
PYNN_DEFINE_KERNEL(cross_entropy_kernel, "cross_entropy");
PYNN_DEFINE_KERNEL(cross_entropy_backward_kernel, "cross_entropy_backward");
PYNN_DEFINE_KERNEL(cross_entropy_coefficients_kernel, "cross_entropy_backward");
PYNN_DEFINE_KERNEL(cross_entropy_prob_kernel, "cross_entropy");
PYNN_DEFINE_KERNEL(cross_entropy_prob_backward_kernel, "cross_entropy_backward");
PYNN_DEFINE_KERNEL(binary_cross_entropy_kernel, "binary_cross_entropy");
PYNN_DEFINE_KERNEL(binary_cross_entropy_with_logits_kernel, "binary_cross_entropy_with_logits");

Reduction reduction_from_int(int64_t r, const char* op) {
  PYNN_CHECK_VALUE(r >= 0 && r <= 2, op, r, " is not a valid value for reduction");
  return static_cast<Reduction>(r);
}

namespace {

// The checks every loss entry starts with; returns the validated reduction.
Reduction check_loss_args(const char* op, const Tensor& input, const Tensor& target, int64_t reduction) {
  require_defined(op, input);
  require_defined(op, target, "target");
  return reduction_from_int(reduction, op);
}

// Loss weights are constants, as in torch.
void check_not_differentiable(const char* op, const char* fn, const char* arg, const Tensor& t) {
  PYNN_CHECK(!(t && autograd::needs_grad(t)), op, "The function '", fn, "' is not differentiable with respect to argument '",
             arg, "'. This input cannot have requires_grad True.");
}

// ---------------------------------------------------------------------------------------------------------
// Class-index losses

struct ClassLayout {
  RowGeom g;       // input as [N, C, inner]
  Dims row_shape;  // the loss's shape with reduction='none'
  int class_dim = 1;
};

void check_weight(const char* op, const Tensor& weight, int64_t C) {
  if (!weight) return;
  PYNN_CHECK(weight->dim() == 1 && weight->numel() == C, op, "weight tensor should be defined either for all ", C,
             " classes or no classes but got weight tensor of shape: ", weight->sizes().str());
}

ClassLayout class_layout(const char* op, const Tensor& input, const Tensor& target) {
  const int nd = input->dim();
  const Dims& is = input->sizes();
  const Dims& ts = target->sizes();
  PYNN_CHECK_VALUE(nd >= 1, op, "Expected 1 or more dimensions (got ", nd, ")");
  ClassLayout L;
  if (nd == 1) {
    L.class_dim = 0;
    L.g = {1, is[0], 1};
    PYNN_CHECK(target->dim() <= 1, op, "0D or 1D target tensor expected, multi-target not supported");
    PYNN_CHECK_VALUE(target->numel() == 1, op, "For 1D input, 1D target must have size 1, but got target size: ",
                     target->numel());
    return L;
  }
  PYNN_CHECK(target->dim() >= 1, op, "0D or 1D target tensor expected, multi-target not supported");
  PYNN_CHECK_VALUE(is[0] == ts[0], op, "Expected input batch_size (", is[0], ") to match target batch_size (", ts[0],
                   ").");
  Dims expected;
  expected.push_back(is[0]);
  for (int d = 2; d < nd; ++d) expected.push_back(is[d]);
  if (nd == 2) PYNN_CHECK(target->dim() == 1, op, "0D or 1D target tensor expected, multi-target not supported");
  PYNN_CHECK(ts == expected, op, "Expected target size ", expected.str(), ", got ", ts.str());
  L.g = row_geom(is, 1);
  L.row_shape = expected;
  return L;
}

void check_class_target_dtype(const char* op, const Tensor& target) {
  PYNN_CHECK(target->dtype() == ScalarType::Int64, op, "expected target dtype to be Long or Byte, but got ",
             type_title(target->dtype()));
}

// The tensors a forward class-loss kernel writes for reduction r.
LossOutputs loss_outputs(Reduction r, const Dims& row_shape, ScalarType dt, Device dev) {
  LossOutputs o;
  o.reduction = r;
  if (r == Reduction::None) o.per_row = empty(row_shape, dt, dev);
  else o.loss = empty(Dims{}, dt, dev);
  o.total_weight = empty(Dims{}, dt, dev);
  return o;
}
Tensor reduced_loss(const LossOutputs& o) { return o.reduction == Reduction::None ? o.per_row : o.loss; }

RowGrad row_grad(const Tensor& grad, Reduction r, const Tensor& total_weight, ScalarType dt) {
  RowGrad rg;
  rg.reduction = r;
  rg.grad = contiguous_untracked(grad, dt);
  rg.total_weight = contiguous_untracked(total_weight, dt);
  return rg;
}

// The per-row gradient shaped to broadcast against the input: [N, 1, d1, ...] (or as is for 1-D input).
Tensor row_grad_ops(const Tensor& grad, Reduction r, const Tensor& total_weight, int class_dim) {
  if (r == Reduction::Mean) return div(grad, total_weight);
  if (r == Reduction::None && class_dim == 1) return unsqueeze(grad, 1);
  return grad;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index) {
  const char* op = "nll_loss";
  const Reduction r = check_loss_args(op, input, target, reduction);
  const Device dev = same_device(op, input, target, weight);
  ClassLayout L = class_layout(op, input, target);
  check_class_target_dtype(op, target);
  require_float(op, input);
  check_weight(op, weight, L.g.size);
  check_not_differentiable(op, "nll_loss_forward", "weight", weight);
  if (is_reduced_float(input->dtype()))
    return to_dtype(nll_loss(widen_reduced(input), target, widen_reduced(weight), reduction, ignore_index),
                    input->dtype());
  const ScalarType dt = input->dtype();
  Tensor x = contiguous_untracked(input), t = contiguous_untracked(target), w = contiguous_untracked(weight, dt);
  const LossOutputs o = loss_outputs(r, L.row_shape, dt, dev);
  nll_loss_kernel(dev, o, x, t, w, ClassLoss{L.g, ignore_index, 0.0});
  Tensor out = reduced_loss(o);
  if (autograd::needs_grad(input))
    autograd::record_nll_loss(input, target, weight, r, ignore_index, o.total_weight, out);
  return out;
}

Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                         Reduction reduction, int64_t ignore_index, const Tensor& total_weight) {
  const char* op = "nll_loss_backward";
  const Device dev = same_device(op, grad, input, target, weight, total_weight);
  const ScalarType dt = input->dtype();
  const ClassLayout L = class_layout(op, input, target);
  Tensor gx = empty(input->sizes(), dt, dev);
  nll_loss_backward_kernel(dev, gx, row_grad(grad, reduction, total_weight, dt), contiguous_untracked(target),
                           contiguous_untracked(weight, dt), ClassLoss{L.g, ignore_index, 0.0});
  if (autograd::needs_grad(grad)) autograd::record_nll_loss_backward(grad, target, weight, reduction, ignore_index, gx);
  return gx;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction,
                     int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy";
  const Reduction r = check_loss_args(op, input, target, reduction);
  const Device dev = same_device(op, input, target, weight);
  PYNN_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
             "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  PYNN_CHECK_VALUE(input->dim() >= 1, op, "Expected 1 or more dimensions (got ", input->dim(), ")");
  require_float(op, input);
  // Same shapes mean class probabilities, as in torch.
  const bool prob = input->sizes() == target->sizes();
  if (is_reduced_float(input->dtype()))
    return to_dtype(cross_entropy(widen_reduced(input), prob ? widen_reduced(target) : target, widen_reduced(weight),
                                  reduction, ignore_index, label_smoothing),
                    prob ? promote_types(input->dtype(), target->dtype()) : input->dtype());
  ClassLayout L;
  ScalarType dt = input->dtype();
  if (prob) {
    PYNN_CHECK(is_floating(target->dtype()), op, "Expected floating point type for target with class probabilities, got ",
               type_title(target->dtype()));
    PYNN_CHECK(ignore_index < 0, op, "ignore_index is not supported for floating point target");
    dt = promote_types(dt, target->dtype());
    L.class_dim = input->dim() == 1 ? 0 : 1;
    L.g = row_geom(input->sizes(), L.class_dim);
    for (int d = 0; d < input->dim(); ++d)
      if (d != L.class_dim) L.row_shape.push_back(input->size(d));
  } else {
    L = class_layout(op, input, target);
    check_class_target_dtype(op, target);
  }
  check_weight(op, weight, L.g.size);
  check_not_differentiable(op, "nll_loss_forward", "weight", weight);
  Tensor x = contiguous_untracked(input, dt), w = contiguous_untracked(weight, dt);
  Tensor t = prob ? contiguous_untracked(target, dt) : contiguous_untracked(target);
  const LossOutputs o = loss_outputs(r, L.row_shape, dt, dev);
  Tensor lse = empty(Dims{L.g.rows()}, dt, dev);
  const ClassLoss c{L.g, ignore_index, label_smoothing};
  (prob ? cross_entropy_prob_kernel : cross_entropy_kernel)(dev, o, lse, x, t, w, c);
  Tensor out = reduced_loss(o);
  if (autograd::needs_grad({&input, prob ? &target : nullptr}))
    autograd::record_cross_entropy(input, target, weight, lse, r, ignore_index, label_smoothing, o.total_weight, prob,
                                   out);
  return out;
}

Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              const Tensor& lse, const CrossEntropyArgs& args) {
  const Device dev = same_device("cross_entropy_backward", grad, input, target, weight, lse, args.total_weight);
  const int class_dim = input->dim() == 1 ? 0 : 1;
  const ScalarType dt = args.prob ? promote_types(input->dtype(), target->dtype()) : input->dtype();
  const RowGeom g = row_geom(input->sizes(), class_dim);
  const ClassLoss c{g, args.ignore_index, args.label_smoothing};
  if (autograd::needs_grad({&grad, &input, args.prob ? &target : nullptr})) {
    // grad_x = G * (softmax(x) * a - b), in ops so that it can be differentiated again.
    Tensor G = row_grad_ops(grad, args.reduction, args.total_weight, class_dim);
    Tensor p = softmax(to_dtype(input, dt), class_dim);
    Tensor a, b;
    if (args.prob) {
      const double C = static_cast<double>(g.size);
      b = add(mul(target, 1.0 - args.label_smoothing), num(args.label_smoothing / C));
      if (weight) {
        Dims ws(input->dim(), int64_t(1));
        ws[class_dim] = g.size;
        b = mul(b, reshape(to_dtype(weight, dt), ws.vec()));
      }
      a = sum(b, {class_dim}, true);
    } else {
      Dims as = input->sizes();
      as[class_dim] = 1;
      a = empty(as, dt, dev);
      b = empty(input->sizes(), dt, dev);
      cross_entropy_coefficients_kernel(dev, a, b, contiguous_untracked(target), contiguous_untracked(weight, dt), c);
    }
    return mul(G, sub(mul(p, a), b));
  }
  Tensor gx = empty(input->sizes(), dt, dev);
  const RowGrad rg = row_grad(grad, args.reduction, args.total_weight, dt);
  Tensor x = contiguous_untracked(input, dt), w = contiguous_untracked(weight, dt);
  if (args.prob) cross_entropy_prob_backward_kernel(dev, gx, rg, x, lse, contiguous_untracked(target, dt), w, c);
  else cross_entropy_backward_kernel(dev, gx, rg, x, lse, contiguous_untracked(target), w, c);
  return gx;
}

// ---------------------------------------------------------------------------------------------------------
// Binary cross entropy

namespace {

std::string torch_size(const Dims& d) {
  std::string s = "torch.Size([";
  for (int i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "])";
}

// A weight broadcast to the input's shape (torch expands it; a bigger broadcast is an error).
Tensor expanded_weight(const char* op, const Tensor& w, const Tensor& input, ScalarType dt) {
  if (!w) return nullptr;
  const Dims b = broadcast_shapes(input->sizes(), w->sizes(), op);
  PYNN_CHECK(b == input->sizes(), op, "output with shape ", input->sizes().str(),
             " doesn't match the broadcast shape ", b.str());
  return autograd::untracked([&] { return expand_to(to_dtype(w, dt), input->sizes()); });
}

Tensor reduce_elementwise(Reduction r, const Tensor& loss) {
  if (r == Reduction::None) return loss;
  return autograd::untracked([&] { return r == Reduction::Sum ? sum(loss) : mean(loss); });
}

// The elementwise iterator over (out, a, b) and the optional fourth operand c.
TensorIter loss_iter(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c) {
  return c ? TensorIter({out.get(), a.get(), b.get(), c.get()}) : TensorIter({out.get(), a.get(), b.get()});
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction) {
  const char* op = "binary_cross_entropy";
  const Reduction r = check_loss_args(op, input, target, reduction);
  const Device dev = same_device(op, input, target, weight);
  PYNN_CHECK_VALUE(input->sizes() == target->sizes(), op, "Using a target size (", torch_size(target->sizes()),
                   ") that is different to the input size (", torch_size(input->sizes()),
                   ") is deprecated. Please ensure they have the same size.");
  require_float(op, input);
  PYNN_CHECK(target->dtype() == input->dtype(), op, "Found dtype ", type_title(target->dtype()), " but expected ",
             type_title(input->dtype()));
  check_not_differentiable(op, op, "weight", weight);
  const ScalarType dt = input->dtype();
  Tensor w = expanded_weight(op, weight, input, dt);
  Tensor loss = empty(input->sizes(), dt, dev);
  binary_cross_entropy_kernel(dev, loss_iter(loss, input, target, w), dt, static_cast<bool>(w));
  Tensor out = reduce_elementwise(r, loss);
  if (autograd::needs_grad(input, target)) autograd::record_binary_cross_entropy(input, target, weight, r, out);
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  const Reduction r = check_loss_args(op, input, target, reduction);
  const Device dev = same_device(op, input, target, weight, pos_weight);
  if (is_reduced_float(input->dtype()))
    return to_dtype(binary_cross_entropy_with_logits(widen_reduced(input), widen_reduced(target), widen_reduced(weight),
                                                     widen_reduced(pos_weight), reduction),
                    promote_types(input->dtype(), target->dtype()));
  PYNN_CHECK_VALUE(input->sizes() == target->sizes(), op, "Target size (", torch_size(target->sizes()),
                   ") must be the same as input size (", torch_size(input->sizes()), ")");
  require_float(op, input);
  require_float(op, target);
  check_not_differentiable(op, op, "weight", weight);
  check_not_differentiable(op, op, "pos_weight", pos_weight);
  const ScalarType dt = promote_types(input->dtype(), target->dtype());
  Tensor x = input->dtype() == dt ? input : contiguous_untracked(input, dt);
  Tensor t = target->dtype() == dt ? target : contiguous_untracked(target, dt);
  Tensor pw = expanded_weight(op, pos_weight, input, dt);
  Tensor loss = empty(input->sizes(), dt, dev);
  binary_cross_entropy_with_logits_kernel(dev, loss_iter(loss, x, t, pw), dt, static_cast<bool>(pw));
  if (weight) autograd::untracked([&] { binary_(BinaryOp::Mul, loss, expanded_weight(op, weight, input, dt)); });
  Tensor out = reduce_elementwise(r, loss);
  if (autograd::needs_grad(input, target))
    autograd::record_binary_cross_entropy_with_logits(input, target, weight, pos_weight, r, out);
  // torch's loss is (1 - target).mul_(input)...: in place on a tensor of target's dtype, so it has that dtype.
  return to_dtype(out, target->dtype());
}

}  // namespace pynn
