// Lets GCC if-convert the float selects in vexp and the activations so their loops vectorize; pynn never
// reads floating-point exception flags.
#pragma GCC optimize("no-trapping-math")
#include "cpu/nn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/parallel.h"

namespace pynn {
namespace cpu {
namespace {

// Inner loops with a contiguous path the compiler vectorizes and a strided fallback.
template <typename T, typename F>
void map1(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** d, const int64_t* s, int64_t n) {
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
      T* o = reinterpret_cast<T*>(d[0]);
      const T* a = reinterpret_cast<const T*>(d[1]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(d[0] + i * s[0]) = f(*reinterpret_cast<const T*>(d[1] + i * s[1]));
    }
  });
}

template <typename T, typename F>
void map2(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** d, const int64_t* s, int64_t n) {
    constexpr int64_t z = sizeof(T);
    if (s[0] == z && s[1] == z && s[2] == z) {
      T* o = reinterpret_cast<T*>(d[0]);
      const T* a = reinterpret_cast<const T*>(d[1]);
      const T* b = reinterpret_cast<const T*>(d[2]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    } else if (s[0] == z && s[1] == z && s[2] == 0) {
      T* o = reinterpret_cast<T*>(d[0]);
      const T* a = reinterpret_cast<const T*>(d[1]);
      const T b = *reinterpret_cast<const T*>(d[2]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(d[0] + i * s[0]) =
            f(*reinterpret_cast<const T*>(d[1] + i * s[1]), *reinterpret_cast<const T*>(d[2] + i * s[2]));
    }
  });
}

template <typename T, typename F>
void map3(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** d, const int64_t* s, int64_t n) {
    constexpr int64_t z = sizeof(T);
    if (s[0] == z && s[1] == z && s[2] == z && s[3] == z) {
      T* o = reinterpret_cast<T*>(d[0]);
      const T* a = reinterpret_cast<const T*>(d[1]);
      const T* b = reinterpret_cast<const T*>(d[2]);
      const T* c = reinterpret_cast<const T*>(d[3]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i], c[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(d[0] + i * s[0]) =
            f(*reinterpret_cast<const T*>(d[1] + i * s[1]), *reinterpret_cast<const T*>(d[2] + i * s[2]),
              *reinterpret_cast<const T*>(d[3] + i * s[3]));
    }
  });
}

// exp without a libm call, so that loops over it vectorize (float: Cephes' expf polynomial, ~1 ulp).
// Inputs below -86.5 give 0 (the true values are under 3e-38), above ~88.72 give inf; nan stays nan.
inline float vexp(float x) {
  constexpr float kLo = -86.5f, kHi = 88.7228391f;
  const float xc = x < kLo ? kLo : (x > kHi ? kHi : x);
  const float t = xc * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23: rounds to the nearest integer n
  const float n = t - 12582912.0f;
  const float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &t, sizeof bits);
  bits = (bits - 0x4B400000 + 126) << 23;  // 2^(n-1): n reaches 128 at the top of the range
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float y = p * scale * 2.0f;
  return x < kLo ? 0.0f : (x > kHi ? std::numeric_limits<float>::infinity() : y);
}
inline double vexp(double x) { return std::exp(x); }

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + vexp(-x));
}

constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/sqrt(2*pi)
constexpr double kGeluCoef = 0.044715;

// Calls f(begin, end) over row ranges, in parallel when the rows hold enough elements in all.
template <typename F>
void for_rows(const RowGeom& g, const F& f) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(g.size, 1));
  parallel_for(0, g.rows(), grain, [&](int64_t b, int64_t e) { f(b, e); });
}

// Sums f(begin, end) over fixed blocks of rows, so the result does not depend on the thread count.
template <typename F>
LossSums reduce_rows(const RowGeom& g, const F& f) {
  const int64_t rows = g.rows();
  const int64_t block = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(g.size, 1));
  const int64_t nblocks = (rows + block - 1) / block;
  if (nblocks <= 1) return f(0, rows);
  std::vector<LossSums> part(nblocks);
  parallel_for(0, nblocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) part[b] = f(b * block, std::min(rows, (b + 1) * block));
  });
  LossSums total;
  for (const LossSums& s : part) {
    total.loss += s.loss;
    total.weight += s.weight;
  }
  return total;
}

