// Max / average pooling on CUDA (1-, 2- and 3-d, adaptive windows too) over kernels/pool.h's geometry, whose
// window arithmetic (PoolAxis) is shared with the CPU. Forward: one thread per output element, taps in the
// CPU's order (so ties and NaNs pick the same index). Backward: one thread per plane, writing its plane's input
// gradient serially as the CPU does, so overlapping windows add up in the same order and no atomics are needed.
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/cuda_utils.cuh"
#include "kernels/pool.h"

namespace pynn {
namespace cuda {
namespace {

// One axis' in-input taps of output o: first position and count (as cpu/pool.cpp's AxisWindows).
struct Taps {
  int64_t first, count;
};
__device__ __forceinline__ Taps taps(const PoolAxis& a, int64_t o) {
  const int64_t f = a.first_tap(o), l = a.last_tap(o);
  return {a.start(o) + f * a.dilation, l - f > 0 ? l - f : 0};
}

template <typename T>
__device__ __forceinline__ T avg_divisor(const PoolGeometry& g, int64_t oz, int64_t oy, int64_t ox, const Taps& tz,
                                         const Taps& ty, const Taps& tx) {
  if (g.divisor_override) return static_cast<T>(g.divisor_override);
  if (g.count_include_pad) return static_cast<T>(g.d.padded_count(oz) * g.h.padded_count(oy) * g.w.padded_count(ox));
  return static_cast<T>(tz.count * ty.count * tx.count);
}

template <typename T>
__global__ void pool_forward(T* Y, int64_t* I, const T* X, PoolGeometry g) {
  const int64_t out_plane = g.out_plane(), in_plane = g.in_plane(), total = g.planes * out_plane;
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t p = t / out_plane, at = t % out_plane;
    const int64_t ox = at % g.w.out, oy = (at / g.w.out) % g.h.out, oz = at / (g.w.out * g.h.out);
    const Taps tz = taps(g.d, oz), ty = taps(g.h, oy), tx = taps(g.w, ox);
    const T* xp = X + p * in_plane;
    if (g.mode == PoolMode::Max) {
      T best = T(0);
      int64_t where = -1;
      for (int64_t a = 0; a < tz.count; ++a)
        for (int64_t b = 0; b < ty.count; ++b)
          for (int64_t c = 0; c < tx.count; ++c) {
            const int64_t k = ((tz.first + a * g.d.dilation) * g.h.in + ty.first + b * g.h.dilation) * g.w.in +
                              tx.first + c * g.w.dilation;
            const T v = xp[k];
            if (where < 0 || v > best || v != v) best = v, where = k;
          }
      Y[t] = where < 0 ? static_cast<T>(-INFINITY) : best;
      I[t] = where;
    } else {
      T acc = T(0);
      for (int64_t a = 0; a < tz.count; ++a)
        for (int64_t b = 0; b < ty.count; ++b)
          for (int64_t c = 0; c < tx.count; ++c)
            acc += xp[((tz.first + a * g.d.dilation) * g.h.in + ty.first + b * g.h.dilation) * g.w.in + tx.first +
                      c * g.w.dilation];
      Y[t] = acc / avg_divisor<T>(g, oz, oy, ox, tz, ty, tx);
    }
  }
}

template <typename T>
__global__ void pool_backward(T* GI, const T* G, const int64_t* I, PoolGeometry g) {
  const int64_t out_plane = g.out_plane(), in_plane = g.in_plane();
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; p < g.planes;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    T* gi = GI + p * in_plane;
    const T* go = G + p * out_plane;
    for (int64_t k = 0; k < in_plane; ++k) gi[k] = T(0);
    if (g.mode == PoolMode::Max) {
      const int64_t* ip = I + p * out_plane;
      for (int64_t o = 0; o < out_plane; ++o)
        if (ip[o] >= 0 && ip[o] < in_plane) gi[ip[o]] += go[o];
      continue;
    }
    for (int64_t at = 0; at < out_plane; ++at) {
      const int64_t ox = at % g.w.out, oy = (at / g.w.out) % g.h.out, oz = at / (g.w.out * g.h.out);
      const Taps tz = taps(g.d, oz), ty = taps(g.h, oy), tx = taps(g.w, ox);
      const T share = go[at] / avg_divisor<T>(g, oz, oy, ox, tz, ty, tx);
      for (int64_t a = 0; a < tz.count; ++a)
        for (int64_t b = 0; b < ty.count; ++b)
          for (int64_t c = 0; c < tx.count; ++c)
            gi[((tz.first + a * g.d.dilation) * g.h.in + ty.first + b * g.h.dilation) * g.w.in + tx.first +
               c * g.w.dilation] += share;
    }
  }
}

void pool_impl(const Tensor& out, const Tensor& indices, const Tensor& x, const PoolGeometry& g) {
  PYNN_DISPATCH_FLOAT(x->dtype(), g.mode == PoolMode::Max ? "max_pool2d" : "avg_pool2d", [&] {
    const int64_t total = g.planes * g.out_plane();
    if (total == 0) return;
    pool_forward<scalar_t><<<grid_for(total), kBlock>>>(out->data_ptr<scalar_t>(),
                                                         indices ? indices->data_ptr<int64_t>() : nullptr,
                                                         x->data_ptr<scalar_t>(), g);
    check_launch("pool2d");
  });
}

void pool_backward_impl(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices,
                        const PoolGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_input->dtype(), "pool2d_backward", [&] {
    if (g.planes == 0 || g.in_plane() == 0) return;
    pool_backward<scalar_t><<<grid_for(g.planes, 64), 64>>>(grad_input->data_ptr<scalar_t>(),
                                                            grad_out->data_ptr<scalar_t>(),
                                                            indices ? indices->data_ptr<int64_t>() : nullptr, g);
    check_launch("pool2d_backward");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(pool2d_kernel, KernelSlot::CUDA, pool_impl);
PYNN_REGISTER_KERNEL(pool2d_backward_kernel, KernelSlot::CUDA, pool_backward_impl);

}  // namespace cuda
}  // namespace pynn
