// Kernel interface of the elementwise family, shared by csrc/cpu and csrc/cuda: the op enums and one stub per
// kernel. Operands arrive as a built TensorIter whose dtypes are the ones each signature names; every check,
// promotion and allocation happened in csrc/ops/elementwise.cpp.
#pragma once
#include <cstdint>
#include <optional>

#include "core/dispatch.h"
#include "core/iterator.h"
#include "core/scalar.h"

namespace pynn {

enum class UnaryOp {
  // same dtype in and out
  Neg, Abs, Sign, Relu, Floor, Ceil, Round, Trunc, Square, BitwiseNot,
  // integral inputs promote to float32
  Exp, Expm1, Log, Log2, Log10, Log1p, Sqrt, Rsqrt, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh, Sigmoid,
  Reciprocal, Erf, Exp2, Erfc, Erfinv, Lgamma, Digamma, I0, I1,
  // bool out
  LogicalNot, IsNan, IsInf, IsFinite,
  NumOps  // keep last: sizes the name table
};
enum class BinaryOp {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum, Remainder, FloorDivide, Atan2, Fmod, Hypot, Copysign,
  BitwiseAnd, BitwiseOr, BitwiseXor, Gcd,  // integral only
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor,
  NumOps
};
// torch's names ("add", "exp"), for error messages on both sides of the interface.
const char* op_name(UnaryOp op);
const char* op_name(BinaryOp op);

// iter = (out, in); out has `dtype` (bool for LogicalNot/IsNan/IsInf/IsFinite), in has `dtype`.
using unary_fn = void (*)(UnaryOp op, const TensorIter& iter, ScalarType dtype);
// iter = (out, a, b); a and b have `dtype`; out has `dtype` or bool for comparisons and logical ops.
using binary_fn = void (*)(BinaryOp op, const TensorIter& iter, ScalarType dtype, const Scalar& alpha);
// iter = (dst, src)
using copy_fn = void (*)(const TensorIter& iter, ScalarType dst, ScalarType src);
// iter = (out)
using fill_fn = void (*)(const TensorIter& iter, ScalarType dtype, const Scalar& value);
// iter = (out, cond(bool), a, b); a, b, out have `dtype`
using where_fn = void (*)(const TensorIter& iter, ScalarType dtype);
// iter = (out, in)
using clamp_fn = void (*)(const TensorIter& iter, ScalarType dtype, std::optional<Scalar> lo, std::optional<Scalar> hi);

// Random fills of a contiguous tensor. Element i is a pure function of (seed, offset + i), counter-based, so a
// result depends neither on the thread count nor on the device.
enum class RandomDist { Uniform, Normal, Bernoulli };
struct RandomArgs {
  RandomDist dist = RandomDist::Uniform;
  double a = 0, b = 1;  // uniform [a, b); normal mean a, std b; bernoulli p = a
  uint64_t seed = 0, offset = 0;
};
using random_fn = void (*)(const Tensor& x, const RandomArgs& args);

PYNN_DECLARE_KERNEL(unary_kernel, unary_fn);
PYNN_DECLARE_KERNEL(binary_kernel, binary_fn);
PYNN_DECLARE_KERNEL(copy_kernel, copy_fn);
PYNN_DECLARE_KERNEL(fill_kernel, fill_fn);
PYNN_DECLARE_KERNEL(where_kernel, where_fn);
PYNN_DECLARE_KERNEL(clamp_kernel, clamp_fn);
PYNN_DECLARE_KERNEL(random_kernel, random_fn);

// dst and src on different devices (src broadcast to dst's shape, any strides and dtypes, as copy_kernel):
// registered by the backend of the device that is not the CPU, which moves the bytes.
using device_copy_fn = void (*)(const Tensor& dst, const Tensor& src);
PYNN_DECLARE_KERNEL(device_copy_kernel, device_copy_fn);

}  // namespace pynn
