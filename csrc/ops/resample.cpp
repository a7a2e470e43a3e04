// F.interpolate's resampling: check -> per-axis tap tables (torch's index and weight rules, in the tensor's
// precision) -> allocate -> kernel -> record backward. Leading dims are planes.
#include "ops/resample.h"

#include <algorithm>
#include <cmath>

#include "autograd/functions_pad.h"
#include "ops/common.h"
#include "ops/nn_common.h"

namespace pynn {

PYNN_DEFINE_KERNEL(resample_kernel, "interpolate");
PYNN_DEFINE_KERNEL(resample_backward_kernel, "interpolate_backward");

namespace {

enum class Mode { Nearest, NearestExact, Linear, Cubic };

// torch's compute_scales_value: 1 / scale_factor when one was given, else in / out.
template <typename T>
T scale_value(double scale, int64_t in, int64_t out) {
  return scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
}

// torch's area_pixel_compute_scale.
template <typename T>
T area_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return scale_value<T>(scale, in, out);
}

// torch's area_pixel_compute_source_index.
template <typename T>
T source_index(T scale, int64_t o, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<T>(o);
  const T s = scale * (static_cast<T>(o) + T(0.5)) - T(0.5);
  return !cubic && s < 0 ? T(0) : s;
}

// torch's guard_index_and_lambda (floorf, as torch, for either precision).
template <typename T>
void guard(T real, int64_t in, int64_t& index, T& lambda) {
  index = std::min(static_cast<int64_t>(floorf(static_cast<float>(real))), in - 1);
  lambda = std::min(std::max(real - static_cast<T>(index), T(0)), T(1));
}

template <typename T>
T cubic1(T x, T A) { return ((A + 2) * x - (A + 3)) * x * x + 1; }
template <typename T>
T cubic2(T x, T A) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

template <typename T>
ResampleAxis make_axis(Mode mode, int64_t in, int64_t out, bool align_corners, double scale) {
  ResampleAxis a;
  a.in = in;
  a.out = out;
  a.taps = mode == Mode::Linear ? 2 : mode == Mode::Cubic ? 4 : 1;
  a.index.assign(static_cast<size_t>(out * a.taps), 0);
  a.weight.assign(static_cast<size_t>(out * a.taps), 0.0);
  for (int64_t o = 0; o < out; ++o) {
    int64_t* idx = &a.index[o * a.taps];
    double* w = &a.weight[o * a.taps];
    switch (mode) {
      case Mode::Nearest: {  // torch's nearest_idx: float arithmetic whatever the dtype
        if (out == in) idx[0] = o;
        else if (out == 2 * in) idx[0] = o >> 1;
        else
          idx[0] = std::min(static_cast<int64_t>(floorf(static_cast<float>(o) * scale_value<float>(scale, in, out))),
                            in - 1);
        w[0] = 1;
        break;
      }
      case Mode::NearestExact: {  // torch: floorf((dst + 0.5) * scale), the product in double
        const double s = (static_cast<double>(o) + 0.5) * scale_value<float>(scale, in, out);
        idx[0] = std::min(static_cast<int64_t>(floorf(static_cast<float>(s))), in - 1);
        w[0] = 1;
        break;
      }
      case Mode::Linear: {
        if (out == in) {
          idx[0] = idx[1] = o;
          w[0] = 1;
          w[1] = 0;
          break;
        }
        const T real = source_index<T>(area_scale<T>(in, out, align_corners, scale), o, align_corners, false);
        int64_t i0;
        T l1;
        guard(real, in, i0, l1);
        idx[0] = i0;
        idx[1] = i0 + (i0 < in - 1 ? 1 : 0);
        w[0] = static_cast<double>(T(1) - l1);
        w[1] = static_cast<double>(l1);
        break;
      }
      case Mode::Cubic: {
        const T real = source_index<T>(area_scale<T>(in, out, align_corners, scale), o, align_corners, true);
        int64_t i0;
        T t;
        guard(real, in, i0, t);
        const T A = T(-0.75);
        const T c[4] = {cubic2<T>(t + T(1), A), cubic1<T>(t, A), cubic1<T>(T(1) - t, A), cubic2<T>(T(2) - t, A)};
        for (int j = 0; j < 4; ++j) {
          idx[j] = std::max<int64_t>(0, std::min<int64_t>(i0 - 1 + j, in - 1));
          w[j] = static_cast<double>(c[j]);
        }
        break;
      }
    }
  }
  return a;
}

Mode parse_mode(const std::string& mode) {
  if (mode == "nearest") return Mode::Nearest;
  if (mode == "nearest-exact") return Mode::NearestExact;
  if (mode == "linear" || mode == "bilinear" || mode == "trilinear") return Mode::Linear;
  if (mode == "bicubic") return Mode::Cubic;
  throw NotImplementedError(str("[interpolate] mode ", mode, " is not supported"));
}

std::vector<ResampleAxis*> spatial_axes(ResampleGeometry& g, int spatial) {
  std::vector<ResampleAxis*> all{&g.d, &g.h, &g.w};
  return std::vector<ResampleAxis*>(all.end() - spatial, all.end());
}

// The sizes of the input's trailing `spatial` dims match the geometry's axes (and its unused axes are units).
bool matches(const Dims& in, int spatial, const ResampleGeometry& g, bool output) {
  const ResampleAxis* all[] = {&g.d, &g.h, &g.w};
  if (spatial < 1 || spatial > 3 || in.size() < spatial) return false;
  for (int i = 0; i < 3; ++i) {
    const int from_end = 3 - i;
    const int64_t want = from_end <= spatial ? in[in.size() - from_end] : 1;
    const ResampleAxis& a = *all[i];
    if ((output ? a.out : a.in) != want) return false;
    if (from_end > spatial && (a.in != 1 || a.out != 1)) return false;
    if (a.taps != 1 && a.taps != 2 && a.taps != 4) return false;  // the kernels' unrolled cases
    if (static_cast<int64_t>(a.index.size()) != a.out * a.taps || a.weight.size() != a.index.size()) return false;
  }
  return true;
}

Dims resampled_sizes(const Dims& in, int spatial, const ResampleGeometry& g) {
  Dims r = in;
  const int64_t outs[] = {g.d.out, g.h.out, g.w.out};
  for (int i = 0; i < spatial; ++i) r[in.size() - spatial + i] = outs[3 - spatial + i];
  return r;
}

std::string axis_sizes(const std::vector<int64_t>& v) {  // torch's "(H: 2, W: 3)"
  const char* names[] = {"D", "H", "W"};
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += str(i ? ", " : "", names[3 - v.size() + i], ": ", v[i]);
  return s + ")";
}

}  // namespace

