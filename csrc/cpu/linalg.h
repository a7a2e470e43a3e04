// CPU matrix kernels. float32/float64 go to OpenBLAS (scipy-openblas32, symbols prefixed scipy_), integers
// to a plain blocked loop. Operands come with their strides; a matrix with strides (ld, 1) or (1, ld) is
// handed to BLAS as is, anything else (expanded, stepped) is packed first. All checks happened in csrc/ops.
#pragma once
#include <cstdint>

#include "core/scalar.h"
#include "core/tensor.h"

namespace pynn {
namespace cpu {

// Strided batch of matrices: element (b, i, j) lives at data + b * sb + i * si + j * sj (in elements).
struct MatRef {
  void* data = nullptr;
  int64_t sb = 0, si = 0, sj = 0;
};

// C[b] = alpha * A[b] @ B[b] + beta * C[b] for b < batch, with A[b] m x k, B[b] k x n, C[b] m x n.
// beta == 0 ignores C's previous contents (NaN included). C's elements must be distinct and not overlap
// A or B. dtype: Float32, Float64, Int32 or Int64 (all operands share it).
void gemm_kernel(ScalarType dtype, int64_t batch, int64_t m, int64_t n, int64_t k, const Scalar& alpha, MatRef a,
                 MatRef b, const Scalar& beta, MatRef c);

// *out = sum_i x[i * incx] * y[i * incy]; dtype as gemm_kernel.
void dot_kernel(ScalarType dtype, int64_t n, const void* x, int64_t incx, const void* y, int64_t incy, void* out);

}  // namespace cpu
}  // namespace pynn
