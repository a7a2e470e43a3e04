// The vector math layer: exp, expm1, log, log1p, tanh, sigmoid, erf and the activations built on them, for
// float and double, shared by every CPU kernel. See vec.h for why the code is shaped the way it is.
//
// float: branch-free polynomial implementations (Cephes expf/logf/tanhf polynomials, Juffa's erff), within
// 2 ulp of the exact result over the whole input range, subnormal inputs and results included
// (tests/cpp/test_vec_math.cpp sweeps them per capability). Special values follow torch: exp(-inf) = 0,
// exp(inf) = inf, log(0) = -inf, log(x < 0) = nan, log1p(-1) = -inf, tanh(+-inf) = +-1, erf(+-inf) = +-1,
// -0 maps to -0 wherever f(-0) = -0, nan stays nan.
// double: libm (std::exp, ...), which GCC does not vectorize; double kernels are rare enough in training
// that a second set of polynomials has not been worth its testing cost yet.
#pragma once
#include <cmath>
#include <limits>

#include "cpu/vec/vec.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace vec {
namespace {

constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();

// exp(r) - 1 - r ~ r^2 P(r) on |r| <= ln2/2; returns exp(r) - 1 to full relative precision. P has degree 4
// (fitted for float: 5.6e-9 relative on exp(r), 0.05 ulp; Cephes' degree 5 was 100x finer than float needs)
// in Estrin's form, so one element's chain is 3 dependent operations instead of Horner's 6. These kernels are bound by instructions x chain latency (the reorder window
// holds a few elements' chains), not by any one unit: measured on 4M floats at AVX-512, sigmoid 1.3 -> 1.05 ms
// with this and exp_nonpositive's scaling, where replacing the division by a reciprocal iteration gained nothing.
inline float expm1_reduced(float r) {
  const float r2 = r * r;
  const float a = fmadd(0.16666513681411743f, r, 0.4999999403953552f);
  const float b = fmadd(0.00836954079568386f, r, 0.041668567806482315f);
  const float p = fmadd(fmadd(0.0013807181967422366f, r2, b), r2, a);
  return fmadd(p, r2, r);
}

// x = n ln2 + r with |r| <= ln2/2 (Cody-Waite: ln2 split so that n * kLn2Hi is exact).
inline float reduce_ln2(float x, int32_t& n) {
  const float nf = round_to_int(x * 1.44269504088896341f, n);
  const float r = fmadd(nf, -0.693359375f, x);
  return fmadd(nf, 2.12194440e-4f, r);
}

// exp for x in [-104, 104] (or nan): the callers clamp, each in the cheapest way their range allows.
inline float exp_clamped(float x) {
  int32_t n;
  const float r = reduce_ln2(x, n);
  const float p = expm1_reduced(r);
  // 2^n (n in [-150, 150]) as two normal factors; s1 (1 + p) as one fma rounds once, and the exact scaling by
  // s2 only rounds again for a subnormal result, overflow and underflow happen by themselves.
  const int32_t n1 = n >> 1;
  const float s1 = pow2i(n1);
  return fmadd(s1, p, s1) * pow2i(n - n1);
}

inline float exp(float x) {
  // Past |x| = 104 the result is 0 or inf anyway; nan fails the compare and propagates. One symmetric clamp:
  // two chained ones let GCC thread their constants through the whole body (measured: 41 vs 28 instructions).
  const bool out = abs(x) > 104.0f;
  return exp_clamped(out ? copysign(104.0f, x) : x);
}

// exp(x) for x <= 0, the workhorse of sigmoid, softmax, the losses and gelu: accurate for anything up to 43
// (so x - max, or x - logsumexp that rounding left slightly above 0, are fine), -inf and nan as exp. Cheaper
// than exp_clamped: 2^(n + 64) is read straight off the rounding sum's bits (n + 64 + 127 sits in its low
// mantissa bits, so one shift makes the float), and the exact * 2^-64 then rounds a subnormal result once.
inline float exp_nonpositive(float x) {
  const bool under = x < -104.0f;
  const float xc = under ? -104.0f : x;
  constexpr float kMagic = 12583103.0f;  // 1.5 * 2^23 + 191
  const float t = fmadd(xc, 1.44269504088896341f, kMagic);
  const float nf = t - kMagic;  // n = round(x / ln2), in [-150, 62]
  float r = fmadd(nf, -0.693359375f, xc);
  r = fmadd(nf, 2.12194440e-4f, r);
  const float s = from_bits<float>(static_cast<int32_t>(static_cast<uint32_t>(to_bits(t)) << 23));
  return fmadd(s, expm1_reduced(r), s) * 5.42101086242752217e-20f;  // * 2^-64
}

inline float expm1(float x) {
  // |x| <= 89 keeps n in [-128, 128]; below -18 the result rounds to -1 (selected at the end, since 2^(n-1)
  // below is only normal for n >= -125).
  const bool out = abs(x) > 89.0f;
  const float xc = out ? copysign(89.0f, x) : x;
  int32_t n;
  const float r = reduce_ln2(xc, n);
  const float p = expm1_reduced(r);
  // expm1(x) = 2^n expm1(r) + (2^n - 1), computed as 2 (h p + (h - 1/2)) with h = 2^(n-1), so 2^128 does
  // not overflow early. n = 0 is p itself (exact for tiny and subnormal x).
  const float h = pow2i(n - 1);
  const float y = 2.0f * fmadd(h, p, h - 0.5f);
  const bool small = n == 0;
  float res = small ? p : y;
  const bool zero = x == 0.0f;  // p would be +0 for -0
  res = zero ? x : res;
  const bool minus_one = x < -18.0f;
  return minus_one ? -1.0f : res;
}

// log(u) for positive normal finite u: u = m 2^e with m in [sqrt(1/2), sqrt(2)), so f = m - 1 is exact and
// log(u) = e ln2 + log1p(f), log1p(f) by the Cephes logf polynomial.
inline float log_normal(float u, float e_adjust) {
  // Unsigned add: the lanes this runs on for NaN/inf (blended away later) would overflow int32, which is UB.
  int32_t iu = static_cast<int32_t>(static_cast<uint32_t>(to_bits(u)) + uint32_t(0x3f800000 - 0x3f3504f3));
  const float e = static_cast<float>((iu >> 23) - 0x7f) + e_adjust;
  iu = (iu & 0x007fffff) + 0x3f3504f3;
  const float f = from_bits<float>(iu) - 1.0f;
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = fmadd(p, f, -1.1514610310e-1f);
  p = fmadd(p, f, 1.1676998740e-1f);
  p = fmadd(p, f, -1.2420140846e-1f);
  p = fmadd(p, f, 1.4249322787e-1f);
  p = fmadd(p, f, -1.6668057665e-1f);
  p = fmadd(p, f, 2.0000714765e-1f);
  p = fmadd(p, f, -2.4999993993e-1f);
  p = fmadd(p, f, 3.3333331174e-1f);
  float y = p * f * z;
  y = fmadd(e, -2.12194440e-4f, y);
  y = fmadd(z, -0.5f, y);
  const float r = f + y;
  return fmadd(e, 0.693359375f, r);
}

inline float log(float x) {
  const bool sub = x < std::numeric_limits<float>::min();  // subnormal (or <= 0: replaced below)
  const float xs = sub ? x * 8388608.0f : x;                // * 2^23 makes a subnormal normal
  const float e_adjust = sub ? -23.0f : 0.0f;
  float r = log_normal(xs, e_adjust);
  const bool inf = x == kInfF;
  r = inf ? x : r;
  const bool zero = x == 0.0f;
  r = zero ? -kInfF : r;
  const bool bad = !(x >= 0.0f);  // negative or nan
  return bad ? kNanF : r;
}

inline float log1p(float x) {
  // log1p(x) = log(u) + (x - (u - 1)) / u with u = fl(1 + x): the second term is the rounding error of 1 + x
  // to first order (u - 1 is exact for u >= 1/2; below that 1 + x is exact and the term is 0).
  const float u = 1.0f + x;
  const float c = (x - (u - 1.0f)) / u;
  // u is normal whenever x > -1 + 2^-24; smaller positive u cannot occur.
  float r = log_normal(u, 0.0f) + c;
  const bool inf = x == kInfF;
  r = inf ? x : r;
  const bool zero = x == 0.0f;  // keeps -0
  r = zero ? x : r;
  const bool m1 = x == -1.0f;
  r = m1 ? -kInfF : r;
  const bool bad = !(x >= -1.0f);  // below -1 or nan
  return bad ? kNanF : r;
}

inline float tanh(float x) {
  const float ax = abs(x);
  // |x| > 9: tanh rounds to 1. nan passes the compare and propagates.
  const bool big = ax > 9.0f;
  const float a = big ? 9.0f : ax;
  const float t = expm1(a + a);
  const float large = t / (t + 2.0f);
  // |x| < 0.625: Cephes tanhf odd polynomial (the quotient above loses a bit there).
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = fmadd(p, z, 2.06390887954e-2f);
  p = fmadd(p, z, -5.37397155531e-2f);
  p = fmadd(p, z, 1.33314422036e-1f);
  p = fmadd(p, z, -3.33332819422e-1f);
  const float small = fmadd(p * z, ax, ax);
  const bool is_small = ax < 0.625f;
  const float r = is_small ? small : large;
  return copysign(r, x);
}

inline float sigmoid(float x) {
  // e = exp(-|x|) in (0, 1]: 1 / (1 + e) for x >= 0 and e / (1 + e) below, so the left tail keeps its
  // relative precision down to the subnormals instead of going through 1 - small (torch flushes it to 0).
  const float e = exp_nonpositive(from_bits<float>(to_bits(x) | std::numeric_limits<int32_t>::min()));  // -|x|
  const bool pos = x >= 0.0f;
  const float num = pos ? 1.0f : e;
  // The rounding error lo of 1 + e (exact: e <= 1) is folded back in to first order, q (1 - lo / den), with
  // 1/den taken as 1: one fnmadd; the same worst case (1.8 ulp, 2.2 without it) as the exact 1/den factor.
  const float den = 1.0f + e;
  const float lo = e - (den - 1.0f);
  const float q = num / den;
  return fmadd(-q, lo, q);
}

inline float erf(float x) {
  // Juffa's erff (max 1 ulp with fma): x P(x^2) below 0.9277, 1 - exp(t Q(t)) above; erf rounds to 1 past
  // 3.92, where exp underflows harmlessly.
  const float t = abs(x);
  const float s = x * x;
  float q = fmadd(-1.72853470e-5f, t, 3.83197126e-4f);
  const float u = fmadd(-3.88396438e-3f, t, 2.42546219e-2f);
  q = fmadd(q, s, u);
  q = fmadd(q, t, -1.06777877e-1f);
  q = fmadd(q, t, -6.34846687e-1f);
  q = fmadd(q, t, -1.28717512e-1f);
  q = fmadd(q, t, -t);
  // Past -87 exp(q) is subnormal (slow on x86) and 1 - exp(q) is 1 anyway; -inf (huge t) clamps too.
  const bool under = q < -87.0f;
  q = under ? -87.0f : q;
  const float large = copysign(1.0f - exp_clamped(q), x);
  float p = -5.96761703e-4f;
  p = fmadd(p, s, 4.99119423e-3f);
  p = fmadd(p, s, -2.67681349e-2f);
  p = fmadd(p, s, 1.12819925e-1f);
  p = fmadd(p, s, -3.76125336e-1f);
  p = fmadd(p, s, 1.28379166e-1f);
  const float small = fmadd(p, x, x);
  const bool is_small = t <= 0.927734375f;
  const float r = is_small ? small : large;
  const bool nan = x != x;
  return nan ? x : r;
}

// erf to an absolute 1.5e-7 (Abramowitz & Stegun 7.1.26, the approximation torch's vectorized GELU uses), at
// half erf's cost. Only gelu uses it: measured over [-6, 6], gelu's error is at most 4.7e-7 absolute and
// 4.5e-7 relative for x > 0 (torch's own: 1.1e-6 and 3.5e-7); its left tail cancels in 1 + erf either way.
inline float erf_fast(float x) {
  const float k = 1.0f / fmadd(0.3275911f, abs(x), 1.0f);
  const float k2 = k * k;  // Estrin's form, as expm1_reduced
  const float a = fmadd(-0.284496736f, k, 0.254829592f);
  const float b = fmadd(-1.453152027f, k, 1.421413741f);
  const float p = fmadd(fmadd(1.061405429f, k2, b), k2, a);
  const float r = fmadd(-p * k, exp_nonpositive(-x * x), 1.0f);
  return copysign(r, x);
}

// double: libm (not vectorized; see the top of the file).
inline double exp(double x) { return std::exp(x); }
inline double expm1(double x) { return std::expm1(x); }
inline double log(double x) { return std::log(x); }
inline double log1p(double x) { return std::log1p(x); }
inline double tanh(double x) { return std::tanh(x); }
inline double erf(double x) { return std::erf(x); }
inline double erf_fast(double x) { return std::erf(x); }
inline double exp_nonpositive(double x) { return std::exp(x); }
inline double sigmoid(double x) {
  const double e = std::exp(-abs(x));
  return (x >= 0.0 ? 1.0 : e) / (1.0 + e);
}

// ---------------------------------------------------------------------------------------------------------
// Activations, forward and derivative (d/dx; the kernels multiply by the incoming gradient). The formulas
// are torch's where torch's are the reference (gelu's 1 + erf, softplus' threshold).

constexpr double kSqrt1_2 = 0.70710678118654752440;      // 1/sqrt(2)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/sqrt(2*pi)
constexpr double kGeluCoef = 0.044715;

template <typename T>
inline T gelu(T x) {
  return x * T(0.5) * (T(1) + erf_fast(x * T(kSqrt1_2)));
}
template <typename T>
inline T gelu_grad(T x) {
  const T cdf = T(0.5) * (T(1) + erf_fast(x * T(kSqrt1_2)));
  const T pdf = T(kInvSqrt2Pi) * exp_nonpositive(T(-0.5) * x * x);
  return cdf + x * pdf;
}

template <typename T>
inline T gelu_tanh(T x) {
  const T inner = T(kSqrt2OverPi) * (x + T(kGeluCoef) * x * x * x);
  return T(0.5) * x * (T(1) + tanh(inner));
}
template <typename T>
inline T gelu_tanh_grad(T x) {
  const T x2 = x * x;
  const T t = tanh(T(kSqrt2OverPi) * (x + T(kGeluCoef) * x2 * x));
  const T dinner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCoef) * x2);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner;
}

