// The packed-panel product kernels of kernels/linalg.h (pack_b_kernel, packed_gemm_kernel) over
// cpu/packed_gemm.h's micro-kernel: B packed across the pool, then C's column panels split over the pool, each
// chunk walking A in L2-sized row blocks. Built per CPU capability; only the AVX-512 build has the kernel.
#include <algorithm>
#include <stdexcept>

#include "core/parallel.h"
#include "cpu/packed_gemm.h"
#include "kernels/linalg.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

#if defined(PYNN_CPU_CAPABILITY_AVX512)
using packed::kPanel;
using packed::kRows;

bool pack_impl(ScalarType dt, int64_t k, int64_t n, const void* b, int64_t sk, int64_t sn, Tensor* packed) {
  if (dt != ScalarType::Float32) return false;
  const int64_t panels = packed::panel_count(n);
  *packed = empty(Dims{panels, k, kPanel}, dt, Device{});
  const float* src = static_cast<const float*>(b);
  float* dst = (*packed)->data_ptr<float>();
  parallel_for(0, panels, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      packed::pack_panel(k, std::min<int64_t>(kPanel, n - p * kPanel), src + p * kPanel * sn, sk, sn,
                         dst + p * k * kPanel);
  });
  return true;
}

void packed_gemm_impl(ScalarType, int64_t m, int64_t n, int64_t k, RowsRef a, const Tensor& packed, bool accumulate,
                      RowsRef c) {
  const int64_t panels = packed::panel_count(n);
  const float* A = static_cast<const float*>(a.data);
  const float* P = packed->data_ptr<float>();
  float* C = static_cast<float*>(c.data);
  // Panels split over the pool. A chunk's panels pass over A in blocks of rows that stay in L2 (about 128 KiB of
  // A) beside the panel in use, so a long A (the sequence-wide products: 1600 rows) is read from L3 once per
  // block instead of once per panel (measured: 102 -> 106 GFLOP/s on 1600 x 512 x 2048).
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, m * k));
  const int64_t block_rows = std::max<int64_t>(kRows, 32768 / std::max<int64_t>(1, k) / kRows * kRows);
  parallel_for(0, panels, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t i0 = 0; i0 < m; i0 += block_rows) {
      const int64_t i1 = std::min<int64_t>(m, i0 + block_rows);
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t cols = std::min<int64_t>(kPanel, n - p * kPanel);
        packed::panel_rows(i0, i1, k, A, a.ld, P + p * k * kPanel, accumulate, C + p * kPanel, c.ld, cols);
      }
    }
  });
}
#else
// No packed path at this capability: the callers fall back to gemm_kernel's BLAS path.
bool pack_impl(ScalarType, int64_t, int64_t, const void*, int64_t, int64_t, Tensor*) { return false; }
void packed_gemm_impl(ScalarType, int64_t, int64_t, int64_t, RowsRef, const Tensor&, bool, RowsRef) {
  throw std::logic_error("[mm] packed gemm called without a packed operand");
}
#endif

}  // namespace

PYNN_REGISTER_CPU_KERNEL(pack_b_kernel, pack_impl);
PYNN_REGISTER_CPU_KERNEL(packed_gemm_kernel, packed_gemm_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