Tensor resample_geometry(const Tensor& input, int spatial, const ResampleGeometry& geometry) {
  const char* op = "interpolate";
  require_defined(op, input);
  require_float(op, input);
  PYNN_CHECK(matches(input->sizes(), spatial, geometry, false), op, "input of size ", input->sizes().str(),
             " does not match the resampling geometry");
  ResampleGeometry g = geometry;
  g.planes = 1;
  for (int i = 0; i < input->dim() - spatial; ++i) g.planes *= input->sizes()[i];
  const Device dev = input->device();
  Tensor out = empty(resampled_sizes(input->sizes(), spatial, g), input->dtype(), dev);
  resample_kernel(dev, out, contiguous_untracked(input), g);
  if (autograd::needs_grad(input)) autograd::record_resample(input, g, spatial, false, out);
  return out;
}

Tensor resample_backward(const Tensor& grad_out, const ResampleGeometry& geometry, const Dims& input_sizes,
                         int spatial) {
  const char* op = "interpolate_backward";
  require_defined(op, grad_out, "grad_output");
  require_float(op, grad_out);
  PYNN_CHECK(matches(input_sizes, spatial, geometry, false) &&
                 grad_out->sizes() == resampled_sizes(input_sizes, spatial, geometry),
             op, "grad_output of size ", grad_out->sizes().str(), " does not match the resampling of ",
             input_sizes.str());
  ResampleGeometry g = geometry;
  g.planes = 1;
  for (int i = 0; i < input_sizes.size() - spatial; ++i) g.planes *= input_sizes[i];
  const Device dev = grad_out->device();
  Tensor gi = empty(input_sizes, grad_out->dtype(), dev);
  resample_backward_kernel(dev, gi, contiguous_untracked(grad_out), g);
  if (autograd::needs_grad(grad_out)) autograd::record_resample(grad_out, g, spatial, true, gi);
  return gi;
}

Tensor interpolate(const Tensor& input, const std::string& mode_name, const std::vector<int64_t>& output_size,
                   const std::vector<double>& scales, bool align_corners) {
  const char* op = "interpolate";
  require_defined(op, input);
  require_float(op, input);
  if (is_reduced_float(input->dtype()))
    return to_dtype(interpolate(widen_reduced(input), mode_name, output_size, scales, align_corners), input->dtype());
  const Mode mode = parse_mode(mode_name);
  const int spatial = static_cast<int>(output_size.size());
  const int d = input->dim();
  PYNN_CHECK(spatial >= 1 && spatial <= 3 && d == spatial + 2, op, "expected a ", spatial + 2,
             "-d input for ", spatial, " output sizes, got ", input->sizes().str());
  PYNN_CHECK(scales.empty() || static_cast<int>(scales.size()) == spatial, op, "expected ", spatial,
             " scale factors, got ", scales.size());
  const Dims& in = input->sizes();
  std::vector<int64_t> in_sizes(in.begin() + 2, in.end());
  bool filled = in[1] > 0, positive = true;
  for (int i = 0; i < spatial; ++i) {
    filled = filled && in_sizes[i] > 0;
    positive = positive && output_size[i] > 0;
  }
  PYNN_CHECK(filled, op, "Non-empty ", d, "D data tensor expected but got a tensor with sizes ", in.str());
  PYNN_CHECK(positive, op, "Input and output sizes should be greater than 0, but got input ", axis_sizes(in_sizes),
             " and output ", axis_sizes(output_size));
  ResampleGeometry g;
  const std::vector<ResampleAxis*> axes = spatial_axes(g, spatial);
  for (int i = 0; i < spatial; ++i) {
    const double scale = scales.empty() ? 0.0 : scales[i];
    *axes[i] = input->dtype() == ScalarType::Float64
                   ? make_axis<double>(mode, in_sizes[i], output_size[i], align_corners, scale)
                   : make_axis<float>(mode, in_sizes[i], output_size[i], align_corners, scale);
  }
  return resample_geometry(input, spatial, g);
}

}  // namespace pynn

