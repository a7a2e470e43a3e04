// Kernel interface of F.pad, shared by csrc/cpu and csrc/cuda. All checks happened in csrc/ops/pad.cpp.
// A padding runs over planes (the leading, unpadded dims) of the trailing padded dims, contiguous.
#pragma once
#include <cstdint>

#include "core/dims.h"
#include "core/dispatch.h"
#include "core/tensor.h"

namespace pynn {

enum class PadMode : int { Constant = 0, Reflect = 1, Replicate = 2, Circular = 3 };

// One padded dim: output position o reads input position o - before (before < 0 crops), mapped into the input
// by the mode. Circular wraps inside [lo, hi), what is left of the input once negative pads have cropped it.
struct PadAxis {
  int64_t in = 1, out = 1, before = 0, lo = 0, hi = 1;
};

struct PadGeometry {
  int64_t planes = 1;
  int ndim = 0;  // padded trailing dims, 1 .. kMaxDims
  PadAxis axes[kMaxDims];
  PadMode mode = PadMode::Constant;
  double value = 0;  // Constant

  // The input position output position o of `a` reads, or -1 for the constant.
  int64_t source(const PadAxis& a, int64_t o) const {
    int64_t i = o - a.before;
    switch (mode) {
      case PadMode::Constant: return i >= 0 && i < a.in ? i : -1;
      case PadMode::Reflect:  // pads are below the size, so one reflection lands inside
        if (i < 0) i = -i;
        return i >= a.in ? 2 * (a.in - 1) - i : i;
      case PadMode::Replicate: return i < 0 ? 0 : i >= a.in ? a.in - 1 : i;
      case PadMode::Circular: {
        const int64_t n = a.hi - a.lo, r = (i - a.lo) % n;
        return a.lo + (r < 0 ? r + n : r);
      }
    }
    return -1;
  }
  int64_t in_plane() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= axes[i].in;
    return n;
  }
  int64_t out_plane() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= axes[i].out;
    return n;
  }
};

// out (planes, out...) = x (planes, in...) padded; every element of out written.
using pad_fn = void (*)(const Tensor& out, const Tensor& x, const PadGeometry& g);
// grad_input (planes, in...) = the adjoint: each output gradient added to the input position it read (float).
using pad_backward_fn = void (*)(const Tensor& grad_input, const Tensor& grad_out, const PadGeometry& g);

PYNN_DECLARE_KERNEL(pad_kernel, pad_fn);
PYNN_DECLARE_KERNEL(pad_backward_kernel, pad_backward_fn);

}  // namespace pynn
