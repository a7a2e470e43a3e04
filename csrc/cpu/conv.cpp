// CPU convolution kernels (kernels/conv.h): im2col / col2im per sample and one GEMM per sample batched over the
// groups, through the registry's gemm kernel. Samples are shared over pynn's pool when there are at least as
// many as threads (the GEMMs inside then run single-threaded); otherwise samples run one after another and
// each GEMM is tiled over the pool. Compiled once: the time goes to the GEMM.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "core/parallel.h"
#include "kernels/conv.h"
#include "kernels/linalg.h"

namespace pynn {
namespace cpu {
namespace {

// Output positions o in [0, out) whose input position o * stride + offset falls inside [0, in): [lo, hi).
struct ValidRange {
  int64_t lo, hi;
};
ValidRange valid_range(int64_t out, int64_t in, int64_t stride, int64_t offset) {
  // o * stride + offset >= 0  <=>  o >= ceil(-offset / stride); < in  <=>  o < ceil((in - offset) / stride)
  auto ceil_div = [](int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
  const int64_t lo = std::clamp<int64_t>(ceil_div(-offset, stride), 0, out);
  const int64_t hi = std::clamp<int64_t>(ceil_div(in - offset, stride), lo, out);
  return {lo, hi};
}

// Walks the column matrix of one sample (rows c * kh * kw + i * kw + j, columns oy * ow + ox) together with the
// input positions each in-range run of columns reads: f(col_row_ptr_offset, input_offset, count, in_step) for
// each run, z(col_offset, count) for each run that reads padding. Shared by im2col (copy) and col2im (add).
template <typename Run, typename Zero>
void walk_columns(const ConvGeometry& g, int64_t channels, Run run, Zero zero) {
  const int64_t ow = g.ow, oh = g.oh;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t row = ((c * g.kh + i) * g.kw + j) * oh * ow;
        const ValidRange ys = valid_range(oh, g.h, g.sh, i * g.dh - g.pad_h);
        const ValidRange xs = valid_range(ow, g.w, g.sw, j * g.dw - g.pad_w);
        if (ys.lo > 0) zero(row, ys.lo * ow);
        for (int64_t oy = ys.lo; oy < ys.hi; ++oy) {
          const int64_t iy = oy * g.sh - g.pad_h + i * g.dh;
          const int64_t at = row + oy * ow;
          if (xs.lo > 0) zero(at, xs.lo);
          if (xs.hi > xs.lo) {
            const int64_t ix = xs.lo * g.sw - g.pad_w + j * g.dw;
            run(at + xs.lo, (c * g.h + iy) * g.w + ix, xs.hi - xs.lo, g.sw);
          }
          if (xs.hi < ow) zero(at + xs.hi, ow - xs.hi);
        }
        if (ys.hi < oh) zero(row + ys.hi * ow, (oh - ys.hi) * ow);
      }
}

template <typename T>
void im2col(const ConvGeometry& g, const T* x, T* col) {
  walk_columns(
      g, g.c_in,
      [&](int64_t at, int64_t src, int64_t count, int64_t step) {
        const T* s = x + src;
        T* d = col + at;
        if (step == 1) std::memcpy(d, s, static_cast<size_t>(count) * sizeof(T));
        else
          for (int64_t k = 0; k < count; ++k) d[k] = s[k * step];
      },
      [&](int64_t at, int64_t count) { std::fill(col + at, col + at + count, T(0)); });
}

// x += col2im(col); x must be zeroed first. Padding reads contribute nothing.
template <typename T>
void col2im_add(const ConvGeometry& g, const T* col, T* x) {
  walk_columns(
      g, g.c_in,
      [&](int64_t at, int64_t dst, int64_t count, int64_t step) {
        const T* s = col + at;
        T* d = x + dst;
        for (int64_t k = 0; k < count; ++k) d[k * step] += s[k];
      },
      [](int64_t, int64_t) {});
}

// Samples in parallel (each with its own column buffer) when there are enough of them; else one at a time,
// letting the GEMM use the pool.
bool samples_in_parallel(int64_t n) { return get_num_threads() > 1 && n >= get_num_threads() && !in_parallel_region(); }

template <typename F>
void for_each_sample(int64_t n, F f) {
  if (samples_in_parallel(n)) parallel_for(0, n, 1, [&](int64_t b, int64_t e) { f(b, e); });
  else f(0, n);
}

template <typename T>
std::unique_ptr<T[]> col_buffer(const ConvGeometry& g) {
  if (g.col_is_input()) return nullptr;
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(1, g.groups * g.col_rows() * g.col_cols()))]);
}

