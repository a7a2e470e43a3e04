// CPU pooling kernels (kernels/pool.h): planes shared over the pool, windows walked tap by tap (only the taps
// inside the input, so padding is never read) from per-axis window tables built once per call. Max pooling whose
// windows all lie inside the input (no padding, dilation or partial ceil_mode window: the CNN case) runs tap by
// tap over whole output rows instead, branch-free selects that vectorize; built once per ISA for them.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/error.h"
#include "kernels/pool.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

int64_t plane_grain(const PoolGeometry& g) {
  const int64_t work = std::max<int64_t>(1, g.out_plane() * g.d.kernel * g.h.kernel * g.w.kernel + g.in_plane());
  return std::max<int64_t>(1, kElementwiseGrain / work);
}

// One axis' windows, resolved once per call (no division per output): output o's in-input taps are at
// first[o] + j * dilation, j < count[o]; padded[o] is its count_include_pad size.
struct AxisWindows {
  std::vector<int64_t> first, count, padded;
  int64_t dilation = 1;
  explicit AxisWindows(const PoolAxis& a) : first(a.out), count(a.out), padded(a.out), dilation(a.dilation) {
    for (int64_t o = 0; o < a.out; ++o) {
      const int64_t f = a.first_tap(o), l = a.last_tap(o);
      first[o] = a.start(o) + f * a.dilation;
      count[o] = std::max<int64_t>(0, l - f);
      padded[o] = a.padded_count(o);
    }
  }
};

struct Windows {
  AxisWindows d, h, w;
  int64_t h_in, w_in;
  explicit Windows(const PoolGeometry& g) : d(g.d), h(g.h), w(g.w), h_in(g.h.in), w_in(g.w.in) {}
};

// The output at (oz, oy, ox) of a plane, `at` its offset in the plane.
struct OutPos {
  int64_t z, y, x, at;
};

template <typename T>
T avg_divisor(const PoolGeometry& g, const Windows& win, const OutPos& o) {
  if (g.divisor_override) return static_cast<T>(g.divisor_override);
  if (g.count_include_pad) return static_cast<T>(win.d.padded[o.z] * win.h.padded[o.y] * win.w.padded[o.x]);
  return static_cast<T>(win.d.count[o.z] * win.h.count[o.y] * win.w.count[o.x]);
}

// Calls begin(pos), then tap(in_offset) for every in-input tap of that output's window, then end(pos), for every
// output of a plane in order. The innermost taps are contiguous when the width's dilation is 1.
template <typename Begin, typename Tap, typename End>
void walk_windows(const Windows& win, Begin begin, Tap tap, End end) {
  const AxisWindows &D = win.d, &H = win.h, &W = win.w;
  const int64_t n_z = static_cast<int64_t>(D.first.size()), n_y = static_cast<int64_t>(H.first.size()),
                n_x = static_cast<int64_t>(W.first.size()), dw = W.dilation;
  int64_t at = 0;
  for (int64_t oz = 0; oz < n_z; ++oz)
    for (int64_t oy = 0; oy < n_y; ++oy)
      for (int64_t ox = 0; ox < n_x; ++ox, ++at) {
        const OutPos pos{oz, oy, ox, at};
        begin(pos);
        for (int64_t k = 0; k < D.count[oz]; ++k) {
          const int64_t plane = (D.first[oz] + k * D.dilation) * win.h_in;
          for (int64_t j = 0; j < H.count[oy]; ++j) {
            const int64_t row = (plane + H.first[oy] + j * H.dilation) * win.w_in + W.first[ox];
            const int64_t n = W.count[ox];
            if (dw == 1)
              for (int64_t i = 0; i < n; ++i) tap(row + i);
            else
              for (int64_t i = 0; i < n; ++i) tap(row + i * dw);
          }
        }
        end(pos);
      }
}

// Every window of the axis lies inside [0, in) with unit dilation.
bool inside(const PoolAxis& a) {
  return !a.adaptive && a.dilation == 1 && a.pad == 0 && (a.out - 1) * a.stride + a.kernel <= a.in;
}
bool rows_fast_path(const PoolGeometry& g) {
  return g.mode == PoolMode::Max && g.d.in == 1 && g.d.out == 1 && g.d.kernel == 1 && inside(g.h) && inside(g.w);
}

