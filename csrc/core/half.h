// The 16-bit storage floats: IEEE binary16 (Half) and bfloat16 (BFloat16). Each is its bits plus conversions
// through float, so kernels written for `scalar_t` read and write them while the arithmetic runs in float32
// (torch's CPU kernels for these types compute in float the same way). Rounding is to nearest even; NaN stays NaN.
#pragma once
#include <cstdint>
#include <cstring>

namespace pynn {

namespace half_bits {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));  // inf, NaN (payload kept)
  if (exp != 0) return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bits_float(sign);
  // Subnormal: mant * 2^-24, exact in float.
  float v = static_cast<float>(mant) * bits_float(0x33800000u);  // 2^-24
  return sign ? -v : v;
}

inline uint16_t float_to_half(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));  // NaN stays NaN
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds past 65504: inf
  if (abs < 0x38800000u) {  // below 2^-14: a subnormal half (or zero), rounded to nearest even by the FPU
    const float magic = bits_float(0x3f000000u);  // 0.5: adding it puts the half's last bit at the float's
    float v = bits_float(abs) + magic;
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(float_bits(v) - float_bits(magic)));
  }
  // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
  const uint32_t odd = (abs >> 13) & 1u;
  const uint32_t rounded = abs + 0xfffu + odd - (112u << 23);
  return static_cast<uint16_t>(sign | (rounded >> 13));
}

inline float bfloat16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

inline uint16_t float_to_bfloat16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
  const uint32_t odd = (u >> 16) & 1u;
  return static_cast<uint16_t>((u + 0x7fffu + odd) >> 16);
}

}  // namespace half_bits

// The two types differ only in their conversions; a tag keeps them distinct for dispatch.
template <float (*ToFloat)(uint16_t), uint16_t (*FromFloat)(float)>
struct Float16Storage {
  uint16_t bits;
  Float16Storage() = default;
  Float16Storage(float v) : bits(FromFloat(v)) {}  // NOLINT: implicit, as float -> double is
  Float16Storage(double v) : Float16Storage(static_cast<float>(v)) {}  // NOLINT
  Float16Storage(int64_t v) : Float16Storage(static_cast<float>(v)) {}  // NOLINT
  Float16Storage(int32_t v) : Float16Storage(static_cast<float>(v)) {}  // NOLINT
  Float16Storage(bool v) : Float16Storage(v ? 1.0f : 0.0f) {}  // NOLINT
  operator float() const { return ToFloat(bits); }  // NOLINT: arithmetic happens in float
  static Float16Storage from_bits(uint16_t b) {
    Float16Storage h;
    h.bits = b;
    return h;
  }
};

using Half = Float16Storage<half_bits::half_to_float, half_bits::float_to_half>;
using BFloat16 = Float16Storage<half_bits::bfloat16_to_float, half_bits::float_to_bfloat16>;

template <typename T>
struct is_reduced_float_type {
  static constexpr bool value = false;
};
template <>
struct is_reduced_float_type<Half> {
  static constexpr bool value = true;
};
template <>
struct is_reduced_float_type<BFloat16> {
  static constexpr bool value = true;
};

// The largest finite values, for Scalar's overflow check.
constexpr double kHalfMax = 65504.0;
constexpr double kBFloat16Max = 3.3895313892515355e38;

}  // namespace pynn
