// Helpers the nn op files (activation, softmax, dropout, loss) share.
#pragma once
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "core/tensor.h"
#include "ops/elementwise.h"

namespace pynn {

inline void require_float(const char* op, const Tensor& x) {
  PYNN_CHECK_TYPE(is_floating(x->dtype()), op, "not implemented for dtype ", dtype_name(x->dtype()));
}

// x as a kernel operand: contiguous and of dtype `dt` (x itself when it is already), copied without recording
// anything in the graph. Null stays null (absent optional operands).
inline Tensor contiguous_untracked(const Tensor& x, ScalarType dt) {
  if (!x || (x->is_contiguous() && x->dtype() == dt)) return x;
  return autograd::untracked([&] { return contiguous(to_dtype(x, dt)); });
}
inline Tensor contiguous_untracked(const Tensor& x) { return x ? contiguous_untracked(x, x->dtype()) : x; }

}  // namespace pynn
