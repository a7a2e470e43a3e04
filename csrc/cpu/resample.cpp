// CPU resampling kernels (kernels/resample.h): planes over the pool; per output row the input rows it reads are
// resolved once (with their depth x height weights), then each output sums its width taps in each of those rows
// (the innermost axis first, as torch); the backward adds each output gradient, weighted, into the taps it read,
// plane by plane. Compiled once.
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

// The input rows output row (oz, oy) reads, with the product of their depth and height weights.
template <typename T>
struct RowTaps {
  int64_t offset[16];  // up to 4 x 4 taps
  T weight[16];
  int n = 0;
};

template <typename T>
RowTaps<T> row_taps(const ResampleGeometry& g, const std::vector<T>& wd, const std::vector<T>& wh, int64_t oz,
                    int64_t oy) {
  const ResampleAxis &D = g.d, &H = g.h;
  RowTaps<T> r;
  for (int a = 0; a < D.taps; ++a)
    for (int b = 0; b < H.taps; ++b) {
      r.offset[r.n] = (D.index[oz * D.taps + a] * H.in + H.index[oy * H.taps + b]) * g.w.in;
      r.weight[r.n++] = wd[oz * D.taps + a] * wh[oy * H.taps + b];
    }
  return r;
}

// One output row: each output sums its width taps in each of the row's input rows, weighted. TW: the width taps
// (1, 2 or 4) as a constant, so the innermost loop unrolls.
template <typename T, int TW>
void resample_row(const T* xp, const RowTaps<T>& rows, const ResampleAxis& W, const T* ww, T* y) {
  const int64_t* idx = W.index.data();
  for (int64_t ox = 0; ox < W.out; ++ox) {
    T acc = T(0);
    for (int r = 0; r < rows.n; ++r) {
      const T* row = xp + rows.offset[r];
      T s = T(0);
      for (int c = 0; c < TW; ++c) s += row[idx[ox * TW + c]] * ww[ox * TW + c];
      acc += s * rows.weight[r];
    }
    y[ox] = acc;
  }
}

template <typename T, int TW>
void resample_row_backward(T* gp, const RowTaps<T>& rows, const ResampleAxis& W, const T* ww, const T* go) {
  const int64_t* idx = W.index.data();
  for (int64_t ox = 0; ox < W.out; ++ox) {
    const T v = go[ox];
    for (int r = 0; r < rows.n; ++r) {
      T* row = gp + rows.offset[r];
      const T vr = v * rows.weight[r];
      for (int c = 0; c < TW; ++c) row[idx[ox * TW + c]] += vr * ww[ox * TW + c];
    }
  }
}

template <typename T, typename Row>
void for_each_row(const ResampleGeometry& g, const std::vector<T>& wd, const std::vector<T>& wh, Row row) {
  for (int64_t oz = 0; oz < g.d.out; ++oz)
    for (int64_t oy = 0; oy < g.h.out; ++oy) row(row_taps(g, wd, wh, oz, oy), (oz * g.h.out + oy) * g.w.out);
}

template <typename T>
void resample_typed(const Tensor& out, const Tensor& x, const ResampleGeometry& g) {
  const std::vector<T> wd = weights_as<T>(g.d), wh = weights_as<T>(g.h), ww = weights_as<T>(g.w);
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const T* X = x->data_ptr<T>();
  T* Y = out->data_ptr<T>();
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xp = X + p * in_plane;
      T* yp = Y + p * out_plane;
      for_each_row(g, wd, wh, [&](const RowTaps<T>& rows, int64_t at) {
        switch (g.w.taps) {
          case 1: return resample_row<T, 1>(xp, rows, g.w, ww.data(), yp + at);
          case 2: return resample_row<T, 2>(xp, rows, g.w, ww.data(), yp + at);
          default: return resample_row<T, 4>(xp, rows, g.w, ww.data(), yp + at);
        }
      });
    }
  });
}

template <typename T>
void resample_backward_typed(const Tensor& grad_input, const Tensor& grad_out, const ResampleGeometry& g) {
  const std::vector<T> wd = weights_as<T>(g.d), wh = weights_as<T>(g.h), ww = weights_as<T>(g.w);
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* gp = GI + p * in_plane;
      const T* go = G + p * out_plane;
      std::fill(gp, gp + in_plane, T(0));
      for_each_row(g, wd, wh, [&](const RowTaps<T>& rows, int64_t at) {
        switch (g.w.taps) {
          case 1: return resample_row_backward<T, 1>(gp, rows, g.w, ww.data(), go + at);
          case 2: return resample_row_backward<T, 2>(gp, rows, g.w, ww.data(), go + at);
          default: return resample_row_backward<T, 4>(gp, rows, g.w, ww.data(), go + at);
        }
      });
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
