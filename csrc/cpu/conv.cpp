// CPU convolution kernels (kernels/conv.h): im2col / col2im per sample and one GEMM per block of samples (small
// images share one), batched over the groups, through the registry's gemm kernel. Samples are shared over
// pynn's pool when there are at least as many as threads (the GEMMs inside then run single-threaded); otherwise
// they run one block after another and each GEMM is tiled over the pool. Built per CPU capability (CMake's
// PYNN_CPU_ISA_SOURCES) for the AVX-512 build's float32 path on the packed kernel (conv2d_packed below).
#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "cpu/packed_gemm.h"
#include "cpu/short_runs.h"
#include "kernels/conv.h"
#include "kernels/linalg.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
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

// Walks the column matrix of one sample (rows ((c * kd + a) * kh + i) * kw + j, columns (oz * oh + oy) * ow + ox)
// together with the input positions each in-range run of columns reads: run(row, col, input_offset, count,
// input_step) for each run, zero(row, col, count) for each run that reads padding. Shared by im2col (copy),
// col2im (add) and the packed kernels' panel writers.
template <typename Run, typename Zero>
void walk_columns(const ConvGeometry& g, Run run, Zero zero) {
  const int64_t ow = g.ow, oh = g.oh, od = g.od, plane = oh * ow;
  for (int64_t c = 0; c < g.c_in; ++c)
    for (int64_t a = 0; a < g.kd; ++a)
      for (int64_t i = 0; i < g.kh; ++i)
        for (int64_t j = 0; j < g.kw; ++j) {
          const int64_t row = ((c * g.kd + a) * g.kh + i) * g.kw + j;
          const ValidRange zs = valid_range(od, g.d, g.sd, a * g.dd - g.pad_d);
          const ValidRange ys = valid_range(oh, g.h, g.sh, i * g.dh - g.pad_h);
          const ValidRange xs = valid_range(ow, g.w, g.sw, j * g.dw - g.pad_w);
          if (zs.lo > 0) zero(row, 0, zs.lo * plane);
          for (int64_t oz = zs.lo; oz < zs.hi; ++oz) {
            const int64_t iz = oz * g.sd - g.pad_d + a * g.dd;
            const int64_t base = oz * plane;
            if (ys.lo > 0) zero(row, base, ys.lo * ow);
            for (int64_t oy = ys.lo; oy < ys.hi; ++oy) {
              const int64_t iy = oy * g.sh - g.pad_h + i * g.dh;
              const int64_t at = base + oy * ow;
              if (xs.lo > 0) zero(row, at, xs.lo);
              if (xs.hi > xs.lo) {
                const int64_t ix = xs.lo * g.sw - g.pad_w + j * g.dw;
                run(row, at + xs.lo, ((c * g.d + iz) * g.h + iy) * g.w + ix, xs.hi - xs.lo, g.sw);
              }
              if (xs.hi < ow) zero(row, at + xs.hi, ow - xs.hi);
            }
            if (ys.hi < oh) zero(row, base + ys.hi * ow, (oh - ys.hi) * ow);
          }
          if (zs.hi < od) zero(row, zs.hi * plane, (od - zs.hi) * plane);
        }
}

template <typename T>
void im2col(const ConvGeometry& g, const T* x, T* col, int64_t ld) {
  walk_columns(
      g,
      [&](int64_t row, int64_t at, int64_t src, int64_t count, int64_t step) {
        copy_run(col + row * ld + at, x + src, count, step);
      },
      [&](int64_t row, int64_t at, int64_t count) { fill_run(col + row * ld + at, count, T(0)); });
}

