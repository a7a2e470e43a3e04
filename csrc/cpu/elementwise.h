// CPU kernels for elementwise ops, casts, fills and random fills. They receive a built TensorIter whose
// operands already have the dtypes named in each signature; all checking happened in csrc/ops.
#pragma once
#include <optional>

#include "core/iterator.h"
#include "ops/elementwise.h"

namespace pynn {
namespace cpu {

// iter = (out, in); out has `dtype` (bool for LogicalNot/IsNan/IsInf/IsFinite), in has `dtype`.
void unary_kernel(UnaryOp op, const TensorIter& iter, ScalarType dtype);
// iter = (out, a, b); a and b have `dtype`; out has `dtype` or bool for comparisons and logical ops.
void binary_kernel(BinaryOp op, const TensorIter& iter, ScalarType dtype, const Scalar& alpha);
// iter = (dst, src)
void copy_kernel(const TensorIter& iter, ScalarType dst, ScalarType src);
// iter = (out)
void fill_kernel(const TensorIter& iter, ScalarType dtype, const Scalar& value);
// iter = (out, cond(bool), a, b); a, b, out have `dtype`
void where_kernel(const TensorIter& iter, ScalarType dtype);
// iter = (out, in)
void clamp_kernel(const TensorIter& iter, ScalarType dtype, std::optional<Scalar> lo, std::optional<Scalar> hi);
// Fill a contiguous tensor from the default generator.
void uniform_kernel(const Tensor& x, double from, double to);
void normal_kernel(const Tensor& x, double mean, double std);
void bernoulli_kernel(const Tensor& x, double p);

}  // namespace cpu
}  // namespace pynn
