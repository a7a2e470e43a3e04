// Normalization CPU kernels (kernels/norm.h): batch norm per channel, layer / RMS norm per row, group norm per
// (sample, group). Every reduction is one pass over the data from memory (add_moments, add_sum2: lanes in the
// data's type over short chunks, chunks merged in double), and the pass that writes the output (or the input's gradient) follows it while the channel, row or group is
// still in cache. Work is split by channel, row or group, and cross-row sums (the affine gradients) go
// through a fixed blocking, so no result depends on the thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel.h"
#include "cpu/vec/stream.h"
#include "cpu/vec/vec.h"
#include "kernels/norm.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

template <typename T>
const T* opt_data(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}
template <typename T>
T* opt_out(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}

// The raw operands of a backward kernel.
template <typename T>
struct BackwardData {
  const T *dy, *x, *w, *mean, *rstd;
  T *dx, *dw, *db;
  explicit BackwardData(const NormBackwardOperands& a)
      : dy(a.grad->data_ptr<T>()),
        x(a.input->data_ptr<T>()),
        w(opt_data<T>(a.weight)),
        mean(opt_data<T>(a.mean)),
        rstd(a.rstd->data_ptr<T>()),
        dx(opt_out<T>(a.out.input)),
        dw(opt_out<T>(a.out.weight)),
        db(opt_out<T>(a.out.bias)) {}
};

// Sums over the data run in the data's own type in kAccLanes independent lanes (float SIMD at full width: the
// double lanes these replaced converted every element and were most of the kernels' time), over chunks of at
// most kChunk elements, each lane adding at most kChunk / kAccLanes terms; chunks are combined in double. The
// chunking and lane order depend on the shape alone, so results depend neither on the thread count nor on
// the ISA (a fixed lane count, no contraction).
constexpr int kAccLanes = 32;
constexpr int64_t kChunk = 4096;

template <typename T>
double lanes_total(const T* acc) {
  double t[kAccLanes];
  for (int k = 0; k < kAccLanes; ++k) t[k] = static_cast<double>(acc[k]);
  for (int w = kAccLanes / 2; w > 0; w /= 2)
    for (int k = 0; k < w; ++k) t[k] += t[k + w];
  return t[0];
}

// One chunk (n <= kChunk): f(i, a, b) adds element i's terms to lanes a and b. f touches no other element
// than i (besides its lanes), which ivdep tells GCC: otherwise a caller that also writes per-element sums (the
// fused layer norm backward) got a runtime alias check before every block of kAccLanes elements.
template <typename T, typename F>
void chunk_sum2(int64_t n, const F& f, double& s1, double& s2) {
  T a[kAccLanes] = {}, b[kAccLanes] = {};
  int64_t i = 0;
  for (; i + kAccLanes <= n; i += kAccLanes)
#pragma GCC ivdep
    for (int k = 0; k < kAccLanes; ++k) f(i + k, a[k], b[k]);
  for (int k = 0; i < n; ++i, ++k) f(i, a[k], b[k]);
  s1 = lanes_total(a);
  s2 = lanes_total(b);
}

// Two sums over i < n, chunk by chunk, added into s1 and s2.
template <typename T, typename F>
void add_sum2(int64_t n, const F& f, double& s1, double& s2) {
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    double a, b;
    chunk_sum2<T>(std::min(kChunk, n - c0), [&](int64_t i, T& p, T& q) { f(c0 + i, p, q); }, a, b);
    s1 += a;
    s2 += b;
  }
}

// Count, mean and sum of squared deviations, merged chunk by chunk (Chan et al.'s pairwise update): one read
// of the data from memory, each chunk's second pass around its own mean from L1, no cancellation of
// sum(x^2) - n mean^2 however large the mean.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  void merge(double cn, double cmean, double cm2) {
    const double tot = n + cn, d = cmean - mean;
    mean += d * cn / tot;
    m2 += cm2 + d * d * n * cn / tot;
    n = tot;
  }
  double var() const { return n > 0 ? m2 / n : 0.0; }
};