// x += col2im(col); padding reads contribute nothing.
template <typename T>
void col2im_add(const ConvGeometry& g, const T* col, int64_t ld, T* x) {
  walk_columns(
      g,
      [&](int64_t row, int64_t at, int64_t dst, int64_t count, int64_t step) {
        const T* s = col + row * ld + at;
        T* d = x + dst;
        for (int64_t k = 0; k < count; ++k) d[k * step] += s[k];
      },
      [](int64_t, int64_t, int64_t) {});
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


// A weight gradient as a sum over the batch: contiguous runs of samples, one per pool task, each summed by
// run(s_begin, s_end, acc) into its own zeroed accumulator (the first into grad_weight itself), then added up
// in order, so the result does not depend on how the pool schedules them.
template <typename T, typename Run>
void sum_over_sample_runs(int64_t n, int64_t w_numel, T* grad_weight, Run run) {
  const int64_t parts = samples_in_parallel(n) ? std::min<int64_t>(n, get_num_threads()) : 1;
  std::vector<std::unique_ptr<T[]>> partial(static_cast<size_t>(parts));
  for (int64_t p = 1; p < parts; ++p) partial[p].reset(new T[static_cast<size_t>(std::max<int64_t>(1, w_numel))]);
  auto run_part = [&](int64_t part) {
    T* acc = part == 0 ? grad_weight : partial[part].get();
    std::fill(acc, acc + w_numel, T(0));
    run(n * part / parts, n * (part + 1) / parts, acc);
  };
  if (parts == 1) run_part(0);
  else
    parallel_for(0, parts, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) run_part(p);
    });
  for (int64_t p = 1; p < parts; ++p) {
    const T* src = partial[p].get();
    for (int64_t i = 0; i < w_numel; ++i) grad_weight[i] += src[i];
  }
}

#if defined(PYNN_CPU_CAPABILITY_AVX512)
// float32, one group, AVX-512: the products run on cpu/packed_gemm.h's kernel, with im2col writing each
// sample's columns straight into the panels the kernel reads and the products writing their final layout, so
// neither OpenBLAS's packing of the column matrix nor the (channel, sample * pixel) rearrangements around it
// remain. Measured at 1 thread, with the padded-plane writers below: the CIFAR-style CNN's 32 -> 64 3x3 layer
// (batch 32, 16 x 16) forward 4.8 -> 3.6 ms, forward + backward 15.0 -> 11.8 ms; conv2d 64 -> 64 3x3 on
// (64, 64, 32, 32) 66 -> 56 ms.
//
// Samples are shared over the pool (each task with its own panels) when there are at least as many as threads;
// fewer samples on more threads keep the OpenBLAS path, which tiles each product over the pool.
bool packed_path(const ConvGeometry& g) {
  return g.groups == 1 && (get_num_threads() == 1 || in_parallel_region() || samples_in_parallel(g.n));
}

template <typename F>
void over_samples(int64_t n, F f) {
  if (samples_in_parallel(n)) parallel_for(0, n, 1, f);
  else f(0, n);
}

using packed::panel_count;

// Panels whose last one is partial read zeros past the real columns (the kernel masks those lanes' results, but
// the buffer should hold no stale values).
std::unique_ptr<float[]> panel_buffer(int64_t panels, int64_t k) {
  const size_t n = static_cast<size_t>(std::max<int64_t>(1, panels * k * packed::kPanel));
  std::unique_ptr<float[]> buf(new float[n]);
  std::fill(buf.get(), buf.get() + n, 0.0f);
  return buf;
}

// One sample's column matrix (K rows, P pixel columns) as B panels over the pixels: [P / kPanel][K][kPanel].
void im2col_panels(const ConvGeometry& g, const float* x, float* panels) {
  const int64_t K = g.col_rows(), W = packed::kPanel;
  // A run splits where it crosses from one panel into the next.
  auto piecewise = [&](int64_t row, int64_t j, int64_t count, auto put) {
    for (int64_t done = 0; done < count;) {
      const int64_t lane = j % W, len = std::min(count - done, W - lane);
      put(panels + ((j / W) * K + row) * W + lane, done, len);
      j += len;
      done += len;
    }
  };
  walk_columns(
      g,
      [&](int64_t row, int64_t at, int64_t src, int64_t count, int64_t step) {
        piecewise(row, at, count,
                  [&](float* d, int64_t done, int64_t len) { copy_run(d, x + src + done * step, len, step); });
      },
      [&](int64_t row, int64_t at, int64_t count) {
        piecewise(row, at, count, [&](float* d, int64_t, int64_t len) { fill_run(d, len, 0.0f); });
      });
}

