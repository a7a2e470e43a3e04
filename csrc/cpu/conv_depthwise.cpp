// Direct depthwise convolution (kernels/conv.h: one input channel per group, 1-d and 2-d), forward and both
// gradients, float32 / float64. im2col + GEMM is a poor fit there: the GEMM's inner dimension is kh * kw (9), so
// the column copy costs as much as the arithmetic.
//
// Every input plane is read through a zero frame: its padded copy, split into stride phases (phase (a, b) holds
// padded rows a, a + sh, ... and columns b, b + sw, ...), built once per plane per task. Each tap then reads one
// phase at a fixed offset, with unit steps, and an output plane is computed flat over the phase width
// (q = oy * width + ox, the columns past ow computed and dropped): one long contiguous loop per group of taps,
// which GCC vectorizes, and no bounds test anywhere. The weight gradient is the same walk as dot products. The
// input gradient of a unit-stride convolution is the forward loop over the framed output gradient with the
// flipped kernel; strided ones scatter row by row. The forward and input gradient run over (sample, input
// channel) in parallel, each task writing only its own planes; the weight gradient runs over output channels,
// summing samples in order, so no result depends on the thread count. Built once per ISA.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/parallel.h"
#include "cpu/vec/vec.h"
#include "kernels/conv.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// frame (fh x fw) = src (rows x cols) shifted down by top and right by left (either may be negative: a crop),
// zeros outside it.
template <typename T>
void fill_frame(T* frame, int64_t fh, int64_t fw, const T* src, int64_t rows, int64_t cols, int64_t top,
                int64_t left) {
  const int64_t c0 = std::clamp<int64_t>(left, 0, fw), c1 = std::clamp<int64_t>(left + cols, c0, fw);
  for (int64_t r = 0; r < fh; ++r) {
    T* f = frame + r * fw;
    const int64_t sr = r - top;
    if (sr < 0 || sr >= rows) {
      std::fill(f, f + fw, T(0));
      continue;
    }
    std::fill(f, f + c0, T(0));
    if (c1 > c0) std::memcpy(f + c0, src + sr * cols + (c0 - left), static_cast<size_t>(c1 - c0) * sizeof(T));
    std::fill(f + c1, f + fw, T(0));
  }
}

// acc[q] += sum over the NT taps of w[t] * f[q + off[t]], q < n: all taps of a group in one pass over acc.
template <typename T, int NT>
void taps_pass(T* acc, const T* f, const T* w, const int64_t* off, int64_t n) {
  const T* p[NT];
  T wv[NT];
  for (int t = 0; t < NT; ++t) {
    p[t] = f + off[t];
    wv[t] = w[t];
  }
#pragma GCC ivdep
  for (int64_t q = 0; q < n; ++q) {
    T s = acc[q];
    for (int t = 0; t < NT; ++t) s = vec::fmadd(wv[t], p[t][q], s);
    acc[q] = s;
  }
}

// acc[q] += sum_t w[t] * f[q + off[t]] over any number of taps, in groups of 9, 3 and 1, acc tiled so it stays
// in L1 between the groups.
template <typename T>
void taps(T* acc, const T* f, const T* w, const int64_t* off, int64_t ntaps, int64_t n) {
  constexpr int64_t kTile = 2048;
  for (int64_t q0 = 0; q0 < n; q0 += kTile) {
    const int64_t len = std::min(kTile, n - q0);
    int64_t t = 0;
    for (; t + 9 <= ntaps; t += 9) taps_pass<T, 9>(acc + q0, f + q0, w + t, off + t, len);
    for (; t + 3 <= ntaps; t += 3) taps_pass<T, 3>(acc + q0, f + q0, w + t, off + t, len);
    for (; t < ntaps; ++t) taps_pass<T, 1>(acc + q0, f + q0, w + t, off + t, len);
  }
}