// Adds x(i), i < len, to m.
template <typename T, typename X>
void add_moments(int64_t len, const X& x, Moments& m) {
  for (int64_t c0 = 0; c0 < len; c0 += kChunk) {
    const int64_t n = std::min(kChunk, len - c0);
    const double dn = static_cast<double>(n);
    double s, unused;
    chunk_sum2<T>(n, [&](int64_t i, T& a, T&) { a += x(c0 + i); }, s, unused);
    // Deviations from the rounded chunk mean; s1 corrects for that rounding.
    const T cm = static_cast<T>(s / dn);
    double s1, s2;
    chunk_sum2<T>(n, [&](int64_t i, T& a, T& b) {
      const T d = x(c0 + i) - cm;
      a += d;
      b += d * d;
    }, s1, s2);
    m.merge(dn, static_cast<double>(cm) + s1 / dn, s2 - s1 * s1 / dn);
  }
}

// Moments of the elements of channel c in a contiguous [outer, channels, inner] tensor: contiguous runs of
// `inner` elements, or a stride-C walk over the outer index when inner is 1.
template <typename T>
Moments channel_moments(const ChannelGeom& g, int64_t c, const T* x) {
  Moments m;
  if (g.inner == 1) {
    add_moments<T>(g.outer, [&](int64_t n) { return x[n * g.channels + c]; }, m);
    return m;
  }
  for (int64_t n = 0; n < g.outer; ++n) {
    const T* run = x + (n * g.channels + c) * g.inner;
    add_moments<T>(g.inner, [&](int64_t i) { return run[i]; }, m);
  }
  return m;
}

// Two sums over the offsets of channel c in one pass: f(offset, acc1, acc2).
template <typename T, typename F>
void channel_sum2(const ChannelGeom& g, int64_t c, const F& f, double& s1, double& s2) {
  s1 = s2 = 0;
  if (g.inner == 1) {
    add_sum2<T>(g.outer, [&](int64_t n, T& a, T& b) { f(n * g.channels + c, a, b); }, s1, s2);
    return;
  }
  for (int64_t n = 0; n < g.outer; ++n) {
    const int64_t base = (n * g.channels + c) * g.inner;
    add_sum2<T>(g.inner, [&](int64_t i, T& a, T& b) { f(base + i, a, b); }, s1, s2);
  }
}

// out[o] = f(o) for every offset of channel c, streamed when `stream` (vec::write_run).
template <typename T, typename F>
void channel_write(const ChannelGeom& g, int64_t c, T* out, bool stream, const F& f) {
  for (int64_t n = 0; n < g.outer; ++n) {
    const int64_t base = (n * g.channels + c) * g.inner;
    vec::write_run(out + base, g.inner, stream, [&](int64_t i) { return f(base + i); });
  }
}

// Channels per parallel chunk: about one elementwise grain of elements.
int64_t channel_grain(const ChannelGeom& g) {
  return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(g.per_channel(), 1));
}

// ---------------------------------------------------------------------------------------------------------
// batch norm

template <typename T>
void batch_norm_typed(const BatchNormArgs& a) {
  const ChannelGeom& g = a.g;
  const T* x = a.input->data_ptr<T>();
  T* y = a.out->data_ptr<T>();
  const T* w = opt_data<T>(a.weight);
  const T* b = opt_data<T>(a.bias);
  T* rm = opt_out<T>(a.running_mean);
  T* rv = opt_out<T>(a.running_var);
  T* sm = a.save_mean->data_ptr<T>();
  T* si = a.save_invstd->data_ptr<T>();
  const double n = static_cast<double>(g.per_channel());
  const bool stream = vec::stream_output(2 * a.out->numel() * a.out->itemsize());
  parallel_for(0, g.channels, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double mean, invstd;
      if (a.training) {
        const Moments mo = channel_moments(g, c, x);
        mean = mo.mean;
        const double var_sum = mo.m2;
        invstd = 1.0 / std::sqrt(var_sum / n + a.eps);
        if (rm) rm[c] = static_cast<T>((1.0 - a.momentum) * rm[c] + a.momentum * mean);
        // The running variance is the unbiased one; n == 1 was refused by the op.
        if (rv) rv[c] = static_cast<T>((1.0 - a.momentum) * rv[c] + a.momentum * var_sum / (n - 1.0));
      } else {
        mean = static_cast<double>(rm[c]);
        invstd = 1.0 / std::sqrt(static_cast<double>(rv[c]) + a.eps);
      }
      sm[c] = static_cast<T>(mean);
      si[c] = static_cast<T>(invstd);
      const double scale = invstd * (w ? static_cast<double>(w[c]) : 1.0);
      const T k = static_cast<T>(scale);
      const T shift = static_cast<T>((b ? static_cast<double>(b[c]) : 0.0) - mean * scale);
      channel_write(g, c, y, stream, [&](int64_t o) { return x[o] * k + shift; });
    }
    if (stream) vec::stream_fence();
  });
}

