// Tensor factories: ranges, identity, random tensors.
#pragma once
#include <optional>

#include "core/tensor.h"

namespace pynn {

// Every factory makes its tensor on `device`. Values computed on the host (ranges, identity, integer draws) are
// written into a CPU tensor and copied over, so a backend needs only empty, fill_, copy_ and random_ kernels.
// empty() for a user's sizes: contiguous strides that overflow int64 are refused even when the tensor has no
// elements (zeros(0, 2**62, 2**62)), as torch's "Stride calculation overflowed".
Tensor empty_factory(const Dims& sizes, ScalarType dtype, Device device);
Tensor full(const Dims& sizes, const Scalar& value, ScalarType dtype, Device device);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<ScalarType> dtype,
              Device device);
Tensor linspace(double start, double end, int64_t steps, ScalarType dtype, Device device);
Tensor eye(int64_t n, int64_t m, ScalarType dtype, Device device);
Tensor rand(const Dims& sizes, ScalarType dtype, Device device);
Tensor randn(const Dims& sizes, ScalarType dtype, Device device);
Tensor randint(int64_t low, int64_t high, const Dims& sizes, ScalarType dtype, Device device);
Tensor randperm(int64_t n, ScalarType dtype, Device device);
// x's values on `device` (x itself when it is there already).
Tensor to_device(const Tensor& x, Device device);

}  // namespace pynn