// out[t] += sum_q g[q] * f[q + off[t]] for each tap, q < n, through vec::sum_of's lanes (an in-order sum stays
// scalar; hand-rolled per-tap lane arrays vectorize at some ISAs and widths and not others, measured 2-8x apart).
template <typename T>
void dots(T* out, const T* g, const T* f, const int64_t* off, int64_t ntaps, int64_t n) {
  for (int64_t t = 0; t < ntaps; ++t) {
    const T* p = f + off[t];
    out[t] += vec::sum_of<T>(n, [&](int64_t q) { return g[q] * p[q]; });
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

bool unit_stride(const ConvGeometry& g) { return g.sh == 1 && g.sw == 1; }

// The frame of an input plane the forward reads (padded rows oy * sh + i * dh, columns ox * sw + j * dw), split
// into its sh * sw stride phases of ph x pw each: tap (i, j) of output (oy, ox) reads phase
// (i * dh % sh, j * dw % sw) at row oy + i * dh / sh, column ox + j * dw / sw.
struct Frame {
  int64_t h, w;    // the whole frame
  int64_t ph, pw;  // one phase
  int64_t sh, sw;
  explicit Frame(const ConvGeometry& g)
      : h((g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1),
        w((g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1),
        ph((h + g.sh - 1) / g.sh),
        pw((w + g.sw - 1) / g.sw),
        sh(g.sh),
        sw(g.sw) {}
  int64_t phase_size() const { return ph * pw; }
  int64_t size() const { return sh * sw * phase_size(); }
  // The flat positions up to the last output, q = oy * pw + ox.
  int64_t flat(const ConvGeometry& g) const { return (g.oh - 1) * pw + g.ow; }
  // Each tap's offset from its output's flat position.
  std::vector<int64_t> tap_offsets(const ConvGeometry& g) const {
    std::vector<int64_t> off(static_cast<size_t>(g.kh * g.kw));
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t r = i * g.dh, c = j * g.dw;
        off[i * g.kw + j] = ((r % sh) * sw + c % sw) * phase_size() + (r / sh) * pw + c / sw;
      }
    return off;
  }
  // Fills the phases from a (rows x cols) plane placed at (top, left) of the frame.
  template <typename T>
  void fill(T* frame, const T* src, int64_t rows, int64_t cols, int64_t top, int64_t left) const {
    if (sh == 1 && sw == 1) return fill_frame(frame, ph, pw, src, rows, cols, top, left);
    for (int64_t a = 0; a < sh; ++a)
      for (int64_t b = 0; b < sw; ++b) {
        T* f = frame + (a * sw + b) * phase_size();
        for (int64_t r = 0; r < ph; ++r) {
          T* row = f + r * pw;
          const int64_t sr = r * sh + a - top;
          if (sr < 0 || sr >= rows) {
            std::fill(row, row + pw, T(0));
            continue;
          }
          // Phase columns c with 0 <= c * sw + b - left < cols: [c0, c1).
          const int64_t c0 = std::clamp<int64_t>(ceil_div(left - b, sw), 0, pw);
          const int64_t c1 = std::clamp<int64_t>(ceil_div(cols + left - b, sw), c0, pw);
          const T* s = src + sr * cols + (c0 * sw + b - left);
          std::fill(row, row + c0, T(0));
          for (int64_t c = c0; c < c1; ++c) row[c] = s[(c - c0) * sw];
          std::fill(row + c1, row + pw, T(0));
        }
      }
  }
  // The inverse walk: dst (rows x cols) = the frame's cells at (top, left) onwards, zeros past the frame.
  template <typename T>
  void gather(T* dst, const T* frame, int64_t rows, int64_t cols, int64_t top, int64_t left) const {
    for (int64_t y = 0; y < rows; ++y) {
      T* d = dst + y * cols;
      const int64_t r = y + top;
      if (r >= h) {
        std::fill(d, d + cols, T(0));
        continue;
      }
      const T* f = frame + (r % sh) * sw * phase_size() + (r / sh) * pw;
      for (int64_t x = 0; x < cols; ++x) {
        const int64_t c = x + left;
        d[x] = c < w ? f[(c % sw) * phase_size() + c / sw] : T(0);
      }
    }
  }
};

// Tap t = i * kw + j of a frame of width fw without phases: offset i * dh * fw + j * dw.
std::vector<int64_t> plain_tap_offsets(const ConvGeometry& g, int64_t fw) {
  std::vector<int64_t> off(static_cast<size_t>(g.kh * g.kw));
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j) off[i * g.kw + j] = i * g.dh * fw + j * g.dw;
  return off;
}

// Tasks over (sample, input channel) planes, several per chunk when they are small.
template <typename F>
void for_planes(const ConvGeometry& g, int64_t work_per_plane, F f) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, work_per_plane));
  parallel_for(0, g.n * g.c_in, grain, [&](int64_t b, int64_t e) { f(b, e); });
}

