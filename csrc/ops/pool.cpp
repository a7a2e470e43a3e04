// Pooling ops: check -> geometry -> allocate -> kernel -> record backward. Leading dims are planes, so unbatched
// inputs need no reshaping; one kernel serves 1-3 spatial dims (unit depth for 2-d, unit height too for 1-d).
#include "ops/pool.h"

#include <string>

#include "autograd/functions.h"
#include "ops/common.h"
#include "ops/nn_common.h"
#include "ops/shape.h"

namespace pynn {

PYNN_DEFINE_KERNEL(pool2d_kernel, "pool2d");
PYNN_DEFINE_KERNEL(pool2d_backward_kernel, "pool2d_backward");
PYNN_DEFINE_KERNEL(max_unpool_kernel, "max_unpool");

namespace {

using IntList = std::vector<int64_t>;

IntList per_dim(const char* op, const char* name, const IntList& v, int spatial) {
  if (v.size() == 1) return IntList(static_cast<size_t>(spatial), v[0]);
  const char* counts[] = {"one int", "two ints", "three ints"};
  PYNN_CHECK(static_cast<int>(v.size()) == spatial, op, op, ": ", name, " must either be a single int, or a tuple of ",
             counts[spatial - 1]);
  return v;
}

// The geometry's axes for `spatial` trailing dims, outermost first (the unused leading ones stay unit axes).
std::vector<PoolAxis*> spatial_axes(PoolGeometry& g, int spatial) {
  std::vector<PoolAxis*> all{&g.d, &g.h, &g.w};
  return std::vector<PoolAxis*>(all.end() - spatial, all.end());
}

// The public op names by kind and spatial rank.
using OpNames = const char* const[3];
OpNames kMaxPool = {"max_pool1d", "max_pool2d", "max_pool3d"};
OpNames kAvgPool = {"avg_pool1d", "avg_pool2d", "avg_pool3d"};
OpNames kAdaptiveAvgPool = {"adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d"};
OpNames kAdaptiveMaxPool = {"adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d"};
const char* pool_name(OpNames& names, int spatial) {
  PYNN_CHECK(spatial >= 1 && spatial <= 3, names[0], "expected 1 to 3 spatial dims, got ", spatial);
  return names[spatial - 1];
}

// Rank and non-empty planes; a 0 batch is allowed, as in torch.
void check_input(const char* op, int spatial, const Tensor& x, bool adaptive) {
  require_defined(op, x);
  require_float(op, x);
  const int d = x->dim();
  const bool rank_ok = d == spatial + 1 || d == spatial + 2;
  if (adaptive) {
    PYNN_CHECK(rank_ok, op, op, "(): Expected ", spatial + 1, "D or ", spatial + 2, "D tensor, but got ",
               x->sizes().str());
    for (int i = d == spatial + 2 ? 1 : 0; i < d; ++i)
      PYNN_CHECK(x->sizes()[i] > 0, op, op, "(): Expected input to have non-zero size for non-batch dimensions, "
                 "but input has sizes ", x->sizes().str(), " with dimension ", i, " being empty");
    return;
  }
  bool ok = rank_ok;
  for (int i = d == spatial + 2 ? 1 : 0; ok && i < d; ++i) ok = x->sizes()[i] > 0;
  PYNN_CHECK(ok, op, "Expected ", spatial + 1, "D or ", spatial + 2,
             "D (batch mode) tensor with optional 0 dim batch size for input, but got:", x->sizes().str());
}

int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  // The last window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Window geometry of max/avg pooling; checks as torch's pool2d_shape_check.
PoolGeometry window_geometry(const char* op, int spatial, const Tensor& x, IntList k, IntList s, IntList pad,
                             IntList dil, bool ceil_mode) {
  k = per_dim(op, "kernel_size", k, spatial);
  s = s.empty() ? k : per_dim(op, "stride", s, spatial);
  pad = per_dim(op, "padding", pad, spatial);
  dil = per_dim(op, "dilation", dil, spatial);
  for (int i = 0; i < spatial; ++i) {
    PYNN_CHECK(s[i] != 0, op, "stride should not be zero");
    PYNN_CHECK(s[i] > 0, op, "stride should be greater than zero, but got ", s[i]);
    PYNN_CHECK(k[i] > 0, op, "kernel size should be greater than zero, but got ", k[i]);
    PYNN_CHECK(dil[i] > 0, op, "dilation should be greater than zero, but got ", dil[i]);
    PYNN_CHECK(pad[i] >= 0, op, "pad must be non-negative, but got pad: ", pad[i]);
    PYNN_CHECK(pad[i] <= ((k[i] - 1) * dil[i] + 1) / 2, op, "pad should be at most half of effective kernel size, "
               "but got pad=", pad[i], ", kernel_size=", k[i], " and dilation=", dil[i]);
  }
  const int d = x->dim();
  PoolGeometry g;
  const std::vector<PoolAxis*> axes = spatial_axes(g, spatial);
  bool fits = true;
  for (int i = 0; i < spatial; ++i) {
    PoolAxis& a = *axes[i];
    a.in = x->sizes()[d - spatial + i];
    a.kernel = k[i];
    a.stride = s[i];
    a.pad = pad[i];
    a.dilation = dil[i];
    a.out = pooled_size(a.in, k[i], pad[i], s[i], dil[i], ceil_mode);
    fits = fits && a.out >= 1;
  }
  if (!fits) {
    std::string in = std::to_string(d > spatial ? x->sizes()[d - spatial - 1] : 1), out = in;
    if (spatial == 1) in += "x1", out += "x1";  // torch reports 1-d pooling as 2-d
    for (const PoolAxis* a : axes) in += "x" + std::to_string(a->in), out += "x" + std::to_string(a->out);
    throw std::runtime_error(str("[", op, "] Given input size: (", in, "). Calculated output size: (", out,
                                 "). Output size is too small"));
  }
  return g;
}

PoolGeometry adaptive_geometry(const char* op, int spatial, const Tensor& x, IntList out) {
  out = per_dim(op, "output_size", out, spatial);
  for (int64_t o : out)
    PYNN_CHECK(o >= 0, op, op, ": elements of output_size must be greater than or equal to 0 but received ",
               Dims(out).str());
  PoolGeometry g;
  const std::vector<PoolAxis*> axes = spatial_axes(g, spatial);
  const int d = x->dim();
  for (int i = 0; i < spatial; ++i) {
    PoolAxis& a = *axes[i];
    a.adaptive = true;
    a.in = x->sizes()[d - spatial + i];
    a.out = out[i];
    a.kernel = a.out > 0 ? (a.in + a.out - 1) / a.out + 1 : 1;  // the widest window, for work estimates
  }
  return g;
}

Dims pooled_sizes(const Dims& in, int spatial, const PoolGeometry& g) {
  Dims r = in;
  const int d = in.size();
  const int64_t outs[] = {g.d.out, g.h.out, g.w.out};
  for (int i = 0; i < spatial; ++i) r[d - spatial + i] = outs[3 - spatial + i];
  return r;
}

// The input's trailing dims are the geometry's spatial axes and its other axes are unit ones.
bool matches(const Dims& in, int spatial, const PoolGeometry& g) {
  const int64_t ins[] = {g.d.in, g.h.in, g.w.in};
  if (spatial < 1 || spatial > 3 || in.size() < spatial) return false;
  for (int i = 0; i < 3; ++i) {
    const int from_end = 3 - i;  // the axis' position counted from the last dim
    if (ins[i] != (from_end <= spatial ? in[in.size() - from_end] : 1)) return false;
  }
  return true;
}

}  // namespace

Tensor pool2d(const Tensor& input, int spatial, const PoolGeometry& geometry, Tensor* indices, const char* name) {
  const char* op = pool_name(geometry.mode == PoolMode::Max ? kMaxPool : kAvgPool, spatial);
  require_defined(op, input);
  require_float(op, input);
  if (is_reduced_float(input->dtype()))
    return to_dtype(pool2d(widen_reduced(input), spatial, geometry, indices, name), input->dtype());
  const Device dev = input->device();
  PoolGeometry g = geometry;
  const Dims& in = input->sizes();
  PYNN_CHECK(matches(in, spatial, g) && (g.mode == PoolMode::Max) == (indices != nullptr), op, "input of size ",
             in.str(), " does not match the pooling geometry");
  g.planes = 1;
  for (int i = 0; i < input->dim() - spatial; ++i) g.planes *= in[i];
  const Tensor x = contiguous_untracked(input);
  const Dims out_sizes = pooled_sizes(in, spatial, g);
  Tensor out = empty(out_sizes, input->dtype(), dev);
  Tensor idx = indices ? empty(out_sizes, ScalarType::Int64, dev) : Tensor();
  pool2d_kernel(dev, out, idx, x, g);
  if (indices) *indices = idx;
  if (autograd::needs_grad(input)) autograd::record_pool2d(input, idx, spatial, g, name, out);
  return out;
}

Tensor pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Dims& input_sizes, int spatial,
                       const PoolGeometry& g, const char* name) {
  const char* op = "pool2d_backward";
  require_defined(op, grad_out, "grad_output");
  require_float(op, grad_out);
  const Device dev = same_device(op, grad_out, indices);
  PYNN_CHECK(matches(input_sizes, spatial, g) && grad_out->sizes() == pooled_sizes(input_sizes, spatial, g) &&
                 (g.mode == PoolMode::Max) == bool(indices) &&
                 (!indices || (indices->sizes() == grad_out->sizes() && indices->dtype() == ScalarType::Int64)),
             op, "grad_output of size ", grad_out->sizes().str(), " does not match the pooling of ",
             input_sizes.str());
  const Tensor go = contiguous_untracked(grad_out), idx = contiguous_untracked(indices);
  Tensor gi = empty(input_sizes, grad_out->dtype(), dev);
  pool2d_backward_kernel(dev, gi, go, idx, g);
  if (autograd::needs_grad(grad_out))
    autograd::record_pool2d_backward(grad_out, idx, input_sizes, spatial, g, name, gi);
  return gi;
}

