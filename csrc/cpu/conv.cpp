// CPU convolution kernels (kernels/conv.h): im2col / col2im per sample and one GEMM per block of samples (small
// images share one), batched over the groups, through the registry's gemm kernel. Samples are shared over
// pynn's pool when there are at least as many as threads (the GEMMs inside then run single-threaded); otherwise
// they run one block after another and each GEMM is tiled over the pool. Compiled once: the time is the GEMM's.
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

// Walks the column matrix of one sample (rows ((c * kd + a) * kh + i) * kw + j of ld elements, columns
// (oz * oh + oy) * ow + ox from the row's start) together with the input positions each in-range run of columns
// reads: run(col_offset, input_offset, count, input_step) for each run, zero(col_offset, count) for each run that
// reads padding. Shared by im2col (copy) and col2im (add).
template <typename Run, typename Zero>
void walk_columns(const ConvGeometry& g, int64_t ld, Run run, Zero zero) {
  const int64_t ow = g.ow, oh = g.oh, od = g.od, plane = oh * ow;
  for (int64_t c = 0; c < g.c_in; ++c)
    for (int64_t a = 0; a < g.kd; ++a)
      for (int64_t i = 0; i < g.kh; ++i)
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t row = (((c * g.kd + a) * g.kh + i) * g.kw + j) * ld;
          const ValidRange zs = valid_range(od, g.d, g.sd, a * g.dd - g.pad_d);
          const ValidRange ys = valid_range(oh, g.h, g.sh, i * g.dh - g.pad_h);
          const ValidRange xs = valid_range(ow, g.w, g.sw, j * g.dw - g.pad_w);
          if (zs.lo > 0) zero(row, zs.lo * plane);
          for (int64_t oz = zs.lo; oz < zs.hi; ++oz) {
            const int64_t iz = oz * g.sd - g.pad_d + a * g.dd;
            const int64_t base = row + oz * plane;
            if (ys.lo > 0) zero(base, ys.lo * ow);
            for (int64_t oy = ys.lo; oy < ys.hi; ++oy) {
              const int64_t iy = oy * g.sh - g.pad_h + i * g.dh;
              const int64_t at = base + oy * ow;
              if (xs.lo > 0) zero(at, xs.lo);
              if (xs.hi > xs.lo) {
                const int64_t ix = xs.lo * g.sw - g.pad_w + j * g.dw;
                run(at + xs.lo, ((c * g.d + iz) * g.h + iy) * g.w + ix, xs.hi - xs.lo, g.sw);
              }
              if (xs.hi < ow) zero(at + xs.hi, ow - xs.hi);
            }
            if (ys.hi < oh) zero(base + ys.hi * ow, (oh - ys.hi) * ow);
          }
          if (zs.hi < od) zero(row + zs.hi * plane, (od - zs.hi) * plane);
        }
}

template <typename T>
void im2col(const ConvGeometry& g, const T* x, T* col, int64_t ld) {
  walk_columns(
      g, ld,
      [&](int64_t at, int64_t src, int64_t count, int64_t step) {
        const T* s = x + src;
        T* d = col + at;
        if (step == 1) std::memcpy(d, s, static_cast<size_t>(count) * sizeof(T));
        else
          for (int64_t k = 0; k < count; ++k) d[k] = s[k * step];
      },
      [&](int64_t at, int64_t count) { std::fill(col + at, col + at + count, T(0)); });
}

// x += col2im(col); padding reads contribute nothing.
template <typename T>
void col2im_add(const ConvGeometry& g, const T* col, int64_t ld, T* x) {
  walk_columns(
      g, ld,
      [&](int64_t at, int64_t dst, int64_t count, int64_t step) {
        const T* s = col + at;
        T* d = x + dst;
        for (int64_t k = 0; k < count; ++k) d[k * step] += s[k];
      },
      [](int64_t, int64_t) {});
}

