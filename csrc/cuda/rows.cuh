// Row helpers shared by the CUDA softmax and loss kernels (the device side of cpu/rows.h's row_base).
#pragma once
#include <cmath>

#include "kernels/softmax.h"

namespace pynn {
namespace cuda {

__device__ __forceinline__ int64_t row_base(const RowGeom& g, int64_t r) {
  return g.inner == 1 ? r * g.size : (r / g.inner) * g.size * g.inner + r % g.inner;
}

// The row's max (NaN wins), elements `st` apart; -inf for an empty row.
template <typename T>
__device__ __forceinline__ T row_max(const T* x, int64_t n, int64_t st) {
  T m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i * st];
    if (v > m || v != v) m = v;
  }
  return m;
}

// max and logsumexp of a row; a row of -inf (or holding +inf) stays -inf/+inf instead of turning NaN.
template <typename T>
__device__ __forceinline__ T row_lse(const T* x, int64_t n, int64_t st) {
  const T m = row_max(x, n, st);
  const T shift = ::isinf(m) ? T(0) : m;
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(::exp(x[i * st] - shift));
  return shift + static_cast<T>(::log(s));
}

}  // namespace cuda
}  // namespace pynn