template <typename T>
void batch_norm_backward_typed(const BatchNormBackwardArgs& a) {
  const ChannelGeom& g = a.g;
  const BackwardData<T> d(a);
  const T *dy = d.dy, *x = d.x, *w = d.w, *mean = d.mean, *invstd = d.rstd;
  T *dx = d.dx, *dw = d.dw, *db = d.db;
  const bool need_sums = a.training ? dx || dw || db : dw || db;
  const double n = static_cast<double>(g.per_channel());
  const bool stream = dx && vec::stream_output(3 * a.out.input->numel() * a.out.input->itemsize());
  parallel_for(0, g.channels, channel_grain(g), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const T m = mean[c];
      const double is = static_cast<double>(invstd[c]);
      double sum_g = 0, sum_gx = 0;  // sum(dy), sum(dy * (x - mean))
      if (need_sums) {
        channel_sum2<T>(g, c, [&](int64_t o, T& s1, T& s2) {
          s1 += dy[o];
          s2 += dy[o] * (x[o] - m);
        }, sum_g, sum_gx);
      }
      if (dw) dw[c] = static_cast<T>(sum_gx * is);
      if (db) db[c] = static_cast<T>(sum_g);
      if (!dx) continue;
      const double scale = is * (w ? static_cast<double>(w[c]) : 1.0);
      const T k = static_cast<T>(scale);
      if (!a.training) {
        channel_write(g, c, dx, stream, [&](int64_t o) { return dy[o] * k; });
        continue;
      }
      // dx = w * invstd * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean)))
      const T mean_g = static_cast<T>(sum_g / n);
      const T proj = static_cast<T>(sum_gx / n * is * is);
      channel_write(g, c, dx, stream, [&](int64_t o) { return (dy[o] - mean_g - (x[o] - m) * proj) * k; });
    }
    if (stream) vec::stream_fence();
  });
}

void batch_norm_impl(const BatchNormArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), "batch_norm", [&] { batch_norm_typed<scalar_t>(a); });
}
void batch_norm_backward_impl(const BatchNormBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), "batch_norm_backward", [&] { batch_norm_backward_typed<scalar_t>(a); });
}

// ---------------------------------------------------------------------------------------------------------
// rows: layer norm, RMS norm, and group norm's statistics

// Rows per parallel chunk.
int64_t row_grain(int64_t size) { return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(size, 1)); }

// Mean and 1/sqrt(var + eps) of one contiguous row (mean 0 and the root mean square for rms).
template <typename T>
void row_stats(const T* x, int64_t n, double eps, bool rms, double& mean, double& rstd) {
  if (rms) {
    double ss = 0, unused = 0;
    add_sum2<T>(n, [&](int64_t i, T& a, T&) { a += x[i] * x[i]; }, ss, unused);
    mean = 0;
    rstd = 1.0 / std::sqrt(ss / static_cast<double>(n) + eps);
    return;
  }
  Moments m;
  add_moments<T>(n, [&](int64_t i) { return x[i]; }, m);
  mean = m.mean;
  rstd = 1.0 / std::sqrt(m.var() + eps);
}