// Samples in parallel (each chunk with its own buffers) when there are enough of them; else one after another,
// letting the GEMM use the pool.
bool samples_in_parallel(int64_t n) { return get_num_threads() > 1 && n >= get_num_threads() && !in_parallel_region(); }

// Small images give GEMMs too narrow to run near peak (8x8 outputs: 64 columns), so consecutive samples share
// one GEMM: their columns sit side by side, (rows, samples * oh * ow), and outputs and output gradients are
// rearranged between (sample, channel, pixel) and (channel, sample * pixel) around it.
constexpr int64_t kBlockColumns = 1024;
constexpr int64_t kMaxBlockElements = int64_t(1) << 22;  // column buffer cap, elements

struct Blocking {
  int64_t samples;  // per GEMM
};
Blocking blocking(const ConvGeometry& g) {
  const int64_t P = std::max<int64_t>(1, g.col_cols());
  if (g.col_is_input() || P >= kBlockColumns) return {1};
  const int64_t by_width = (kBlockColumns + P - 1) / P;
  const int64_t by_memory = std::max<int64_t>(1, kMaxBlockElements / std::max<int64_t>(1, g.groups * g.col_rows() * P));
  return {std::max<int64_t>(1, std::min({by_width, by_memory, g.n}))};
}

// Runs f(first_sample, count) over blocks of at most `per` samples, the blocks shared over the pool or not.
template <typename F>
void for_each_block(int64_t n, int64_t per, F f) {
  auto blocks = [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; s += per) f(s, std::min(per, s1 - s));
  };
  if (samples_in_parallel(n)) parallel_for(0, n, per, blocks);
  else blocks(0, n);
}

// The per-thread buffers of a block: columns (groups * col_rows rows of ld) and, for blocks of several samples,
// the (channels, samples * pixels) arrangement of the block's outputs or output gradients.
template <typename T>
struct BlockBuffers {
  std::unique_ptr<T[]> col, mat;
  BlockBuffers(const ConvGeometry& g, int64_t per) {
    const int64_t P = g.col_cols();
    auto alloc = [](int64_t n) { return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(1, n))]); };
    if (!g.col_is_input()) col = alloc(g.groups * g.col_rows() * per * P);
    if (per > 1) mat = alloc(g.c_out * per * P);
  }
};

// (count, channels, P) at src <-> (channels, count * P) at dst.
template <typename T>
void to_channel_major(const T* src, int64_t count, int64_t channels, int64_t P, T* dst) {
  for (int64_t s = 0; s < count; ++s)
    for (int64_t c = 0; c < channels; ++c)
      std::memcpy(dst + (c * count + s) * P, src + (s * channels + c) * P, static_cast<size_t>(P) * sizeof(T));
}
template <typename T>
void from_channel_major(const T* src, int64_t count, int64_t channels, int64_t P, T* dst) {
  for (int64_t s = 0; s < count; ++s)
    for (int64_t c = 0; c < channels; ++c)
      std::memcpy(dst + (s * channels + c) * P, src + (c * count + s) * P, static_cast<size_t>(P) * sizeof(T));
}

template <typename T>
void conv2d_typed(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P;
  const T* X = x->data_ptr<T>();
  const T* B = bias ? bias->data_ptr<T>() : nullptr;
  T* Y = out->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(x->device(), "conv2d");
  const int64_t per = blocking(g).samples;
  for_each_block(g.n, per, [&](int64_t s0, int64_t count) {
    BlockBuffers<T> buf(g, per);
    const int64_t ld = count * P;
    T* col = buf.col ? buf.col.get() : const_cast<T*>(X + s0 * x_stride);
    if (buf.col)
      for (int64_t s = 0; s < count; ++s) im2col(g, X + (s0 + s) * x_stride, col + s * P, ld);
    T* dst = count > 1 ? buf.mat.get() : Y + s0 * out_stride;
    // Per group: (Og x K) weight @ (K x ld) columns.
    gemm(out->dtype(), g.groups, Og, ld, K, Scalar(1.0), MatRef{weight->data(), Og * K, K, 1},
         MatRef{col, K * ld, ld, 1}, Scalar(0.0), MatRef{dst, Og * ld, ld, 1});
    if (count > 1) from_channel_major(dst, count, g.c_out, P, Y + s0 * out_stride);
    if (B)
      for (int64_t s = 0; s < count; ++s)
        for (int64_t c = 0; c < g.c_out; ++c) {
          T* row = Y + (s0 + s) * out_stride + c * P;
          const T b = B[c];
          for (int64_t p = 0; p < P; ++p) row[p] += b;
        }
  });
}

