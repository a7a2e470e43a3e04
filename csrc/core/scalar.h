// A Python number crossing into C++: keeps whether it was a bool, an int or a float,
// because torch's type promotion treats the three differently.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dtype.h"

namespace pynn {

struct Scalar {
  enum class Kind : int8_t { Bool, Int, Float };
  Kind kind = Kind::Float;
  double d = 0;
  int64_t i = 0;

  Scalar() = default;
  // `i` of a float is only a defined fallback (NaN -> 0, out of range -> saturated); int contexts
  // go through to<T>(), which refuses what does not fit, as torch does.
  Scalar(double v) : kind(Kind::Float), d(v), i(saturate(v)) {}
  Scalar(float v) : Scalar(static_cast<double>(v)) {}
  Scalar(int64_t v) : kind(Kind::Int), d(static_cast<double>(v)), i(v) {}
  Scalar(int v) : Scalar(static_cast<int64_t>(v)) {}
  Scalar(bool v) : kind(Kind::Bool), d(v ? 1.0 : 0.0), i(v ? 1 : 0) {}

  bool is_float() const { return kind == Kind::Float; }
  // The value as T, checked as torch's checked_convert does ("value cannot be converted to type int32 without
  // overflow"): an integral T must hold it (NaN and inf never fit), a float32 must not overflow to inf (inf and
  // NaN themselves pass). Casting a value that doesn't fit is UB, and wrapping would be silent garbage.
  template <typename T>
  T to() const {
    if constexpr (std::is_integral<T>::value) {
      if (kind != Kind::Float) {
        if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) || i > static_cast<int64_t>(std::numeric_limits<T>::max()))
          overflow("int" + std::to_string(8 * sizeof(T)));
        return static_cast<T>(i);
      }
      constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());  // -2^(bits-1), exact
      constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());  // 2^63 for int64: rounded up
      // NaN fails every comparison; `< -lo` keeps 2^63 out of int64, where torch's own check lets it through.
      if (!(d >= lo && d <= hi && d < -lo)) overflow("int" + std::to_string(8 * sizeof(T)));
      return static_cast<T>(d);
    } else if constexpr (is_reduced_float_type<T>::value) {
      const double max = std::is_same<T, Half>::value ? kHalfMax : kBFloat16Max;
      const double v = kind == Kind::Float ? d : static_cast<double>(i);
      if (std::isfinite(v) && std::fabs(v) > max)  // torch checks the value itself: 65505 fails for float16
        overflow(std::is_same<T, Half>::value ? "c10::Half" : "c10::BFloat16");
      return T(static_cast<float>(v));
    } else {
      if (kind != Kind::Float) return static_cast<T>(i);
      if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max()))
        overflow(sizeof(T) == 4 ? "float32" : "float64");
      return static_cast<T>(d);
    }
  }
  // dtype a wrapped number has when it must become a tensor on its own.
  ScalarType dtype() const {
    return kind == Kind::Float ? ScalarType::Float64 : (kind == Kind::Int ? ScalarType::Int64 : ScalarType::Bool);
  }

 private:
  [[noreturn]] static void overflow(const std::string& type) {
    throw std::runtime_error("value cannot be converted to type " + type + " without overflow");
  }
  static int64_t saturate(double v) {
    constexpr double lim = 9223372036854775808.0;  // 2^63
    if (std::isnan(v)) return 0;
    if (v >= lim) return std::numeric_limits<int64_t>::max();
    if (v < -lim) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(v);
  }
};

template <>
inline bool Scalar::to<bool>() const {
  return kind == Kind::Float ? d != 0.0 : i != 0;
}

}  // namespace pynn
