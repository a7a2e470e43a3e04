// Convolution ops: check -> resolve padding -> lift 1-d to 2-d (3-d runs as it is) and unbatched to batched (as differentiable views)
// -> allocate -> kernel -> record backward. The backward of a convolution is two ops of this file
// (conv2d_backward_input / _weight), each linear in both operands, so gradients of any order stay in this family;
// conv_transpose2d is the input gradient run forward.
#include "ops/conv.h"

#include <cctype>

#include "autograd/functions.h"
#include "kernels/conv.h"
#include "ops/common.h"
#include "ops/elementwise.h"
#include "ops/nn_common.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(conv2d_kernel, "conv2d");
PYNN_DEFINE_KERNEL(conv2d_backward_input_kernel, "conv2d_backward_input");
PYNN_DEFINE_KERNEL(conv2d_backward_weight_kernel, "conv2d_backward_weight");
PYNN_DEFINE_KERNEL(im2col_kernel, "unfold");
PYNN_DEFINE_KERNEL(col2im_kernel, "fold");
PYNN_DEFINE_KERNEL(depthwise_conv2d_kernel, "conv2d");
PYNN_DEFINE_KERNEL(depthwise_conv2d_backward_input_kernel, "conv2d_backward_input");
PYNN_DEFINE_KERNEL(depthwise_conv2d_backward_weight_kernel, "conv2d_backward_weight");

