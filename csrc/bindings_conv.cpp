// Convolution and pooling ops as private _C functions (pynn/functional.py gives them torch's signatures).
#include "bindings.h"
#include "ops/conv.h"
#include "ops/pool.h"

using namespace pynn;
using pynn_py::int_list;
using pynn_py::run_released;

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : nullptr; }
py::tuple pair(const std::pair<Tensor, Tensor>& p) { return py::make_tuple(p.first, p.second); }

// conv1d / conv2d: padding is an int, a sequence of ints, or 'valid' / 'same'.
template <typename Explicit, typename Named>
Tensor conv(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride, py::handle padding,
            py::handle dilation, int64_t groups, const char* op, Explicit by_value, Named by_name) {
  const std::vector<int64_t> s = int_list(stride, op), d = int_list(dilation, op);
  if (py::isinstance<py::str>(padding)) {
    const std::string pad = py::cast<std::string>(padding);
    return run_released({x, w}, [&] { return by_name(x, w, opt(b), s, pad, d, groups); });
  }
  const std::vector<int64_t> pad = int_list(padding, op);
  return run_released({x, w}, [&] { return by_value(x, w, opt(b), s, pad, d, groups); });
}

}  // namespace

void bind_conv(py::module_& m) {
  using Ints = const std::vector<int64_t>&;
  m.def("_conv1d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride,
                      py::handle padding, py::handle dilation, int64_t groups) {
    return conv(x, w, b, stride, padding, dilation, groups, "conv1d",
                [](const Tensor& x, const Tensor& w, const Tensor& b, Ints s, Ints p, Ints d, int64_t g) {
                  return conv1d(x, w, b, s, p, d, g);
                },
                [](const Tensor& x, const Tensor& w, const Tensor& b, Ints s, const std::string& p, Ints d,
                   int64_t g) { return conv1d(x, w, b, s, p, d, g); });
  });
  m.def("_conv2d", [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b, py::handle stride,
                      py::handle padding, py::handle dilation, int64_t groups) {
    return conv(x, w, b, stride, padding, dilation, groups, "conv2d",
                [](const Tensor& x, const Tensor& w, const Tensor& b, Ints s, Ints p, Ints d, int64_t g) {
                  return conv2d(x, w, b, s, p, d, g);
                },
                [](const Tensor& x, const Tensor& w, const Tensor& b, Ints s, const std::string& p, Ints d,
                   int64_t g) { return conv2d(x, w, b, s, p, d, g); });
  });
  m.def("_conv_transpose", [](int spatial, const Tensor& x, const Tensor& w, const std::optional<Tensor>& b,
                              py::handle stride, py::handle padding, py::handle output_padding, int64_t groups,
                              py::handle dilation) {
    const char* op = spatial == 1 ? "conv_transpose1d" : "conv_transpose2d";
    const auto s = int_list(stride, op), p = int_list(padding, op), o = int_list(output_padding, op),
               d = int_list(dilation, op);
    return run_released({x, w}, [&] {
      return spatial == 1 ? conv_transpose1d(x, w, opt(b), s, p, o, groups, d)
                          : conv_transpose2d(x, w, opt(b), s, p, o, groups, d);
    });
  });

  m.def("_max_pool", [](int spatial, const Tensor& x, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                        std::vector<int64_t> padding, std::vector<int64_t> dilation, bool ceil_mode) {
    return pair(run_released({x}, [&] { return max_pool_nd(spatial, x, kernel, stride, padding, dilation, ceil_mode); }));
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
  m.def("_adaptive_max_pool", [](int spatial, const Tensor& x, std::vector<int64_t> output_size) {
    return pair(run_released({x}, [&] { return adaptive_max_pool_nd(spatial, x, output_size); }));
  });
}
