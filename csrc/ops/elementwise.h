// Elementwise ops, casts and copies: check -> promote -> allocate -> TensorIter -> the device's kernel.
#pragma once
#include <initializer_list>
#include <optional>
#include <vector>

#include "core/scalar.h"
#include "core/tensor.h"
#include "kernels/elementwise.h"

namespace pynn {


// torch's result_type over tensors (0-dim and wrapped numbers promote only across categories).
ScalarType result_type(std::initializer_list<const TensorImpl*> tensors);
// A Python number as a 0-dim tensor flagged as a wrapped number.
Tensor wrap_scalar(const Scalar& s);

Tensor unary(UnaryOp op, const Tensor& x);
void unary_(UnaryOp op, const Tensor& x);                       // in place
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, const Scalar& alpha = Scalar(int64_t(1)));
void binary_(BinaryOp op, const Tensor& self, const Tensor& other, const Scalar& alpha = Scalar(int64_t(1)));

// torch's div(rounding_mode=): None is true division, Trunc rounds the quotient toward zero (exact for
// integers), Floor is floor_divide.
enum class RoundingMode { None, Trunc, Floor };
Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode);
void div_(const Tensor& self, const Tensor& other, RoundingMode mode);

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max);
void clamp_(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max);
// Bounds as tensors, either may be null (not both). Bounds that are all wrapped numbers take the scalar
// kernel above; a real tensor bound clamps elementwise with broadcasting (maximum, then minimum).
Tensor clamp(const Tensor& x, const Tensor& min, const Tensor& max);
void clamp_(const Tensor& x, const Tensor& min, const Tensor& max);

// Copies src into dst, broadcasting src and casting its dtype.
void copy_(const Tensor& dst, const Tensor& src);
// torch's out= argument: refuses it while autograd would record (an input or out requires grad, grad mode on),
// which the caller checks before computing, then writes the result into out and returns out. out must be on
// the result's device, of a dtype the result casts to (torch's canCast: no float -> integer, no number -> bool);
// an out of another shape is resized to the result's (resize_; torch's deprecation warning is the binding's).
void check_out_autograd(const char* op, const Tensor& out, std::initializer_list<const Tensor*> inputs);
Tensor write_out(const char* op, const Tensor& out, const Tensor& result);
void fill_(const Tensor& dst, const Scalar& value);
Tensor to_dtype(const Tensor& x, ScalarType dtype, bool copy = false);  // returns x itself when no cast is needed
// The 16-bit floats have no arithmetic kernels: ops run on a float32 copy of them and round the result back
// once (to_dtype), as torch's CPU kernels compute them in float. Other tensors, wrapped numbers and null pass as they are.
Tensor widen_reduced(const Tensor& t);
Tensor contiguous(const Tensor& x);                                    // returns x itself when already contiguous
Tensor clone(const Tensor& x);

// Random fills from the default generator's (seed, offset) stream.
void uniform_(const Tensor& x, double from, double to);
void normal_(const Tensor& x, double mean, double std);
void bernoulli_(const Tensor& x, double p);

}  // namespace pynn