// Offset of row r's first element in a contiguous [outer, size, inner] tensor.
inline int64_t row_base(const RowGeom& g, int64_t r) {
  return g.inner == 1 ? r * g.size : (r / g.inner) * g.size * g.inner + r % g.inner;
}

// Max and logsumexp of one row (elements st apart).
template <typename T>
void row_max_lse(const T* x, int64_t n, int64_t st, T& mx, T& lse) {
  T m = -std::numeric_limits<T>::infinity();
  if (st == 1) {
    for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  } else {
    for (int64_t i = 0; i < n; ++i) m = x[i * st] > m ? x[i * st] : m;
  }
  // A row of -inf (or with +inf) stays -inf/+inf instead of becoming nan through inf - inf.
  const T shift = std::isinf(m) ? T(0) : m;
  double s = 0;
  if (st == 1) {
    for (int64_t i = 0; i < n; ++i) s += vexp(x[i] - shift);
  } else {
    for (int64_t i = 0; i < n; ++i) s += vexp(x[i * st] - shift);
  }
  mx = m;
  lse = shift + static_cast<T>(std::log(s));
}

inline void check_target(int64_t t, int64_t C, const char* op) {
  if (t < 0 || t >= C) throw IndexError(str("[", op, "] Target ", t, " is out of bounds."));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Activations

void activation_kernel(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    using T = scalar_t;
    switch (act) {
      case Activation::Gelu:
        return map1<T>(iter, [](T x) { return x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2))); });
      case Activation::GeluTanh:
        return map1<T>(iter, [](T x) {
          const T inner = T(kSqrt2OverPi) * (x + T(kGeluCoef) * x * x * x);
          return T(0.5) * x * (T(1) + std::tanh(inner));
        });
      case Activation::Elu: {
        const T alpha = T(p.a), scale = T(p.b), in_scale = T(p.c);
        return map1<T>(iter, [=](T x) { return x > T(0) ? scale * x : scale * alpha * std::expm1(x * in_scale); });
      }
      case Activation::Silu:
        return map1<T>(iter, [](T x) { return x / (T(1) + vexp(-x)); });
      case Activation::Mish:
        return map1<T>(iter, [](T x) { return x * std::tanh(std::log1p(vexp(x))); });
      case Activation::Softplus: {
        const T beta = T(p.a), threshold = T(p.b);
        return map1<T>(iter, [=](T x) { return x * beta > threshold ? x : std::log1p(vexp(x * beta)) / beta; });
      }
      case Activation::LeakyRelu: {
        const T slope = T(p.a);
        return map1<T>(iter, [=](T x) { return x > T(0) ? x : x * slope; });
      }
      case Activation::Hardtanh: {
        const T lo = T(p.a), hi = T(p.b);
        return map1<T>(iter, [=](T x) { return x < lo ? lo : (x > hi ? hi : x); });
      }
    }
  });
}

void activation_backward_kernel(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    using T = scalar_t;
    switch (act) {
      case Activation::Gelu:
        return map2<T>(iter, [](T g, T x) {
          const T cdf = T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
          const T pdf = T(kInvSqrt2Pi) * vexp(T(-0.5) * x * x);
          return g * (cdf + x * pdf);
        });
      case Activation::GeluTanh:
        return map2<T>(iter, [](T g, T x) {
          const T x2 = x * x;
          const T t = std::tanh(T(kSqrt2OverPi) * (x + T(kGeluCoef) * x2 * x));
          const T dinner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCoef) * x2);
          return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner);
        });
      case Activation::Elu: {
        const T alpha = T(p.a), scale = T(p.b), in_scale = T(p.c);
        return map2<T>(iter, [=](T g, T x) {
          return x > T(0) ? g * scale : g * scale * alpha * in_scale * vexp(x * in_scale);
        });
      }
      case Activation::Silu:
        return map2<T>(iter, [](T g, T x) {
          const T s = sigmoid(x);
          return g * s * (T(1) + x * (T(1) - s));
        });
      case Activation::Mish:
        return map2<T>(iter, [](T g, T x) {
          const T t = std::tanh(std::log1p(vexp(x)));
          return g * (t + x * sigmoid(x) * (T(1) - t * t));
        });
      case Activation::Softplus: {
        const T beta = T(p.a), threshold = T(p.b);
        return map2<T>(iter, [=](T g, T x) { return x * beta > threshold ? g : g * sigmoid(x * beta); });
      }
      case Activation::LeakyRelu: {
        const T slope = T(p.a);
        return map2<T>(iter, [=](T g, T x) { return x > T(0) ? g : g * slope; });
      }
      case Activation::Hardtanh: {
        const T lo = T(p.a), hi = T(p.b);
        return map2<T>(iter, [=](T g, T x) { return (x <= lo || x >= hi) ? T(0) : g; });
      }
    }
  });
}

