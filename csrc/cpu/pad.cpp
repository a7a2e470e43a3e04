// CPU kernels of F.pad (kernels/pad.h): output rows (every padded dim but the last) over the pool, each row's
// source row resolved once and the last dim through a table of source positions. The backward runs planes over
// the pool (the positions a plane's outputs read can repeat, so one plane is one task). Compiled once.
#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "kernels/pad.h"

namespace pynn {
namespace cpu {
namespace {

// The input offset (in elements, from the input's start) of the row that output row r reads, or -1 when the row
// is constant padding. r counts rows over all planes.
int64_t source_row(const PadGeometry& g, int64_t r) {
  const int k = g.ndim;
  int64_t offset = 0, stride = g.axes[k - 1].in;
  for (int a = k - 2; a >= 0; --a) {
    const PadAxis& ax = g.axes[a];
    const int64_t o = r % ax.out;
    r /= ax.out;
    const int64_t s = g.source(ax, o);
    if (s < 0) return -1;
    offset += s * stride;
    stride *= ax.in;
  }
  return offset + r * stride;  // r is now the plane
}

std::vector<int64_t> last_axis_sources(const PadGeometry& g) {
  const PadAxis& last = g.axes[g.ndim - 1];
  std::vector<int64_t> src(static_cast<size_t>(last.out));
  for (int64_t o = 0; o < last.out; ++o) src[o] = g.source(last, o);
  return src;
}

template <typename T>
void pad_typed(const Tensor& out, const Tensor& x, const PadGeometry& g) {
  const int64_t row_len = g.axes[g.ndim - 1].out;
  if (row_len == 0 || out->numel() == 0) return;
  const int64_t rows = out->numel() / row_len;
  const std::vector<int64_t> src = last_axis_sources(g);
  const T* X = x->data_ptr<T>();
  T* Y = out->data_ptr<T>();
  const T fill = static_cast<T>(g.value);
  parallel_for(0, rows, std::max<int64_t>(1, kElementwiseGrain / row_len), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* y = Y + r * row_len;
      const int64_t at = source_row(g, r);
      if (at < 0) {
        std::fill(y, y + row_len, fill);
        continue;
      }
      const T* xr = X + at;
      for (int64_t o = 0; o < row_len; ++o) y[o] = src[o] < 0 ? fill : xr[src[o]];
    }
  });
}

template <typename T>
void pad_backward_typed(const Tensor& grad_input, const Tensor& grad_out, const PadGeometry& g) {
  const int64_t row_len = g.axes[g.ndim - 1].out;
  const int64_t in_plane = g.in_plane(), out_plane = g.out_plane();
  const int64_t rows_per_plane = row_len ? out_plane / row_len : 0;
  const std::vector<int64_t> src = last_axis_sources(g);
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  parallel_for(0, g.planes, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, out_plane + in_plane)),
               [&](int64_t p0, int64_t p1) {
                 std::fill(GI + p0 * in_plane, GI + p1 * in_plane, T(0));
                 for (int64_t r = p0 * rows_per_plane; r < p1 * rows_per_plane; ++r) {
                   const int64_t at = source_row(g, r);
                   if (at < 0) continue;
                   const T* go = G + r * row_len;
                   T* gi = GI + at;
                   for (int64_t o = 0; o < row_len; ++o)
                     if (src[o] >= 0) gi[src[o]] += go[o];
                 }
               });
}

void pad_cpu(const Tensor& out, const Tensor& x, const PadGeometry& g) {
  PYNN_DISPATCH_ALL_AND_REDUCED(x->dtype(), "pad", [&] { pad_typed<scalar_t>(out, x, g); });
}

void pad_backward_cpu(const Tensor& grad_input, const Tensor& grad_out, const PadGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "pad_backward", [&] { pad_backward_typed<scalar_t>(grad_input, grad_out, g); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(pad_kernel, pad_cpu);
PYNN_REGISTER_CPU_KERNEL(pad_backward_kernel, pad_backward_cpu);

}  // namespace cpu
}  // namespace pynn