template <typename T>
void conv2d_typed(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  const Device dev = x->device();
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.h * g.w, out_stride = g.c_out * P;
  const T* X = x->data_ptr<T>();
  const T* B = bias ? bias->data_ptr<T>() : nullptr;
  T* Y = out->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(dev, "conv2d");
  for_each_sample(g.n, [&](int64_t s0, int64_t s1) {
    std::unique_ptr<T[]> buf = col_buffer<T>(g);
    for (int64_t s = s0; s < s1; ++s) {
      const T* xs = X + s * x_stride;
      T* col = buf ? buf.get() : const_cast<T*>(xs);
      if (buf) im2col(g, xs, col);
      T* ys = Y + s * out_stride;
      // Per group: (Og x K) weight @ (K x P) columns.
      gemm(out->dtype(), g.groups, Og, P, K, Scalar(1.0), MatRef{weight->data(), Og * K, K, 1},
           MatRef{col, K * P, P, 1}, Scalar(0.0), MatRef{ys, Og * P, P, 1});
      if (B)
        for (int64_t c = 0; c < g.c_out; ++c) {
          T* row = ys + c * P;
          const T b = B[c];
          for (int64_t p = 0; p < P; ++p) row[p] += b;
        }
    }
  });
}

template <typename T>
void conv2d_backward_input_typed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                 const ConvGeometry& g) {
  const Device dev = grad_out->device();
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.h * g.w, out_stride = g.c_out * P;
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(dev, "conv2d_backward_input");
  for_each_sample(g.n, [&](int64_t s0, int64_t s1) {
    std::unique_ptr<T[]> buf = col_buffer<T>(g);
    for (int64_t s = s0; s < s1; ++s) {
      T* gi = GI + s * x_stride;
      T* col = buf ? buf.get() : gi;
      // Per group: (K x Og) weight^T @ (Og x P) output gradient.
      gemm(grad_out->dtype(), g.groups, K, P, Og, Scalar(1.0), MatRef{weight->data(), Og * K, 1, K},
           MatRef{const_cast<T*>(G + s * out_stride), Og * P, P, 1}, Scalar(0.0), MatRef{col, K * P, P, 1});
      if (buf) {
        std::fill(gi, gi + x_stride, T(0));
        col2im_add(g, col, gi);
      }
    }
  });
}

template <typename T>
void conv2d_backward_weight_typed(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                  const ConvGeometry& g) {
  const Device dev = grad_out->device();
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.h * g.w, out_stride = g.c_out * P, w_numel = g.c_out * K;
  const T* G = grad_out->data_ptr<T>();
  const T* X = x->data_ptr<T>();
  T* GW = grad_weight->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(dev, "conv2d_backward_weight");
  // Contiguous runs of samples, each summed into its own accumulator (the first into grad_weight itself), then
  // added up: the result does not depend on how the pool schedules them.
  const int64_t parts = samples_in_parallel(g.n) ? std::min<int64_t>(g.n, get_num_threads()) : 1;
  std::vector<std::unique_ptr<T[]>> partial(static_cast<size_t>(parts));
  for (int64_t p = 1; p < parts; ++p) partial[p].reset(new T[static_cast<size_t>(std::max<int64_t>(1, w_numel))]);
  if (g.n == 0) std::fill(GW, GW + w_numel, T(0));
  auto run_part = [&](int64_t part) {
    const int64_t s0 = g.n * part / parts, s1 = g.n * (part + 1) / parts;
    T* acc = part == 0 ? GW : partial[part].get();
    std::unique_ptr<T[]> buf = col_buffer<T>(g);
    for (int64_t s = s0; s < s1; ++s) {
      const T* xs = X + s * x_stride;
      T* col = buf ? buf.get() : const_cast<T*>(xs);
      if (buf) im2col(g, xs, col);
      // Per group: (Og x P) output gradient @ (P x K) columns^T.
      gemm(grad_out->dtype(), g.groups, Og, K, P, Scalar(1.0), MatRef{const_cast<T*>(G + s * out_stride), Og * P, P, 1},
           MatRef{col, K * P, 1, P}, Scalar(s == s0 ? 0.0 : 1.0), MatRef{acc, Og * K, K, 1});
    }
    if (s1 == s0) std::fill(acc, acc + w_numel, T(0));
  };
  if (parts == 1) run_part(0);
  else
    parallel_for(0, parts, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) run_part(p);
    });
  for (int64_t p = 1; p < parts; ++p) {
    const T* src = partial[p].get();
    for (int64_t i = 0; i < w_numel; ++i) GW[i] += src[i];
  }
}

void conv2d_cpu(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  PYNN_DISPATCH_NUMERIC(x->dtype(), "conv2d", [&] { conv2d_typed<scalar_t>(out, x, weight, bias, g); });
}

void conv2d_backward_input_cpu(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                               const ConvGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward_input",
                      [&] { conv2d_backward_input_typed<scalar_t>(grad_input, grad_out, weight, g); });
}

void conv2d_backward_weight_cpu(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                const ConvGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward_weight",
                      [&] { conv2d_backward_weight_typed<scalar_t>(grad_weight, grad_out, x, g); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(conv2d_kernel, conv2d_cpu);
PYNN_REGISTER_CPU_KERNEL(conv2d_backward_input_kernel, conv2d_backward_input_cpu);
PYNN_REGISTER_CPU_KERNEL(conv2d_backward_weight_kernel, conv2d_backward_weight_cpu);

}  // namespace cpu
}  // namespace pynn
