// Kernel interface of dropout, shared by csrc/cpu and csrc/cuda.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/random.h"
#include "core/tensor.h"

namespace pynn {

// Counters one dropout of n elements draws: float takes two elements per 64-bit draw (24 bits each), double
// one (53 bits). The op reserves this many from the generator; element pairs map to counters by index, so the
// mask depends on neither the thread count nor the device.
inline int64_t dropout_draws(int64_t n, ScalarType dtype) { return dtype == ScalarType::Float32 ? (n + 1) / 2 : n; }

struct DropoutArgs {
  double p = 0.5;  // probability of zeroing an element, in (0, 1]
  RandomKey key;   // counters key.offset .. key.offset + dropout_draws(n) - 1 are this call's
};

// out, mask and x contiguous, of one floating dtype: mask = 0 or 1/(1-p) (0 everywhere when p == 1),
// out = x * mask.
using dropout_fn = void (*)(const Tensor& out, const Tensor& mask, const Tensor& x, const DropoutArgs& args);

PYNN_DECLARE_KERNEL(dropout_kernel, dropout_fn);

}  // namespace pynn
