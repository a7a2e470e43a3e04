#include "ops/nn.h"

#include <cmath>
#include <mutex>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "autograd/grad_mode.h"
#include "core/iterator.h"
#include "core/random.h"
#include "core/shape.h"
#include "cpu/nn.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {
using namespace autograd::fn;

namespace {

void require_float(const char* op, const Tensor& x) {
  PYNN_CHECK_TYPE(is_floating(x->dtype()), op, "not implemented for dtype ", dtype_name(x->dtype()));
}

// Kernel operands: contiguous and of dtype `dt`, made without recording anything in the graph.
Tensor dense(const Tensor& x, ScalarType dt) {
  if (x->is_contiguous() && x->dtype() == dt) return x;
  autograd::GradModeGuard no_grad(false);
  return contiguous(to_dtype(x, dt));
}
Tensor dense(const Tensor& x) { return dense(x, x->dtype()); }
Tensor opt_dense(const Tensor& x, ScalarType dt) { return x ? dense(x, dt) : nullptr; }

cpu::RowGeom row_geom(const Dims& sizes, int dim) {
  cpu::RowGeom g;
  for (int d = 0; d < sizes.size(); ++d) {
    if (d < dim) g.outer *= sizes[d];
    else if (d == dim) g.size = sizes[d];
    else g.inner *= sizes[d];
  }
  return g;
}

// ---------------------------------------------------------------------------------------------------------
// f'(x) written in differentiable ops, for gradients that must themselves be differentiated.
Tensor activation_derivative(Activation act, const Tensor& x, const ActParams& p) {
  auto gt = [&](const Tensor& a, double v) { return binary(BinaryOp::Gt, a, num(v)); };
  switch (act) {
    case Activation::Gelu: {
      Tensor cdf = mul(add(unary(UnaryOp::Erf, mul(x, M_SQRT1_2)), num(1)), 0.5);
      Tensor pdf = mul(unary(UnaryOp::Exp, mul(mul(x, x), -0.5)), 0.39894228040143267794);
      return add(cdf, mul(x, pdf));
    }
    case Activation::GeluTanh: {
      const double k = 0.79788456080286535588, c = 0.044715;
      Tensor x2 = mul(x, x);
      Tensor t = unary(UnaryOp::Tanh, mul(add(x, mul(mul(x2, x), c)), k));
      Tensor dinner = mul(add(mul(x2, 3 * c), num(1)), k);
      return add(mul(add(t, num(1)), 0.5), mul(mul(mul(x, 0.5), sub(num(1), mul(t, t))), dinner));
    }
    case Activation::Elu: {
      Tensor neg = mul(unary(UnaryOp::Exp, mul(x, p.c)), p.b * p.a * p.c);
      return where(gt(x, 0), num(p.b), neg);
    }
    case Activation::Silu: {
      Tensor s = unary(UnaryOp::Sigmoid, x);
      return mul(s, add(mul(x, sub(num(1), s)), num(1)));
    }
    case Activation::Mish: {
      Tensor t = unary(UnaryOp::Tanh, softplus(x, 1.0, 20.0));
      return add(t, mul(mul(x, unary(UnaryOp::Sigmoid, x)), sub(num(1), mul(t, t))));
    }
    case Activation::Softplus: {
      Tensor bx = mul(x, p.a);
      return where(gt(bx, p.b), num(1), unary(UnaryOp::Sigmoid, bx));
    }
    case Activation::LeakyRelu:
      return add(mul(mask_as(gt(x, 0), x), 1.0 - p.a), num(p.a));
    case Activation::Hardtanh:
      return mask_as(binary(BinaryOp::LogicalAnd, gt(x, p.a), binary(BinaryOp::Lt, x, num(p.b))), x);
  }
  throw std::logic_error("unknown activation");
}

}  // namespace

const char* activation_name(Activation act) {
  static const char* names[] = {"gelu", "gelu", "elu", "silu", "mish", "softplus", "leaky_relu", "hardtanh"};
  return names[static_cast<int>(act)];
}