// The transposed column matrix (P rows, K columns) as B panels over K: [K / kPanel][P][kPanel].
void im2col_panels_transposed(const ConvGeometry& g, const float* x, float* panels) {
  const int64_t P = g.col_cols(), W = packed::kPanel;
  walk_columns(
      g,
      [&](int64_t row, int64_t at, int64_t src, int64_t count, int64_t step) {
        float* d = panels + ((row / W) * P + at) * W + row % W;
        for (int64_t t = 0; t < count; ++t) d[t * W] = x[src + t * step];
      },
      [&](int64_t row, int64_t at, int64_t count) {
        float* d = panels + ((row / W) * P + at) * W + row % W;
        for (int64_t t = 0; t < count; ++t) d[t * W] = 0.0f;
      });
}

// The panel writers' fast case: unit column stride (any row or depth stride, padding, dilation; 2-d or 3-d).
// The sample is first copied into a zero-padded volume, so every (column-matrix row, output row) reads ow
// contiguous in-range values: one masked copy per 16, no padding runs and no range arithmetic per run.
// Measured at 1 thread, batch 32: the 3x3 forward on 8 x 8 images (64 -> 128 channels) spent a third of its
// time in the run-by-run walk.
bool padded_rows_case(const ConvGeometry& g) { return g.sw == 1; }

struct PaddedInput {
  int64_t dp, hp, wp;
  std::vector<float> data;
  explicit PaddedInput(const ConvGeometry& g)
      : dp(g.d + 2 * g.pad_d), hp(g.h + 2 * g.pad_h), wp(g.w + 2 * g.pad_w),
        data(static_cast<size_t>(std::max<int64_t>(1, g.c_in * dp * hp * wp))) {}
  void load(const ConvGeometry& g, const float* x) {
    std::fill(data.begin(), data.end(), 0.0f);
    for (int64_t c = 0; c < g.c_in; ++c)
      for (int64_t z = 0; z < g.d; ++z)
        for (int64_t y = 0; y < g.h; ++y)
          std::memcpy(data.data() + ((c * dp + z + g.pad_d) * hp + y + g.pad_h) * wp + g.pad_w,
                      x + ((c * g.d + z) * g.h + y) * g.w, g.w * sizeof(float));
  }
  // The ow contiguous inputs of column-matrix row r at output row (oz, oy).
  struct Row {
    int64_t c, a, i, j;
  };
  static Row decode(const ConvGeometry& g, int64_t r) {
    const int64_t j = r % g.kw, i = r / g.kw % g.kh, a = r / (g.kw * g.kh) % g.kd, c = r / (g.kw * g.kh * g.kd);
    return {c, a, i, j};
  }
  const float* at(const ConvGeometry& g, const Row& t, int64_t oz, int64_t oy) const {
    return data.data() + ((t.c * dp + oz * g.sd + t.a * g.dd) * hp + oy * g.sh + t.i * g.dh) * wp + t.j * g.dw;
  }
};

inline void copy_floats(float* d, const float* s, int64_t n) {
  for (int64_t k = 0; k < n; k += 16) {
    const int64_t len = std::min<int64_t>(16, n - k);
    const __mmask16 m = len == 16 ? __mmask16(0xffff) : __mmask16((1u << len) - 1);
    _mm512_mask_storeu_ps(d + k, m, _mm512_maskz_loadu_ps(m, s + k));
  }
}

// Column-matrix rows [r0, r1) into dst (row r at dst + (r - r0) * ld, pixel columns), from the padded input.
void padded_rows(const ConvGeometry& g, const PaddedInput& xp, int64_t r0, int64_t r1, float* dst, int64_t ld) {
  for (int64_t r = r0; r < r1; ++r) {
    const PaddedInput::Row t = PaddedInput::decode(g, r);
    float* d = dst + (r - r0) * ld;
    for (int64_t oz = 0; oz < g.od; ++oz)
      for (int64_t oy = 0; oy < g.oh; ++oy) copy_floats(d + (oz * g.oh + oy) * g.ow, xp.at(g, t, oz, oy), g.ow);
  }
}