void prelu_kernel(const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, "prelu", [&] {
    map2<scalar_t>(iter, [](scalar_t x, scalar_t w) { return x > scalar_t(0) ? x : w * x; });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Softmax

namespace {

// Row sums accumulate in double: float32 rows of thousands of elements keep full precision.
template <typename T, bool kContig>
void softmax_rows(T* out, const T* x, const RowGeom& g, bool is_log, int64_t r0, int64_t r1) {
  const int64_t n = g.size, st = kContig ? 1 : g.inner;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t base = row_base(g, r);
    const T* xr = x + base;
    T* yr = out + base;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = 0; i < n; ++i) m = xr[i * st] > m ? xr[i * st] : m;
    double s = 0;
    if (is_log) {
      for (int64_t i = 0; i < n; ++i) s += vexp(xr[i * st] - m);
      const T shift = m + static_cast<T>(std::log(s));
      for (int64_t i = 0; i < n; ++i) yr[i * st] = xr[i * st] - shift;
    } else {
      // exp in its own loop (it vectorizes); the double sum uses four chains to hide the add latency.
      for (int64_t i = 0; i < n; ++i) yr[i * st] = vexp(xr[i * st] - m);
      double s4[4] = {0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; ++k) s4[k] += yr[(i + k) * st];
      for (; i < n; ++i) s4[0] += yr[i * st];
      s = (s4[0] + s4[1]) + (s4[2] + s4[3]);
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t i = 0; i < n; ++i) yr[i * st] *= inv;
    }
  }
}

template <typename T, bool kContig>
void softmax_backward_rows(T* gx, const T* gy, const T* y, const RowGeom& g, bool is_log, int64_t r0, int64_t r1) {
  const int64_t n = g.size, st = kContig ? 1 : g.inner;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t base = row_base(g, r);
    const T* gr = gy + base;
    const T* yr = y + base;
    T* o = gx + base;
    double acc = 0;
    if (is_log) {
      for (int64_t i = 0; i < n; ++i) acc += gr[i * st];
      const T s = static_cast<T>(acc);
      for (int64_t i = 0; i < n; ++i) o[i * st] = gr[i * st] - vexp(yr[i * st]) * s;
    } else {
      for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(gr[i * st]) * yr[i * st];
      const T s = static_cast<T>(acc);
      for (int64_t i = 0; i < n; ++i) o[i * st] = yr[i * st] * (gr[i * st] - s);
    }
  }
}

}  // namespace

void softmax_kernel(const Tensor& out, const Tensor& x, const RowGeom& g, bool is_log) {
  PYNN_DISPATCH_FLOAT(x->dtype(), is_log ? "log_softmax" : "softmax", [&] {
    scalar_t* o = out->data_ptr<scalar_t>();
    const scalar_t* in = x->data_ptr<scalar_t>();
    for_rows(g, [&](int64_t b, int64_t e) {
      if (g.inner == 1) softmax_rows<scalar_t, true>(o, in, g, is_log, b, e);
      else softmax_rows<scalar_t, false>(o, in, g, is_log, b, e);
    });
  });
}

