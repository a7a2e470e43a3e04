// A Python number crossing into C++: keeps whether it was a bool, an int or a float,
// because torch's type promotion treats the three differently.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace pynn {

struct Scalar {
  enum class Kind : int8_t { Bool, Int, Float };
  Kind kind = Kind::Float;
  double d = 0;
  int64_t i = 0;

  Scalar() = default;
  Scalar(double v) : kind(Kind::Float), d(v), i(static_cast<int64_t>(v)) {}
  Scalar(float v) : Scalar(static_cast<double>(v)) {}
  Scalar(int64_t v) : kind(Kind::Int), d(static_cast<double>(v)), i(v) {}
  Scalar(int v) : Scalar(static_cast<int64_t>(v)) {}
  Scalar(bool v) : kind(Kind::Bool), d(v ? 1.0 : 0.0), i(v ? 1 : 0) {}

  bool is_float() const { return kind == Kind::Float; }
  template <typename T>
  T to() const {
    return kind == Kind::Float ? static_cast<T>(d) : static_cast<T>(i);
  }
  // dtype a wrapped number has when it must become a tensor on its own.
  ScalarType dtype() const {
    return kind == Kind::Float ? ScalarType::Float64 : (kind == Kind::Int ? ScalarType::Int64 : ScalarType::Bool);
  }
};

template <>
inline bool Scalar::to<bool>() const {
  return kind == Kind::Float ? d != 0.0 : i != 0;
}

}  // namespace pynn
