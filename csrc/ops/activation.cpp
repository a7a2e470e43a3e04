// Activations and prelu: fused value and derivative kernels (kernels/activation.h), with the derivative also
// written in differentiable ops for double backward.
#include <cmath>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/nn.h"
#include "ops/nn_common.h"

namespace pynn {
using namespace autograd::fn;

PYNN_DEFINE_KERNEL(activation_kernel, "activation");
PYNN_DEFINE_KERNEL(activation_backward_kernel, "activation_backward");
PYNN_DEFINE_KERNEL(prelu_kernel, "prelu");

namespace {

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
      const EluParams& e = p.elu;
      Tensor neg = mul(unary(UnaryOp::Exp, mul(x, e.input_scale)), e.scale * e.alpha * e.input_scale);
      return where(gt(x, 0), num(e.scale), neg);
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
      Tensor bx = mul(x, p.softplus.beta);
      return where(gt(bx, p.softplus.threshold), num(1), unary(UnaryOp::Sigmoid, bx));
    }
    case Activation::LeakyRelu: {
      const double slope = p.leaky_relu.negative_slope;
      return add(mul(mask_as(gt(x, 0), x), 1.0 - slope), num(slope));
    }
    case Activation::Hardtanh: {
      const HardtanhParams& h = p.hardtanh;
      return mask_as(binary(BinaryOp::LogicalAnd, gt(x, h.min_val), binary(BinaryOp::Lt, x, num(h.max_val))), x);
    }
    case Activation::NumOps: break;
  }
  throw std::logic_error("unknown activation");
}

}  // namespace

Tensor activation(Activation act, const Tensor& x, const ActParams& p) {
  const char* name = activation_name(act);
  require_defined(name, x);
  require_float(name, x);
  if (is_reduced_float(x->dtype())) return to_dtype(activation(act, widen_reduced(x), p), x->dtype());
  const Device dev = x->device();
  Tensor out = empty(x->sizes(), x->dtype(), dev);
  activation_kernel.at(dev, name)(act, p, TensorIter({out.get(), x.get()}), x->dtype());
  if (autograd::needs_grad(x)) autograd::record_activation(act, p, x, out);
  return out;
}

Tensor activation_backward(Activation act, const Tensor& grad, const Tensor& x, const ActParams& p) {
  const char* name = activation_name(act);
  const Device dev = same_device(name, grad, x);
  if (autograd::needs_grad(grad, x)) return mul(grad, activation_derivative(act, x, p));
  Tensor g = grad->dtype() == x->dtype() ? grad : contiguous_untracked(grad, x->dtype());
  Tensor gx = empty(x->sizes(), x->dtype(), dev);
  activation_backward_kernel.at(dev, name)(act, p, TensorIter({gx.get(), g.get(), x.get()}), x->dtype());
  return gx;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  PYNN_CHECK(approximate == "none" || approximate == "tanh", "gelu",
             "approximate argument must be either none or tanh.");
  return activation(approximate == "tanh" ? Activation::GeluTanh : Activation::Gelu, x, {});
}

Tensor elu(const Tensor& x, double alpha, double scale, double input_scale) {
  return activation(Activation::Elu, x, EluParams{alpha, scale, input_scale});
}

Tensor silu(const Tensor& x) { return activation(Activation::Silu, x, {}); }
Tensor mish(const Tensor& x) { return activation(Activation::Mish, x, {}); }

Tensor softplus(const Tensor& x, double beta, double threshold) {
  return activation(Activation::Softplus, x, SoftplusParams{beta, threshold});
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return activation(Activation::LeakyRelu, x, LeakyReluParams{negative_slope});
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  require_defined("hardtanh", x);
  PYNN_CHECK(min_val <= max_val, "hardtanh", "min_val cannot be greater than max_val");
  // Integer tensors have no gradient, so clamp gives the same values.
  if (is_integral(x->dtype(), false))
    return clamp(x, Scalar(static_cast<int64_t>(min_val)), Scalar(static_cast<int64_t>(max_val)));
  return activation(Activation::Hardtanh, x, HardtanhParams{min_val, max_val});
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  require_defined("prelu", x);
  require_defined("prelu", weight, "weight");
  const Device dev = same_device("prelu", x, weight);
  if (is_reduced_float(x->dtype())) return to_dtype(prelu(widen_reduced(x), widen_reduced(weight)), x->dtype());
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
  Tensor out = empty(x->sizes(), x->dtype(), dev);
  prelu_kernel(dev, TensorIter({out.get(), x.get(), wb.get()}), x->dtype());
  if (autograd::needs_grad(x, weight)) autograd::record_prelu(x, weight, out);
  return out;
}

}  // namespace pynn