// Max pooling of one plane, output row by output row: the first tap initialises the row, every later tap (in the
// walk's order, so ties and NaNs resolve as there: a larger value or a NaN takes over) updates it by selects.
template <typename T>
void max_pool_rows(const PoolGeometry& g, const T* xp, T* yp, int64_t* ip) {
  const int64_t ow = g.w.out, sw = g.w.stride, w_in = g.w.in;
  for (int64_t oy = 0; oy < g.h.out; ++oy) {
    T* best = yp + oy * ow;
    int64_t* at = ip + oy * ow;
    const int64_t top = oy * g.h.stride * w_in;
    for (int64_t i = 0; i < g.h.kernel; ++i)
      for (int64_t j = 0; j < g.w.kernel; ++j) {
        const int64_t base = top + i * w_in + j;
        const T* src = xp + base;
        if (i == 0 && j == 0) {
          for (int64_t ox = 0; ox < ow; ++ox) {
            best[ox] = src[ox * sw];
            at[ox] = base + ox * sw;
          }
          continue;
        }
        for (int64_t ox = 0; ox < ow; ++ox) {
          const T v = src[ox * sw];
          const bool take = v > best[ox] || v != v;
          best[ox] = take ? v : best[ox];
          at[ox] = take ? base + ox * sw : at[ox];
        }
      }
  }
}

template <typename T>
void pool_typed(const Tensor& out, const Tensor& indices, const Tensor& x, const PoolGeometry& g) {
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const T* X = x->data_ptr<T>();
  T* Y = out->data_ptr<T>();
  int64_t* I = indices ? indices->data_ptr<int64_t>() : nullptr;
  const Windows win(g);
  const bool fast_rows = rows_fast_path(g);
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T* xp = X + p * in_plane;
      T* yp = Y + p * out_plane;
      if (fast_rows) {
        max_pool_rows(g, xp, yp, I + p * out_plane);
      } else if (g.mode == PoolMode::Max) {
        int64_t* ip = I + p * out_plane;
        T best = T(0);
        int64_t at = -1;
        walk_windows(
            win, [&](const OutPos&) { best = -std::numeric_limits<T>::infinity(), at = -1; },
            [&](int64_t k) {
              const T v = xp[k];
              if (at < 0 || v > best || std::isnan(v)) best = v, at = k;
            },
            [&](const OutPos& o) {
              yp[o.at] = best;
              ip[o.at] = at;
            });
      } else {
        T acc = T(0);
        walk_windows(
            win, [&](const OutPos&) { acc = T(0); }, [&](int64_t k) { acc += xp[k]; },
            [&](const OutPos& o) { yp[o.at] = acc / avg_divisor<T>(g, win, o); });
      }
    }
  });
}

template <typename T>
void pool_backward_typed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& indices,
                         const PoolGeometry& g) {
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  const int64_t* I = indices ? indices->data_ptr<int64_t>() : nullptr;
  const Windows win(g);
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
            win, [&](const OutPos& o) { share = go[o.at] / avg_divisor<T>(g, win, o); },
            [&](int64_t k) { gi[k] += share; }, [](const OutPos&) {});
      }
    }
  });
}

template <typename T>
void max_unpool_typed(const Tensor& out, const Tensor& x, const Tensor& indices, const PoolGeometry& g) {
  const int64_t out_plane = g.in_plane(), in_plane = g.out_plane();
  const T* X = x->data_ptr<T>();
  const int64_t* I = indices->data_ptr<int64_t>();
  T* Y = out->data_ptr<T>();
  parallel_for(0, g.planes, plane_grain(g), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* yp = Y + p * out_plane;
      const T* xp = X + p * in_plane;
      const int64_t* ip = I + p * in_plane;
      std::fill(yp, yp + out_plane, T(0));
      for (int64_t o = 0; o < in_plane; ++o) {
        const int64_t at = ip[o];
        if (at < 0 || at >= out_plane) {
          // torch names the output volume (depth x) height x width, and 1-d outputs as length x 1
          std::string size = g.d.in > 1 ? str(g.d.in, "x", g.h.in, "x", g.w.in)
                                        : g.h.in > 1 ? str(g.h.in, "x", g.w.in) : str(g.w.in, "x1");
          throw std::runtime_error(
              str("[max_unpool] Found an invalid max index: ", at, " (output volumes are of size ", size, ")"));
        }
        yp[at] = xp[o];
      }
    }
  });
}

void max_unpool_cpu(const Tensor& out, const Tensor& x, const Tensor& indices, const PoolGeometry& g) {
  PYNN_DISPATCH_FLOAT(x->dtype(), "max_unpool", [&] { max_unpool_typed<scalar_t>(out, x, indices, g); });
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
PYNN_REGISTER_CPU_KERNEL(max_unpool_kernel, max_unpool_cpu);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