namespace {

using IntList = std::vector<int64_t>;

std::string ctype(ScalarType t) {  // torch's "Input type (float) and bias type (double)"
  std::string s = type_title(t);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const IntList& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + std::to_string(v[i]);
  return s;
}

// x, w: 4-d or 5-d (a depth in front); out: the output's 2 or 3 spatial sizes.
ConvGeometry geometry(const Dims& x, const Dims& w, const Dims& out, const Conv2dParams& p) {
  ConvGeometry g;
  const int k = x.size(), o = out.size();
  g.n = x[0];
  g.c_in = x[1];
  g.h = x[k - 2];
  g.w = x[k - 1];
  g.c_out = w[0];
  g.kh = w[k - 2];
  g.kw = w[k - 1];
  g.oh = out[o - 2];
  g.ow = out[o - 1];
  if (k == 5) {
    g.d = x[2];
    g.kd = w[2];
    g.od = out[0];
    g.sd = p.sd;
    g.pad_d = p.pad_d;
    g.dd = p.dd;
  }
  g.sh = p.sh;
  g.sw = p.sw;
  g.pad_h = p.pad_h;
  g.pad_w = p.pad_w;
  g.dh = p.dh;
  g.dw = p.dw;
  g.groups = p.groups;
  return g;
}

// The operands of convolution and its gradients describe one consistent geometry; the public ops checked it
// with torch's messages, this guards the kernels against direct callers.
void check_geometry(const char* op, const Dims& x, const Dims& w, const Dims& out, const Conv2dParams& p) {
  PYNN_CHECK((x.size() == 4 || x.size() == 5) && w.size() == x.size() && out.size() == x.size() - 2, op,
             "expected 4-d or 5-d input and weight, got ", x.str(), " and ", w.str());
  PYNN_CHECK(p.groups > 0 && p.sh > 0 && p.sw > 0 && p.dh > 0 && p.dw > 0 && p.pad_h >= 0 && p.pad_w >= 0 &&
                 p.sd > 0 && p.dd > 0 && p.pad_d >= 0,
             op, "invalid convolution parameters");
  bool sizes_ok = true;
  for (int64_t o : out) sizes_ok = sizes_ok && o >= 0;
  PYNN_CHECK(w[0] % p.groups == 0 && w[1] * p.groups == x[1] && sizes_ok, op, "input ", x.str(), " and weight ",
             w.str(), " do not form a convolution with groups=", p.groups);
}

void check_float_operand(const char* op, const Tensor& t, const char* what) {
  require_defined(op, t, what);
  PYNN_CHECK_TYPE(is_floating(t->dtype()), op, "not implemented for dtype ", dtype_name(t->dtype()));
}

// Operand checks every conv op shares: ranks, dtypes, devices. Returns whether input is batched.
bool check_operands(const char* op, int spatial, const Tensor& input, const Tensor& weight, const Tensor& bias) {
  require_defined(op, input);
  require_defined(op, weight, "weight");
  same_device(op, input, weight, bias);
  const int d = input->dim();
  PYNN_CHECK(d == spatial + 1 || d == spatial + 2, op, "Expected ", spatial + 1, "D (unbatched) or ", spatial + 2,
             "D (batched) input to ", op, ", but got input of size: ", input->sizes().str());
  PYNN_CHECK(weight->dim() == spatial + 2, op, "Expected ", spatial + 2, "D weight for ", op,
             ", but got weight of size: ", weight->sizes().str());
  PYNN_CHECK(input->dtype() == weight->dtype(), op, "expected scalar type ", type_title(input->dtype()),
             " but found ", type_title(weight->dtype()));
  PYNN_CHECK_TYPE(input->dtype() != ScalarType::Bool, op, "not implemented for dtype bool");
  if (bias)
    PYNN_CHECK(bias->dtype() == input->dtype(), op, "Input type (", ctype(input->dtype()), ") and bias type (",
               ctype(bias->dtype()), ") should be the same");
  return d == spatial + 2;
}

IntList per_dim(const char* op, const char* name, const IntList& v, int spatial) {
  if (v.size() == 1) return IntList(static_cast<size_t>(spatial), v[0]);
  PYNN_CHECK(static_cast<int>(v.size()) == spatial, op, "expected ", name,
             " to be a single integer value or a list of ", spatial, " values to match the convolution dimensions, "
             "but got ", name, "=", Dims(v).str());
  return v;
}

struct ConvArgs {
  IntList stride, pad_before, pad_after, dilation, output_padding;
  int64_t groups = 1;
};

void check_hyper(const char* op, const ConvArgs& a) {
  for (int64_t s : a.stride) PYNN_CHECK(s > 0, op, "non-positive stride is not supported");
  for (size_t i = 0; i < a.pad_before.size(); ++i)
    PYNN_CHECK(a.pad_before[i] >= 0 && a.pad_after[i] >= 0, op, "negative padding is not supported");
  for (int64_t o : a.output_padding) PYNN_CHECK(o >= 0, op, "negative output_padding is not supported");
  for (int64_t d : a.dilation) PYNN_CHECK(d > 0, op, "non-positive dilation is not supported");
  PYNN_CHECK(a.groups > 0, op, "non-positive groups is not supported");
}

void check_bias(const char* op, const Tensor& bias, const Tensor& weight, int64_t channels, bool transposed) {
  if (!bias) return;
  PYNN_CHECK(bias->dim() == 1 && bias->numel() == channels, op, "Given ", transposed ? "transposed=1, " : "",
             "weight of size ", weight->sizes().str(), ", expected bias to be 1-dimensional with ", channels,
             " elements, but got bias of size ", bias->sizes().str(), " instead");
}

// The 2-d view of a 1-d operand: a unit height in front of the last dim (2-d and 3-d operands run as they are).
Tensor lift(const Tensor& t, int spatial) { return spatial == 1 ? unsqueeze(t, -2) : t; }
// The lifted output's spatial sizes.
Dims lift_sizes(const IntList& out, int spatial) { return spatial == 1 ? Dims{1, out[0]} : Dims(out); }
Conv2dParams kernel_params(const ConvArgs& a, int spatial) {
  Conv2dParams p;
  p.groups = a.groups;
  const int last = spatial - 1;
  p.sw = a.stride[last];
  p.pad_w = a.pad_before[last];
  p.dw = a.dilation[last];
  if (spatial >= 2) {
    p.sh = a.stride[last - 1];
    p.pad_h = a.pad_before[last - 1];
    p.dh = a.dilation[last - 1];
  }
  if (spatial == 3) {
    p.sd = a.stride[0];
    p.pad_d = a.pad_before[0];
    p.dd = a.dilation[0];
  }
  return p;
}
Tensor unlift(const Tensor& out, int spatial, bool batched) {
  Tensor r = spatial == 1 ? squeeze(out, {-2}) : out;
  return batched ? r : squeeze(r, {0});
}

Tensor conv_forward(const char* op, int spatial, const Tensor& input, const Tensor& weight, const Tensor& bias,
                    ConvArgs a) {
  const bool batched = check_operands(op, spatial, input, weight, bias);
  check_hyper(op, a);
  const Tensor x = batched ? input : unsqueeze(input, 0);
  const Dims& xs = x->sizes();
  const Dims& ws = weight->sizes();
  PYNN_CHECK(ws[0] % a.groups == 0, op, "Given groups=", a.groups, ", expected weight to be divisible by ", a.groups,
             " at dimension 0, but got weight of size [", ws.str(), "] instead");
  PYNN_CHECK(xs[1] == ws[1] * a.groups, op, "Given groups=", a.groups, ", weight of size ", ws.str(),
             ", expected input", xs.str(), " to have ", ws[1] * a.groups, " channels, but got ", xs[1],
             " channels instead");
  check_bias(op, bias, weight, ws[0], false);
  IntList padded, kernel, out;
  bool fits = true;
  for (int i = 0; i < spatial; ++i) {
    padded.push_back(xs[2 + i] + a.pad_before[i] + a.pad_after[i]);
    kernel.push_back(a.dilation[i] * (ws[2 + i] - 1) + 1);
    fits = fits && kernel.back() <= padded.back();
    out.push_back(fits ? (padded.back() - kernel.back()) / a.stride[i] + 1 : 0);
  }
  PYNN_CHECK(fits, op, "Calculated padded input size per channel: (", join(padded, " x "), "). Kernel size: (",
             join(kernel, " x "), "). Kernel size can't be greater than actual input size");
  const Tensor r =
      convolution(lift(x, spatial), lift(weight, spatial), bias, kernel_params(a, spatial), lift_sizes(out, spatial));
  return unlift(r, spatial, batched);
}

ConvArgs explicit_args(const char* op, int spatial, const IntList& stride, const IntList& padding,
                       const IntList& dilation, int64_t groups) {
  ConvArgs a;
  a.stride = per_dim(op, "stride", stride, spatial);
  a.pad_before = per_dim(op, "padding", padding, spatial);
  a.pad_after = a.pad_before;
  a.dilation = per_dim(op, "dilation", dilation, spatial);
  a.groups = groups;
  return a;
}

ConvArgs string_args(const char* op, int spatial, const Tensor& weight, const IntList& stride,
                     const std::string& padding, const IntList& dilation, int64_t groups) {
  PYNN_CHECK(padding == "valid" || padding == "same", op, "Invalid padding string: '", padding, "'");
  ConvArgs a = explicit_args(op, spatial, stride, {0}, dilation, groups);
  if (padding == "same") {
    for (int64_t s : a.stride) PYNN_CHECK(s == 1, op, "padding='same' is not supported for strided convolutions");
    require_defined(op, weight, "weight");
    PYNN_CHECK(weight->dim() == spatial + 2, op, "Expected ", spatial + 2, "D weight for ", op,
               ", but got weight of size: ", weight->sizes().str());
    // torch puts the odd element of an even kernel's padding after the input.
    for (int i = 0; i < spatial; ++i) {
      const int64_t total = a.dilation[i] * (weight->sizes()[2 + i] - 1);
      a.pad_before[i] = total / 2;
      a.pad_after[i] = total - total / 2;
    }
  }
  return a;
}

Tensor conv_transpose_forward(const char* op, int spatial, const Tensor& input, const Tensor& weight,
                              const Tensor& bias, const IntList& stride, const IntList& padding,
                              const IntList& output_padding, int64_t groups, const IntList& dilation) {
  const bool batched = check_operands(op, spatial, input, weight, bias);
  ConvArgs a = explicit_args(op, spatial, stride, padding, dilation, groups);
  a.output_padding = per_dim(op, "output_padding", output_padding, spatial);
  check_hyper(op, a);
  const Tensor x = batched ? input : unsqueeze(input, 0);
  const Dims& xs = x->sizes();
  const Dims& ws = weight->sizes();
  PYNN_CHECK(ws[0] % a.groups == 0, op, "Given groups=", a.groups, ", expected weight to be divisible by ", a.groups,
             " at dimension 0, but got weight of size [", ws.str(), "] instead");
  PYNN_CHECK(xs[1] == ws[0], op, "Given transposed=1, weight of size ", ws.str(), ", expected input", xs.str(),
             " to have ", ws[0], " channels, but got ", xs[1], " channels instead");
  check_bias(op, bias, weight, ws[1] * a.groups, true);
  IntList in, out;
  bool ok = true, pad_ok = true;
  for (int i = 0; i < spatial; ++i) {
    pad_ok = pad_ok && (a.output_padding[i] < a.stride[i] || a.output_padding[i] < a.dilation[i]);
    in.push_back(xs[2 + i]);
    out.push_back((xs[2 + i] - 1) * a.stride[i] - 2 * a.pad_before[i] + a.dilation[i] * (ws[2 + i] - 1) +
                  a.output_padding[i] + 1);
    ok = ok && out.back() > 0;
  }
  if (!pad_ok) {
    std::string msg = "output padding must be smaller than either stride or dilation, but got";
    const char* axes[] = {"depth", "height", "width"};
    const int first = 3 - spatial;
    const std::pair<const char*, const IntList*> parts[] = {
        {"output_padding", &a.output_padding}, {"stride", &a.stride}, {"dilation", &a.dilation}};
    for (const auto& part : parts)
      for (int i = 0; i < spatial; ++i)
        msg += str(" ", part.first, "_", axes[first + i], ": ", (*part.second)[i]);
    throw std::runtime_error(str("[", op, "] ", msg));
  }
  PYNN_CHECK(ok, op, "Given input size per channel: (", join(in, " x "), "). Calculated output size per channel: (",
             join(out, " x "), "). Output size is too small");
  Dims in_sizes{xs[0], ws[1] * a.groups};
  for (int64_t o : lift_sizes(out, spatial)) in_sizes.push_back(o);
  Tensor r = conv2d_backward_input(lift(x, spatial), lift(weight, spatial), in_sizes, kernel_params(a, spatial));
  if (bias) {
    IntList shape(static_cast<size_t>(in_sizes.size() - 1), 1);
    shape[0] = -1;
    r = binary(BinaryOp::Add, r, reshape(bias, shape));
  }
  return unlift(r, spatial, batched);
}

}  // namespace

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                   const Dims& out_spatial) {
  const char* op = input->dim() == 5 ? "conv3d" : "conv2d";
  require_defined(op, input);
  require_defined(op, weight, "weight");
  const Device dev = same_device(op, input, weight, bias);
  check_geometry(op, input->sizes(), weight->sizes(), out_spatial, p);
  PYNN_CHECK(!bias || (bias->dim() == 1 && bias->numel() == weight->sizes()[0]), op, "bias of size ",
             bias->sizes().str(), " does not match weight of size ", weight->sizes().str());
  if (is_reduced_float(input->dtype()))
    return to_dtype(convolution(widen_reduced(input), widen_reduced(weight), widen_reduced(bias), p, out_spatial),
                    input->dtype());
  const bool grad = autograd::needs_grad({&input, &weight, &bias});
  const Tensor x = contiguous_untracked(input), w = contiguous_untracked(weight), b = contiguous_untracked(bias);
  Dims out_sizes{input->sizes()[0], weight->sizes()[0]};
  for (int64_t o : out_spatial) out_sizes.push_back(o);
  Tensor out = empty(out_sizes, input->dtype(), dev);
  conv2d_kernel(dev, out, x, w, b, geometry(input->sizes(), weight->sizes(), out_spatial, p));
  if (grad) autograd::record_conv2d(input, weight, bias, p, out);
  return out;
}

