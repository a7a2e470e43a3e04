// Small checks every op entry uses before dispatching to a kernel.
#pragma once
#include "core/error.h"
#include "core/tensor.h"

#include <vector>

namespace pynn {

// The device every tensor operand lives on; mixing devices raises torch's error. Null tensors (absent optional
// operands) and wrapped Python numbers (CPU 0-dim, usable with any device as in torch) are skipped. Kernels are then looked up for that device, which raises NotImplementedError when the
// backend has none.
template <typename... Ts>
Device same_device(const char* op, const Tensor& first, const Ts&... rest) {
  const Tensor* all[] = {&first, &rest...};
  const Tensor* ref = nullptr;
  for (const Tensor* t : all) {
    if (!*t || (*t)->is_wrapped_number) continue;
    if (!ref) ref = t;
    else if ((*t)->device() != (*ref)->device())
      throw std::runtime_error(str("[", op, "] Expected all tensors to be on the same device, but found at least two "
                                   "devices, ", (*ref)->device().str(), " and ", (*t)->device().str(), "!"));
  }
  return ref ? (*ref)->device() : Device{};
}
inline Device same_device(const char* op, const std::vector<Tensor>& ts) {
  const Tensor* ref = nullptr;
  for (const Tensor& t : ts) {
    if (!t || t->is_wrapped_number) continue;
    if (!ref) ref = &t;
    else same_device(op, *ref, t);
  }
  return ref ? (*ref)->device() : Device{};
}
inline void require_defined(const char* op, const Tensor& t, const char* what = "input") {
  if (!t) throw TypeError(str("[", op, "] expected a Tensor for ", what, ", got None"));
}

}  // namespace pynn