template <typename T>
void forward_typed(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   const ConvGeometry& g) {
  const int64_t m = g.out_per_group(), K = g.kh * g.kw, P = g.oh * g.ow;
  if (P == 0) return;
  const T* X = x->data_ptr<T>();
  const T* W = weight->data_ptr<T>();
  const T* B = bias ? bias->data_ptr<T>() : nullptr;
  T* Y = out->data_ptr<T>();
  const Frame fr(g);
  const std::vector<int64_t> off = fr.tap_offsets(g);
  const int64_t n_flat = fr.flat(g);
  for_planes(g, m * P * K, [&](int64_t b, int64_t e) {
    std::vector<T> frame(static_cast<size_t>(fr.size())), acc(static_cast<size_t>(n_flat));
    for (int64_t plane = b; plane < e; ++plane) {
      const int64_t s = plane / g.c_in, ic = plane % g.c_in;
      fr.fill(frame.data(), X + plane * g.h * g.w, g.h, g.w, g.pad_h, g.pad_w);
      for (int64_t k = 0; k < m; ++k) {
        const int64_t oc = ic * m + k;
        T* y = Y + (s * g.c_out + oc) * P;
        std::fill(acc.begin(), acc.end(), B ? B[oc] : T(0));
        taps(acc.data(), frame.data(), W + oc * K, off.data(), K, n_flat);
        for (int64_t oy = 0; oy < g.oh; ++oy)
          std::memcpy(y + oy * g.ow, acc.data() + oy * fr.pw, static_cast<size_t>(g.ow) * sizeof(T));
      }
    }
  });
}

template <typename T>
void backward_input_typed(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                          const ConvGeometry& g) {
  const int64_t m = g.out_per_group(), K = g.kh * g.kw, P = g.oh * g.ow, HW = g.h * g.w;
  const T* G = grad_out->data_ptr<T>();
  const T* W = weight->data_ptr<T>();
  T* GI = grad_input->data_ptr<T>();
  if (P == 0 || HW == 0) {
    std::fill(GI, GI + g.n * g.c_in * HW, T(0));
    return;
  }
  if (unit_stride(g)) {
    // grad_input = the framed output gradient correlated with the flipped kernel: frame row r holds grad_out row
    // r - ((kh - 1) * dh - pad_h).
    const int64_t fh = g.h + (g.kh - 1) * g.dh, fw = g.w + (g.kw - 1) * g.dw;
    const int64_t top = (g.kh - 1) * g.dh - g.pad_h, left = (g.kw - 1) * g.dw - g.pad_w;
    const std::vector<int64_t> off = plain_tap_offsets(g, fw);
    const int64_t n_flat = (g.h - 1) * fw + g.w;
    for_planes(g, m * HW * K, [&](int64_t b, int64_t e) {
      std::vector<T> frame(static_cast<size_t>(fh * fw)), acc(static_cast<size_t>(n_flat)),
          flipped(static_cast<size_t>(K));
      for (int64_t plane = b; plane < e; ++plane) {
        const int64_t s = plane / g.c_in, ic = plane % g.c_in;
        std::fill(acc.begin(), acc.end(), T(0));
        for (int64_t k = 0; k < m; ++k) {
          const int64_t oc = ic * m + k;
          std::reverse_copy(W + oc * K, W + (oc + 1) * K, flipped.begin());
          fill_frame(frame.data(), fh, fw, G + (s * g.c_out + oc) * P, g.oh, g.ow, top, left);
          taps(acc.data(), frame.data(), flipped.data(), off.data(), K, n_flat);
        }
        T* gi = GI + plane * HW;
        for (int64_t y = 0; y < g.h; ++y)
          std::memcpy(gi + y * g.w, acc.data() + y * fw, static_cast<size_t>(g.w) * sizeof(T));
      }
    });
    return;
  }
  // Strided: each output's gradient scattered over the phases it read (one flat pass per tap, the output
  // gradient laid out on the phase width with zeros past ow), then the frame's input part gathered back.
  const Frame fr(g);
  const std::vector<int64_t> off = fr.tap_offsets(g);
  const int64_t n_flat = fr.flat(g);
  for_planes(g, m * P * K, [&](int64_t b, int64_t e) {
    std::vector<T> frame(static_cast<size_t>(fr.size())), gframe(static_cast<size_t>(g.oh * fr.pw));
    for (int64_t plane = b; plane < e; ++plane) {
      const int64_t s = plane / g.c_in, ic = plane % g.c_in;
      std::fill(frame.begin(), frame.end(), T(0));
      for (int64_t k = 0; k < m; ++k) {
        const int64_t oc = ic * m + k;
        const T* w = W + oc * K;
        fill_frame(gframe.data(), g.oh, fr.pw, G + (s * g.c_out + oc) * P, g.oh, g.ow, 0, 0);
        const T* src = gframe.data();
        for (int64_t t = 0; t < K; ++t) {
          T* dst = frame.data() + off[t];
          const T wt = w[t];
#pragma GCC ivdep
          for (int64_t q = 0; q < n_flat; ++q) dst[q] = vec::fmadd(wt, src[q], dst[q]);
        }
      }
      fr.gather(GI + plane * HW, frame.data(), g.h, g.w, g.pad_h, g.pad_w);
    }
  });
}