Reduction reduction_from_int(int64_t r, const char* op) {
  PYNN_CHECK_VALUE(r >= 0 && r <= 2, op, r, " is not a valid value for reduction");
  return static_cast<Reduction>(r);
}

// The checks every loss entry starts with; returns the validated reduction.
Reduction check_loss_args(const char* op, const Tensor& input, const Tensor& target, int64_t reduction) {
  require_defined(op, input);
  require_defined(op, target, "target");
  require_cpu(op, input);
  require_cpu(op, target);
  return reduction_from_int(reduction, op);
}

// ---------------------------------------------------------------------------------------------------------
// Activations

Tensor activation(Activation act, const Tensor& x, const ActParams& p) {
  const char* name = activation_name(act);
  require_defined(name, x);
  require_cpu(name, x);
  require_float(name, x);
  Tensor out = empty(x->sizes(), x->dtype());
  cpu::activation_kernel(act, p, TensorIter({out.get(), x.get()}), x->dtype());
  if (autograd::needs_grad(x)) autograd::record_activation(act, p, x, out);
  return out;
}

Tensor activation_backward(Activation act, const Tensor& grad, const Tensor& x, const ActParams& p) {
  if (autograd::needs_grad(grad, x)) return mul(grad, activation_derivative(act, x, p));
  Tensor g = grad->dtype() == x->dtype() ? grad : dense(grad, x->dtype());
  Tensor gx = empty(x->sizes(), x->dtype());
  cpu::activation_backward_kernel(act, p, TensorIter({gx.get(), g.get(), x.get()}), x->dtype());
  return gx;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  PYNN_CHECK(approximate == "none" || approximate == "tanh", "gelu",
             "approximate argument must be either none or tanh.");
  return activation(approximate == "tanh" ? Activation::GeluTanh : Activation::Gelu, x, {});
}

Tensor elu(const Tensor& x, double alpha, double scale, double input_scale) {
  return activation(Activation::Elu, x, {alpha, scale, input_scale});
}

Tensor silu(const Tensor& x) { return activation(Activation::Silu, x, {}); }
Tensor mish(const Tensor& x) { return activation(Activation::Mish, x, {}); }

Tensor softplus(const Tensor& x, double beta, double threshold) {
  return activation(Activation::Softplus, x, {beta, threshold, 0});
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return activation(Activation::LeakyRelu, x, {negative_slope, 0, 0});
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  require_defined("hardtanh", x);
  PYNN_CHECK(min_val <= max_val, "hardtanh", "min_val cannot be greater than max_val");
  // Integer tensors have no gradient, so clamp gives the same values.
  if (is_integral(x->dtype(), false))
    return clamp(x, Scalar(static_cast<int64_t>(min_val)), Scalar(static_cast<int64_t>(max_val)));
  return activation(Activation::Hardtanh, x, {min_val, max_val, 0});
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  require_defined("prelu", x);
  require_defined("prelu", weight, "weight");
  require_cpu("prelu", x);
  require_cpu("prelu", weight);
  PYNN_CHECK(weight->dim() <= 1, "prelu", "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = ",
             weight->dim());
  const int64_t channels = x->dim() >= 2 ? x->size(1) : 1;
  const int64_t wn = weight->numel();
  PYNN_CHECK(wn == 1 || wn == channels, "prelu",
             "Mismatch of parameter numbers and input channel size. Found parameter numbers = ", wn,
             " and channel size = ", channels, ".");
  require_float("prelu", x);
  require_float("prelu", weight);
  PYNN_CHECK(x->dtype() == weight->dtype(), "prelu", "expected weight of dtype ", dtype_name(x->dtype()),
             " but got ", dtype_name(weight->dtype()));
  // The weight as a [C, 1, ..., 1] (or 0-dim) view that broadcasts over x.
  Dims ws, wst;
  if (wn > 1) {
    ws.push_back(wn);
    wst.push_back(weight->dim() == 1 ? weight->stride(0) : 1);
    for (int d = 2; d < x->dim(); ++d) {
      ws.push_back(1);
      wst.push_back(0);
    }
  }
  Tensor wb = make_view(weight, ws, wst, weight->offset());
  Tensor out = empty(x->sizes(), x->dtype());
  cpu::prelu_kernel(TensorIter({out.get(), x.get(), wb.get()}), x->dtype());
  if (autograd::needs_grad(x, weight)) autograd::record_prelu(x, weight, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Softmax

namespace {
Tensor softmax_impl(const Tensor& x, int64_t dim, bool is_log) {
  const char* name = is_log ? "log_softmax" : "softmax";
  require_defined(name, x);
  require_cpu(name, x);
  const int d = wrap_dim(dim, x->dim(), name);
  require_float(name, x);
  Tensor in = dense(x);
  Tensor out = empty(x->sizes(), x->dtype());
  cpu::softmax_kernel(out, in, row_geom(x->sizes(), d), is_log);
  if (autograd::needs_grad(x)) autograd::record_softmax(x, out, d, is_log);
  return out;
}
}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, true); }