void softmax_backward_kernel(const Tensor& grad_x, const Tensor& grad, const Tensor& out, const RowGeom& g,
                             bool is_log) {
  PYNN_DISPATCH_FLOAT(out->dtype(), is_log ? "log_softmax_backward" : "softmax_backward", [&] {
    scalar_t* gx = grad_x->data_ptr<scalar_t>();
    const scalar_t* gy = grad->data_ptr<scalar_t>();
    const scalar_t* y = out->data_ptr<scalar_t>();
    for_rows(g, [&](int64_t b, int64_t e) {
      if (g.inner == 1) softmax_backward_rows<scalar_t, true>(gx, gy, y, g, is_log, b, e);
      else softmax_backward_rows<scalar_t, false>(gx, gy, y, g, is_log, b, e);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Dropout

namespace {
// splitmix64's finalizer: a strong 64-bit mix, so hash(seed + k * golden) is a counter-based random stream.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
}  // namespace

void dropout_kernel(const Tensor& out, const Tensor& mask, const Tensor& x, double p, uint64_t seed) {
  const int64_t n = x->numel();
  const double keep = 1.0 - p;
  PYNN_DISPATCH_FLOAT(x->dtype(), "dropout", [&] {
    using T = scalar_t;
    T* o = out->data_ptr<T>();
    T* m = mask->data_ptr<T>();
    const T* in = x->data_ptr<T>();
    const T scale = p < 1.0 ? T(1.0 / keep) : T(0);
    // float: two elements per 64-bit draw (24 bits each); double: one element per draw (53 bits).
    constexpr bool kPair = sizeof(T) == 4;
    constexpr int kBits = kPair ? 24 : 53;
    const uint64_t threshold = static_cast<uint64_t>(std::ceil(keep * static_cast<double>(uint64_t(1) << kBits)));
    const int64_t per_draw = kPair ? 2 : 1;
    const int64_t draws = (n + per_draw - 1) / per_draw;
    parallel_for(0, draws, kElementwiseGrain / 4, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const uint64_t h = mix64(seed + static_cast<uint64_t>(k + 1) * kGolden);
        if (kPair) {
          const int64_t i = 2 * k;
          const T m0 = ((h >> 40) < threshold) ? scale : T(0);
          m[i] = m0;
          o[i] = in[i] * m0;
          if (i + 1 < n) {
            const T m1 = (((h & 0xffffffffULL) >> 8) < threshold) ? scale : T(0);
            m[i + 1] = m1;
            o[i + 1] = in[i + 1] * m1;
          }
        } else {
          const T m0 = ((h >> 11) < threshold) ? scale : T(0);
          m[k] = m0;
          o[k] = in[k] * m0;
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Class-index losses

namespace {
template <typename T>
const T* opt_data(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}
template <typename T>
T row_grad(const RowGrad& rg, int64_t r) {
  const T* g = rg.grad->data_ptr<T>();
  return static_cast<T>(static_cast<double>(g[rg.per_row ? r : 0]) * rg.scale);
}
}  // namespace

LossSums nll_loss_kernel(const Tensor& per_row, const Tensor& input, const Tensor& target, const Tensor& weight,
                         const ClassLoss& c) {
  return PYNN_DISPATCH_FLOAT(input->dtype(), "nll_loss", [&] {
    using T = scalar_t;
    const T* x = input->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    T* out = per_row ? per_row->data_ptr<T>() : nullptr;
    const RowGeom& g = c.g;
    return reduce_rows(g, [&](int64_t r0, int64_t r1) {
      LossSums s;
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t cls = t[r];
        T loss = 0;
        if (cls != c.ignore_index) {
          check_target(cls, g.size, "nll_loss");
          const T wt = w ? w[cls] : T(1);
          loss = -wt * x[row_base(g, r) + cls * g.inner];
          s.weight += wt;
          s.loss += loss;
        }
        if (out) out[r] = loss;
      }
      return s;
    });
  });
}

void nll_loss_backward_kernel(const Tensor& grad_x, const RowGrad& rg, const Tensor& target, const Tensor& weight,
                              const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(grad_x->dtype(), "nll_loss_backward", [&] {
    using T = scalar_t;
    T* gx = grad_x->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    const RowGeom& g = c.g;
    for_rows(g, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t base = row_base(g, r);
        for (int64_t k = 0; k < g.size; ++k) gx[base + k * g.inner] = T(0);
        const int64_t cls = t[r];
        if (cls == c.ignore_index) continue;
        check_target(cls, g.size, "nll_loss");
        gx[base + cls * g.inner] = -(w ? w[cls] : T(1)) * row_grad<T>(rg, r);
      }
    });
  });
}

LossSums cross_entropy_kernel(const Tensor& per_row, const Tensor& lse, const Tensor& input, const Tensor& target,
                              const Tensor& weight, const ClassLoss& c) {
  return PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy", [&] {
    using T = scalar_t;
    const T* x = input->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    T* out = per_row ? per_row->data_ptr<T>() : nullptr;
    T* lse_out = lse->data_ptr<T>();
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const double eps = c.label_smoothing;
    double wsum = static_cast<double>(C);
    if (w) {
      wsum = 0;
      for (int64_t k = 0; k < C; ++k) wsum += w[k];
    }
    return reduce_rows(g, [&](int64_t r0, int64_t r1) {
      LossSums s;
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t cls = t[r];
        if (cls == c.ignore_index) {
          lse_out[r] = 0;
          if (out) out[r] = 0;
          continue;
        }
        check_target(cls, C, "cross_entropy");
        const T* xr = x + row_base(g, r);
        T m, l;
        row_max_lse(xr, C, st, m, l);
        lse_out[r] = l;
        const double wt = w ? w[cls] : 1.0;
        double loss = (1.0 - eps) * wt * static_cast<double>(l - xr[cls * st]);
        if (eps > 0) {
          double wx = 0;  // sum_k w_k * x_k
          for (int64_t k = 0; k < C; ++k) wx += (w ? static_cast<double>(w[k]) : 1.0) * xr[k * st];
          loss += eps / static_cast<double>(C) * (wsum * static_cast<double>(l) - wx);
        }
        if (out) out[r] = static_cast<T>(loss);
        s.loss += loss;
        s.weight += wt;
      }
      return s;
    });
  });
}

namespace {
// Per-row constants of grad = G * (softmax * a - b_k) for class-index targets, b_k = bt [k == t] + bk * w_k.
struct CeRow {
  double a = 0, bt = 0, bk = 0;
  bool ignored = true;
};
template <typename T>
CeRow ce_row(int64_t cls, const T* w, double wsum, const ClassLoss& c) {
  CeRow row;
  if (cls == c.ignore_index) return row;
  check_target(cls, c.g.size, "cross_entropy");
  const double eps = c.label_smoothing, wt = w ? w[cls] : 1.0, C = static_cast<double>(c.g.size);
  row.ignored = false;
  row.a = (1.0 - eps) * wt + eps * wsum / C;
  row.bt = (1.0 - eps) * wt;
  row.bk = eps / C;
  return row;
}
template <typename T>
double weight_sum(const T* w, int64_t C) {
  if (!w) return static_cast<double>(C);
  double s = 0;
  for (int64_t k = 0; k < C; ++k) s += w[k];
  return s;
}
}  // namespace

void cross_entropy_backward_kernel(const Tensor& grad_x, const RowGrad& rg, const Tensor& input, const Tensor& lse,
                                   const Tensor& target, const Tensor& weight, const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    T* gx = grad_x->data_ptr<T>();
    const T* x = input->data_ptr<T>();
    const T* l = lse->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const double wsum = weight_sum(w, C);
    for_rows(g, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t base = row_base(g, r);
        const CeRow row = ce_row(t[r], w, wsum, c);
        T* o = gx + base;
        if (row.ignored) {
          for (int64_t k = 0; k < C; ++k) o[k * st] = T(0);
          continue;
        }
        const T G = row_grad<T>(rg, r);
        const T a = T(row.a) * G, bk = T(row.bk) * G, lr = l[r];
        const T* xr = x + base;
        if (w) {
          for (int64_t k = 0; k < C; ++k) o[k * st] = vexp(xr[k * st] - lr) * a - bk * w[k];
        } else {
          for (int64_t k = 0; k < C; ++k) o[k * st] = vexp(xr[k * st] - lr) * a - bk;
        }
        o[t[r] * st] -= T(row.bt) * G;
      }
    });
  });
}

