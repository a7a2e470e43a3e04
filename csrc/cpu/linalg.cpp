// CPU matrix kernels: float32/float64 go to OpenBLAS (scipy-openblas32, symbols prefixed scipy_), integers to a
// plain blocked loop. A matrix with strides (ld, 1) or (1, ld) is handed to BLAS as is; anything else (expanded,
// stepped) is packed first.
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <type_traits>

#include "core/error.h"
#include "core/parallel.h"
#include "kernels/linalg.h"

namespace pynn {
namespace cpu {
namespace {

constexpr double kTinyGemm = 32768;  // m*n*k below which a batch is split by pynn, not OpenBLAS

inline bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

// How BLAS reads one rows x cols operand: row-major with leading dimension ld, transposed or not.
struct Layout {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

Layout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  Layout l;
  if ((cols == 1 || cs == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols))) {
    l.ok = true;
    l.ld = rows == 1 ? std::max<int64_t>(1, cols) : rs;
  } else if ((rows == 1 || rs == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows))) {
    l.ok = true;
    l.trans = true;
    l.ld = cols == 1 ? std::max<int64_t>(1, rows) : cs;
  }
  l.ok = l.ok && fits_int(l.ld);
  return l;
}

// Copies a strided batch of rows x cols matrices into a dense row-major buffer. A batch stride of 0
// (a broadcast operand) is packed once and stays shared.
template <typename T>
MatRef pack(const MatRef& m, int64_t batch, int64_t rows, int64_t cols, std::unique_ptr<T[]>& buf) {
  const int64_t nb = m.sb == 0 ? 1 : batch;
  buf.reset(new T[static_cast<size_t>(std::max<int64_t>(1, nb * rows * cols))]);
  const T* src = static_cast<const T*>(m.data);
  T* dst = buf.get();
  parallel_for(0, nb * rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, cols)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / rows, i = r % rows;
      const T* s = src + b * m.sb + i * m.si;
      T* d = dst + r * cols;
      for (int64_t j = 0; j < cols; ++j) d[j] = s[j * m.sj];
    }
  });
  return MatRef{dst, m.sb == 0 ? 0 : rows * cols, cols, 1};
}

// beta * C (0 when beta == 0) for an empty inner dimension.
template <typename T>
void scale_c(int64_t batch, int64_t m, int64_t n, T beta, const MatRef& c) {
  T* C = static_cast<T*>(c.data);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        T& v = C[b * c.sb + i * c.si + j * c.sj];
        v = beta == T(0) ? T(0) : static_cast<T>(beta * v);
      }
}

template <typename T>
struct Blas;

template <>
struct Blas<float> {
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, float alpha, const float* a,
                   blasint lda, const float* b, blasint ldb, float beta, float* c, blasint ldc) {
    scipy_cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  static void gemm_strided(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, float alpha,
                           const float* a, blasint lda, blasint sa, const float* b, blasint ldb, blasint sb, float beta,
                           float* c, blasint ldc, blasint sc, blasint batch) {
    scipy_cblas_sgemm_batch_strided(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc,
                                    batch);
  }
  static float dot(blasint n, const float* x, blasint incx, const float* y, blasint incy) {
    return scipy_cblas_sdot(n, x, incx, y, incy);
  }
};

template <>
struct Blas<double> {
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, double alpha,
                   const double* a, blasint lda, const double* b, blasint ldb, double beta, double* c, blasint ldc) {
    scipy_cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  static void gemm_strided(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, double alpha,
                           const double* a, blasint lda, blasint sa, const double* b, blasint ldb, blasint sb,
                           double beta, double* c, blasint ldc, blasint sc, blasint batch) {
    scipy_cblas_dgemm_batch_strided(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc,
                                    batch);
  }
  static double dot(blasint n, const double* x, blasint incx, const double* y, blasint incy) {
    return scipy_cblas_ddot(n, x, incx, y, incy);
  }
};