template <typename T>
void conv2d_backward_input_typed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                 const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P;
  const T* G = grad_out->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(grad_out->device(), "conv2d_backward_input");
  const int64_t per = blocking(g).samples;
  for_each_block(g.n, per, [&](int64_t s0, int64_t count) {
    BlockBuffers<T> buf(g, per);
    const int64_t ld = count * P;
    const T* go = G + s0 * out_stride;
    if (count > 1) {
      to_channel_major(go, count, g.c_out, P, buf.mat.get());
      go = buf.mat.get();
    }
    T* col = buf.col ? buf.col.get() : GI + s0 * x_stride;
    // Per group: (K x Og) weight^T @ (Og x ld) output gradient.
    gemm(grad_out->dtype(), g.groups, K, ld, Og, Scalar(1.0), MatRef{weight->data(), Og * K, 1, K},
         MatRef{const_cast<T*>(go), Og * ld, ld, 1}, Scalar(0.0), MatRef{col, K * ld, ld, 1});
    if (buf.col)
      for (int64_t s = 0; s < count; ++s) {
        T* gi = GI + (s0 + s) * x_stride;
        std::fill(gi, gi + x_stride, T(0));
        col2im_add(g, col + s * P, ld, gi);
      }
  });
}

template <typename T>
void conv2d_backward_weight_typed(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                  const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P, w_numel = g.c_out * K;
  const T* G = grad_out->data_ptr<T>();
  const T* X = x->data_ptr<T>();
  T* GW = grad_weight->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(grad_out->device(), "conv2d_backward_weight");
  const int64_t per = blocking(g).samples;
  // Contiguous runs of samples, each summed into its own accumulator (the first into grad_weight itself), then
  // added up: the result does not depend on how the pool schedules them.
  const int64_t parts = samples_in_parallel(g.n) ? std::min<int64_t>(g.n, get_num_threads()) : 1;
  std::vector<std::unique_ptr<T[]>> partial(static_cast<size_t>(parts));
  for (int64_t p = 1; p < parts; ++p) partial[p].reset(new T[static_cast<size_t>(std::max<int64_t>(1, w_numel))]);
  auto run_part = [&](int64_t part) {
    const int64_t s_begin = g.n * part / parts, s_end = g.n * (part + 1) / parts;
    T* acc = part == 0 ? GW : partial[part].get();
    std::fill(acc, acc + w_numel, T(0));
    BlockBuffers<T> buf(g, per);
    for (int64_t s0 = s_begin; s0 < s_end; s0 += per) {
      const int64_t count = std::min(per, s_end - s0), ld = count * P;
      T* col = buf.col ? buf.col.get() : const_cast<T*>(X + s0 * x_stride);
      if (buf.col)
        for (int64_t s = 0; s < count; ++s) im2col(g, X + (s0 + s) * x_stride, col + s * P, ld);
      const T* go = G + s0 * out_stride;
      if (count > 1) {
        to_channel_major(go, count, g.c_out, P, buf.mat.get());
        go = buf.mat.get();
      }
      // Per group: (Og x ld) output gradient @ (ld x K) columns^T, summed into acc.
      gemm(grad_out->dtype(), g.groups, Og, K, ld, Scalar(1.0), MatRef{const_cast<T*>(go), Og * ld, ld, 1},
           MatRef{col, K * ld, 1, ld}, Scalar(1.0), MatRef{acc, Og * K, K, 1});
    }
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

// The samples of an unfold / fold over the pool, several per task when they are small.
template <typename F>
void per_sample(const ConvGeometry& g, F f) {
  const int64_t work = std::max<int64_t>(1, g.col_rows() * g.col_cols());
  parallel_for(0, g.n, std::max<int64_t>(1, kElementwiseGrain / work), [&](int64_t b, int64_t e) {
    for (int64_t s = b; s < e; ++s) f(s);
  });
}

void im2col_cpu(const Tensor& cols, const Tensor& x, const ConvGeometry& g) {
  const int64_t x_stride = g.c_in * g.in_pixels(), col_stride = g.col_rows() * g.col_cols();
  PYNN_DISPATCH_NUMERIC(x->dtype(), "unfold", [&] {
    const scalar_t* X = x->data_ptr<scalar_t>();
    scalar_t* C = cols->data_ptr<scalar_t>();
    per_sample(g, [&](int64_t s) { im2col(g, X + s * x_stride, C + s * col_stride, g.col_cols()); });
  });
}

void col2im_cpu(const Tensor& x, const Tensor& cols, const ConvGeometry& g) {
  const int64_t x_stride = g.c_in * g.in_pixels(), col_stride = g.col_rows() * g.col_cols();
  PYNN_DISPATCH_NUMERIC(x->dtype(), "fold", [&] {
    scalar_t* X = x->data_ptr<scalar_t>();
    const scalar_t* C = cols->data_ptr<scalar_t>();
    per_sample(g, [&](int64_t s) {
      std::fill(X + s * x_stride, X + (s + 1) * x_stride, scalar_t(0));
      col2im_add(g, C + s * col_stride, g.col_cols(), X + s * x_stride);
    });
  });
}

// Depthwise geometries in float32 / float64 go to the direct kernels (cpu/conv_depthwise.cpp).
bool direct_depthwise(const ConvGeometry& g, ScalarType t) {
  return g.is_depthwise() && (t == ScalarType::Float32 || t == ScalarType::Float64);
}

void conv2d_cpu(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  if (direct_depthwise(g, x->dtype())) return depthwise_conv2d_kernel(x->device(), out, x, weight, bias, g);
  PYNN_DISPATCH_NUMERIC(x->dtype(), "conv2d", [&] { conv2d_typed<scalar_t>(out, x, weight, bias, g); });
}

void conv2d_backward_input_cpu(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                               const ConvGeometry& g) {
  if (direct_depthwise(g, grad_out->dtype()))
    return depthwise_conv2d_backward_input_kernel(grad_out->device(), grad_input, grad_out, weight, g);
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward_input",
                      [&] { conv2d_backward_input_typed<scalar_t>(grad_input, grad_out, weight, g); });
}

void conv2d_backward_weight_cpu(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                const ConvGeometry& g) {
  if (direct_depthwise(g, grad_out->dtype()))
    return depthwise_conv2d_backward_weight_kernel(grad_out->device(), grad_weight, grad_out, x, g);
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward_weight",
                      [&] { conv2d_backward_weight_typed<scalar_t>(grad_weight, grad_out, x, g); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(conv2d_kernel, conv2d_cpu);
PYNN_REGISTER_CPU_KERNEL(im2col_kernel, im2col_cpu);
PYNN_REGISTER_CPU_KERNEL(col2im_kernel, col2im_cpu);
PYNN_REGISTER_CPU_KERNEL(conv2d_backward_input_kernel, conv2d_backward_input_cpu);
PYNN_REGISTER_CPU_KERNEL(conv2d_backward_weight_kernel, conv2d_backward_weight_cpu);

}  // namespace cpu
}  // namespace pynn