void cross_entropy_coefficients_kernel(const Tensor& a, const Tensor& b, const Tensor& target, const Tensor& weight,
                                       const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(a->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    T* ap = a->data_ptr<T>();
    T* bp = b->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const double wsum = weight_sum(w, C);
    for (int64_t r = 0; r < g.rows(); ++r) {
      const CeRow row = ce_row(t[r], w, wsum, c);
      T* o = bp + row_base(g, r);
      ap[r] = T(row.a);
      for (int64_t k = 0; k < C; ++k) o[k * st] = T(row.bk * (w ? static_cast<double>(w[k]) : 1.0));
      if (!row.ignored) o[t[r] * st] += T(row.bt);
      else for (int64_t k = 0; k < C; ++k) o[k * st] = T(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Probability targets: loss = -sum_k w_k q_k log_softmax(x)_k with q = target (1 - eps) + eps / C.

LossSums cross_entropy_prob_kernel(const Tensor& per_row, const Tensor& lse, const Tensor& input,
                                   const Tensor& target, const Tensor& weight, const ClassLoss& c) {
  return PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy", [&] {
    using T = scalar_t;
    const T* x = input->data_ptr<T>();
    const T* q = target->data_ptr<T>();
    const T* w = opt_data<T>(weight);
    T* out = per_row ? per_row->data_ptr<T>() : nullptr;
    T* lse_out = lse->data_ptr<T>();
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const double keep = 1.0 - c.label_smoothing, spread = c.label_smoothing / static_cast<double>(C);
    return reduce_rows(g, [&](int64_t r0, int64_t r1) {
      LossSums s;
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t base = row_base(g, r);
        T m, l;
        row_max_lse(x + base, C, st, m, l);
        lse_out[r] = l;
        double loss = 0;
        for (int64_t k = 0; k < C; ++k) {
          const double wq = (w ? static_cast<double>(w[k]) : 1.0) * (q[base + k * st] * keep + spread);
          loss += wq * static_cast<double>(l - x[base + k * st]);
        }
        if (out) out[r] = static_cast<T>(loss);
        s.loss += loss;
        s.weight += 1;
      }
      return s;
    });
  });
}

void cross_entropy_prob_backward_kernel(const Tensor& grad_x, const RowGrad& rg, const Tensor& input,
                                        const Tensor& lse, const Tensor& target, const Tensor& weight,
                                        const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    T* gx = grad_x->data_ptr<T>();
    const T* x = input->data_ptr<T>();
    const T* l = lse->data_ptr<T>();
    const T* q = target->data_ptr<T>();
    const T* w = opt_data<T>(weight);
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const T keep = T(1.0 - c.label_smoothing), spread = T(c.label_smoothing / static_cast<double>(C));
    for_rows(g, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t base = row_base(g, r);
        const T G = row_grad<T>(rg, r);
        T total = 0;  // sum_k w_k q_k
        for (int64_t k = 0; k < C; ++k) total += (w ? w[k] : T(1)) * (q[base + k * st] * keep + spread);
        for (int64_t k = 0; k < C; ++k) {
          const int64_t i = base + k * st;
          const T wq = (w ? w[k] : T(1)) * (q[i] * keep + spread);
          gx[i] = G * (vexp(x[i] - l[r]) * total - wq);
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Binary cross entropy

void binary_cross_entropy_kernel(const TensorIter& iter, ScalarType dt, bool has_weight) {
  PYNN_DISPATCH_FLOAT(dt, "binary_cross_entropy", [&] {
    using T = scalar_t;
    auto loss = [](T x, T t) {
      if (!(x >= T(0) && x <= T(1)))
        throw std::runtime_error("[binary_cross_entropy] all elements of input should be between 0 and 1");
      // torch clamps each log at -100 so that x = 0 or 1 gives a finite loss.
      const T lx = std::max(std::log(x), T(-100)), l1x = std::max(std::log1p(-x), T(-100));
      return -(t * lx + (T(1) - t) * l1x);
    };
    if (has_weight) map3<T>(iter, [&](T x, T t, T w) { return w * loss(x, t); });
    else map2<T>(iter, loss);
  });
}

void binary_cross_entropy_with_logits_kernel(const TensorIter& iter, ScalarType dt, bool has_pos_weight) {
  PYNN_DISPATCH_FLOAT(dt, "binary_cross_entropy_with_logits", [&] {
    using T = scalar_t;
    // log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for any x.
    auto log_sigmoid = [](T x) { return std::min(x, T(0)) - std::log1p(vexp(-std::abs(x))); };
    if (has_pos_weight)
      map3<T>(iter, [=](T x, T t, T pw) { return (T(1) - t) * x - (T(1) + (pw - T(1)) * t) * log_sigmoid(x); });
    else
      map2<T>(iter, [=](T x, T t) { return (T(1) - t) * x - log_sigmoid(x); });
  });
}

}  // namespace cpu
}  // namespace pynn
