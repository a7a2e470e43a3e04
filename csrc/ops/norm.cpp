// The normalization ops (kernels/norm.h): check -> lay out contiguous in the input's dtype -> one fused kernel
// -> record. Backward ops run their kernel without a graph and the formula in differentiable ops with one;
// that path recomputes the statistics from the input so that they are differentiated too.
#include "ops/norm.h"

#include <limits>

#include "autograd/functions.h"
#include "autograd/functions_common.h"
#include "kernels/norm.h"
#include "ops/common.h"
#include "ops/nn_common.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pynn {
using namespace autograd::fn;

PYNN_DEFINE_KERNEL(batch_norm_kernel, "batch_norm");
PYNN_DEFINE_KERNEL(batch_norm_backward_kernel, "batch_norm_backward");
PYNN_DEFINE_KERNEL(row_norm_kernel, "layer_norm");
PYNN_DEFINE_KERNEL(row_norm_backward_kernel, "layer_norm_backward");
PYNN_DEFINE_KERNEL(group_norm_kernel, "group_norm");
PYNN_DEFINE_KERNEL(group_norm_backward_kernel, "group_norm_backward");

namespace {

// A per-channel operand must hold C elements: torch's "running_mean should contain 3 elements not 4".
void check_channels(const char* op, const char* what, const Tensor& t, int64_t C) {
  if (!t) return;
  PYNN_CHECK(t->numel() == C, op, what, " should contain ", C, " elements not ", t->numel());
}

// The [N, C, inner] view of an (N, C, *) input.
ChannelGeom channel_geom(const Tensor& x) {
  ChannelGeom g;
  g.outer = x->size(0);
  g.channels = x->size(1);
  for (int d = 2; d < x->dim(); ++d) g.inner *= x->size(d);
  return g;
}

// A backward kernel's operands: contiguous in the input's dtype, outputs allocated per mask (params elements
// for the affine gradients).
void set_operands(NormBackwardOperands& a, const Tensor& grad, const Tensor& input, const Tensor& weight,
                  const Tensor& mean, const Tensor& rstd, int64_t params, Device dev, NormGradMask mask) {
  const ScalarType dt = input->dtype();
  if (mask[0]) a.out.input = empty(input->sizes(), dt, dev);
  if (mask[1]) a.out.weight = empty(Dims{params}, dt, dev);
  if (mask[2]) a.out.bias = empty(Dims{params}, dt, dev);
  a.grad = contiguous_untracked(grad, dt);
  a.input = contiguous_untracked(input);
  a.weight = contiguous_untracked(weight, dt);
  a.mean = contiguous_untracked(mean, dt);
  a.rstd = contiguous_untracked(rstd, dt);
}

// Parameter gradients come back in the parameter's own shape and dtype.
Tensor as_param(const Tensor& g, const Tensor& like) {
  if (!g || !like) return g;
  Tensor r = g->sizes() == like->sizes() ? g : reshape(g, like->sizes().vec());
  return r->dtype() == like->dtype() ? r : to_dtype(r, like->dtype());
}
NormGrads param_grads(const NormGradOutputs& o, const Tensor& weight, const Tensor& bias_like) {
  return {o.input, as_param(o.weight, weight), as_param(o.bias, bias_like ? bias_like : weight)};
}

// (x - mean(x)) * rsqrt(var(x) + eps) over `dims` (biased variance), in ops; returns xhat and the rsqrt.
std::pair<Tensor, Tensor> normalized_ops(const Tensor& x, const std::vector<int64_t>& dims, double eps, bool center) {
  Tensor xc = center ? sub(x, mean(x, dims, true)) : x;
  Tensor r = unary(UnaryOp::Rsqrt, add(mean(mul(xc, xc), dims, true), num(eps)));
  return {mul(xc, r), r};
}

// dL/dx of y = xhat * w given dy' = dy * w: r * (dy' - mean(dy') - xhat * mean(dy' * xhat)) over dims.
Tensor normalized_input_grad(const Tensor& dyw, const Tensor& xhat, const Tensor& r, const std::vector<int64_t>& dims,
                             bool center) {
  Tensor t = sub(dyw, mul(xhat, mean(mul(dyw, xhat), dims, true)));
  if (center) t = sub(t, mean(dyw, dims, true));
  return mul(t, r);
}

// The per-channel affine gradients (batch and group norm) in ops: stat is [1, C, 1, ...].
void channel_param_grads(NormGrads& out, const Tensor& grad, const Tensor& xhat, const Dims& stat,
                         const Tensor& weight, NormGradMask mask) {
  if (mask[1]) out.weight = as_param(autograd::sum_to(mul(grad, xhat), stat), weight);
  if (mask[2]) out.bias = reshape(autograd::sum_to(grad, stat), {stat[1]});
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// batch norm

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  require_defined(op, input);
  const Device dev = same_device(op, input, running_mean, running_var, weight, bias);
  require_float(op, input);
  PYNN_CHECK_VALUE(input->dim() >= 2, op, "Expected 2D or more input (got ", input->dim(), "D input)");
  const ChannelGeom g = channel_geom(input);
  const int64_t C = g.channels;
  check_channels(op, "running_mean", running_mean, C);
  check_channels(op, "running_var", running_var, C);
  check_channels(op, "weight", weight, C);
  check_channels(op, "bias", bias, C);
  if (!training) {
    PYNN_CHECK(running_mean, op, "running_mean must be defined in evaluation mode");
    PYNN_CHECK(running_var, op, "running_var must be defined in evaluation mode");
  } else {
    PYNN_CHECK_VALUE(g.per_channel() > 1, op, "Expected more than 1 value per channel when training, got input size ",
                     input->sizes().str());
  }
  if (is_reduced_float(input->dtype())) {
    // Normalised in float32; 16-bit running statistics receive their float32 update rounded.
    const Tensor mean32 = widen_reduced(running_mean), var32 = widen_reduced(running_var);
    Tensor out = batch_norm(widen_reduced(input), mean32, var32, widen_reduced(weight), widen_reduced(bias), training,
                            momentum, eps);
    if (training)
      for (auto [given, used] : {std::pair{running_mean, mean32}, std::pair{running_var, var32}})
        if (given && used != given) autograd::untracked([&] { copy_(given, used); });
    return to_dtype(out, input->dtype());
  }
  const ScalarType dt = input->dtype();
  BatchNormArgs a;
  a.input = contiguous_untracked(input);
  a.weight = contiguous_untracked(weight, dt);
  a.bias = contiguous_untracked(bias, dt);
  a.running_mean = contiguous_untracked(running_mean, dt);
  a.running_var = contiguous_untracked(running_var, dt);
  a.out = empty(input->sizes(), dt, dev);
  a.save_mean = empty(Dims{C}, dt, dev);
  a.save_invstd = empty(Dims{C}, dt, dev);
  a.g = g;
  a.training = training;
  a.momentum = momentum;
  a.eps = eps;
  batch_norm_kernel(dev, a);
  if (training) {
    // The running statistics are updated in place: through a copy when they were not kernel-ready.
    for (auto [given, used] : {std::pair{running_mean, a.running_mean}, std::pair{running_var, a.running_var}}) {
      if (!given) continue;
      if (used != given) autograd::untracked([&] { copy_(given, used); });
      else given->bump_version();
    }
  }
  if (autograd::needs_grad({&input, &weight, &bias}))
    autograd::record_batch_norm(input, weight, bias, a.save_mean, a.save_invstd, training, eps, a.out);
  return a.out;
}

NormGrads batch_norm_backward(const Tensor& grad, const Tensor& input, const Tensor& weight, const Tensor& mean,
                              const Tensor& invstd, bool training, double eps, NormGradMask mask) {
  const char* op = "batch_norm_backward";
  const Device dev = same_device(op, grad, input, weight, mean, invstd);
  const ChannelGeom g = channel_geom(input);
  if (autograd::needs_grad({&grad, &input, &weight})) {
    std::vector<int64_t> dims{0};
    std::vector<int64_t> stat(input->dim(), 1);
    stat[1] = g.channels;
    for (int d = 2; d < input->dim(); ++d) dims.push_back(d);
    Tensor xhat, r;
    if (training) {
      std::tie(xhat, r) = normalized_ops(input, dims, eps, true);
    } else {
      r = reshape(invstd, stat);
      xhat = mul(sub(input, reshape(mean, stat)), r);
    }
    NormGrads out;
    const Dims stat_dims(stat);
    if (mask[0]) {
      Tensor k = weight ? reshape(weight, stat) : nullptr;
      if (training) out.input = normalized_input_grad(k ? mul(grad, k) : grad, xhat, r, dims, true);
      else out.input = mul(grad, k ? mul(k, r) : r);
    }
    channel_param_grads(out, grad, xhat, stat_dims, weight, mask);
    return out;
  }
  BatchNormBackwardArgs a;
  set_operands(a, grad, input, weight, mean, invstd, g.channels, dev, mask);
  a.g = g;
  a.training = training;
  batch_norm_backward_kernel(dev, a);
  return param_grads(a.out, weight, nullptr);
}

// ---------------------------------------------------------------------------------------------------------
// layer norm and RMS norm

namespace {

// Checks normalized_shape against input's trailing dims and the affine parameters against it; returns the
// number of elements per row.
int64_t check_normalized_shape(const char* op, const Tensor& input, const std::vector<int64_t>& shape,
                               const Tensor& weight, const Tensor& bias, bool rms) {
  const Dims ns(shape);
  const int k = ns.size(), nd = input->dim();
  PYNN_CHECK(k >= 1, op, "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
             "element, but got normalized_shape = ", ns.str());
  bool match = nd >= k;
  for (int i = 0; match && i < k; ++i) match = input->size(nd - k + i) == ns[i];
  // torch's two ops word this differently ("[*, 4]" and "[*4]").
  std::string tail = ns.str().substr(1);
  PYNN_CHECK(match, op, "Given normalized_shape=", ns.str(), ", expected input with shape [*", rms ? "" : ", ", tail,
             ", but got input of size", input->sizes().str());
  for (auto [what, t] : {std::pair{"weight", weight}, std::pair{"bias", bias}}) {
    if (!t) continue;
    PYNN_CHECK(t->sizes() == ns, op, "Expected ", what, " to be of same shape as normalized_shape, but got ", what,
               " of shape ", t->sizes().str(), " and normalized_shape = ", ns.str());
  }
  return ns.prod();
}

Tensor row_norm(const char* op, const Tensor& input, const std::vector<int64_t>& normalized_shape,
                const Tensor& weight, const Tensor& bias, double eps, bool rms) {
  require_defined(op, input);
  const Device dev = same_device(op, input, weight, bias);
  require_float(op, input);
  const int64_t size = check_normalized_shape(op, input, normalized_shape, weight, bias, rms);
  const ScalarType dt = input->dtype();
  if (is_reduced_float(dt))
    return to_dtype(row_norm(op, widen_reduced(input), normalized_shape, widen_reduced(weight), widen_reduced(bias), eps,
                             rms),
                    dt);
  RowNormArgs a;
  a.input = contiguous_untracked(input);
  a.weight = contiguous_untracked(weight, dt);
  a.bias = contiguous_untracked(bias, dt);
  a.size = size;
  a.rows = size == 0 ? 0 : input->numel() / size;
  Dims stat_shape;
  for (int d = 0; d < input->dim() - static_cast<int>(normalized_shape.size()); ++d) stat_shape.push_back(input->size(d));
  for (size_t i = 0; i < normalized_shape.size(); ++i) stat_shape.push_back(1);
  a.out = empty(input->sizes(), dt, dev);
  if (!rms) a.mean = empty(stat_shape, dt, dev);
  a.rstd = empty(stat_shape, dt, dev);
  a.eps = eps;
  a.rms = rms;
  row_norm_kernel.at(dev, op)(a);
  if (autograd::needs_grad({&input, &weight, &bias}))
    autograd::record_row_norm(input, static_cast<int>(normalized_shape.size()), weight, bias, a.mean, a.rstd, eps, rms,
                              a.out);
  return a.out;
}

}  // namespace

Tensor layer_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  return row_norm("layer_norm", input, normalized_shape, weight, bias, eps, false);
}

