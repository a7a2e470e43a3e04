// Building blocks of the vector math layer (cpu/vec/math.h).
//
// The functions are plain scalar code written so that GCC vectorizes the loops that call them: no branches
// (selects between values that are always computed), no libm calls, float <-> integer bit casts for range
// reduction. A kernel stays an ordinary `for (i) o[i] = f(a[i])` loop, the tail elements go through exactly
// the same arithmetic as the vector body (a result never depends on its position in the array), and the
// files listed in CMake's PYNN_CPU_ISA_SOURCES get SSE2, AVX2 and AVX-512 code from the same source.
//
// Two things keep that working:
// - The kernel files are compiled with -fno-trapping-math (CMake's PYNN_CXX_FLAGS; pynn never reads the
//   floating-point exception flags). Under the default -ftrapping-math GCC 12 vectorizes none of these loops
//   at SSE2 or AVX2 ("control flow in loop"): jump threading turns the clamps' selects back into branches and
//   if-conversion then may not speculate the comparisons. Measured with -fopt-info-vec on every function
//   here; AVX-512 vectorizes either way through masking. The flag replaces the per-file
//   `#pragma GCC optimize("no-trapping-math")` and the quiet-compare builtins that used to work around it.
// - Everything has internal linkage inside the capability namespace. Each ISA build of a kernel file gets its
//   own copy; an ODR-merged inline function compiled with -mavx512f would SIGILL on an older CPU.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/dispatch.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace vec {
namespace {

template <typename T>
struct BitsOf;
template <>
struct BitsOf<float> {
  using type = int32_t;
};
template <>
struct BitsOf<double> {
  using type = int64_t;
};
template <typename T>
using bits_t = typename BitsOf<T>::type;

// memcpy bit casts compile to register moves (or nothing) and vectorize.
template <typename T>
inline bits_t<T> to_bits(T x) {
  bits_t<T> i;
  std::memcpy(&i, &x, sizeof i);
  return i;
}
template <typename T>
inline T from_bits(bits_t<T> i) {
  T x;
  std::memcpy(&x, &i, sizeof x);
  return x;
}

// a * b + c, fused (one rounding) where the ISA has an fma instruction, which is what the polynomials below
// are tuned for; two roundings on the baseline, where std::fma would be a libm call per element. The build
// has -ffp-contract=off, so only calls to this function fuse.
template <typename T>
inline T fmadd(T a, T b, T c) {
#if defined(__FMA__) || defined(__AVX512F__)
  return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}
template <>
inline float fmadd(float a, float b, float c) {
#if defined(__FMA__) || defined(__AVX512F__)
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

// Sign-bit operations on the bit pattern: they are exact for every input (nan, inf, -0) and vectorize as
// and/or/xor with a mask.
template <typename T>
inline T abs(T x) {
  return from_bits<T>(to_bits(x) & std::numeric_limits<bits_t<T>>::max());
}
template <typename T>
inline T sign_bit(T x) {  // +0 or -0
  return from_bits<T>(to_bits(x) & std::numeric_limits<bits_t<T>>::min());
}
// |mag| with the sign of `sign`.
template <typename T>
inline T copysign(T mag, T sign) {
  return from_bits<T>(to_bits(abs(mag)) | to_bits(sign_bit(sign)));
}

// Round to the nearest integer (ties to even) for |x| < 2^22 by adding and
// subtracting 1.5 * 2^mantissa_bits; returns the rounded value and, through `n`, the same integer taken from
// the sum's low mantissa bits (no float -> int conversion instruction needed on the baseline).
inline float round_to_int(float x, int32_t& n) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  const float t = x + kMagic;
  n = to_bits(t) - to_bits(kMagic);
  return t - kMagic;
}

// 2^n for n in the normal exponent range [-126, 127] (garbage, but no undefined shift, outside it).
inline float pow2i(int32_t n) { return from_bits<float>(static_cast<int32_t>(static_cast<uint32_t>(n + 127) << 23)); }

// Applies a contiguous map, with `#pragma GCC ivdep` because kernels write outputs that may not be proven
// disjoint from the inputs (in place is fine: element i reads and writes only index i).
template <typename T, typename F>
inline void map(T* out, const T* in, int64_t n, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}
template <typename T, typename F>
inline void map(T* out, const T* a, const T* b, int64_t n, const F& f) {
#pragma GCC ivdep
  for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
}

// Row reductions with kLanes independent accumulators combined pairwise at the end. An in-order
// `s += f(x[i])` is a loop-carried dependence GCC may not reassociate without -ffast-math, so it stays scalar
// and never vectorizes f either; the lanes vectorize (when f(i) reads memory at a compile-time stride of one
// element). The order is fixed by n alone, so results do not depend on the thread count.
constexpr int kLanes = 16;

// The sum over i < n of f(i), accumulated in Acc.
template <typename Acc, typename F>
inline Acc sum_of(int64_t n, const F& f) {
  Acc lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] += static_cast<Acc>(f(i + k));
  for (; i < n; ++i) lane[i % kLanes] += static_cast<Acc>(f(i));
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int k = 0; k < w; ++k) lane[k] += lane[k + w];
  return lane[0];
}

// Maps a float's bits to an integer of the same order (-nan < -inf < ... < -0 < +0 < ... < inf < +nan), so
// that a max is an integer max: GCC vectorizes that as a plain reduction, where a float select reduction stays
// scalar (measured: 10x slower on a row of 1000 at AVX2 and AVX-512).
template <typename T>
inline bits_t<T> order_key(T x) {
  const bits_t<T> b = to_bits(x);
  return b ^ ((b >> (8 * sizeof(T) - 1)) & std::numeric_limits<bits_t<T>>::max());
}
template <typename T>
inline T from_order_key(bits_t<T> k) {
  return from_bits<T>(k ^ ((k >> (8 * sizeof(T) - 1)) & std::numeric_limits<bits_t<T>>::max()));
}

// The max over i < n of f(i) (-inf for n == 0). With a nan among the values the result is nan or the max of
// the others, depending on the nan's sign bit; the softmax kernels that use this get nan through
// exp(nan - m) either way.
template <typename T, typename F>
inline T max_of(int64_t n, const F& f) {
  bits_t<T> m = order_key(-std::numeric_limits<T>::infinity());
  for (int64_t i = 0; i < n; ++i) {
    const bits_t<T> k = order_key(f(i));
    m = k > m ? k : m;
  }
  return from_order_key<T>(m);
}

}  // namespace
}  // namespace vec
}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