template <typename T>
void blas_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha, MatRef a, MatRef b, T beta, MatRef c) {
  PYNN_CHECK(fits_int(m) && fits_int(n) && fits_int(k), "gemm", "matrix dimensions (", m, "x", k, " and ", k, "x", n,
             ") exceed the 32-bit BLAS limit");
  PYNN_CHECK((n == 1 || c.sj == 1) && (m == 1 || c.si >= n), "gemm", "internal error: output is not row-major");
  const int64_t ldc = m == 1 ? std::max<int64_t>(1, n) : c.si;
  PYNN_CHECK(fits_int(ldc), "gemm", "output leading dimension exceeds the 32-bit BLAS limit");
  if (k == 0) return scale_c<T>(batch, m, n, beta, c);

  std::unique_ptr<T[]> abuf, bbuf;
  Layout la = blas_layout(m, k, a.si, a.sj);
  if (!la.ok) {
    a = pack<T>(a, batch, m, k, abuf);
    la = blas_layout(m, k, a.si, a.sj);
  }
  Layout lb = blas_layout(k, n, b.si, b.sj);
  if (!lb.ok) {
    b = pack<T>(b, batch, k, n, bbuf);
    lb = blas_layout(k, n, b.si, b.sj);
  }
  const CBLAS_TRANSPOSE ta = la.trans ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = lb.trans ? CblasTrans : CblasNoTrans;
  const T* A = static_cast<const T*>(a.data);
  const T* B = static_cast<const T*>(b.data);
  T* C = static_cast<T*>(c.data);
  if (batch == 1) {
    Blas<T>::gemm(ta, tb, (blasint)m, (blasint)n, (blasint)k, alpha, A, (blasint)la.ld, B, (blasint)lb.ld, beta, C,
                  (blasint)ldc);
  } else if (static_cast<double>(m) * n * k <= kTinyGemm) {
    // Many tiny products: OpenBLAS's batch threading costs more than the products (5x at 8x8x8 on two
    // threads). Split the batch over the pool instead; each call is far below OpenBLAS's own threading
    // threshold (m*n*k > 262144), so it runs single-threaded inside the region and nothing oversubscribes.
    const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, m * n * k));
    parallel_for(0, batch, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i)
        Blas<T>::gemm(ta, tb, (blasint)m, (blasint)n, (blasint)k, alpha, A + i * a.sb, (blasint)la.ld, B + i * b.sb,
                      (blasint)lb.ld, beta, C + i * c.sb, (blasint)ldc);
    });
  } else if (fits_int(batch) && fits_int(a.sb) && fits_int(b.sb) && fits_int(c.sb)) {
    Blas<T>::gemm_strided(ta, tb, (blasint)m, (blasint)n, (blasint)k, alpha, A, (blasint)la.ld, (blasint)a.sb, B,
                          (blasint)lb.ld, (blasint)b.sb, beta, C, (blasint)ldc, (blasint)c.sb, (blasint)batch);
  } else {
    for (int64_t i = 0; i < batch; ++i)
      Blas<T>::gemm(ta, tb, (blasint)m, (blasint)n, (blasint)k, alpha, A + i * a.sb, (blasint)la.ld, B + i * b.sb,
                    (blasint)lb.ld, beta, C + i * c.sb, (blasint)ldc);
  }
}

// Integer GEMM: operands packed dense, then an i-k-j loop over column blocks of C (the j loop vectorises).
// Arithmetic wraps like torch's (done in unsigned to stay defined).
template <typename T>
void int_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha, MatRef a, MatRef b, T beta, MatRef c) {
  using U = std::make_unsigned_t<T>;
  std::unique_ptr<T[]> abuf, bbuf;
  if (!(a.sj == 1 && a.si == k)) a = pack<T>(a, batch, m, k, abuf);
  if (!(b.sj == 1 && b.si == n)) b = pack<T>(b, batch, k, n, bbuf);
  const T* A = static_cast<const T*>(a.data);
  const T* B = static_cast<const T*>(b.data);
  T* C = static_cast<T*>(c.data);
  constexpr int64_t kCols = 256;
  const int64_t per_row = std::max<int64_t>(1, n * k);
  parallel_for(0, batch * m, std::max<int64_t>(1, 65536 / per_row), [&](int64_t r0, int64_t r1) {
    U acc[kCols];
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / m, i = r % m;
      const T* arow = A + bi * a.sb + i * k;
      const T* bmat = B + bi * b.sb;
      T* crow = C + bi * c.sb + i * c.si;
      for (int64_t j0 = 0; j0 < n; j0 += kCols) {
        const int64_t len = std::min(kCols, n - j0);
        for (int64_t j = 0; j < len; ++j) acc[j] = 0;
        for (int64_t p = 0; p < k; ++p) {
          const U av = static_cast<U>(arow[p]);
          const T* brow = bmat + p * n + j0;
          for (int64_t j = 0; j < len; ++j) acc[j] += av * static_cast<U>(brow[j]);
        }
        for (int64_t j = 0; j < len; ++j) {
          T& out = crow[(j0 + j) * c.sj];
          U v = static_cast<U>(alpha) * acc[j];
          if (beta != T(0)) v += static_cast<U>(beta) * static_cast<U>(out);
          out = static_cast<T>(v);
        }
      }
    }
  });
}