template <typename T>
void row_norm_typed(const RowNormArgs& a) {
  const int64_t n = a.size;
  const T* x = a.input->data_ptr<T>();
  T* y = a.out->data_ptr<T>();
  const T* w = opt_data<T>(a.weight);
  const T* b = opt_data<T>(a.bias);
  T* mean_out = opt_out<T>(a.mean);
  T* rstd_out = a.rstd->data_ptr<T>();
  const bool stream = vec::stream_output(2 * a.out->numel() * a.out->itemsize());
  parallel_for(0, a.rows, row_grain(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * n;
      T* yr = y + r * n;
      double mean, rstd;
      row_stats(xr, n, a.eps, a.rms, mean, rstd);
      if (mean_out) mean_out[r] = static_cast<T>(mean);
      rstd_out[r] = static_cast<T>(rstd);
      const T m = static_cast<T>(mean), s = static_cast<T>(rstd);
      if (w && b) vec::write_run(yr, n, stream, [&](int64_t i) { return (xr[i] - m) * s * w[i] + b[i]; });
      else if (w) vec::write_run(yr, n, stream, [&](int64_t i) { return (xr[i] - m) * s * w[i]; });
      else if (b) vec::write_run(yr, n, stream, [&](int64_t i) { return (xr[i] - m) * s + b[i]; });
      else vec::write_run(yr, n, stream, [&](int64_t i) { return (xr[i] - m) * s; });
    }
    if (stream) vec::stream_fence();
  });
}

// The affine gradients sum over rows: rows are cut into at most kMaxRowBlocks blocks fixed by the shape alone,
// each block sums into its own double buffer (runs of kSubRows rows summed in the dtype first: the double
// read-modify-write per element was most of the backward's time), and the blocks are added in order.
constexpr int64_t kMaxRowBlocks = 64;
constexpr int64_t kSubRows = 16;

template <typename T>
void row_norm_backward_typed(const RowNormBackwardArgs& a) {
  const int64_t n = a.size, rows = a.rows;
  const double dn = static_cast<double>(n);
  const BackwardData<T> d(a);
  const T *dy = d.dy, *x = d.x, *w = d.w, *mean = d.mean, *rstd = d.rstd;
  T *dx = d.dx, *dw = d.dw, *db = d.db;
  const int64_t block = std::max(row_grain(n), (rows + kMaxRowBlocks - 1) / kMaxRowBlocks);
  const int64_t nblocks = rows == 0 ? 0 : (rows + block - 1) / block;
  std::vector<double> pw(dw ? nblocks * n : 0, 0.0), pb(db ? nblocks * n : 0, 0.0);
  const bool stream = dx && vec::stream_output(3 * a.out.input->numel() * a.out.input->itemsize());
  parallel_for(0, nblocks, 1, [&](int64_t k0, int64_t k1) {
    // Runs of kSubRows rows accumulate in T (cheap), each run is then added into the block's double sums.
    std::vector<T> tw(dw ? n : 0), tb(db ? n : 0);
    auto flush = [&](double* bw, double* bb) {
      for (int64_t i = 0; bw && i < n; ++i) bw[i] += static_cast<double>(tw[i]);
      for (int64_t i = 0; bb && i < n; ++i) bb[i] += static_cast<double>(tb[i]);
      std::fill(tw.begin(), tw.end(), T(0));
      std::fill(tb.begin(), tb.end(), T(0));
    };
    for (int64_t k = k0; k < k1; ++k) {
      double* bw = dw ? pw.data() + k * n : nullptr;
      double* bb = db ? pb.data() + k * n : nullptr;
      T* sw = tw.data();
      T* sb = tb.data();
      const int64_t rb = k * block, re = std::min(rows, (k + 1) * block);
      for (int64_t r = rb; r < re; ++r) {
        const T* xr = x + r * n;
        const T* gr = dy + r * n;
        const T m = mean ? mean[r] : T(0);
        const T s = rstd[r];
        double sum_g = 0, sum_gx = 0;
        // The affine case in one pass over the row: the parameter sums and dx's two row sums together.
        const bool fused = bw && bb && w && dx;
        if (fused) {
          add_sum2<T>(n, [&](int64_t i, T& a1, T& a2) {
            const T xc = xr[i] - m;
            sw[i] += gr[i] * (xc * s);
            sb[i] += gr[i];
            const T dyw = gr[i] * w[i];
            a1 += dyw;
            a2 += dyw * xc;
          }, sum_g, sum_gx);
        } else if (bw && bb) {
#pragma GCC ivdep
          for (int64_t i = 0; i < n; ++i) {
            sw[i] += gr[i] * ((xr[i] - m) * s);
            sb[i] += gr[i];
          }
        } else if (bw) {
#pragma GCC ivdep
          for (int64_t i = 0; i < n; ++i) sw[i] += gr[i] * ((xr[i] - m) * s);
        } else if (bb) {
#pragma GCC ivdep
          for (int64_t i = 0; i < n; ++i) sb[i] += gr[i];
        }
        if ((bw || bb) && ((r - rb + 1) % kSubRows == 0 || r + 1 == re)) flush(bw, bb);
        if (!dx) continue;
        // With dy' = dy * w: dx = rstd * (dy' - mean(dy') - (x - mean) * rstd^2 * mean(dy' * (x - mean)));
        // rms drops the mean(dy') term. Both sums in one pass.
        if (!fused && w) {
          add_sum2<T>(n, [&](int64_t i, T& a1, T& a2) {
            const T dyw = gr[i] * w[i];
            a1 += dyw;
            a2 += dyw * (xr[i] - m);
          }, sum_g, sum_gx);
        } else if (!fused) {
          add_sum2<T>(n, [&](int64_t i, T& a1, T& a2) {
            a1 += gr[i];
            a2 += gr[i] * (xr[i] - m);
          }, sum_g, sum_gx);
        }
        if (a.rms) sum_g = 0;
        const double sd = static_cast<double>(s);
        const T mean_g = static_cast<T>(sum_g / dn);
        const T proj = static_cast<T>(sum_gx / dn * sd * sd);
        T* dr = dx + r * n;
        if (w)
          vec::write_run(dr, n, stream, [&](int64_t i) { return (gr[i] * w[i] - mean_g - (xr[i] - m) * proj) * s; });
        else
          vec::write_run(dr, n, stream, [&](int64_t i) { return (gr[i] - mean_g - (xr[i] - m) * proj) * s; });
      }
    }
    if (stream) vec::stream_fence();
  });
  for (int64_t i = 0; i < n; ++i) {
    double sw = 0, sb = 0;
    for (int64_t k = 0; k < nblocks; ++k) {
      if (dw) sw += pw[k * n + i];
      if (db) sb += pb[k * n + i];
    }
    if (dw) dw[i] = static_cast<T>(sw);
    if (db) db[i] = static_cast<T>(sb);
  }
}

