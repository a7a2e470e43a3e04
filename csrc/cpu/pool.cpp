// CPU pooling kernels (kernels/pool.h): planes shared over the pool, windows walked tap by tap (only the taps
// inside the input, so padding is never read). Compiled once.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "kernels/pool.h"

namespace pynn {
namespace cpu {
namespace {

int64_t plane_grain(const PoolGeometry& g) {
  const int64_t work = std::max<int64_t>(1, g.h.out * g.w.out * g.h.kernel * g.w.kernel + g.h.in * g.w.in);
  return std::max<int64_t>(1, kElementwiseGrain / work);
}

template <typename T>
T avg_divisor(const PoolGeometry& g, int64_t oy, int64_t ox) {
  if (g.divisor_override) return static_cast<T>(g.divisor_override);
  if (g.count_include_pad) return static_cast<T>(g.h.padded_count(oy) * g.w.padded_count(ox));
  return static_cast<T>((g.h.last_tap(oy) - g.h.first_tap(oy)) * (g.w.last_tap(ox) - g.w.first_tap(ox)));
}

// Calls f(oy, ox, out_offset) then tap(in_offset) for every in-input tap of that output's window.
template <typename Begin, typename Tap, typename End>
void walk_windows(const PoolGeometry& g, Begin begin, Tap tap, End end) {
  const PoolAxis &H = g.h, &W = g.w;
  for (int64_t oy = 0; oy < H.out; ++oy) {
    const int64_t y0 = H.first_tap(oy), y1 = H.last_tap(oy), ys = H.start(oy);
    for (int64_t ox = 0; ox < W.out; ++ox) {
      const int64_t x0 = W.first_tap(ox), x1 = W.last_tap(ox), xs = W.start(ox);
      begin(oy, ox);
      for (int64_t j = y0; j < y1; ++j) {
        const int64_t row = (ys + j * H.dilation) * W.in;
        for (int64_t i = x0; i < x1; ++i) tap(row + xs + i * W.dilation);
      }
      end(oy, ox);
    }
  }
}

template <typename T>
void pool_typed(const Tensor& out, const Tensor& indices, const Tensor& x, const PoolGeometry& g) {
  const int64_t in_plane = g.h.in * g.w.in, out_plane = g.h.out * g.w.out;
  const T* X = x->data_ptr<T>();
  T* Y = out->data_ptr<T>();
  int64_t* I = indices ? indices->data_ptr<int64_t>() : nullptr;
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xp = X + p * in_plane;
      T* yp = Y + p * out_plane;
      if (g.mode == PoolMode::Max) {
        int64_t* ip = I + p * out_plane;
        T best = T(0);
        int64_t at = -1;
        walk_windows(
            g, [&](int64_t, int64_t) { best = -std::numeric_limits<T>::infinity(), at = -1; },
            [&](int64_t k) {
              const T v = xp[k];
              if (at < 0 || v > best || std::isnan(v)) best = v, at = k;
            },
            [&](int64_t oy, int64_t ox) {
              yp[oy * g.w.out + ox] = best;
              ip[oy * g.w.out + ox] = at;
            });
      } else {
        T acc = T(0);
        walk_windows(
            g, [&](int64_t, int64_t) { acc = T(0); }, [&](int64_t k) { acc += xp[k]; },
            [&](int64_t oy, int64_t ox) { yp[oy * g.w.out + ox] = acc / avg_divisor<T>(g, oy, ox); });
      }
    }
  });
}

template <typename T>
void pool_backward_typed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices,
                         const PoolGeometry& g) {
  const int64_t in_plane = g.h.in * g.w.in, out_plane = g.h.out * g.w.out;
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  const int64_t* I = indices ? indices->data_ptr<int64_t>() : nullptr;
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gi = GI + p * in_plane;
      const T* go = G + p * out_plane;
      std::fill(gi, gi + in_plane, T(0));
      if (g.mode == PoolMode::Max) {
        const int64_t* ip = I + p * out_plane;
        for (int64_t o = 0; o < out_plane; ++o)
          if (ip[o] >= 0 && ip[o] < in_plane) gi[ip[o]] += go[o];
      } else {
        T share = T(0);
        walk_windows(
            g, [&](int64_t oy, int64_t ox) { share = go[oy * g.w.out + ox] / avg_divisor<T>(g, oy, ox); },
            [&](int64_t k) { gi[k] += share; }, [](int64_t, int64_t) {});
      }
    }
  });
}

void pool2d_cpu(const Tensor& out, const Tensor& indices, const Tensor& x, const PoolGeometry& g) {
  PYNN_DISPATCH_FLOAT(x->dtype(), "pool2d", [&] { pool_typed<scalar_t>(out, indices, x, g); });
}

void pool2d_backward_cpu(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices,
                         const PoolGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "pool2d_backward",
                      [&] { pool_backward_typed<scalar_t>(grad_input, grad_out, indices, g); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(pool2d_kernel, pool2d_cpu);
PYNN_REGISTER_CPU_KERNEL(pool2d_backward_kernel, pool2d_backward_cpu);

}  // namespace cpu
}  // namespace pynn
