// Scalar types, promotion rules and the dtype switch used by every kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "error.h"
#include "half.h"

namespace pynn {

// The 16-bit floats come last so the older values keep their numbers; promote_types does not read the order.
enum class ScalarType : int8_t { Bool = 0, Int32, Int64, Float32, Float64, Float16, BFloat16 };
constexpr int kNumScalarTypes = 7;

inline size_t itemsize(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return 1;
    case ScalarType::Int32: return 4;
    case ScalarType::Int64: return 8;
    case ScalarType::Float32: return 4;
    case ScalarType::Float64: return 8;
    case ScalarType::Float16: return 2;
    case ScalarType::BFloat16: return 2;
  }
  return 1;
}
// Float16 and BFloat16 are storage types: ops that have no kernel for them compute in float32 and round the
// result (is_reduced_float), as torch's CPU kernels do internally.
inline bool is_reduced_float(ScalarType t) { return t == ScalarType::Float16 || t == ScalarType::BFloat16; }
inline bool is_floating(ScalarType t) {
  return t == ScalarType::Float32 || t == ScalarType::Float64 || is_reduced_float(t);
}
inline bool is_integral(ScalarType t, bool include_bool) {
  return t == ScalarType::Int32 || t == ScalarType::Int64 || (include_bool && t == ScalarType::Bool);
}
const char* dtype_name(ScalarType t);  // "float32"
const char* type_title(ScalarType t);  // "Float": torch's scalar-type name in error messages
ScalarType promote_types(ScalarType a, ScalarType b);
// torch.get_default_dtype(): the dtype of Python floats, of factories without a dtype and of int -> float ops.
ScalarType default_float();
void set_default_float(ScalarType t);  // a floating dtype, else TypeError (torch's set_default_dtype)

// Category used by torch's promotion with scalars and 0-dim tensors: bool < integral < floating.
inline int dtype_category(ScalarType t) { return t == ScalarType::Bool ? 0 : (is_floating(t) ? 2 : 1); }

}  // namespace pynn

#define PYNN_DTYPE_CASE(ENUM, TYPE, ...) \
  case ::pynn::ScalarType::ENUM: {       \
    using scalar_t = TYPE;               \
    return __VA_ARGS__();                \
  }
#define PYNN_DTYPE_FAIL(dt, NAME) \
  default: throw ::pynn::TypeError(::pynn::str("[", NAME, "] not implemented for '", ::pynn::type_title(dt), "'"))

// The case lists, each built on the one before, so every dtype's case is written once.
#define PYNN_FLOAT_CASES(...)                    \
  PYNN_DTYPE_CASE(Float32, float, __VA_ARGS__)   \
  PYNN_DTYPE_CASE(Float64, double, __VA_ARGS__)
#define PYNN_NUMERIC_CASES(...)                  \
  PYNN_FLOAT_CASES(__VA_ARGS__)                  \
  PYNN_DTYPE_CASE(Int32, int32_t, __VA_ARGS__)   \
  PYNN_DTYPE_CASE(Int64, int64_t, __VA_ARGS__)
#define PYNN_ALL_CASES(...)                      \
  PYNN_NUMERIC_CASES(__VA_ARGS__)                \
  PYNN_DTYPE_CASE(Bool, bool, __VA_ARGS__)
#define PYNN_ALL_AND_REDUCED_CASES(...)                      \
  PYNN_ALL_CASES(__VA_ARGS__)                                \
  PYNN_DTYPE_CASE(Float16, ::pynn::Half, __VA_ARGS__)        \
  PYNN_DTYPE_CASE(BFloat16, ::pynn::BFloat16, __VA_ARGS__)
#define PYNN_DISPATCH_WITH(CASES, dt, NAME, ...) \
  [&] {                                          \
    switch (dt) {                                \
      CASES(__VA_ARGS__)                         \
      PYNN_DTYPE_FAIL(dt, NAME);                 \
    }                                            \
  }()

// Each macro runs the lambda body with `scalar_t` bound to the C++ type of `dt`.
#define PYNN_DISPATCH_FLOAT(dt, NAME, ...) PYNN_DISPATCH_WITH(PYNN_FLOAT_CASES, dt, NAME, __VA_ARGS__)
#define PYNN_DISPATCH_NUMERIC(dt, NAME, ...) PYNN_DISPATCH_WITH(PYNN_NUMERIC_CASES, dt, NAME, __VA_ARGS__)
#define PYNN_DISPATCH_ALL(dt, NAME, ...) PYNN_DISPATCH_WITH(PYNN_ALL_CASES, dt, NAME, __VA_ARGS__)
// Data movement and casts: every dtype, the 16-bit floats as their storage types.
#define PYNN_DISPATCH_ALL_AND_REDUCED(dt, NAME, ...) \
  PYNN_DISPATCH_WITH(PYNN_ALL_AND_REDUCED_CASES, dt, NAME, __VA_ARGS__)
