// Kernel interface of the matrix family, shared by csrc/cpu and csrc/cuda. Operands come with their strides; all
// checks happened in csrc/ops/linalg.cpp.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/scalar.h"
#include "core/tensor.h"

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

// Row-major rows of a bigger buffer: row r starts at data + r * ld (in elements), its columns contiguous.
struct RowsRef {
  void* data = nullptr;
  int64_t ld = 0;
};

// Products C (m x n) (+)= A (m x k) @ B (k x n) against B packed into the CPU kernel's panels
// (cpu/packed_gemm.h): by the RNN time loop (a weight packed once per sequence) and by gemm_kernel for big
// float32 products. Element (k, n) of the source is at b + k * sk + n * sn. A capability (or dtype) without a
// packed kernel returns false from pack_b and the caller uses gemm_kernel's BLAS path.
using pack_b_fn = bool (*)(ScalarType dtype, int64_t k, int64_t n, const void* b, int64_t sk, int64_t sn,
                           Tensor* packed);
using packed_gemm_fn = void (*)(ScalarType dtype, int64_t m, int64_t n, int64_t k, RowsRef a, const Tensor& packed,
                                bool accumulate, RowsRef c);
// From this many multiply-adds (and kPackedGemmMinRows rows of A) a product repays packing B for one use: the CPU
// gemm_kernel's rule for its packed path, and the RNN loop's for the weight gradients it packs itself. Measured
// at 2048 x 256 x 768 and LSTM(256, 512)'s 1600-row products: 105-112 GFLOP/s against OpenBLAS's 94-102 at 1
// thread, packing included.
constexpr double kPackedGemmMinMacs = double(int64_t(1) << 22);
constexpr int64_t kPackedGemmMinRows = 128;

PYNN_DECLARE_KERNEL(gemm_kernel, gemm_fn);
PYNN_DECLARE_KERNEL(dot_kernel, dot_fn);
PYNN_DECLARE_KERNEL(pack_b_kernel, pack_b_fn);
PYNN_DECLARE_KERNEL(packed_gemm_kernel, packed_gemm_fn);

}  // namespace pynn
