// Kernel interface of dropout, shared by csrc/cpu and csrc/cuda.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/host_device.h"
#include "core/random.h"
#include "core/tensor.h"

namespace pynn {

// Counters one dropout of n elements draws: float takes two elements per 64-bit draw (24 bits each), double
// one (53 bits). The op reserves this many from the generator; element pairs map to counters by index, so the
// mask depends on neither the thread count nor the device.
inline int64_t dropout_draws(int64_t n, ScalarType dtype) { return dtype == ScalarType::Float32 ? (n + 1) / 2 : n; }

// The elements of draw k (h = random_bits(seed, offset + k)): 1 or 2 of them, each kept with probability
// threshold / 2^bits and scaled. One definition for both backends, so their masks are the same.
template <typename T>
PYNN_HOST_DEVICE inline void dropout_apply_draw(int64_t k, uint64_t h, int64_t n, uint64_t threshold, T scale, T* o,
                                                T* m, const T* in) {
  if (sizeof(T) == 4) {
    const int64_t i = 2 * k;
    const T m0 = ((h >> 40) < threshold) ? scale : T(0);
    m[i] = m0;
    o[i] = in[i] * m0;
    if (i + 1 < n) {
      const T m1 = (((h & 0xffffffffULL) >> 8) < threshold) ? scale : T(0);
      m[i + 1] = m1;
      o[i + 1] = in[i + 1] * m1;
    }
  } else {
    const T m0 = ((h >> 11) < threshold) ? scale : T(0);
    m[k] = m0;
    o[k] = in[k] * m0;
  }
}

struct DropoutArgs {
  double p = 0.5;  // probability of zeroing an element, in (0, 1]
  RandomKey key;   // counters key.offset .. key.offset + dropout_draws(n) - 1 are this call's
};

// out, mask and x contiguous, of one floating dtype: mask = 0 or 1/(1-p) (0 everywhere when p == 1),
// out = x * mask.
using dropout_fn = void (*)(const Tensor& out, const Tensor& mask, const Tensor& x, const DropoutArgs& args);

PYNN_DECLARE_KERNEL(dropout_kernel, dropout_fn);

}  // namespace pynn
