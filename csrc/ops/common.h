// Small checks every op entry uses before dispatching to a kernel.
#pragma once
#include "core/error.h"
#include "core/tensor.h"

namespace pynn {

// Kernels exist for the CPU only until the CUDA kernels land; a CUDA tensor gets a clear error.
inline void require_cpu(const char* op, const Tensor& t) {
  if (!t->device().is_cpu()) throw NotImplementedError(str("[", op, "] not implemented for ", t->device().str()));
}
inline void require_defined(const char* op, const Tensor& t, const char* what = "input") {
  if (!t) throw TypeError(str("[", op, "] expected a Tensor for ", what, ", got None"));
}

}  // namespace pynn