std::pair<Tensor, Tensor> max_pool_nd(int spatial, const Tensor& input, const IntList& kernel, const IntList& stride,
                                      const IntList& padding, const IntList& dilation, bool ceil_mode) {
  const char* op = pool_name(kMaxPool, spatial);
  check_input(op, spatial, input, false);
  PoolGeometry g = window_geometry(op, spatial, input, kernel, stride, padding, dilation, ceil_mode);
  g.mode = PoolMode::Max;
  Tensor indices;
  Tensor out = pool2d(input, spatial, g, &indices,
                      spatial == 3 ? "MaxPool3DWithIndicesBackward0" : "MaxPool2DWithIndicesBackward0");
  return {out, indices};
}

Tensor avg_pool_nd(int spatial, const Tensor& input, const IntList& kernel, const IntList& stride,
                   const IntList& padding, bool ceil_mode, bool count_include_pad,
                   std::optional<int64_t> divisor_override) {
  const char* op = pool_name(kAvgPool, spatial);
  check_input(op, spatial, input, false);
  PYNN_CHECK(!divisor_override || *divisor_override != 0, op, "divisor must be not zero");
  PoolGeometry g = window_geometry(op, spatial, input, kernel, stride, padding, {1}, ceil_mode);
  g.mode = PoolMode::Avg;
  g.count_include_pad = count_include_pad;
  g.divisor_override = divisor_override.value_or(0);
  return pool2d(input, spatial, g, nullptr, spatial == 3 ? "AvgPool3DBackward0" : "AvgPool2DBackward0");
}

