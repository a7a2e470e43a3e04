#include "dtype.h"

namespace pynn {

const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Int32: return "int32";
    case ScalarType::Int64: return "int64";
    case ScalarType::Float32: return "float32";
    case ScalarType::Float64: return "float64";
  }
  return "unknown";
}

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  // Enum order is bool < int32 < int64 < float32 < float64, which is torch's lattice for these types.
  return static_cast<int8_t>(a) > static_cast<int8_t>(b) ? a : b;
}

const char* type_title(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "Bool";
    case ScalarType::Int32: return "Int";
    case ScalarType::Int64: return "Long";
    case ScalarType::Float32: return "Float";
    case ScalarType::Float64: return "Double";
  }
  return "?";
}

}  // namespace pynn
