// Kernel interface of pooling, shared by csrc/cpu and csrc/cuda. All checks happened in csrc/ops/pool.cpp.
// A pooling runs over planes (every leading dim: batch and channels) of d x h x w contiguous elements; 2-d pooling
// has a unit depth, 1-d pooling a unit height too.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/host_device.h"
#include "core/tensor.h"

namespace pynn {

enum class PoolMode : int { Max = 0, Avg = 1, NumModes };

// One spatial axis: output position o pools input positions start(o) + j * dilation for start(o) <= ... < end(o)
// (those outside [0, in) are padding). Adaptive axes split [0, in) into `out` nearly equal windows, as torch.
struct PoolAxis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, pad = 0, dilation = 1;
  bool adaptive = false;

  PYNN_HOST_DEVICE int64_t start(int64_t o) const { return adaptive ? (o * in) / out : o * stride - pad; }
  PYNN_HOST_DEVICE int64_t end(int64_t o) const {  // one past the last tap
    return adaptive ? ((o + 1) * in + out - 1) / out : start(o) + (kernel - 1) * dilation + 1;
  }
  // First tap at or after 0, and one past the last tap before `in`, in tap units (j).
  PYNN_HOST_DEVICE int64_t first_tap(int64_t o) const {
    const int64_t s = start(o);
    return s >= 0 ? 0 : (-s + dilation - 1) / dilation;
  }
  PYNN_HOST_DEVICE int64_t last_tap(int64_t o) const {  // exclusive
    const int64_t s = start(o), e = end(o) < in ? end(o) : in;
    return e <= s ? 0 : (e - s + dilation - 1) / dilation;
  }
  // Average pooling (dilation 1): taps counted with count_include_pad, i.e. up to in + pad.
  PYNN_HOST_DEVICE int64_t padded_count(int64_t o) const {
    if (adaptive) return end(o) - start(o);
    const int64_t e = end(o) < in + pad ? end(o) : in + pad;
    return e - start(o);
  }
};

struct PoolGeometry {
  int64_t planes = 0;
  PoolAxis d, h, w;  // d: 3-d only
  PoolMode mode = PoolMode::Max;
  bool count_include_pad = true;  // Avg
  int64_t divisor_override = 0;   // Avg; 0: none

  PYNN_HOST_DEVICE int64_t in_plane() const { return d.in * h.in * w.in; }
  PYNN_HOST_DEVICE int64_t out_plane() const { return d.out * h.out * w.out; }
};

// out (planes, od, oh, ow) = the pooling of x (planes, d, h, w); for Max, indices (int64, like out) receive each
// maximum's position (iz * h + iy) * w + ix in its plane (NaN wins, as in torch), for Avg indices is null.
using pool2d_fn = void (*)(const Tensor& out, const Tensor& indices, const Tensor& x, const PoolGeometry& g);
// grad_input (planes, d, h, w), every element written: for Max, grad_out scattered (summed) to `indices`; for
// Avg, each output gradient spread over its window divided as in the forward.
using pool2d_backward_fn = void (*)(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices,
                                    const PoolGeometry& g);

// max_unpool: out (planes, d, h, w) = zeros with x (planes, od, oh, ow) written at indices (int64, like x), the
// positions max pooling of an input like out reported; g's in-axes are out's sizes, its out-axes x's. An index
// outside the plane raises torch's "Found an invalid max index" (after zeroing out, with no write outside it).
using max_unpool_fn = void (*)(const Tensor& out, const Tensor& x, const Tensor& indices, const PoolGeometry& g);

PYNN_DECLARE_KERNEL(pool2d_kernel, pool2d_fn);
PYNN_DECLARE_KERNEL(max_unpool_kernel, max_unpool_fn);
PYNN_DECLARE_KERNEL(pool2d_backward_kernel, pool2d_backward_fn);

}  // namespace pynn
