// Products against B packed in column panels (float, AVX-512): the micro-kernel and panel layout behind
// cpu/packed_gemm.cpp's pack_b / packed_gemm kernels (big float32 gemm_kernel products, the RNN time loop's
// weights packed once per sequence) and the convolution, whose im2col writes its columns straight into panels.
// Include only from the per-capability kernel files (CMake's PYNN_CPU_ISA_SOURCES); the code exists only under
// PYNN_CPU_CAPABILITY_AVX512.
//
// Layout: B (k x n) as ceil(n / kPanel) panels, each k-major: kPanel contiguous floats per k, zero past n.
// C is computed in blocks of up to kRows rows x one panel, 16 accumulators in registers; A is read row-major
// (a[r * lda + kk]), one broadcast per row and k. Measured on this Zen 4 core: 106-112 GFLOP/s from L2-resident
// panels (the core's peak is 117), against OpenBLAS's 94-100 on the same products with its packing. An 8 x 48
// tile was 4% faster at one thread and 9% slower at two (its 48-column panels split unevenly) and was dropped.
#pragma once
#if defined(PYNN_CPU_CAPABILITY_AVX512)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "core/dispatch.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace packed {
namespace {

constexpr int64_t kPanel = 32, kRows = 8;

// C (MR rows, ldc apart; cols <= kPanel of them real, the rest masked off) (+)= A's MR rows @ one panel. A is
// row-major (element (r, kk) at a[r * lda + kk]) or, kColA, column-major (at a[kk * lda + r]: a transposed
// operand read in place, its MR values per k in one cache line). Column-major suits a short A (the conv input
// gradient's W^T, K x C with C <= a few hundred); measured on long ones (dY^T of 1024-2048 rows, k 1600-2048) it
// ran at 67-84 GFLOP/s against 94-99 for OpenBLAS and 105-110 for a transposed copy read row-major.
template <int MR, bool kColA>
void micro(int64_t k, const float* a, int64_t lda, const float* panel, bool accumulate, float* c, int64_t ldc,
           int64_t cols) {
  __m512 acc[MR][2];
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xffff) : cols <= 16 ? __mmask16(0) : __mmask16((1u << (cols - 16)) - 1);
  for (int r = 0; r < MR; ++r) {
    acc[r][0] = accumulate ? _mm512_maskz_loadu_ps(m0, c + r * ldc) : _mm512_setzero_ps();
    acc[r][1] = accumulate ? _mm512_maskz_loadu_ps(m1, c + r * ldc + 16) : _mm512_setzero_ps();
  }
  for (int64_t kk = 0; kk < k; ++kk) {
    const __m512 b0 = _mm512_loadu_ps(panel + kk * kPanel);
    const __m512 b1 = _mm512_loadu_ps(panel + kk * kPanel + 16);
    for (int r = 0; r < MR; ++r) {
      const __m512 av = _mm512_set1_ps(kColA ? a[kk * lda + r] : a[r * lda + kk]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, m0, acc[r][0]);
    _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc[r][1]);
  }
}

using micro_fn = void (*)(int64_t, const float*, int64_t, const float*, bool, float*, int64_t, int64_t);
template <bool kColA>
constexpr micro_fn kMicro[kRows + 1] = {nullptr,           micro<1, kColA>, micro<2, kColA>, micro<3, kColA>,
                                        micro<4, kColA>,   micro<5, kColA>, micro<6, kColA>, micro<7, kColA>,
                                        micro<8, kColA>};

// Rows [i0, i1) of C (ldc apart, cols real columns) (+)= those rows of A (k long; row-major lda apart, or
// column-major with lda between k) @ one panel.
inline void panel_rows(int64_t i0, int64_t i1, int64_t k, const float* a, int64_t lda, const float* panel,
                       bool accumulate, float* c, int64_t ldc, int64_t cols, bool col_major_a = false) {
  for (int64_t i = i0; i < i1; i += kRows) {
    const int64_t mr = std::min<int64_t>(kRows, i1 - i);
    if (col_major_a) kMicro<true>[mr](k, a + i, lda, panel, accumulate, c + i * ldc, ldc, cols);
    else kMicro<false>[mr](k, a + i * lda, lda, panel, accumulate, c + i * ldc, ldc, cols);
  }
}

