#include "dtype.h"

#include <atomic>

namespace pynn {

namespace {
std::atomic<ScalarType> g_default_float{ScalarType::Float32};
}  // namespace

ScalarType default_float() { return g_default_float.load(std::memory_order_relaxed); }

void set_default_float(ScalarType t) {
  if (!is_floating(t))
    throw TypeError(str("[set_default_dtype] only floating-point types are supported as the default type"));
  g_default_float.store(t, std::memory_order_relaxed);
}

const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Int32: return "int32";
    case ScalarType::Int64: return "int64";
    case ScalarType::Float32: return "float32";
    case ScalarType::Float64: return "float64";
    case ScalarType::Float16: return "float16";
    case ScalarType::BFloat16: return "bfloat16";
  }
  return "unknown";
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  // torch's lattice: bool < int32 < int64 < {float16, bfloat16} < float32 < float64, where float16 and bfloat16
  // meet at float32 (neither holds the other's values).
  auto rank = [](ScalarType t) {
    switch (t) {
      case ScalarType::Bool: return 0;
      case ScalarType::Int32: return 1;
      case ScalarType::Int64: return 2;
      case ScalarType::Float16:
      case ScalarType::BFloat16: return 3;
      case ScalarType::Float32: return 4;
      case ScalarType::Float64: return 5;
    }
    return 0;
  };
  if (rank(a) == 3 && rank(b) == 3) return ScalarType::Float32;
  return rank(a) > rank(b) ? a : b;
}

const char* type_title(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "Bool";
    case ScalarType::Int32: return "Int";
    case ScalarType::Int64: return "Long";
    case ScalarType::Float32: return "Float";
    case ScalarType::Float64: return "Double";
    case ScalarType::Float16: return "Half";
    case ScalarType::BFloat16: return "BFloat16";
  }
  return "?";
}

}  // namespace pynn