Tensor softmax_backward_data(const Tensor& grad, const Tensor& out, int64_t dim, bool is_log) {
  const int d = wrap_dim(dim, out->dim(), is_log ? "log_softmax_backward" : "softmax_backward");
  if (autograd::needs_grad(grad, out)) {
    if (is_log) return sub(grad, mul(unary(UnaryOp::Exp, out), sum(grad, {d}, true)));
    return mul(out, sub(grad, sum(mul(grad, out), {d}, true)));
  }
  Tensor g = dense(grad, out->dtype()), o = dense(out);
  Tensor gx = empty(out->sizes(), out->dtype());
  cpu::softmax_backward_kernel(gx, g, o, row_geom(out->sizes(), d), is_log);
  return gx;
}

// ---------------------------------------------------------------------------------------------------------
// Dropout

Tensor dropout(const Tensor& x, double p, bool training) {
  require_defined("dropout", x);
  PYNN_CHECK_VALUE(p >= 0 && p <= 1, "dropout", "dropout probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0) return x;
  require_cpu("dropout", x);
  require_float("dropout", x);
  uint64_t seed;
  {
    Generator& gen = default_generator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    seed = gen.engine()();
  }
  Tensor in = dense(x);
  Tensor out = empty(x->sizes(), x->dtype());
  Tensor mask = empty(x->sizes(), x->dtype());
  cpu::dropout_kernel(out, mask, in, p, seed);
  if (autograd::needs_grad(x)) autograd::record_dropout(x, mask, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Class-index losses

namespace {

struct ClassLayout {
  cpu::RowGeom g;  // input as [N, C, inner]
  Dims row_shape;  // the loss's shape with reduction='none'
  int class_dim = 1;
};

void check_weight(const char* op, const Tensor& weight, int64_t C) {
  if (!weight) return;
  require_cpu(op, weight);
  PYNN_CHECK(weight->dim() == 1 && weight->numel() == C, op, "weight tensor should be defined either for all ", C,
             " classes or no classes but got weight tensor of shape: ", weight->sizes().str());
}

// Loss weights are constants, as in torch.
void check_not_differentiable(const char* op, const char* fn, const char* arg, const Tensor& t) {
  PYNN_CHECK(!(t && autograd::needs_grad(t)), op, "The function '", fn, "' is not differentiable with respect to argument '",
             arg, "'. This input cannot have requires_grad True.");
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

// The loss for a reduction: the per-row tensor, or a 0-dim sum / mean.
Tensor reduced_loss(Reduction r, const Tensor& per_row, const cpu::LossSums& s, ScalarType dt) {
  if (r == Reduction::None) return per_row;
  return scalar_tensor(Scalar(r == Reduction::Sum ? s.loss : s.loss / s.weight), dt);
}

cpu::RowGrad row_grad(const Tensor& grad, Reduction r, double total_weight, ScalarType dt) {
  cpu::RowGrad rg;
  rg.grad = dense(grad, dt);
  rg.per_row = r == Reduction::None;
  rg.scale = r == Reduction::Mean ? 1.0 / total_weight : 1.0;
  return rg;
}

// The per-row gradient shaped to broadcast against the input: [N, 1, d1, ...] (or as is for 1-D input).
Tensor row_grad_ops(const Tensor& grad, Reduction r, double total_weight, int class_dim) {
  if (r == Reduction::Mean) return div(grad, num(total_weight));
  if (r == Reduction::None && class_dim == 1) return unsqueeze(grad, 1);
  return grad;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index) {
  const char* op = "nll_loss";
  const Reduction r = check_loss_args(op, input, target, reduction);
  ClassLayout L = class_layout(op, input, target);
  check_class_target_dtype(op, target);
  require_float(op, input);
  check_weight(op, weight, L.g.size);
  check_not_differentiable(op, "nll_loss_forward", "weight", weight);
  const ScalarType dt = input->dtype();
  Tensor x = dense(input), t = dense(target), w = opt_dense(weight, dt);
  Tensor per_row = r == Reduction::None ? empty(L.row_shape, dt) : nullptr;
  const cpu::LossSums s = cpu::nll_loss_kernel(per_row, x, t, w, {L.g, ignore_index, 0.0});
  Tensor out = reduced_loss(r, per_row, s, dt);
  if (autograd::needs_grad(input)) autograd::record_nll_loss(input, target, weight, r, ignore_index, s.weight, out);
  return out;
}

Tensor nll_loss_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                         Reduction reduction, int64_t ignore_index, double total_weight) {
  const ScalarType dt = input->dtype();
  const ClassLayout L = class_layout("nll_loss_backward", input, target);
  Tensor gx = empty(input->sizes(), dt);
  cpu::nll_loss_backward_kernel(gx, row_grad(grad, reduction, total_weight, dt), dense(target),
                                opt_dense(weight, dt), {L.g, ignore_index, 0.0});
  if (autograd::needs_grad(grad)) autograd::record_nll_loss_backward(grad, target, weight, reduction, ignore_index, gx);
  return gx;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction,
                     int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy";
  const Reduction r = check_loss_args(op, input, target, reduction);
  PYNN_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
             "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  PYNN_CHECK_VALUE(input->dim() >= 1, op, "Expected 1 or more dimensions (got ", input->dim(), ")");
  require_float(op, input);
  // Same shapes mean class probabilities, as in torch.
  const bool prob = input->sizes() == target->sizes();
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
  Tensor x = dense(input, dt), w = opt_dense(weight, dt);
  Tensor t = prob ? dense(target, dt) : dense(target);
  Tensor per_row = r == Reduction::None ? empty(L.row_shape, dt) : nullptr;
  Tensor lse = empty(Dims{L.g.rows()}, dt);
  const cpu::ClassLoss c{L.g, ignore_index, label_smoothing};
  const cpu::LossSums s = prob ? cpu::cross_entropy_prob_kernel(per_row, lse, x, t, w, c)
                               : cpu::cross_entropy_kernel(per_row, lse, x, t, w, c);
  Tensor out = reduced_loss(r, per_row, s, dt);
  if (autograd::needs_grad({&input, prob ? &target : nullptr}))
    autograd::record_cross_entropy(input, target, weight, lse, r, ignore_index, label_smoothing, s.weight, prob, out);
  return out;
}

Tensor cross_entropy_backward(const Tensor& grad, const Tensor& input, const Tensor& target, const Tensor& weight,
                              const Tensor& lse, const CrossEntropyArgs& args) {
  const int class_dim = input->dim() == 1 ? 0 : 1;
  const ScalarType dt = args.prob ? promote_types(input->dtype(), target->dtype()) : input->dtype();
  const cpu::RowGeom g = row_geom(input->sizes(), class_dim);
  const cpu::ClassLoss c{g, args.ignore_index, args.label_smoothing};
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
      a = empty(as, dt);
      b = empty(input->sizes(), dt);
      cpu::cross_entropy_coefficients_kernel(a, b, dense(target), opt_dense(weight, dt), c);
    }
    return mul(G, sub(mul(p, a), b));
  }
  Tensor gx = empty(input->sizes(), dt);
  const cpu::RowGrad rg = row_grad(grad, args.reduction, args.total_weight, dt);
  Tensor x = dense(input, dt), w = opt_dense(weight, dt);
  if (args.prob) cpu::cross_entropy_prob_backward_kernel(gx, rg, x, lse, dense(target, dt), w, c);
  else cpu::cross_entropy_backward_kernel(gx, rg, x, lse, dense(target), w, c);
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
  require_cpu(op, w);
  const Dims b = broadcast_shapes(input->sizes(), w->sizes(), op);
  PYNN_CHECK(b == input->sizes(), op, "output with shape ", input->sizes().str(),
             " doesn't match the broadcast shape ", b.str());
  autograd::GradModeGuard no_grad(false);
  return expand_to(to_dtype(w, dt), input->sizes());
}

Tensor reduce_elementwise(Reduction r, const Tensor& loss) {
  if (r == Reduction::None) return loss;
  autograd::GradModeGuard no_grad(false);
  return r == Reduction::Sum ? sum(loss) : mean(loss);
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t reduction) {
  const char* op = "binary_cross_entropy";
  const Reduction r = check_loss_args(op, input, target, reduction);
  PYNN_CHECK_VALUE(input->sizes() == target->sizes(), op, "Using a target size (", torch_size(target->sizes()),
                   ") that is different to the input size (", torch_size(input->sizes()),
                   ") is deprecated. Please ensure they have the same size.");
  require_float(op, input);
  PYNN_CHECK(target->dtype() == input->dtype(), op, "Found dtype ", type_title(target->dtype()), " but expected ",
             type_title(input->dtype()));
  check_not_differentiable(op, op, "weight", weight);
  const ScalarType dt = input->dtype();
  Tensor w = expanded_weight(op, weight, input, dt);
  Tensor loss = empty(input->sizes(), dt);
  if (w) cpu::binary_cross_entropy_kernel(TensorIter({loss.get(), input.get(), target.get(), w.get()}), dt, true);
  else cpu::binary_cross_entropy_kernel(TensorIter({loss.get(), input.get(), target.get()}), dt, false);
  Tensor out = reduce_elementwise(r, loss);
  if (autograd::needs_grad(input, target)) autograd::record_binary_cross_entropy(input, target, weight, r, out);
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, int64_t reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  const Reduction r = check_loss_args(op, input, target, reduction);
  PYNN_CHECK_VALUE(input->sizes() == target->sizes(), op, "Target size (", torch_size(target->sizes()),
                   ") must be the same as input size (", torch_size(input->sizes()), ")");
  require_float(op, input);
  require_float(op, target);
  check_not_differentiable(op, op, "weight", weight);
  check_not_differentiable(op, op, "pos_weight", pos_weight);
  const ScalarType dt = promote_types(input->dtype(), target->dtype());
  Tensor x = input->dtype() == dt ? input : dense(input, dt);
  Tensor t = target->dtype() == dt ? target : dense(target, dt);
  Tensor pw = expanded_weight(op, pos_weight, input, dt);
  Tensor loss = empty(input->sizes(), dt);
  if (pw) cpu::binary_cross_entropy_with_logits_kernel(TensorIter({loss.get(), x.get(), t.get(), pw.get()}), dt, true);
  else cpu::binary_cross_entropy_with_logits_kernel(TensorIter({loss.get(), x.get(), t.get()}), dt, false);
  if (weight) {
    autograd::GradModeGuard no_grad(false);
    binary_(BinaryOp::Mul, loss, expanded_weight(op, weight, input, dt));
  }
  Tensor out = reduce_elementwise(r, loss);
  if (autograd::needs_grad(input, target))
    autograd::record_binary_cross_entropy_with_logits(input, target, weight, pos_weight, r, out);
  return out;
}

}  // namespace pynn