template <typename T>
void backward_weight_typed(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                           const ConvGeometry& g) {
  const int64_t m = g.out_per_group(), K = g.kh * g.kw, P = g.oh * g.ow, HW = g.h * g.w;
  const T* G = grad_out->data_ptr<T>();
  const T* X = x->data_ptr<T>();
  T* GW = grad_weight->data_ptr<T>();
  std::fill(GW, GW + g.c_out * K, T(0));
  if (P == 0 || g.n == 0) return;
  const Frame fr(g);
  const std::vector<int64_t> off = fr.tap_offsets(g);
  const int64_t n_flat = fr.flat(g);
  const int64_t work = g.n * P * K;
  parallel_for(0, g.c_out, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, work)),
               [&](int64_t b, int64_t e) {
    std::vector<T> frame(static_cast<size_t>(fr.size())), gframe(static_cast<size_t>(g.oh * fr.pw));
    for (int64_t oc = b; oc < e; ++oc) {
      const int64_t ic = oc / m;
      for (int64_t s = 0; s < g.n; ++s) {
        fr.fill(frame.data(), X + (s * g.c_in + ic) * HW, g.h, g.w, g.pad_h, g.pad_w);
        // grad_out laid out on the phase width (zeros past ow), so each tap is one flat dot product.
        fill_frame(gframe.data(), g.oh, fr.pw, G + (s * g.c_out + oc) * P, g.oh, g.ow, 0, 0);
        dots(GW + oc * K, gframe.data(), frame.data(), off.data(), K, n_flat);
      }
    }
  });
}

void depthwise_forward(const Tensor& out, const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const ConvGeometry& g) {
  PYNN_DISPATCH_FLOAT(x->dtype(), "conv2d", [&] { forward_typed<scalar_t>(out, x, weight, bias, g); });
}
void depthwise_backward_input(const Tensor& grad_input, const Tensor& grad_out, const Tensor& weight,
                              const ConvGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward_input",
                      [&] { backward_input_typed<scalar_t>(grad_input, grad_out, weight, g); });
}
void depthwise_backward_weight(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& x,
                               const ConvGeometry& g) {
  PYNN_DISPATCH_FLOAT(grad_out->dtype(), "conv2d_backward_weight",
                      [&] { backward_weight_typed<scalar_t>(grad_weight, grad_out, x, g); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(depthwise_conv2d_kernel, depthwise_forward);
PYNN_REGISTER_CPU_KERNEL(depthwise_conv2d_backward_input_kernel, depthwise_backward_input);
PYNN_REGISTER_CPU_KERNEL(depthwise_conv2d_backward_weight_kernel, depthwise_backward_weight);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