void row_norm_impl(const RowNormArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), a.rms ? "rms_norm" : "layer_norm", [&] { row_norm_typed<scalar_t>(a); });
}
void row_norm_backward_impl(const RowNormBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), a.rms ? "rms_norm_backward" : "layer_norm_backward",
                      [&] { row_norm_backward_typed<scalar_t>(a); });
}

// ---------------------------------------------------------------------------------------------------------
// group norm

template <typename T>
void group_norm_typed(const GroupNormArgs& a) {
  const ChannelGeom& g = a.g;
  const int64_t per_group = g.channels / a.groups, len = per_group * g.inner;
  const T* x = a.input->data_ptr<T>();
  T* y = a.out->data_ptr<T>();
  const T* w = opt_data<T>(a.weight);
  const T* b = opt_data<T>(a.bias);
  T* mean_out = a.mean->data_ptr<T>();
  T* rstd_out = a.rstd->data_ptr<T>();
  const bool stream = vec::stream_output(2 * a.out->numel() * a.out->itemsize());
  parallel_for(0, g.outer * a.groups, row_grain(len), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * len;
      T* yr = y + r * len;
      double mean, rstd;
      row_stats(xr, len, a.eps, false, mean, rstd);
      mean_out[r] = static_cast<T>(mean);
      rstd_out[r] = static_cast<T>(rstd);
      const int64_t c0 = (r % a.groups) * per_group;
      for (int64_t j = 0; j < per_group; ++j) {
        const double scale = rstd * (w ? static_cast<double>(w[c0 + j]) : 1.0);
        const T k = static_cast<T>(scale);
        const T shift = static_cast<T>((b ? static_cast<double>(b[c0 + j]) : 0.0) - mean * scale);
        const T* xc = xr + j * g.inner;
        vec::write_run(yr + j * g.inner, g.inner, stream, [&](int64_t i) { return xc[i] * k + shift; });
      }
    }
    if (stream) vec::stream_fence();
  });
}

