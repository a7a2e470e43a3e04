// CPU binary search and running-extreme / log-sum-exp scans. Rows (searchsorted) and lines (scans) are independent
// and split over the pool; each line is one sequential pass.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/parallel.h"
#include "kernels/search.h"

namespace pynn {
namespace cpu {
namespace {

void searchsorted_cpu(ScalarType dt, int64_t rows, int64_t n, int64_t m, const void* seq, bool seq_shared,
                      const void* values, void* out, bool out_int32, bool right) {
  PYNN_DISPATCH_NUMERIC(dt, "searchsorted", [&] {
    const scalar_t* s = static_cast<const scalar_t*>(seq);
    const scalar_t* v = static_cast<const scalar_t*>(values);
    parallel_for(0, rows * m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n > 1 ? 64 - __builtin_clzll(n) : 1)),
                 [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const scalar_t* row = s + (seq_shared ? 0 : (k / m) * n);
        const scalar_t x = v[k];
        const scalar_t* p = right ? std::upper_bound(row, row + n, x) : std::lower_bound(row, row + n, x);
        const int64_t pos = p - row;
        if (out_int32) static_cast<int32_t*>(out)[k] = static_cast<int32_t>(pos);
        else static_cast<int64_t*>(out)[k] = pos;
      }
    });
  });
}

template <typename T>
bool is_nan(T x) {
  if constexpr (std::is_floating_point<T>::value) return std::isnan(x);
  return false;
}

template <typename T>
void scan_line(ScanOp op, int64_t n, int64_t inner, const T* x, T* out, int64_t* idx) {
  if (n == 0) return;
  if constexpr (std::is_floating_point<T>::value) {  // logcumsumexp is defined for floating types only
    if (op == ScanOp::LogSumExp) {
      // Running (max, sum of exp(x - max)): stable for any spread of values.
      T m = x[0];
      T acc = T(1);
      out[0] = x[0];
      for (int64_t i = 1; i < n; ++i) {
        const T v = x[i * inner];
        if (std::isnan(v) || std::isnan(m)) {
          m = std::numeric_limits<T>::quiet_NaN();
          out[i * inner] = m;
          continue;
        }
        if (v > m) {
          acc = (std::isinf(m) ? T(0) : acc * std::exp(m - v)) + T(1);
          m = v;
        } else {
          acc += std::isinf(v) && v < 0 ? T(0) : std::exp(v - m);
        }
        out[i * inner] = std::isinf(m) ? m : m + std::log(acc);
      }
      return;
    }
  }
  const bool is_max = op == ScanOp::Max;
  T best = x[0];
  int64_t at = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i * inner];
    if (i > 0 && !is_nan(best) && (is_nan(v) || (is_max ? v >= best : v <= best))) {
      best = v;
      at = i;
    }
    out[i * inner] = best;
    idx[i * inner] = at;
  }
}

void scan_cpu(ScanOp op, ScalarType dt, int64_t outer, int64_t n, int64_t inner, const void* x, void* values,
              int64_t* indices) {
  auto run = [&](auto zero) {
    using T = decltype(zero);
    const T* xs = static_cast<const T*>(x);
    T* vs = static_cast<T*>(values);
    parallel_for(0, outer * inner, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
      for (int64_t line = b; line < e; ++line) {
        const int64_t o = line / inner, j = line % inner;
        const int64_t base = o * n * inner + j;
        scan_line<T>(op, n, inner, xs + base, vs + base, indices ? indices + base : nullptr);
      }
    });
  };
  if (op == ScanOp::LogSumExp) {
    if (dt == ScalarType::Float32) return run(float());
    if (dt == ScalarType::Float64) return run(double());
    throw TypeError(str("[logcumsumexp] not implemented for dtype ", dtype_name(dt)));
  }
  switch (dt) {
    case ScalarType::Float32: return run(float());
    case ScalarType::Float64: return run(double());
    case ScalarType::Int32: return run(int32_t());
    case ScalarType::Int64: return run(int64_t());
    case ScalarType::Bool: return run(bool());
    default: throw TypeError(str("[", op == ScanOp::Max ? "cummax" : "cummin", "] not implemented for dtype ", dtype_name(dt)));
  }
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(searchsorted_kernel, searchsorted_cpu);
PYNN_REGISTER_CPU_KERNEL(scan_kernel, scan_cpu);

}  // namespace cpu
}  // namespace pynn
