// exp for the nn kernels (activation, softmax, loss), until the vector math layer (cpu/vec/math.h) serves them.
// Inside the capability namespace: each ISA build of a kernel file gets its own copy.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/dispatch.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// exp without a libm call, so that loops over it vectorize (float: Cephes' expf polynomial, ~1 ulp).
// Inputs below -86.5 give 0 (the true values are under 3e-38), above ~88.72 give inf; nan stays nan.
// The including file declares `#pragma GCC optimize("no-trapping-math")` first so GCC if-converts the selects.
inline float vexp(float x) {
  constexpr float kLo = -86.5f, kHi = 88.7228391f;
  const float xc = x < kLo ? kLo : (x > kHi ? kHi : x);
  const float t = xc * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23: rounds to the nearest integer n
  const float n = t - 12582912.0f;
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = (bits - 0x4B400000 + 126) << 23;  // 2^(n-1): n reaches 128 at the top of the range
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float y = p * scale * 2.0f;
  return x < kLo ? 0.0f : (x > kHi ? std::numeric_limits<float>::infinity() : y);
}
inline double vexp(double x) { return std::exp(x); }

}  // namespace
}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
