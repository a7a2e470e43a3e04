// softmax / log_softmax CPU kernels, compiled once per CPU capability (CMake's PYNN_CPU_ISA_SOURCES).
#include <cmath>

#include "cpu/rows.h"
#include "cpu/vec/math.h"
#include "kernels/softmax.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// Row sums accumulate in double: float32 rows of thousands of elements keep full precision. kContig makes
// the stride a compile-time 1, so the max, exp and lane-sum loops vectorize.
template <typename T, bool kContig>
void softmax_rows(T* out, const T* x, const RowGeom& g, bool is_log, int64_t r0, int64_t r1) {
  const int64_t n = g.size, st = kContig ? 1 : g.inner;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t base = row_base(g, r);
    const T* xr = x + base;
    T* yr = out + base;
    const T m = vec::max_of<T>(n, [&](int64_t i) { return xr[i * st]; });
    if (is_log) {
      const double s = vec::sum_of<double>(n, [&](int64_t i) { return vec::exp_nonpositive(xr[i * st] - m); });
      const T shift = m + static_cast<T>(std::log(s));
      for (int64_t i = 0; i < n; ++i) yr[i * st] = xr[i * st] - shift;
    } else {
      for (int64_t i = 0; i < n; ++i) yr[i * st] = vec::exp_nonpositive(xr[i * st] - m);
      const double s = vec::sum_of<double>(n, [&](int64_t i) { return yr[i * st]; });
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t i = 0; i < n; ++i) yr[i * st] *= inv;
    }
  }
}

template <typename T, bool kContig>
void softmax_backward_rows(T* gx, const T* gy, const T* y, const RowGeom& g, bool is_log, int64_t r0, int64_t r1) {
  const int64_t n = g.size, st = kContig ? 1 : g.inner;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t base = row_base(g, r);
    const T* gr = gy + base;
    const T* yr = y + base;
    T* o = gx + base;
    if (is_log) {
      const T s = static_cast<T>(vec::sum_of<double>(n, [&](int64_t i) { return gr[i * st]; }));
      for (int64_t i = 0; i < n; ++i) o[i * st] = gr[i * st] - vec::exp_nonpositive(yr[i * st]) * s;
    } else {
      const T s = static_cast<T>(
          vec::sum_of<double>(n, [&](int64_t i) { return static_cast<double>(gr[i * st]) * yr[i * st]; }));
      for (int64_t i = 0; i < n; ++i) o[i * st] = yr[i * st] * (gr[i * st] - s);
    }
  }
}

void softmax_impl(const Tensor& out, const Tensor& x, const RowGeom& g, bool is_log) {
  PYNN_DISPATCH_FLOAT(x->dtype(), is_log ? "log_softmax" : "softmax", [&] {
    scalar_t* o = out->data_ptr<scalar_t>();
    const scalar_t* in = x->data_ptr<scalar_t>();
    for_rows(g, [&](int64_t b, int64_t e) {
      if (g.inner == 1) softmax_rows<scalar_t, true>(o, in, g, is_log, b, e);
      else softmax_rows<scalar_t, false>(o, in, g, is_log, b, e);
    });
  });
}

void softmax_backward_impl(const Tensor& grad_x, const Tensor& grad, const Tensor& out, const RowGeom& g,
                           bool is_log) {
  PYNN_DISPATCH_FLOAT(out->dtype(), is_log ? "log_softmax_backward" : "softmax_backward", [&] {
    scalar_t* gx = grad_x->data_ptr<scalar_t>();
    const scalar_t* gy = grad->data_ptr<scalar_t>();
    const scalar_t* y = out->data_ptr<scalar_t>();
    for_rows(g, [&](int64_t b, int64_t e) {
      if (g.inner == 1) softmax_backward_rows<scalar_t, true>(gx, gy, y, g, is_log, b, e);
      else softmax_backward_rows<scalar_t, false>(gx, gy, y, g, is_log, b, e);
    });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(softmax_kernel, softmax_impl);
PYNN_REGISTER_CPU_KERNEL(softmax_backward_kernel, softmax_backward_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