template <typename T>
T dot_impl(int64_t n, const T* X, int64_t incx, const T* Y, int64_t incy) {
  if constexpr (std::is_floating_point<T>::value) {
    // BLAS wants positive increments that fit an int; anything else takes the plain loop.
    if (n > 0 && fits_int(n) && incx > 0 && incy > 0 && fits_int(incx) && fits_int(incy))
      return Blas<T>::dot((blasint)n, X, (blasint)incx, Y, (blasint)incy);
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(X[i * incx]) * static_cast<double>(Y[i * incy]);
    return static_cast<T>(acc);
  } else {
    using U = std::make_unsigned_t<T>;
    U acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += static_cast<U>(X[i * incx]) * static_cast<U>(Y[i * incy]);
    return static_cast<T>(acc);
  }
}

// Big single float32 products with row-major A and C, alpha 1 and beta 0 or 1 (a Linear's forward and input
// gradient, the attention projections, the RNN loop's sequence-wide products) go to the packed-panel kernel
// where the CPU has one (AVX-512), from kPackedGemmMinMacs multiply-adds and kPackedGemmMinRows rows
// (kernels/linalg.h); everything else stays with OpenBLAS.

bool packed_gemm(int64_t m, int64_t n, int64_t k, const Scalar& alpha, MatRef a, MatRef b, const Scalar& beta,
                 MatRef c) {
  const double a_val = alpha.to<double>(), b_val = beta.to<double>();
  if (a_val != 1.0 || !(b_val == 0.0 || b_val == 1.0) || a.sj != 1 || c.sj != 1 || a.si < k || c.si < n ||
      m < kPackedGemmMinRows || static_cast<double>(m) * n * k < kPackedGemmMinMacs)
    return false;
  Tensor panels;
  if (!pack_b_kernel(Device{}, ScalarType::Float32, k, n, b.data, b.si, b.sj, &panels)) return false;
  packed_gemm_kernel(Device{}, ScalarType::Float32, m, n, k, RowsRef{a.data, a.si}, panels, b_val == 1.0,
                     RowsRef{c.data, c.si});
  return true;
}

void gemm_cpu(ScalarType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, const Scalar& alpha, MatRef a,
                 MatRef b, const Scalar& beta, MatRef c) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  switch (dtype) {
    case ScalarType::Float32:
      if (batch == 1 && k > 0 && packed_gemm(m, n, k, alpha, a, b, beta, c)) return;
      return blas_gemm<float>(batch, m, n, k, alpha.to<float>(), a, b, beta.to<float>(), c);
    case ScalarType::Float64:
      return blas_gemm<double>(batch, m, n, k, alpha.to<double>(), a, b, beta.to<double>(), c);
    case ScalarType::Int32:
      return int_gemm<int32_t>(batch, m, n, k, alpha.to<int32_t>(), a, b, beta.to<int32_t>(), c);
    case ScalarType::Int64:
      return int_gemm<int64_t>(batch, m, n, k, alpha.to<int64_t>(), a, b, beta.to<int64_t>(), c);
    default:
      throw NotImplementedError(str("[gemm] not implemented for dtype ", dtype_name(dtype)));
  }
}

void dot_cpu(ScalarType dtype, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy, void* out) {
  PYNN_DISPATCH_NUMERIC(dtype, "dot", [&] {
    *static_cast<scalar_t*>(out) = dot_impl<scalar_t>(n, static_cast<const scalar_t*>(x), incx,
                                                      static_cast<const scalar_t*>(y), incy);
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(gemm_kernel, gemm_cpu);
PYNN_REGISTER_CPU_KERNEL(dot_kernel, dot_cpu);

}  // namespace cpu
}  // namespace pynn