// im2col_panels' fast case: the same panels, [P / kPanel][K][kPanel]. (Building one panel at a time, to
// multiply it while it is in L1, was measured slower: 3.6 -> 4.4 ms on the 16 x 16 forward, 4.7 -> 7.0 on a
// 16^3 conv3d, the per-panel index arithmetic costing more than the locality gained.)
void padded_panels(const ConvGeometry& g, const PaddedInput& xp, float* panels) {
  const int64_t K = g.col_rows(), W = packed::kPanel;
  for (int64_t r = 0; r < K; ++r) {
    const PaddedInput::Row t = PaddedInput::decode(g, r);
    for (int64_t oz = 0; oz < g.od; ++oz)
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const float* src = xp.at(g, t, oz, oy);
        for (int64_t px = (oz * g.oh + oy) * g.ow, done = 0; done < g.ow;) {
          const int64_t lane = px % W, len = std::min(g.ow - done, W - lane);
          copy_floats(panels + ((px / W) * K + r) * W + lane, src + done, len);
          px += len;
          done += len;
        }
      }
  }
}

// im2col_panels_transposed's fast case: kPanel rows at a time into a (kPanel x P) tile, then 16 x 16 register
// transposes into the panel [P][kPanel]; the tile's edges (P or the last rows not a multiple of 16) by element.
void padded_panels_transposed(const ConvGeometry& g, const PaddedInput& xp, float* tile, float* panels) {
  const int64_t K = g.col_rows(), P = g.col_cols(), W = packed::kPanel;
  for (int64_t r0 = 0; r0 < K; r0 += W) {
    const int64_t rows = std::min(W, K - r0);
    padded_rows(g, xp, r0, r0 + rows, tile, P);
    float* panel = panels + (r0 / W) * P * W;
    int64_t l0 = 0;
    for (; l0 + 16 <= rows; l0 += 16) {
      int64_t p0 = 0;
      for (; p0 + 16 <= P; p0 += 16) packed::transpose16(tile + l0 * P + p0, P, panel + p0 * W + l0, W);
      for (int64_t p = p0; p < P; ++p)
        for (int64_t l = l0; l < l0 + 16; ++l) panel[p * W + l] = tile[l * P + p];
    }
    for (int64_t l = l0; l < rows; ++l)
      for (int64_t p = 0; p < P; ++p) panel[p * W + l] = tile[l * P + p];
  }
}

void conv2d_packed(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), C = g.c_out, np = panel_count(P);
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = C * P;
  const float* X = x->data_ptr<float>();
  const float* Wt = weight->data_ptr<float>();
  const float* B = bias ? bias->data_ptr<float>() : nullptr;
  float* Y = out->data_ptr<float>();
  const bool padded = padded_rows_case(g);
  over_samples(g.n, [&](int64_t s0, int64_t s1) {
    const auto panels = panel_buffer(np, K);
    PaddedInput xp(padded ? g : ConvGeometry{});
    for (int64_t s = s0; s < s1; ++s) {
      if (padded) {
        xp.load(g, X + s * x_stride);
        padded_panels(g, xp, panels.get());
      } else {
        im2col_panels(g, X + s * x_stride, panels.get());
      }
      float* y = Y + s * out_stride;
      if (B)
        for (int64_t c = 0; c < C; ++c) std::fill(y + c * P, y + (c + 1) * P, B[c]);
      for (int64_t q = 0; q < np; ++q)
        packed::panel_rows(0, C, K, Wt, K, panels.get() + q * K * packed::kPanel, B != nullptr, y + q * packed::kPanel,
                           P, std::min(packed::kPanel, P - q * packed::kPanel));
    }
  });
}

