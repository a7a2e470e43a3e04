// CPU kernels of F.grid_sample (kernels/resample.h), after torch's GridSampler: each grid point's source
// coordinates (and their derivatives) are resolved once and applied to every channel. Bilinear/trilinear sums the
// 2^dims corners x fastest, as torch; nearest rounds half to even; bicubic (2-D) is torch's A = -0.75 convolution
// with each tap's coordinate padded separately. Forward: points over the pool. Backward: samples over the pool (the
// input gradient of one sample is written by its own points only). Compiled once.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "kernels/resample.h"

namespace pynn {
namespace cpu {
namespace {

// Grid value -> input coordinate; *d is its derivative.
template <typename T>
T unnormalize(T c, int64_t size, bool align_corners, T* d) {
  if (align_corners) {
    *d = T(size - 1) / 2;
    return (c + 1) / 2 * T(size - 1);
  }
  *d = T(size) / 2;
  return ((c + 1) * T(size) - 1) / 2;
}

// torch's clip_coordinates: std::min(size - 1, std::max(x, 0)), which takes NaN and +inf to size - 1.
template <typename T>
T clip(T x, int64_t size, T* d) {
  const T hi = T(size - 1);
  *d = x > T(0) && x < hi ? T(1) : T(0);
  return std::min(hi, std::max(x, T(0)));
}

// Reflects x into [twice_low / 2, twice_high / 2].
template <typename T>
T reflect(T x, int64_t twice_low, int64_t twice_high, T* d) {
  if (twice_low == twice_high) {
    *d = 0;
    return 0;
  }
  if (!std::isfinite(x)) {  // left to the clip that follows
    *d = 0;
    return x;
  }
  const T lo = T(twice_low) / 2, span = T(twice_high - twice_low) / 2;
  T sign = 1;
  x -= lo;
  if (x < 0) {
    sign = -1;
    x = -x;
  }
  const T extra = std::fmod(x, span);
  const int64_t flips = static_cast<int64_t>(std::floor(x / span));
  if (flips % 2 == 0) {
    *d = sign;
    return extra + lo;
  }
  *d = -sign;
  return span - extra + lo;
}

// The padding applied to a coordinate already in input units; NaN and infinities go far outside (torch's
// safe_downgrade_to_int_range), so nothing reads them.
template <typename T>
T pad_coordinate(T x, int64_t size, GridPadding padding, bool align_corners, T* d) {
  *d = 1;
  if (padding == GridPadding::Border) {
    x = clip(x, size, d);
  } else if (padding == GridPadding::Reflection) {
    T dr, dc;
    x = align_corners ? reflect(x, 0, 2 * (size - 1), &dr) : reflect(x, -1, 2 * size - 1, &dr);
    x = clip(x, size, &dc);
    *d = dr * dc;
  }
  if (!std::isfinite(x) || std::fabs(x) > T(int64_t(1) << 40)) return T(-100);
  return x;
}

struct Geometry {
  int64_t n, c, d, h, w, od, oh, ow;
  int64_t in_plane() const { return d * h * w; }
  int64_t points() const { return od * oh * ow; }
};

Geometry geometry(const Tensor& input, const Tensor& grid, int dims) {
  const Dims& s = input->sizes();
  const Dims& gs = grid->sizes();
  if (dims == 2) return {s[0], s[1], 1, s[2], s[3], 1, gs[1], gs[2]};
  return {s[0], s[1], s[2], s[3], s[4], gs[1], gs[2], gs[3]};
}

// Where one grid point reads: up to 8 corners (bilinear) or 1 (nearest), offsets into a plane (-1: outside) and
// weights, plus each weight's derivative along each coordinate for the grid gradient.
template <typename T>
struct Taps {
  bool nan = false;  // torch's 2-D zeros-padded bilinear gives NaN at a non-finite coordinate
  int n = 0;
  int64_t offset[8];
  T weight[8];
  T dweight[8][3];  // d weight / d coordinate (input units)
  T dcoord[3];      // d coordinate / d grid value
};

template <typename T>
Taps<T> linear_taps(const Geometry& g, const T* point, const GridSampleArgs& a) {
  const int64_t size[3] = {g.w, g.h, g.d};
  const int64_t step[3] = {1, g.w, g.w * g.h};
  Taps<T> t;
  T x[3], lo_w[3], hi_w[3];
  int64_t lo[3];
  for (int k = 0; k < a.dims; ++k) {
    T du, dp;
    const T u = unnormalize(point[k], size[k], a.align_corners, &du);
    x[k] = pad_coordinate(u, size[k], a.padding, a.align_corners, &dp);
    t.dcoord[k] = du * dp;
    if (!std::isfinite(u) && a.dims == 2 && a.mode == GridMode::Bilinear && a.padding == GridPadding::Zeros)
      t.nan = true;
  }
  if (a.mode == GridMode::Nearest) {
    int64_t off = 0;
    bool inside = true;
    for (int k = 0; k < a.dims; ++k) {
      const int64_t i = static_cast<int64_t>(std::nearbyint(x[k]));
      inside = inside && i >= 0 && i < size[k];
      off += i * step[k];
    }
    t.n = 1;
    t.offset[0] = inside ? off : -1;
    t.weight[0] = 1;
    for (int k = 0; k < 3; ++k) t.dweight[0][k] = 0;
    return t;
  }
  for (int k = 0; k < a.dims; ++k) {
    const T f = std::floor(x[k]);
    lo[k] = static_cast<int64_t>(f);
    lo_w[k] = (f + 1) - x[k];  // torch's (ix_se - ix): weight of the lower corner
    hi_w[k] = x[k] - f;
  }
  t.n = 1 << a.dims;
  for (int c = 0; c < t.n; ++c) {  // bit k of c: the upper corner along coordinate k (x fastest)
    int64_t off = 0;
    bool inside = true;
    T w = 1;
    for (int k = 0; k < a.dims; ++k) {
      const bool up = (c >> k) & 1;
      const int64_t i = lo[k] + (up ? 1 : 0);
      inside = inside && i >= 0 && i < size[k];
      off += i * step[k];
      w *= up ? hi_w[k] : lo_w[k];
    }
    t.offset[c] = inside ? off : -1;
    t.weight[c] = w;
    for (int j = 0; j < a.dims; ++j) {
      T dw = ((c >> j) & 1) ? T(1) : T(-1);
      for (int k = 0; k < a.dims; ++k)
        if (k != j) dw *= ((c >> k) & 1) ? hi_w[k] : lo_w[k];
      t.dweight[c][j] = dw;
    }
  }
  return t;
}

// Bicubic (2-D): 4 x 4 taps, each coordinate padded on its own (torch's get_value_bounded).
template <typename T>
void cubic_coefficients(T c[4], T t) {
  const T A = T(-0.75);
  auto conv1 = [&](T x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto conv2 = [&](T x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  c[0] = conv2(t + 1);
  c[1] = conv1(t);
  c[2] = conv1(1 - t);
  c[3] = conv2(2 - t);
}

template <typename T>
void cubic_coefficients_grad(T c[4], T t) {
  const T A = T(-0.75);
  T x = -1 - t;
  c[0] = (-3 * A * x - 10 * A) * x - 8 * A;
  x += 1;
  c[1] = (-3 * (A + 2) * x - 2 * (A + 3)) * x;
  x += 1;
  c[2] = (3 * (A + 2) * x - 2 * (A + 3)) * x;
  x += 1;
  c[3] = (3 * A * x - 10 * A) * x + 8 * A;
}

template <typename T>
struct CubicTaps {
  bool nan = false;  // a non-finite coordinate: torch's result is NaN
  int64_t offset[4][4];  // [row][col], -1 outside
  T cx[4], cy[4], gx[4], gy[4];
  T dx, dy;  // d coordinate / d grid value (the unnormalization only, as torch)
};

template <typename T>
CubicTaps<T> cubic_taps(const Geometry& g, const T* point, const GridSampleArgs& a) {
  CubicTaps<T> t;
  const T ix = unnormalize(point[0], g.w, a.align_corners, &t.dx);
  const T iy = unnormalize(point[1], g.h, a.align_corners, &t.dy);
  t.nan = !std::isfinite(ix) || !std::isfinite(iy);
  const T fx = std::isfinite(ix) ? std::floor(ix) : T(-100), fy = std::isfinite(iy) ? std::floor(iy) : T(-100);
  const T tx = std::isfinite(ix) ? ix - fx : T(0), ty = std::isfinite(iy) ? iy - fy : T(0);
  cubic_coefficients(t.cx, tx);
  cubic_coefficients(t.cy, ty);
  cubic_coefficients_grad(t.gx, tx);
  cubic_coefficients_grad(t.gy, ty);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      T unused;
      const T x = pad_coordinate(fx - 1 + j, g.w, a.padding, a.align_corners, &unused);
      const T y = pad_coordinate(fy - 1 + i, g.h, a.padding, a.align_corners, &unused);
      const int64_t xi = static_cast<int64_t>(x), yi = static_cast<int64_t>(y);
      t.offset[i][j] = xi >= 0 && xi < g.w && yi >= 0 && yi < g.h ? yi * g.w + xi : -1;
    }
  return t;
}

template <typename T>
void forward_typed(const Tensor& out, const Tensor& input, const Tensor& grid, const GridSampleArgs& a) {
  const Geometry g = geometry(input, grid, a.dims);
  const T* X = input->data_ptr<T>();
  const T* G = grid->data_ptr<T>();
  T* Y = out->data_ptr<T>();
  const int64_t P = g.points(), plane = g.in_plane();
  parallel_for(0, g.n * P, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, 8 * g.c)),
               [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      const int64_t n = q / P, p = q % P;
      const T* point = G + q * a.dims;
      const T* xs = X + n * g.c * plane;
      T* ys = Y + n * g.c * P + p;
      if (a.mode == GridMode::Bicubic) {
        const CubicTaps<T> t = cubic_taps(g, point, a);
        for (int64_t c = 0; c < g.c; ++c) {
          if (t.nan) {
            ys[c * P] = std::numeric_limits<T>::quiet_NaN();
            continue;
          }
          const T* xc = xs + c * plane;
          T rows[4];
          for (int i = 0; i < 4; ++i) {
            T v = 0;
            for (int j = 0; j < 4; ++j) v += (t.offset[i][j] >= 0 ? xc[t.offset[i][j]] : T(0)) * t.cx[j];
            rows[i] = v;
          }
          ys[c * P] = rows[0] * t.cy[0] + rows[1] * t.cy[1] + rows[2] * t.cy[2] + rows[3] * t.cy[3];
        }
        continue;
      }
      const Taps<T> t = linear_taps(g, point, a);
      for (int64_t c = 0; c < g.c; ++c) {
        const T* xc = xs + c * plane;
        T v = t.nan ? std::numeric_limits<T>::quiet_NaN() : T(0);
        for (int k = 0; k < t.n; ++k)
          if (t.offset[k] >= 0) v += xc[t.offset[k]] * t.weight[k];
        ys[c * P] = v;
      }
    }
  });
}

template <typename T>
void backward_typed(const Tensor& grad_input, const Tensor& grad_grid, const Tensor& grad_out, const Tensor& input,
                    const Tensor& grid, const GridSampleArgs& a) {
  const Geometry g = geometry(input, grid, a.dims);
  const T* X = input->data_ptr<T>();
  const T* G = grid->data_ptr<T>();
  const T* GO = grad_out->data_ptr<T>();
  T* GI = grad_input ? grad_input->data_ptr<T>() : nullptr;
  T* GG = grad_grid ? grad_grid->data_ptr<T>() : nullptr;
  const int64_t P = g.points(), plane = g.in_plane();
  if (GI) std::fill(GI, GI + grad_input->numel(), T(0));
  parallel_for(0, g.n, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t p = 0; p < P; ++p) {
        const int64_t q = n * P + p;
        const T* point = G + q * a.dims;
        const T* xs = X + n * g.c * plane;
        const T* gos = GO + n * g.c * P + p;
        T* gis = GI ? GI + n * g.c * plane : nullptr;
        T dgrid[3] = {0, 0, 0};
        if (a.mode == GridMode::Bicubic) {
          const CubicTaps<T> t = cubic_taps(g, point, a);
          for (int64_t c = 0; c < g.c && !t.nan; ++c) {
            const T go = gos[c * P];
            for (int i = 0; i < 4; ++i)
              for (int j = 0; j < 4; ++j) {
                const int64_t off = t.offset[i][j];
                if (off < 0) continue;
                if (gis) gis[c * plane + off] += go * t.cx[j] * t.cy[i];
                const T v = xs[c * plane + off];
                dgrid[0] -= v * t.gx[j] * t.cy[i] * go;
                dgrid[1] -= v * t.cx[j] * t.gy[i] * go;
              }
          }
          // the coefficients' derivatives are taken along the tap distances (-1 - t ... 2 - t), which fall as
          // the coordinate rises: hence the subtractions above, as torch's
          dgrid[0] = t.nan ? std::numeric_limits<T>::quiet_NaN() : dgrid[0] * t.dx;
          dgrid[1] = t.nan ? std::numeric_limits<T>::quiet_NaN() : dgrid[1] * t.dy;
        } else {
          const Taps<T> t = linear_taps(g, point, a);
          for (int64_t c = 0; c < g.c && !t.nan; ++c) {
            const T go = gos[c * P];
            for (int k = 0; k < t.n; ++k) {
              if (t.offset[k] < 0) continue;
              if (gis) gis[c * plane + t.offset[k]] += t.weight[k] * go;
              const T v = xs[c * plane + t.offset[k]] * go;
              for (int j = 0; j < a.dims; ++j) dgrid[j] += v * t.dweight[k][j];
            }
          }
          for (int j = 0; j < a.dims; ++j) dgrid[j] = t.nan ? std::numeric_limits<T>::quiet_NaN() : dgrid[j] * t.dcoord[j];
        }
        if (GG)
          for (int j = 0; j < a.dims; ++j) GG[q * a.dims + j] = dgrid[j];
      }
  });
}

void grid_sample_cpu(const Tensor& out, const Tensor& input, const Tensor& grid, const GridSampleArgs& a) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "grid_sampler", [&] { forward_typed<scalar_t>(out, input, grid, a); });
}

void grid_sample_backward_cpu(const Tensor& grad_input, const Tensor& grad_grid, const Tensor& grad_out,
                              const Tensor& input, const Tensor& grid, const GridSampleArgs& a) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "grid_sampler_backward",
                      [&] { backward_typed<scalar_t>(grad_input, grad_grid, grad_out, input, grid, a); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(grid_sample_kernel, grid_sample_cpu);
PYNN_REGISTER_CPU_KERNEL(grid_sample_backward_kernel, grid_sample_backward_cpu);

}  // namespace cpu
}  // namespace pynn