Tensor rms_norm(const Tensor& input, const std::vector<int64_t>& normalized_shape, const Tensor& weight,
                std::optional<double> eps) {
  double e = 0;
  if (eps) e = *eps;
  else if (input && input->dtype() == ScalarType::Float64) e = std::numeric_limits<double>::epsilon();
  else e = std::numeric_limits<float>::epsilon();
  return row_norm("rms_norm", input, normalized_shape, weight, nullptr, e, true);
}

NormGrads row_norm_backward(const Tensor& grad, const Tensor& input, int normalized_ndim, const Tensor& weight,
                            const Tensor& mean, const Tensor& rstd, double eps, bool rms, NormGradMask mask) {
  const char* op = rms ? "rms_norm_backward" : "layer_norm_backward";
  const Device dev = same_device(op, grad, input, weight, mean, rstd);
  const int nd = input->dim();
  Dims param_shape;
  for (int d = nd - normalized_ndim; d < nd; ++d) param_shape.push_back(input->size(d));
  if (autograd::needs_grad({&grad, &input, &weight})) {
    std::vector<int64_t> dims;
    for (int d = nd - normalized_ndim; d < nd; ++d) dims.push_back(d);
    auto [xhat, r] = normalized_ops(input, dims, eps, !rms);
    NormGrads out;
    if (mask[0]) out.input = normalized_input_grad(weight ? mul(grad, weight) : grad, xhat, r, dims, !rms);
    if (mask[1]) out.weight = as_param(autograd::sum_to(mul(grad, xhat), param_shape), weight);
    if (mask[2]) out.bias = autograd::sum_to(grad, param_shape);
    return out;
  }
  RowNormBackwardArgs a;
  a.size = param_shape.prod();
  a.rows = a.size == 0 ? 0 : input->numel() / a.size;
  set_operands(a, grad, input, weight, mean, rstd, a.size, dev, mask);
  a.rms = rms;
  row_norm_backward_kernel.at(dev, op)(a);
  NormGrads out = param_grads(a.out, weight, nullptr);
  if (out.bias && !weight) out.bias = reshape(out.bias, param_shape.vec());
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// group norm

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "group_norm";
  require_defined(op, input);
  const Device dev = same_device(op, input, weight, bias);
  require_float(op, input);
  PYNN_CHECK(input->dim() >= 2, op, "Expected at least 2 dimensions for input tensor but received ", input->dim());
  const ChannelGeom g = channel_geom(input);
  const int64_t C = g.channels;
  PYNN_CHECK(num_groups > 0 && C % num_groups == 0, op,
             "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
             input->sizes().str(), " and num_groups=", num_groups);
  for (auto [what, t] : {std::pair{"weight", weight}, std::pair{"bias", bias}}) {
    if (!t) continue;
    PYNN_CHECK(t->dim() == 1 && t->numel() == C, op, "Expected ", what,
               " to be a vector of size equal to the number of channels in input, but got ", what, " of shape ",
               t->sizes().str(), " and input of shape ", input->sizes().str());
  }
  if (is_reduced_float(input->dtype()))
    return to_dtype(group_norm(widen_reduced(input), num_groups, widen_reduced(weight), widen_reduced(bias), eps),
                    input->dtype());
  const ScalarType dt = input->dtype();
  GroupNormArgs a;
  a.input = contiguous_untracked(input);
  a.weight = contiguous_untracked(weight, dt);
  a.bias = contiguous_untracked(bias, dt);
  a.out = empty(input->sizes(), dt, dev);
  a.mean = empty(Dims{g.outer, num_groups}, dt, dev);
  a.rstd = empty(Dims{g.outer, num_groups}, dt, dev);
  a.g = g;
  a.groups = num_groups;
  a.eps = eps;
  group_norm_kernel(dev, a);
  if (autograd::needs_grad({&input, &weight, &bias}))
    autograd::record_group_norm(input, num_groups, weight, bias, a.mean, a.rstd, eps, a.out);
  return a.out;
}