// grad_input: per sample, grad_col (K x P) = W^T (K x C) @ G_s (C x P), W^T read in place as a column-major A,
// the output gradient packed over its pixels, then col2im.
void conv2d_backward_input_packed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                                  const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), C = g.c_out, np = panel_count(P), W = packed::kPanel;
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = C * P;
  const float* G = grad_out->data_ptr<float>();
  const float* Wd = weight->data_ptr<float>();
  float* GI = grad_input->data_ptr<float>();
  over_samples(g.n, [&](int64_t s0, int64_t s1) {
    const auto panels = panel_buffer(np, C);
    std::unique_ptr<float[]> col(new float[static_cast<size_t>(std::max<int64_t>(1, K * P))]);
    for (int64_t s = s0; s < s1; ++s) {
      const float* gs = G + s * out_stride;
      for (int64_t q = 0; q < np; ++q) {
        const int64_t cols = std::min(W, P - q * W);
        for (int64_t c = 0; c < C; ++c)
          std::memcpy(panels.get() + (q * C + c) * W, gs + c * P + q * W, cols * sizeof(float));
      }
      for (int64_t q = 0; q < np; ++q)
        packed::panel_rows(0, K, C, Wd, K, panels.get() + q * C * W, false, col.get() + q * W, P,
                           std::min(W, P - q * W), /*col_major_a=*/true);
      float* gi = GI + s * x_stride;
      std::fill(gi, gi + x_stride, 0.0f);
      col2im_add(g, col.get(), P, gi);
    }
  });
}

// grad_weight (C x K) = sum over samples of G_s (C x P) @ col_s^T (P x K), col_s^T packed over K; each pool
// task sums its contiguous run of samples into its own accumulator, added up in order afterwards.
void conv2d_backward_weight_packed(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                                   const ConvGeometry& g) {
  const int64_t K = g.col_rows(), P = g.col_cols(), C = g.c_out, nk = panel_count(K), W = packed::kPanel;
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = C * P, w_numel = C * K;
  const float* G = grad_out->data_ptr<float>();
  const float* X = x->data_ptr<float>();
  float* GW = grad_weight->data_ptr<float>();
  sum_over_sample_runs(g.n, w_numel, GW, [&](int64_t s_begin, int64_t s_end, float* acc) {
    const auto panels = panel_buffer(nk, P);
    const bool padded = padded_rows_case(g);
    PaddedInput xp(padded ? g : ConvGeometry{});
    std::vector<float> tile(padded ? static_cast<size_t>(W * P) : 0);
    for (int64_t s = s_begin; s < s_end; ++s) {
      if (padded) {
        xp.load(g, X + s * x_stride);
        padded_panels_transposed(g, xp, tile.data(), panels.get());
      } else {
        im2col_panels_transposed(g, X + s * x_stride, panels.get());
      }
      for (int64_t q = 0; q < nk; ++q)
        packed::panel_rows(0, C, P, G + s * out_stride, P, panels.get() + q * P * W, true, acc + q * W, K,
                           std::min(W, K - q * W));
    }
  });
}
#endif

template <typename T>
void conv2d_typed(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
#if defined(PYNN_CPU_CAPABILITY_AVX512)
  if constexpr (std::is_same_v<T, float>)
    if (packed_path(g)) return conv2d_packed(out, x, weight, bias, g);
#endif
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
#if defined(PYNN_CPU_CAPABILITY_AVX512)
  if constexpr (std::is_same_v<T, float>)
    if (packed_path(g)) return conv2d_backward_input_packed(grad_input, grad_out, weight, g);
#endif
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
#if defined(PYNN_CPU_CAPABILITY_AVX512)
  if constexpr (std::is_same_v<T, float>)
    if (packed_path(g)) return conv2d_backward_weight_packed(grad_weight, grad_out, x, g);
#endif
  const int64_t K = g.col_rows(), P = g.col_cols(), Og = g.out_per_group();
  const int64_t x_stride = g.c_in * g.in_pixels(), out_stride = g.c_out * P, w_numel = g.c_out * K;
  const T* G = grad_out->data_ptr<T>();
  const T* X = x->data_ptr<T>();
  T* GW = grad_weight->data_ptr<T>();
  const gemm_fn gemm = gemm_kernel.at(grad_out->device(), "conv2d_backward_weight");
  const int64_t per = blocking(g).samples;
  sum_over_sample_runs(g.n, w_numel, GW, [&](int64_t s_begin, int64_t s_end, T* acc) {
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
  });
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

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
