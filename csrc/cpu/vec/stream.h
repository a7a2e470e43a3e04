// Writing an output run with non-temporal (streaming) stores when a kernel's data cannot stay in cache. A plain
// store first reads the line it writes (read for ownership); when the output goes to memory anyway that read
// is a third of a normalization's traffic, and streaming stores skip it and leave the cache to the data the
// kernel still reads. When inputs and output fit in the last-level cache together, plain stores are faster
// (measured: a unary op on 16 MiB in and out, repeated, stays in a 32 MiB L3, streaming forces it to memory),
// so kernels stream only when the bytes they touch exceed that cache. The values are the same either way:
// f(i) is evaluated exactly as in the plain loop, only the store differs.
#pragma once
#include <cstdint>
#include <type_traits>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "core/dispatch.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace vec {
namespace {

// Whether a kernel that reads and writes `touched_bytes` in all streams its output.
inline bool stream_output(int64_t touched_bytes) { return touched_bytes > cpu_last_level_cache_bytes(); }

#if defined(__AVX512F__)
constexpr int kStreamAlign = 64;
inline void stream_line(float* dst, const float* src) { _mm512_stream_ps(dst, _mm512_load_ps(src)); }
inline void stream_line(double* dst, const double* src) { _mm512_stream_pd(dst, _mm512_load_pd(src)); }
#elif defined(__AVX__)
constexpr int kStreamAlign = 32;
inline void stream_line(float* dst, const float* src) { _mm256_stream_ps(dst, _mm256_load_ps(src)); }
inline void stream_line(double* dst, const double* src) { _mm256_stream_pd(dst, _mm256_load_pd(src)); }
#elif defined(__SSE2__)
constexpr int kStreamAlign = 16;
inline void stream_line(float* dst, const float* src) { _mm_stream_ps(dst, _mm_load_ps(src)); }
inline void stream_line(double* dst, const double* src) { _mm_stream_pd(dst, _mm_load_pd(src)); }
#endif

// dst[i] = f(i) for i < n; through streaming stores when `stream` (and the ISA has them; float and double
// only). Callers that streamed call stream_fence() before their results are read by another thread.
template <typename T, typename F>
inline void write_run(T* dst, int64_t n, bool stream, const F& f) {
#if defined(__SSE2__)
  if constexpr (std::is_same<T, float>::value || std::is_same<T, double>::value)
    if (stream) {
      constexpr int kLine = kStreamAlign / static_cast<int>(sizeof(T));
      constexpr int kBlock = 4 * kLine;  // values computed per batch of stores
      int64_t i = 0;
      for (; i < n && reinterpret_cast<uintptr_t>(dst + i) % kStreamAlign != 0; ++i) dst[i] = f(i);
      for (; i + kBlock <= n; i += kBlock) {
        alignas(64) T block[kBlock];
        for (int k = 0; k < kBlock; ++k) block[k] = f(i + k);
        for (int k = 0; k < kBlock; k += kLine) stream_line(dst + i + k, block + k);
      }
      for (; i < n; ++i) dst[i] = f(i);
      return;
    }
#else
  (void)stream;
#endif
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) dst[i] = f(i);
}

// Orders this thread's streaming stores before what follows (they are weakly ordered).
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

}  // namespace
}  // namespace vec
}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
