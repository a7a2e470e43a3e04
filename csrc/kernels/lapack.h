// Kernel interface of the LAPACK family (factorizations), shared by csrc/cpu and csrc/cuda. Every matrix is a
// contiguous row-major batch (matrix b of a (batch, rows, cols) buffer starts at b * rows * cols); dtype Float32
// or Float64. Kernels report LAPACK's info per matrix (0: success) and never throw on numerical failure: the op
// turns info into torch's error. All shape checks happened in csrc/ops/lapack.cpp.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/dtype.h"

namespace pynn {

// a (batch, n, n) -> its LU factors in place, piv (batch, n) 1-based row swaps (getrf).
using lu_factor_fn = void (*)(ScalarType dt, int64_t batch, int64_t n, void* a, int32_t* piv, int32_t* info);
// b (batch, n, nrhs) <- A^-1 b from getrf's factors (getrs); lu and piv as lu_factor leaves them.
using lu_solve_fn = void (*)(ScalarType dt, int64_t batch, int64_t n, int64_t nrhs, const void* lu, const int32_t* piv,
                             void* b);
// a (batch, n, n) -> its Cholesky factor in place (lower, or upper when `upper`); the other triangle is zeroed.
using cholesky_fn = void (*)(ScalarType dt, int64_t batch, int64_t n, void* a, bool upper, int32_t* info);
// a (batch, m, n) -> geqrf's packed R and reflectors in place, tau (batch, min(m, n)); when q is not null,
// q (batch, m, qcols) receives the first qcols columns of Q (orgqr), qcols = min(m, n) or m.
using qr_fn = void (*)(ScalarType dt, int64_t batch, int64_t m, int64_t n, void* a, void* tau, void* q, int64_t qcols);
// a (batch, n, n) symmetric, read from the `lower` or upper triangle -> w (batch, n) ascending eigenvalues and,
// when vectors, the eigenvectors as a's columns (syevd).
using eigh_fn = void (*)(ScalarType dt, int64_t batch, int64_t n, void* a, void* w, bool vectors, bool lower,
                         int32_t* info);
// a (batch, m, n), destroyed -> s (batch, k), k = min(m, n); with compute_uv, u (batch, m, ucols) and
// vt (batch, vrows, n), where ucols = vrows = k (reduced) or m and n (full) (gesdd).
using svd_fn = void (*)(ScalarType dt, int64_t batch, int64_t m, int64_t n, void* a, void* s, void* u, void* vt,
                        bool compute_uv, bool full, int32_t* info);

// a (batch, n, n) symmetric, read from its lower triangle -> Bunch-Kaufman's L and D in place (sytrf; the strict
// upper triangle zeroed, as torch returns it), piv (batch, n) LAPACK's 1-based pivots (equal negative pairs
// for 2x2 blocks of D).
using ldl_factor_fn = void (*)(ScalarType dt, int64_t batch, int64_t n, void* a, int32_t* piv, int32_t* info);
// b (batch, n, nrhs) <- A^-1 b from sytrf's factors (sytrs); the op has checked the pivots.
using ldl_solve_fn = void (*)(ScalarType dt, int64_t batch, int64_t n, int64_t nrhs, const void* ld,
                              const int32_t* piv, void* b);

PYNN_DECLARE_KERNEL(lu_factor_kernel, lu_factor_fn);
PYNN_DECLARE_KERNEL(ldl_factor_kernel, ldl_factor_fn);
PYNN_DECLARE_KERNEL(ldl_solve_kernel, ldl_solve_fn);
PYNN_DECLARE_KERNEL(lu_solve_kernel, lu_solve_fn);
PYNN_DECLARE_KERNEL(cholesky_kernel, cholesky_fn);
PYNN_DECLARE_KERNEL(qr_kernel, qr_fn);
PYNN_DECLARE_KERNEL(eigh_kernel, eigh_fn);
PYNN_DECLARE_KERNEL(svd_kernel, svd_fn);

}  // namespace pynn
