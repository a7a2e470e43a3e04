// CPU resampling kernels (kernels/resample.h): planes over the pool, each output a nested sum over the three axes'
// taps (torch's order: the innermost axis summed first); the backward adds each output gradient, weighted, into
// the taps it read, plane by plane. Compiled once.
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "kernels/resample.h"

namespace pynn {
namespace cpu {
namespace {

int64_t plane_grain(const ResampleGeometry& g) {
  const int64_t work = std::max<int64_t>(1, g.out_plane() * g.d.taps * g.h.taps * g.w.taps + g.in_plane());
  return std::max<int64_t>(1, kElementwiseGrain / work);
}

// The weights in T, so the sums run in the tensor's precision.
template <typename T>
std::vector<T> weights_as(const ResampleAxis& a) {
  return std::vector<T>(a.weight.begin(), a.weight.end());
}

template <typename T>
void resample_typed(const Tensor& out, const Tensor& x, const ResampleGeometry& g) {
  const ResampleAxis &D = g.d, &H = g.h, &W = g.w;
  const std::vector<T> wd = weights_as<T>(D), wh = weights_as<T>(H), ww = weights_as<T>(W);
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const T* X = x->data_ptr<T>();
  T* Y = out->data_ptr<T>();
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xp = X + p * in_plane;
      T* y = Y + p * out_plane;
      for (int64_t oz = 0; oz < D.out; ++oz)
        for (int64_t oy = 0; oy < H.out; ++oy)
          for (int64_t ox = 0; ox < W.out; ++ox) {
            T acc_d = T(0);
            for (int a = 0; a < D.taps; ++a) {
              const T* plane = xp + D.index[oz * D.taps + a] * H.in * W.in;
              T acc_h = T(0);
              for (int b = 0; b < H.taps; ++b) {
                const T* row = plane + H.index[oy * H.taps + b] * W.in;
                T acc_w = T(0);
                for (int c = 0; c < W.taps; ++c) acc_w += row[W.index[ox * W.taps + c]] * ww[ox * W.taps + c];
                acc_h += acc_w * wh[oy * H.taps + b];
              }
              acc_d += acc_h * wd[oz * D.taps + a];
            }
            *y++ = acc_d;
          }
    }
  });
}

template <typename T>
void resample_backward_typed(const Tensor& grad_input, const Tensor& grad_out, const ResampleGeometry& g) {
  const ResampleAxis &D = g.d, &H = g.h, &W = g.w;
  const std::vector<T> wd = weights_as<T>(D), wh = weights_as<T>(H), ww = weights_as<T>(W);
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gi = GI + p * in_plane;
      const T* go = G + p * out_plane;
      std::fill(gi, gi + in_plane, T(0));
      for (int64_t oz = 0; oz < D.out; ++oz)
        for (int64_t oy = 0; oy < H.out; ++oy)
          for (int64_t ox = 0; ox < W.out; ++ox) {
            const T v = *go++;
            for (int a = 0; a < D.taps; ++a) {
              T* plane = gi + D.index[oz * D.taps + a] * H.in * W.in;
              const T va = v * wd[oz * D.taps + a];
              for (int b = 0; b < H.taps; ++b) {
                T* row = plane + H.index[oy * H.taps + b] * W.in;
                const T vb = va * wh[oy * H.taps + b];
                for (int c = 0; c < W.taps; ++c) row[W.index[ox * W.taps + c]] += vb * ww[ox * W.taps + c];
              }
            }
          }
    }
  });
}

void resample_cpu(const Tensor& out, const Tensor& x, const ResampleGeometry& g) {
  PYNN_DISPATCH_FLOAT(x->dtype(), "interpolate", [&] { resample_typed<scalar_t>(out, x, g); });
}

void resample_backward_cpu(const Tensor& grad_input, const Tensor& grad_out, const ResampleGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "interpolate_backward",
                      [&] { resample_backward_typed<scalar_t>(grad_input, grad_out, g); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(resample_kernel, resample_cpu);
PYNN_REGISTER_CPU_KERNEL(resample_backward_kernel, resample_backward_cpu);

}  // namespace cpu
}  // namespace pynn
