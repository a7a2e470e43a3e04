// Convolution and pooling ops as private _C functions (pynn/functional.py gives them torch's signatures).
#include "bindings/bindings.h"
#include "ops/conv.h"
#include "ops/pool.h"

using namespace pynn;
using pynn_py::int_list;
using pynn_py::run_released;

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : nullptr; }
py::tuple pair(const std::pair<Tensor, Tensor>& p) { return py::make_tuple(p.first, p.second); }

// conv1d / conv2d / conv3d: padding is an int, a sequence of ints, or 'valid' / 'same'.
template <int Spatial>
Tensor conv(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride, py::handle padding,
            py::handle dilation, int64_t groups) {
  const char* op = Spatial == 1 ? "conv1d" : Spatial == 2 ? "conv2d" : "conv3d";
  const std::vector<int64_t> s = int_list(stride, op), d = int_list(dilation, op);
  auto run = [&](const auto& pad) {
    return run_released({x, w}, [&] {
      if (Spatial == 1) return conv1d(x, w, opt(b), s, pad, d, groups);
      if (Spatial == 2) return conv2d(x, w, opt(b), s, pad, d, groups);
      return conv3d(x, w, opt(b), s, pad, d, groups);
    });
  };
  if (py::isinstance<py::str>(padding)) return run(py::cast<std::string>(padding));
  return run(int_list(padding, op));
}

}  // namespace

void bind_conv(py::module_& m) {
  m.def("_conv1d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride,
                      py::handle padding, py::handle dilation, int64_t groups) {
    return conv<1>(x, w, b, stride, padding, dilation, groups);
  });
  m.def("_conv2d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride,
                      py::handle padding, py::handle dilation, int64_t groups) {
    return conv<2>(x, w, b, stride, padding, dilation, groups);
  });
  m.def("_conv3d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride,
                      py::handle padding, py::handle dilation, int64_t groups) {
    return conv<3>(x, w, b, stride, padding, dilation, groups);
  });
  m.def("_conv_transpose", [](int spatial, const Tensor& x, const Tensor& w, const std::optional<Tensor>& b,
                              py::handle stride, py::handle padding, py::handle output_padding, int64_t groups,
                              py::handle dilation) {
    const char* names[] = {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
    if (spatial < 1 || spatial > 3) throw std::invalid_argument("_conv_transpose: spatial must be 1, 2 or 3");
    const char* op = names[spatial - 1];
    const auto s = int_list(stride, op), p = int_list(padding, op), o = int_list(output_padding, op),
               d = int_list(dilation, op);
    return run_released({x, w}, [&] {
      if (spatial == 1) return conv_transpose1d(x, w, opt(b), s, p, o, groups, d);
      if (spatial == 2) return conv_transpose2d(x, w, opt(b), s, p, o, groups, d);
      return conv_transpose3d(x, w, opt(b), s, p, o, groups, d);
    });
  });

  m.def("_unfold", [](const Tensor& x, py::handle kernel, py::handle dilation, py::handle padding,
                      py::handle stride) {
    const auto k = int_list(kernel, "unfold"), d = int_list(dilation, "unfold"), p = int_list(padding, "unfold"),
               s = int_list(stride, "unfold");
    return run_released({x}, [&] { return im2col(x, k, d, p, s); });
  });
  m.def("_fold", [](const Tensor& x, py::handle output_size, py::handle kernel, py::handle dilation,
                    py::handle padding, py::handle stride) {
    const auto o = int_list(output_size, "fold"), k = int_list(kernel, "fold"), d = int_list(dilation, "fold"),
               p = int_list(padding, "fold"), s = int_list(stride, "fold");
    return run_released({x}, [&] { return col2im(x, o, k, d, p, s); });
  });

  m.def("_max_pool", [](int spatial, const Tensor& x, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                        std::vector<int64_t> padding, std::vector<int64_t> dilation, bool ceil_mode) {
    return pair(run_released({x}, [&] {
      return max_pool_nd(spatial, x, kernel, stride, padding, dilation, ceil_mode);
    }));
  });
  m.def("_avg_pool", [](int spatial, const Tensor& x, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                        std::vector<int64_t> padding, bool ceil_mode, bool count_include_pad,
                        std::optional<int64_t> divisor_override) {
    return run_released({x}, [&] {
      return avg_pool_nd(spatial, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override);
    });
  });
  m.def("_adaptive_avg_pool", [](int spatial, const Tensor& x, std::vector<int64_t> output_size) {
    return run_released({x}, [&] { return adaptive_avg_pool_nd(spatial, x, output_size); });
  });
  m.def("_max_unpool", [](int spatial, const Tensor& x, const Tensor& indices, std::vector<int64_t> output_size) {
    return run_released({x, indices}, [&] { return max_unpool_nd(spatial, x, indices, output_size); });
  });
  m.def("_adaptive_max_pool", [](int spatial, const Tensor& x, std::vector<int64_t> output_size) {
    return pair(run_released({x}, [&] { return adaptive_max_pool_nd(spatial, x, output_size); }));
  });
}