NormGrads group_norm_backward(const Tensor& grad, const Tensor& input, int64_t num_groups, const Tensor& weight,
                              const Tensor& mean, const Tensor& rstd, double eps, NormGradMask mask) {
  const char* op = "group_norm_backward";
  const Device dev = same_device(op, grad, input, weight, mean, rstd);
  const ChannelGeom g = channel_geom(input);
  if (autograd::needs_grad({&grad, &input, &weight})) {
    std::vector<int64_t> stat(input->dim(), 1);
    stat[1] = g.channels;
    const std::vector<int64_t> grouped{g.outer, num_groups, g.inner * (g.channels / num_groups)};
    const std::vector<int64_t> shape = input->sizes().vec();
    auto [xhat_g, r] = normalized_ops(reshape(input, grouped), {2}, eps, true);
    Tensor xhat = reshape(xhat_g, shape);
    NormGrads out;
    if (mask[0]) {
      Tensor dyw = weight ? mul(grad, reshape(weight, stat)) : grad;
      out.input = reshape(normalized_input_grad(reshape(dyw, grouped), xhat_g, r, {2}, true), shape);
    }
    channel_param_grads(out, grad, xhat, Dims(stat), weight, mask);
    return out;
  }
  GroupNormBackwardArgs a;
  set_operands(a, grad, input, weight, mean, rstd, g.channels, dev, mask);
  a.g = g;
  a.groups = num_groups;
  group_norm_backward_kernel(dev, a);
  return param_grads(a.out, weight, nullptr);
}

}  // namespace pynn
