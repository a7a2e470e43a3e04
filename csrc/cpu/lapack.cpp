// CPU factorizations on OpenBLAS's LAPACK (scipy-openblas32: LAPACKE with the scipy_ prefix, 32-bit ints).
// LAPACKE's row-major entry points take pynn's layout directly. Matrices of one batch are independent and run
// one after another; LAPACK threads each through OpenBLAS.
#include <lapacke.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "kernels/lapack.h"

namespace pynn {
namespace cpu {
namespace {

lapack_int to_int(int64_t v) {
  PYNN_CHECK(v >= 0 && v <= INT_MAX, "linalg", "matrix dimension ", v, " exceeds the 32-bit LAPACK limit");
  return static_cast<lapack_int>(v);
}

template <typename T>
struct Lapack;

#define PYNN_LAPACK_TRAITS(T, P)                                                                                     \
  template <>                                                                                                      \
  struct Lapack<T> {                                                                                               \
    static lapack_int getrf(lapack_int n, T* a, lapack_int* piv) {                                                 \
      return scipy_LAPACKE_##P##getrf(LAPACK_ROW_MAJOR, n, n, a, n, piv);                                          \
    }                                                                                                              \
    static lapack_int getrs(lapack_int n, lapack_int nrhs, const T* lu, const lapack_int* piv, T* b) {             \
      return scipy_LAPACKE_##P##getrs(LAPACK_ROW_MAJOR, 'N', n, nrhs, lu, n, piv, b, nrhs);                        \
    }                                                                                                              \
    static lapack_int sytrf(lapack_int n, T* a, lapack_int* piv) {                                                 \
      return scipy_LAPACKE_##P##sytrf(LAPACK_ROW_MAJOR, 'L', n, a, n, piv);                                       \
    }                                                                                                              \
    static lapack_int sytrs(lapack_int n, lapack_int nrhs, const T* ld, const lapack_int* piv, T* b) {             \
      return scipy_LAPACKE_##P##sytrs(LAPACK_ROW_MAJOR, 'L', n, nrhs, ld, n, piv, b, nrhs);                       \
    }                                                                                                              \
    static lapack_int potrf(char uplo, lapack_int n, T* a) { return scipy_LAPACKE_##P##potrf(LAPACK_ROW_MAJOR, uplo, n, a, n); } \
    static lapack_int geqrf(lapack_int m, lapack_int n, T* a, T* tau) {                                            \
      return scipy_LAPACKE_##P##geqrf(LAPACK_ROW_MAJOR, m, n, a, n, tau);                                          \
    }                                                                                                              \
    static lapack_int orgqr(lapack_int m, lapack_int n, lapack_int k, T* a, const T* tau) {                        \
      return scipy_LAPACKE_##P##orgqr(LAPACK_ROW_MAJOR, m, n, k, a, n, tau);                                       \
    }                                                                                                              \
    static lapack_int syevd(char jobz, char uplo, lapack_int n, T* a, T* w) {                                      \
      return scipy_LAPACKE_##P##syevd(LAPACK_ROW_MAJOR, jobz, uplo, n, a, n, w);                                   \
    }                                                                                                              \
    static lapack_int gesdd(char jobz, lapack_int m, lapack_int n, T* a, T* s, T* u, lapack_int ldu, T* vt,        \
                            lapack_int ldvt) {                                                                     \
      return scipy_LAPACKE_##P##gesdd(LAPACK_ROW_MAJOR, jobz, m, n, a, n, s, u, ldu, vt, ldvt);                    \
    }                                                                                                              \
  };
PYNN_LAPACK_TRAITS(float, s)
PYNN_LAPACK_TRAITS(double, d)
#undef PYNN_LAPACK_TRAITS

template <typename F>
void dispatch(ScalarType dt, const char* op, F f) {
  if (dt == ScalarType::Float32) return f(float());
  if (dt == ScalarType::Float64) return f(double());
  throw TypeError(str("[", op, "] expected a float32 or float64 tensor, got ", dtype_name(dt)));
}

// LAPACK's info < 0 means a bad argument: a bug on our side, never the user's input.
void check_args(lapack_int info, const char* routine) {
  PYNN_CHECK(info >= 0, "linalg", "internal error: LAPACK ", routine, " rejected argument ", -info);
}

void lu_factor_cpu(ScalarType dt, int64_t batch, int64_t n, void* a, int32_t* piv, int32_t* info) {
  dispatch(dt, "linalg.lu_factor", [&](auto zero) {
    using T = decltype(zero);
    const lapack_int ni = to_int(n);
    for (int64_t b = 0; b < batch; ++b) {
      info[b] = n == 0 ? 0 : Lapack<T>::getrf(ni, static_cast<T*>(a) + b * n * n, piv + b * n);
      check_args(info[b], "getrf");
    }
  });
}

// b <- A^-1 b per matrix from its factors through `routine` (getrs, sytrs): solve(T-typed zero, n, nrhs,
// factors, pivots, b) returns LAPACK's info.
template <typename Solve>
void solve_each(ScalarType dt, const char* op, const char* routine, int64_t batch, int64_t n, int64_t nrhs,
                const void* factors, const int32_t* piv, void* rhs, Solve solve) {
  dispatch(dt, op, [&](auto zero) {
    using T = decltype(zero);
    const lapack_int ni = to_int(n), ki = to_int(nrhs);
    if (n == 0 || nrhs == 0) return;
    for (int64_t b = 0; b < batch; ++b)
      check_args(solve(zero, ni, ki, static_cast<const T*>(factors) + b * n * n, piv + b * n,
                       static_cast<T*>(rhs) + b * n * nrhs),
                 routine);
  });
}

void lu_solve_cpu(ScalarType dt, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* piv, void* rhs) {
  solve_each(dt, "linalg.lu_solve", "getrs", batch, n, nrhs, lu, piv, rhs,
             [](auto zero, lapack_int ni, lapack_int ki, const auto* f, const lapack_int* p, auto* b) {
               return Lapack<decltype(zero)>::getrs(ni, ki, f, p, b);
             });
}

void ldl_factor_cpu(ScalarType dt, int64_t batch, int64_t n, void* a, int32_t* piv, int32_t* info) {
  dispatch(dt, "linalg.ldl_factor", [&](auto zero) {
    using T = decltype(zero);
    const lapack_int ni = to_int(n);
    for (int64_t b = 0; b < batch; ++b) {
      T* m = static_cast<T*>(a) + b * n * n;
      info[b] = n == 0 ? 0 : Lapack<T>::sytrf(ni, m, piv + b * n);
      check_args(info[b], "sytrf");
      for (int64_t i = 0; i < n; ++i) std::fill(m + i * n + i + 1, m + (i + 1) * n, T(0));
    }
  });
}

void ldl_solve_cpu(ScalarType dt, int64_t batch, int64_t n, int64_t nrhs, const void* ld, const int32_t* piv,
                   void* rhs) {
  solve_each(dt, "linalg.ldl_solve", "sytrs", batch, n, nrhs, ld, piv, rhs,
             [](auto zero, lapack_int ni, lapack_int ki, const auto* f, const lapack_int* p, auto* b) {
               return Lapack<decltype(zero)>::sytrs(ni, ki, f, p, b);
             });
}

void cholesky_cpu(ScalarType dt, int64_t batch, int64_t n, void* a, bool upper, int32_t* info) {
  dispatch(dt, "linalg.cholesky", [&](auto zero) {
    using T = decltype(zero);
    const lapack_int ni = to_int(n);
    for (int64_t b = 0; b < batch; ++b) {
      T* m = static_cast<T*>(a) + b * n * n;
      info[b] = n == 0 ? 0 : Lapack<T>::potrf(upper ? 'U' : 'L', ni, m);
      check_args(info[b], "potrf");
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
          if (upper ? j < i : j > i) m[i * n + j] = T(0);
    }
  });
}

void qr_cpu(ScalarType dt, int64_t batch, int64_t m, int64_t n, void* a, void* tau, void* q, int64_t qcols) {
  dispatch(dt, "linalg.qr", [&](auto zero) {
    using T = decltype(zero);
    const int64_t k = std::min(m, n);
    const lapack_int mi = to_int(m), ni = to_int(n), ki = to_int(k), qi = to_int(qcols);
    for (int64_t b = 0; b < batch; ++b) {
      T* ab = static_cast<T*>(a) + b * m * n;
      T* tb = static_cast<T*>(tau) + b * k;
      if (k > 0) check_args(Lapack<T>::geqrf(mi, ni, ab, tb), "geqrf");
      if (!q) continue;
      T* qb = static_cast<T*>(q) + b * m * qcols;
      // Q's first columns start as the reflectors below a's diagonal.
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < qcols; ++j) qb[i * qcols + j] = j < n ? ab[i * n + j] : T(0);
      if (m > 0 && qcols > 0) check_args(Lapack<T>::orgqr(mi, qi, ki, qb, tb), "orgqr");
    }
  });
}

void eigh_cpu(ScalarType dt, int64_t batch, int64_t n, void* a, void* w, bool vectors, bool lower, int32_t* info) {
  dispatch(dt, "linalg.eigh", [&](auto zero) {
    using T = decltype(zero);
    const lapack_int ni = to_int(n);
    for (int64_t b = 0; b < batch; ++b) {
      info[b] = n == 0 ? 0
                       : Lapack<T>::syevd(vectors ? 'V' : 'N', lower ? 'L' : 'U', ni, static_cast<T*>(a) + b * n * n,
                                          static_cast<T*>(w) + b * n);
      check_args(info[b], "syevd");
    }
  });
}

void svd_cpu(ScalarType dt, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vt, bool compute_uv,
             bool full, int32_t* info) {
  dispatch(dt, "linalg.svd", [&](auto zero) {
    using T = decltype(zero);
    const int64_t k = std::min(m, n);
    const int64_t ucols = full ? m : k, vrows = full ? n : k;
    const lapack_int mi = to_int(m), ni = to_int(n);
    const char jobz = compute_uv ? (full ? 'A' : 'S') : 'N';
    T dummy[1] = {T(0)};
    for (int64_t b = 0; b < batch; ++b) {
      T* ub = compute_uv ? static_cast<T*>(u) + b * m * ucols : dummy;
      T* vb = compute_uv ? static_cast<T*>(vt) + b * vrows * n : dummy;
      if (k == 0) {  // LAPACK refuses empty matrices; full factors of an empty matrix are identities
        info[b] = 0;
        if (compute_uv) {
          for (int64_t i = 0; i < m * ucols; ++i) ub[i] = (i / std::max<int64_t>(ucols, 1) == i % std::max<int64_t>(ucols, 1)) ? T(1) : T(0);
          for (int64_t i = 0; i < vrows * n; ++i) vb[i] = (i / std::max<int64_t>(n, 1) == i % std::max<int64_t>(n, 1)) ? T(1) : T(0);
        }
        continue;
      }
      info[b] = Lapack<T>::gesdd(jobz, mi, ni, static_cast<T*>(a) + b * m * n, static_cast<T*>(s) + b * k, ub,
                                 to_int(compute_uv ? std::max<int64_t>(ucols, 1) : 1), vb,
                                 to_int(compute_uv ? n : 1));
      check_args(info[b], "gesdd");
    }
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(lu_factor_kernel, lu_factor_cpu);
PYNN_REGISTER_CPU_KERNEL(lu_solve_kernel, lu_solve_cpu);
PYNN_REGISTER_CPU_KERNEL(ldl_factor_kernel, ldl_factor_cpu);
PYNN_REGISTER_CPU_KERNEL(ldl_solve_kernel, ldl_solve_cpu);
PYNN_REGISTER_CPU_KERNEL(cholesky_kernel, cholesky_cpu);
PYNN_REGISTER_CPU_KERNEL(qr_kernel, qr_cpu);
PYNN_REGISTER_CPU_KERNEL(eigh_kernel, eigh_cpu);
PYNN_REGISTER_CPU_KERNEL(svd_kernel, svd_cpu);

}  // namespace cpu
}  // namespace pynn