template <typename T>
void group_norm_backward_typed(const GroupNormBackwardArgs& a) {
  const ChannelGeom& g = a.g;
  const int64_t N = g.outer, C = g.channels, G = a.groups, per_group = C / G, len = per_group * g.inner;
  const BackwardData<T> d(a);
  const T *dy = d.dy, *x = d.x, *w = d.w, *mean = d.mean, *rstd = d.rstd;
  T *dx = d.dx, *dw = d.dw, *db = d.db;
  // Per (n, c): ds = sum(dy * (x - mean)), dsum = sum(dy) over the channel's inner elements; centred, so
  // that the float lanes do not lose ds to cancellation against mean * dsum when the mean is large.
  std::vector<double> ds(N * C), dsum(N * C);
  const double cnt = static_cast<double>(len);
  const bool stream = dx && vec::stream_output(3 * a.out.input->numel() * a.out.input->itemsize());
  parallel_for(0, N * G, row_grain(len), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c0 = (r % G) * per_group;
      const int64_t base = r * len;
      const T m = mean[r];
      double s1 = 0, s2 = 0;  // sum_c ds * w, sum_c dsum * w
      for (int64_t j = 0; j < per_group; ++j) {
        const T* gc = dy + base + j * g.inner;
        const T* xc = x + base + j * g.inner;
        double a1 = 0, a2 = 0;
        add_sum2<T>(g.inner, [&](int64_t i, T& p, T& q) {
          p += gc[i] * (xc[i] - m);
          q += gc[i];
        }, a1, a2);
        const int64_t nc = (r / G) * C + c0 + j;
        ds[nc] = a1;
        dsum[nc] = a2;
        const double wc = w ? static_cast<double>(w[c0 + j]) : 1.0;
        s1 += a1 * wc;
        s2 += a2 * wc;
      }
      if (!dx) continue;
      // dx = rstd * w_c * dy + c2 * (x - mean) + c3, the group's gradient as an affine map of x and dy.
      const double rs = static_cast<double>(rstd[r]);
      const T t2 = static_cast<T>(-s1 * rs * rs * rs / cnt), t3 = static_cast<T>(-s2 * rs / cnt);
      for (int64_t j = 0; j < per_group; ++j) {
        const T k = static_cast<T>(rs * (w ? static_cast<double>(w[c0 + j]) : 1.0));
        const T* gc = dy + base + j * g.inner;
        const T* xc = x + base + j * g.inner;
        vec::write_run(dx + base + j * g.inner, g.inner, stream,
                       [&](int64_t i) { return gc[i] * k + (xc[i] - m) * t2 + t3; });
      }
    }
    if (stream) vec::stream_fence();
  });
  if (!dw && !db) return;
  for (int64_t c = 0; c < C; ++c) {
    double sw = 0, sb = 0;
    for (int64_t n = 0; n < N; ++n) {
      sw += ds[n * C + c] * static_cast<double>(rstd[n * G + c / per_group]);
      sb += dsum[n * C + c];
    }
    if (dw) dw[c] = static_cast<T>(sw);
    if (db) db[c] = static_cast<T>(sb);
  }
}

void group_norm_impl(const GroupNormArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), "group_norm", [&] { group_norm_typed<scalar_t>(a); });
}
void group_norm_backward_impl(const GroupNormBackwardArgs& a) {
  PYNN_DISPATCH_FLOAT(a.input->dtype(), "group_norm_backward", [&] { group_norm_backward_typed<scalar_t>(a); });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(batch_norm_kernel, batch_norm_impl);
PYNN_REGISTER_CPU_KERNEL(batch_norm_backward_kernel, batch_norm_backward_impl);
PYNN_REGISTER_CPU_KERNEL(row_norm_kernel, row_norm_impl);
PYNN_REGISTER_CPU_KERNEL(row_norm_backward_kernel, row_norm_backward_impl);
PYNN_REGISTER_CPU_KERNEL(group_norm_kernel, group_norm_impl);
PYNN_REGISTER_CPU_KERNEL(group_norm_backward_kernel, group_norm_backward_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