namespace {
// The checks both gradient ops share: float grad_out and operand of one dtype and device, grad_out shaped as the
// convolution of input_sizes by weight_sizes. Returns the geometry.
ConvGeometry gradient_geometry(const char* op, const Tensor& grad_out, const Tensor& operand, const char* name,
                               const Dims& input_sizes, const Dims& weight_sizes, const Conv2dParams& p) {
  check_float_operand(op, grad_out, "grad_output");
  check_float_operand(op, operand, name);
  same_device(op, grad_out, operand);
  PYNN_CHECK(grad_out->dtype() == operand->dtype(), op, "expected scalar type ", type_title(grad_out->dtype()),
             " but found ", type_title(operand->dtype()));
  const Dims& gs = grad_out->sizes();
  PYNN_CHECK(gs.size() == input_sizes.size() && gs.size() >= 4 && gs[0] == input_sizes[0] &&
                 gs[1] == weight_sizes[0],
             op, "grad_output of size ", gs.str(), " does not match input ", input_sizes.str(), " and weight ",
             weight_sizes.str());
  const Dims out_spatial(gs.begin() + 2, gs.end());
  check_geometry(op, input_sizes, weight_sizes, out_spatial, p);
  return geometry(input_sizes, weight_sizes, out_spatial, p);
}
}  // namespace

Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Dims& input_sizes,
                             const Conv2dParams& p) {
  const ConvGeometry g =
      gradient_geometry("conv2d_backward_input", grad_out, weight, "weight", input_sizes, weight->sizes(), p);
  if (is_reduced_float(grad_out->dtype()))  // conv_transpose's forward: in float32, rounded once
    return to_dtype(conv2d_backward_input(widen_reduced(grad_out), widen_reduced(weight), input_sizes, p),
                    grad_out->dtype());
  const Device dev = grad_out->device();
  const bool grad = autograd::needs_grad(grad_out, weight);
  Tensor out = empty(input_sizes, grad_out->dtype(), dev);
  conv2d_backward_input_kernel(dev, out, contiguous_untracked(grad_out), contiguous_untracked(weight), g);
  if (grad) autograd::record_conv2d_backward_input(grad_out, weight, p, out);
  return out;
}

Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& input, const Dims& weight_sizes,
                              const Conv2dParams& p) {
  const ConvGeometry g =
      gradient_geometry("conv2d_backward_weight", grad_out, input, "input", input->sizes(), weight_sizes, p);
  if (is_reduced_float(grad_out->dtype()))
    return to_dtype(conv2d_backward_weight(widen_reduced(grad_out), widen_reduced(input), weight_sizes, p),
                    grad_out->dtype());
  const Device dev = grad_out->device();
  const bool grad = autograd::needs_grad(grad_out, input);
  Tensor out = empty(weight_sizes, grad_out->dtype(), dev);
  conv2d_backward_weight_kernel(dev, out, contiguous_untracked(grad_out), contiguous_untracked(input), g);
  if (grad) autograd::record_conv2d_backward_weight(grad_out, input, p, out);
  return out;
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
              const IntList& padding, const IntList& dilation, int64_t groups) {
  return conv_forward("conv1d", 1, input, weight, bias,
                      explicit_args("conv1d", 1, stride, padding, dilation, groups));
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
              const IntList& padding, const IntList& dilation, int64_t groups) {
  return conv_forward("conv2d", 2, input, weight, bias,
                      explicit_args("conv2d", 2, stride, padding, dilation, groups));
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
              const IntList& padding, const IntList& dilation, int64_t groups) {
  return conv_forward("conv3d", 3, input, weight, bias,
                      explicit_args("conv3d", 3, stride, padding, dilation, groups));
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
              const std::string& padding, const IntList& dilation, int64_t groups) {
  return conv_forward("conv1d", 1, input, weight, bias,
                      string_args("conv1d", 1, weight, stride, padding, dilation, groups));
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
              const std::string& padding, const IntList& dilation, int64_t groups) {
  return conv_forward("conv2d", 2, input, weight, bias,
                      string_args("conv2d", 2, weight, stride, padding, dilation, groups));
}
Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
              const std::string& padding, const IntList& dilation, int64_t groups) {
  return conv_forward("conv3d", 3, input, weight, bias,
                      string_args("conv3d", 3, weight, stride, padding, dilation, groups));
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
                        const IntList& padding, const IntList& output_padding, int64_t groups,
                        const IntList& dilation) {
  return conv_transpose_forward("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                                dilation);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
                        const IntList& padding, const IntList& output_padding, int64_t groups,
                        const IntList& dilation) {
  return conv_transpose_forward("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                                dilation);
}
Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntList& stride,
                        const IntList& padding, const IntList& output_padding, int64_t groups,
                        const IntList& dilation) {
  return conv_transpose_forward("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                                dilation);
}

namespace {

std::string pair_str(const IntList& v) { return "(" + join(v, ", ") + ")"; }

// unfold / fold's geometry for images of c x h x w, checked as torch's im2col / col2im shape checks.
ConvGeometry fold_geometry(const char* op, int64_t n, int64_t c, int64_t h, int64_t w, const IntList& kernel_size,
                           const IntList& dilation, const IntList& padding, const IntList& stride) {
  const IntList k = per_dim(op, "kernel_size", kernel_size, 2), d = per_dim(op, "dilation", dilation, 2),
                p = per_dim(op, "padding", padding, 2), s = per_dim(op, "stride", stride, 2);
  PYNN_CHECK(k[0] > 0 && k[1] > 0, op, "kernel size should be greater than zero, but got kernel_height: ", k[0],
             " kernel_width: ", k[1]);
  PYNN_CHECK(s[0] > 0 && s[1] > 0, op, "stride should be greater than zero, but got stride_height: ", s[0],
             " stride_width: ", s[1]);
  PYNN_CHECK(d[0] > 0 && d[1] > 0, op, "dilation should be greater than zero, but got dilation_height: ", d[0],
             " dilation_width: ", d[1]);
  PYNN_CHECK(p[0] >= 0 && p[1] >= 0, op, "padding should be non-negative, but got pad_height: ", p[0],
             " pad_width: ", p[1]);
  IntList blocks;
  const int64_t sizes[] = {h, w};
  for (int i = 0; i < 2; ++i) {
    const int64_t span = sizes[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1;
    blocks.push_back(span / s[i] + 1);  // truncating, as torch (reads stay inside the input either way)
  }
  PYNN_CHECK(blocks[0] >= 1 && blocks[1] >= 1, op, "Given input with spatial size (", h, ", ", w,
             "), kernel_size=", pair_str(k), ", dilation=", pair_str(d), ", padding=", pair_str(p),
             ", calculated shape of the array of sliding blocks as ", pair_str(blocks),
             ", but its components must be at least one.");
  const Conv2dParams cp{s[0], s[1], p[0], p[1], d[0], d[1], 1};
  return geometry(Dims{n, c, h, w}, Dims{1, c, k[0], k[1]}, Dims{blocks[0], blocks[1]}, cp);
}

}  // namespace

Tensor im2col_geometry(const Tensor& input, const ConvGeometry& g) {
  const Device dev = input->device();
  PYNN_CHECK(input->sizes() == (Dims{g.n, g.c_in, g.h, g.w}), "unfold", "input of size ", input->sizes().str(),
             " does not match the unfold geometry");
  Tensor out = empty(Dims{g.n, g.col_rows(), g.col_cols()}, input->dtype(), dev);
  im2col_kernel(dev, out, contiguous_untracked(input), g);
  if (autograd::needs_grad(input)) autograd::record_fold(input, g, false, out);
  return out;
}

Tensor col2im_geometry(const Tensor& cols, const ConvGeometry& g) {
  const Device dev = cols->device();
  PYNN_CHECK(cols->sizes() == (Dims{g.n, g.col_rows(), g.col_cols()}), "fold", "input of size ", cols->sizes().str(),
             " does not match the fold geometry");
  Tensor out = empty(Dims{g.n, g.c_in, g.h, g.w}, cols->dtype(), dev);
  col2im_kernel(dev, out, contiguous_untracked(cols), g);
  if (autograd::needs_grad(cols)) autograd::record_fold(cols, g, true, out);
  return out;
}

Tensor im2col(const Tensor& input, const IntList& kernel_size, const IntList& dilation, const IntList& padding,
              const IntList& stride) {
  const char* op = "unfold";
  require_defined(op, input);
  PYNN_CHECK_TYPE(input->dtype() != ScalarType::Bool, op, "not implemented for dtype bool");
  PYNN_CHECK(input->dim() == 3 || input->dim() == 4, op, "Input Error: Only 3D or 4D input Tensors are supported (got ",
             input->dim(), "D)");
  if (is_reduced_float(input->dtype()))
    return to_dtype(im2col(widen_reduced(input), kernel_size, dilation, padding, stride), input->dtype());
  const bool batched = input->dim() == 4;
  const Tensor x = batched ? input : unsqueeze(input, 0);
  const Dims& xs = x->sizes();
  const ConvGeometry g = fold_geometry(op, xs[0], xs[1], xs[2], xs[3], kernel_size, dilation, padding, stride);
  const Tensor out = im2col_geometry(x, g);
  return batched ? out : squeeze(out, {0});
}

Tensor col2im(const Tensor& input, const IntList& output_size, const IntList& kernel_size, const IntList& dilation,
              const IntList& padding, const IntList& stride) {
  const char* op = "fold";
  require_defined(op, input);
  PYNN_CHECK_TYPE(input->dtype() != ScalarType::Bool, op, "not implemented for dtype bool");
  const int dim = input->dim();
  PYNN_CHECK((dim == 2 || dim == 3) && input->sizes()[dim - 2] > 0 && input->sizes()[dim - 1] > 0, op,
             "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for "
             "input, but got: ", input->sizes().str());
  if (is_reduced_float(input->dtype()))  // overlapping patches sum in float32
    return to_dtype(col2im(widen_reduced(input), output_size, kernel_size, dilation, padding, stride), input->dtype());
  const bool batched = dim == 3;
  const Tensor cols = batched ? input : unsqueeze(input, 0);
  const Dims& cs = cols->sizes();
  const IntList out = per_dim(op, "output_size", output_size, 2), k = per_dim(op, "kernel_size", kernel_size, 2);
  PYNN_CHECK(k[0] > 0 && k[1] > 0 && cs[1] % (k[0] * k[1]) == 0, op, "Expected size of input's dimension 1 to be "
             "divisible by the product of kernel_size, but got input.size(1)=", cs[1], " and kernel_size=",
             pair_str(k), ".");
  const ConvGeometry g = fold_geometry(op, cs[0], cs[1] / (k[0] * k[1]), out[0], out[1], k, dilation, padding, stride);
  PYNN_CHECK(cs[2] == g.col_cols(), op, "Given output_size=", pair_str(out), ", kernel_size=", pair_str(k),
             ", dilation=", pair_str(per_dim(op, "dilation", dilation, 2)), ", padding=",
             pair_str(per_dim(op, "padding", padding, 2)), ", stride=", pair_str(per_dim(op, "stride", stride, 2)),
             ", expected size of input's dimension 2 to match the calculated number of sliding blocks ", g.oh, " * ",
             g.ow, " = ", g.col_cols(), ", but got input.size(2)=", cs[2], ".");
  const Tensor r = col2im_geometry(cols, g);
  return batched ? r : squeeze(r, {0});
}

}  // namespace pynn
