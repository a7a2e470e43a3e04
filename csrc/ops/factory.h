// Tensor factories: ranges, identity, random tensors.
#pragma once
#include <optional>

#include "core/tensor.h"

namespace pynn {

Tensor full(const Dims& sizes, const Scalar& value, ScalarType dtype);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype);
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype);
Tensor eye(int64_t n, int64_t m, ScalarType dtype);
Tensor rand(const Dims& sizes, ScalarType dtype);
Tensor randn(const Dims& sizes, ScalarType dtype);
Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype);
Tensor randperm(int64_t n, ScalarType dtype);

}  // namespace pynn