template <typename T>
inline T silu(T x) {
  return x * sigmoid(x);
}
template <typename T>
inline T silu_grad(T x) {
  const T s = sigmoid(x);
  return s * (T(1) + x * (T(1) - s));
}

// tanh(softplus(x)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1) = n / (n + 2) with e = exp(x), n = e (e + 2): one exp
// instead of exp, log1p and tanh. Past x = 20 it is 1 in float and double alike (and e^2 would overflow).
template <typename T>
inline T tanh_softplus(T x) {
  const bool big = x > T(20);
  const T xc = big ? T(0) : x;
  const T e = exp(xc);
  const T n = e * (e + T(2));
  const T r = n / (n + T(2));
  return big ? T(1) : r;
}
template <typename T>
inline T mish(T x) {
  return x * tanh_softplus(x);
}
template <typename T>
inline T mish_grad(T x) {
  const T t = tanh_softplus(x);
  return t + x * sigmoid(x) * (T(1) - t * t);
}

// torch: x for x * beta > threshold, else log1p(exp(x * beta)) / beta.
template <typename T>
inline T softplus(T x, T beta, T threshold) {
  const T y = x * beta;
  const bool linear = y > threshold;
  const T yc = linear ? T(0) : y;
  const T r = log1p(exp(yc)) / beta;
  return linear ? x : r;
}
template <typename T>
inline T softplus_grad(T x, T beta, T threshold) {
  const T y = x * beta;
  const bool linear = y > threshold;
  const T s = sigmoid(y);
  return linear ? T(1) : s;
}

// elu family (elu, selu, celu): scale x for x > 0, else scale alpha expm1(x in_scale).
template <typename T>
inline T elu(T x, T alpha, T scale, T in_scale) {
  const bool pos = x > T(0);
  const T neg = scale * alpha * expm1(x * in_scale);
  return pos ? scale * x : neg;
}
template <typename T>
inline T elu_grad(T x, T alpha, T scale, T in_scale) {
  const bool pos = !(x <= T(0));  // NaN takes the positive slope, as torch's elu_backward
  const T neg = scale * alpha * in_scale * exp(x * in_scale);
  return pos ? scale : neg;
}

}  // namespace
}  // namespace vec
}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