Tensor adaptive_avg_pool_nd(int spatial, const Tensor& input, const IntList& output_size) {
  const char* op = pool_name(kAdaptiveAvgPool, spatial);
  check_input(op, spatial, input, true);
  PoolGeometry g = adaptive_geometry(op, spatial, input, output_size);
  g.mode = PoolMode::Avg;
  return pool2d(input, spatial, g, nullptr,
                spatial == 3 ? "AdaptiveAvgPool3DBackward0" : "AdaptiveAvgPool2DBackward0");
}

std::pair<Tensor, Tensor> adaptive_max_pool_nd(int spatial, const Tensor& input, const IntList& output_size) {
  const char* op = pool_name(kAdaptiveMaxPool, spatial);
  check_input(op, spatial, input, true);
  PoolGeometry g = adaptive_geometry(op, spatial, input, output_size);
  g.mode = PoolMode::Max;
  Tensor indices;
  Tensor out = pool2d(input, spatial, g, &indices,
                      spatial == 3 ? "AdaptiveMaxPool3DBackward0" : "AdaptiveMaxPool2DBackward0");
  return {out, indices};
}

Tensor max_unpool_nd(int spatial, const Tensor& input, const Tensor& indices, const IntList& output_size) {
  OpNames names = {"max_unpooling1d", "max_unpooling2d", "max_unpooling3d"};
  const char* op = pool_name(names, spatial);
  require_defined(op, input);
  require_defined(op, indices, "indices");
  require_float(op, input);
  const Device dev = same_device(op, input, indices);
  PYNN_CHECK(indices->dtype() == ScalarType::Int64, op, "elements in indices should be type int64 but got: ",
             type_title(indices->dtype()));
  const int d = input->dim();
  PYNN_CHECK(d == spatial + 1 || d == spatial + 2, op, "Input to ", op, " should be a ", spatial + 1, "d or ",
             spatial + 2, "d Tensor, but got a tensor with ", d, " dimensions.");
  PYNN_CHECK(indices->sizes() == input->sizes(), op, "Expected shape of indices to be same as that of the input "
             "tensor (", input->sizes().str(), ") but got indices tensor with shape: ", indices->sizes().str());
  const char* counts[] = {"one element (length)", "two elements (height, width)",
                          "three elements (depth, height, width)"};
  PYNN_CHECK(static_cast<int>(output_size.size()) == spatial, op, "There should be exactly ", counts[spatial - 1],
             " in output_size, but got ", output_size.size(), " elements.");
  for (int i = d == spatial + 2 ? 1 : 0; i < d; ++i)  // a 0 batch is allowed
    PYNN_CHECK(input->sizes()[i] > 0, op, op, "(): Expected input to have non-zero size for non-batch dimensions, "
               "but got ", input->sizes().str(), " with dimension ", i, " being empty.");
  for (int64_t o : output_size) PYNN_CHECK(o > 0, op, op, "(): output_size must be positive, got ", Dims(output_size).str());
  PoolGeometry g;
  g.mode = PoolMode::Max;
  const std::vector<PoolAxis*> axes = spatial_axes(g, spatial);
  Dims out_sizes = input->sizes();
  g.planes = 1;
  for (int i = 0; i < d - spatial; ++i) g.planes *= out_sizes[i];
  for (int i = 0; i < spatial; ++i) {
    axes[i]->in = output_size[i];  // the pooled image this inverts
    axes[i]->out = input->sizes()[d - spatial + i];
    out_sizes[d - spatial + i] = output_size[i];
  }
  Tensor out = empty(out_sizes, input->dtype(), dev);
  const Tensor idx = contiguous_untracked(indices);
  max_unpool_kernel(dev, out, contiguous_untracked(input), idx, g);
  // Unpooling is max pooling's input gradient with assignment for addition; its gradient is the same gather at
  // the indices, so it records as that (the node's name inserts "Backward": "MaxUnpool2D0" -> "MaxUnpool2DBackward0").
  static const char* node_names[] = {"MaxUnpool1D0", "MaxUnpool2D0", "MaxUnpool3D0"};
  if (autograd::needs_grad(input))
    autograd::record_pool2d_backward(input, idx, out_sizes, spatial, g, node_names[spatial - 1], out);
  return out;
}

}  // namespace pynn