// dst row c (c < 16, ld floats apart) = column c of the 16 x 16 tile whose row r starts at src + r * lds:
// 32-bit, 64-bit, then two 128-bit lane interleaves.
inline void transpose16(const float* src, int64_t lds, float* dst, int64_t ld) {
  // The zero-masked forms with every lane on are the plain instructions; the unmasked intrinsics' undefined
  // source trips GCC 12's -Wuninitialized.
  constexpr __mmask16 kAll = 0xffff;
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_maskz_unpacklo_ps(kAll, r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_maskz_unpackhi_ps(kAll, r[2 * i], r[2 * i + 1]);
  }
  // r[4i + q], lane L: column 4L + q of rows 4i..4i+3.
  for (int i = 0; i < 4; ++i) {
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int q = 0; q < 4; ++q) {
    const __m512 x0 = _mm512_maskz_shuffle_f32x4(kAll, r[q], r[4 + q], 0x44);
    const __m512 x1 = _mm512_maskz_shuffle_f32x4(kAll, r[q], r[4 + q], 0xEE);
    const __m512 x2 = _mm512_maskz_shuffle_f32x4(kAll, r[8 + q], r[12 + q], 0x44);
    const __m512 x3 = _mm512_maskz_shuffle_f32x4(kAll, r[8 + q], r[12 + q], 0xEE);
    _mm512_storeu_ps(dst + q * ld, _mm512_maskz_shuffle_f32x4(kAll, x0, x2, 0x88));
    _mm512_storeu_ps(dst + (4 + q) * ld, _mm512_maskz_shuffle_f32x4(kAll, x0, x2, 0xDD));
    _mm512_storeu_ps(dst + (8 + q) * ld, _mm512_maskz_shuffle_f32x4(kAll, x1, x3, 0x88));
    _mm512_storeu_ps(dst + (12 + q) * ld, _mm512_maskz_shuffle_f32x4(kAll, x1, x3, 0xDD));
  }
}

// One panel of B: its cols (<= kPanel) columns, element (kk, j) at src[kk * sk + j * sn], zero past cols. Tiles
// of kPackTile k by the panel's columns, each read along the source's contiguous direction: a transposed
// source (sk == 1) read column-first instead had the panel's 32 source rows 2 KiB apart, in two L1 sets
// (measured: packing an LSTM's W_hh took 3.5 ms a sequence, a tenth of the step products it serves).
inline void pack_panel(int64_t k, int64_t cols, const float* src, int64_t sk, int64_t sn, float* dst) {
  constexpr int64_t kPackTile = 16;
  for (int64_t k0 = 0; k0 < k; k0 += kPackTile) {
    const int64_t k1 = std::min<int64_t>(k, k0 + kPackTile);
    if (sk == 1) {
      int64_t j = 0;
      // Whole 16 x 16 tiles in registers (measured: the scalar loop left packing at 0.75 ns an element).
      if (k1 - k0 == kPackTile)
        for (; j + 16 <= cols; j += 16) transpose16(src + k0 + j * sn, sn, dst + k0 * kPanel + j, kPanel);
      for (; j < cols; ++j)
        for (int64_t kk = k0; kk < k1; ++kk) dst[kk * kPanel + j] = src[kk + j * sn];
    } else {
      for (int64_t kk = k0; kk < k1; ++kk)
        for (int64_t j = 0; j < cols; ++j) dst[kk * kPanel + j] = src[kk * sk + j * sn];
    }
    for (int64_t kk = k0; kk < k1; ++kk) std::fill(dst + kk * kPanel + cols, dst + (kk + 1) * kPanel, 0.0f);
  }
}

inline int64_t panel_count(int64_t n) { return (n + kPanel - 1) / kPanel; }

}  // namespace
}  // namespace packed
}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
#endif
