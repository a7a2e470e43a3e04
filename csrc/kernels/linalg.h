// Kernel interface of the matrix family, shared by csrc/cpu and csrc/cuda. Operands come with their strides; all
// checks happened in csrc/ops/linalg.cpp.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/scalar.h"

namespace pynn {

// Strided batch of matrices: element (b, i, j) lives at data + b * sb + i * si + j * sj (in elements).
struct MatRef {
  void* data = nullptr;
  int64_t sb = 0, si = 0, sj = 0;
};

// C[b] = alpha * A[b] @ B[b] + beta * C[b] for b < batch, with A[b] m x k, B[b] k x n, C[b] m x n.
// beta == 0 ignores C's previous contents (NaN included). C's elements must be distinct and not overlap
// A or B. dtype: Float32, Float64, Int32 or Int64 (all operands share it).
using gemm_fn = void (*)(ScalarType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, const Scalar& alpha,
                         MatRef a, MatRef b, const Scalar& beta, MatRef c);
// *out = sum_i x[i * incx] * y[i * incy]; dtype as gemm; out points at the result tensor's element.
using dot_fn = void (*)(ScalarType dtype, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy,
                        void* out);

PYNN_DECLARE_KERNEL(gemm_kernel, gemm_fn);
PYNN_DECLARE_KERNEL(dot_kernel, dot_fn);

}  // namespace pynn
