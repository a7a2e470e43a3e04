// Short names for the ops backward formulas are written in. Backward nodes call ops (never kernels),
// so with create_graph=True the formulas themselves are recorded.
#pragma once
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape.h"

namespace pynn {
namespace autograd {
namespace fn {

inline Tensor num(double v) { return wrap_scalar(Scalar(v)); }
inline Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
inline Tensor mul(const Tensor& a, double s) { return binary(BinaryOp::Mul, a, num(s)); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); }
inline Tensor neg(const Tensor& a) { return unary(UnaryOp::Neg, a); }
// A 0/1 mask in g's dtype.
inline Tensor mask_as(const Tensor& cond, const Tensor& like) { return to_dtype(cond, like->dtype()); }
inline Tensor zeros_like(const Tensor& t) { return full(t->sizes(), Scalar(0.0), t->dtype(), t->device()); }
// Gradients return to their input's dtype and shape (broadcasting and promotion undone).
struct InputInfo {
  Dims shape;
  ScalarType dtype = ScalarType::Float32;
  Device device;
  InputInfo() = default;
  explicit InputInfo(const Tensor& t) : shape(t->sizes()), dtype(t->dtype()), device(t->device()) {}
};
// Also moves the gradient to the input's device: x.to('cuda') and copy_ across devices send it back.
inline Tensor reduce_to(const Tensor& g, const InputInfo& input) {
  Tensor r = sum_to(g, input.shape);
  if (r->dtype() != input.dtype) r = to_dtype(r, input.dtype);
  return r->device() == input.device ? r : to_device(r, input.device);
}

}  // namespace fn
}  // namespace autograd
}  // namespace pynn
