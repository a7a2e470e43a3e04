// Writing an output run with non-temporal (streaming) stores when the whole output is too large to stay in
// cache. A plain store first reads the line it writes (read for ownership): for an output that goes to memory
// anyway that read is a third of a normalization's traffic. Streaming stores skip it and leave the cache to
// the data the kernel still reads; for an output that fits in cache they would be slower (the next op would
// read it back from memory), so kernels stream only above kStreamBytes. The values are the same either way:
// f(i) is evaluated exactly as in the plain loop, only the store differs.
#pragma once
#include <cstdint>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "core/dispatch.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace vec {
namespace {

// Outputs of at least this many bytes stream: half the L3 of the machines pynn is tuned on (32 MiB), so an
// output that streams would mostly have been evicted before the next op read it.
constexpr int64_t kStreamBytes = int64_t(16) << 20;

inline bool stream_output(int64_t nbytes) { return nbytes >= kStreamBytes; }

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

// dst[i] = f(i) for i < n; through streaming stores when `stream` (and the ISA has them). Callers that
// streamed call stream_fence() before their results are read by another thread.
template <typename T, typename F>
inline void write_run(T* dst, int64_t n, bool stream, const F& f) {
#if defined(__SSE2__)
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