namespace pynn {

PYNN_DEFINE_KERNEL(grid_sample_kernel, "grid_sampler");
PYNN_DEFINE_KERNEL(grid_sample_backward_kernel, "grid_sampler_backward");

namespace {
// torch's check_grid_sampler_common / _2d / _3d, in its words.
void check_grid_sample(const Tensor& input, const Tensor& grid, const GridSampleArgs& a) {
  const char* op = "grid_sampler";
  require_defined(op, input, "input");
  require_defined(op, grid, "grid");
  same_device(op, input, grid);
  const int nd = input->dim();
  PYNN_CHECK((nd == 4 || nd == 5) && grid->dim() == nd, op, "grid_sampler(): expected 4D or 5D input and grid with "
             "same number of dimensions, but got input with sizes ", input->sizes().str(), " and grid with sizes ",
             grid->sizes().str());
  PYNN_CHECK(input->dtype() == grid->dtype(), op, "expected scalar type ", type_title(input->dtype()),
             " but found ", type_title(grid->dtype()));
  if (!is_floating(input->dtype()))
    throw NotImplementedError(str("[", op, "] \"grid_sampler_", nd - 2, "d_cpu_kernel_impl\" not implemented for '",
                                  type_title(input->dtype()), "'"));
  for (int d = 2; d < nd; ++d)
    PYNN_CHECK(input->sizes()[d] > 0, op, "grid_sampler(): expected input to have non-empty spatial dimensions, but "
               "input has sizes ", input->sizes().str(), " with dimension ", d, " being empty");
  PYNN_CHECK(grid->sizes()[0] == input->sizes()[0], op, "grid_sampler(): expected grid and input to have same batch "
             "size, but got input with sizes ", input->sizes().str(), " and grid with sizes ", grid->sizes().str());
  PYNN_CHECK(grid->sizes()[nd - 1] == nd - 2, op, "grid_sampler(): expected grid to have size ", nd - 2, " in last "
             "dimension, but got grid with sizes ", grid->sizes().str());
  PYNN_CHECK(nd == 4 || a.mode != GridMode::Bicubic, op, "grid_sampler(): bicubic interpolation only supports 4D "
             "input");
}

Dims grid_sample_sizes(const Tensor& input, const Tensor& grid) {
  std::vector<int64_t> s{input->sizes()[0], input->sizes()[1]};
  for (int d = 1; d < grid->dim() - 1; ++d) s.push_back(grid->sizes()[d]);
  return Dims(s);
}
}  // namespace

Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleArgs& args) {
  GridSampleArgs a = args;
  check_grid_sample(input, grid, a);
  a.dims = input->dim() - 2;
  const Device dev = input->device();
  Tensor out = empty(grid_sample_sizes(input, grid), input->dtype(), dev);
  if (out->numel() > 0) grid_sample_kernel(dev, out, contiguous_untracked(input), contiguous_untracked(grid), a);
  if (autograd::needs_grad(input, grid)) autograd::record_grid_sample(input, grid, a, out);
  return out;
}

std::pair<Tensor, Tensor> grid_sample_backward(const Tensor& grad_out, const Tensor& input, const Tensor& grid,
                                               const GridSampleArgs& a, bool want_input, bool want_grid) {
  const char* op = "grid_sampler_backward";
  require_defined(op, grad_out, "grad_output");
  PYNN_CHECK(grad_out->sizes() == grid_sample_sizes(input, grid) && grad_out->dtype() == input->dtype(), op,
             "grad_output of size ", grad_out->sizes().str(), " does not match the grid sampling's output");
  const Device dev = input->device();
  Tensor gi = want_input ? empty(input->sizes(), input->dtype(), dev) : Tensor();
  Tensor gg = want_grid ? empty(grid->sizes(), grid->dtype(), dev) : Tensor();
  autograd::untracked([&] {
    if (gi && gi->numel() > 0 && grad_out->numel() == 0) fill_(gi, Scalar(0.0));
    if (grad_out->numel() > 0)
      grid_sample_backward_kernel(dev, gi, gg, contiguous_untracked(grad_out), contiguous_untracked(input),
                                  contiguous_untracked(grid), a);
    return 0;
  });
  return {gi, gg};
}

}  // namespace pynn
