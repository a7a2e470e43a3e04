// Loss CPU kernels, compiled once per CPU capability (CMake's PYNN_CPU_ISA_SOURCES): nll_loss and cross entropy
// over class rows, binary cross entropy elementwise.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "cpu/loops.h"
#include "cpu/rows.h"
#include "cpu/vec/math.h"
#include "kernels/loss.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// Partial sums of a forward loss kernel, in double whatever the dtype.
struct RowSums {
  double loss = 0;    // sum of the rows' losses
  double weight = 0;  // the mean's divisor
};

// Sums f(begin, end) over fixed blocks of rows, so the result does not depend on the thread count.
template <typename F>
RowSums reduce_rows(const RowGeom& g, const F& f) {
  const int64_t rows = g.rows();
  const int64_t block = rows_per_grain(g);
  const int64_t nblocks = (rows + block - 1) / block;
  if (nblocks <= 1) return f(0, rows);
  std::vector<RowSums> part(nblocks);
  parallel_for(0, nblocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) part[b] = f(b * block, std::min(rows, (b + 1) * block));
  });
  RowSums total;
  for (const RowSums& s : part) {
    total.loss += s.loss;
    total.weight += s.weight;
  }
  return total;
}

// Stores the reduced results into the 0-dim outputs: the mean is divided in double, then rounded once.
template <typename T>
void write_sums(const LossOutputs& o, const RowSums& s) {
  *o.total_weight->data_ptr<T>() = static_cast<T>(s.weight);
  if (o.loss) *o.loss->data_ptr<T>() = static_cast<T>(o.reduction == Reduction::Mean ? s.loss / s.weight : s.loss);
}

// The gradient flowing into row r: grad[r] or grad[0], over total_weight for the mean.
template <typename T>
class RowGradOf {
 public:
  explicit RowGradOf(const RowGrad& rg)
      : g_(rg.grad->data_ptr<T>()),
        per_row_(rg.reduction == Reduction::None),
        scale_(rg.reduction == Reduction::Mean ? 1.0 / static_cast<double>(*rg.total_weight->data_ptr<T>()) : 1.0) {}
  T operator()(int64_t r) const { return static_cast<T>(static_cast<double>(g_[per_row_ ? r : 0]) * scale_); }

 private:
  const T* g_;
  bool per_row_;
  double scale_;
};

template <typename T>
const T* opt_data(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}

// sum_k w_k (C without a weight): the smoothing term's total weight.
template <typename T>
double weight_sum(const T* w, int64_t C) {
  if (!w) return static_cast<double>(C);
  double s = 0;
  for (int64_t k = 0; k < C; ++k) s += w[k];
  return s;
}

// Max and logsumexp of one row (elements st apart). The contiguous case gets its own instantiation, where the
// stride is a compile-time 1 and the loops vectorize.
template <typename T, bool kContig>
void row_max_lse_impl(const T* x, int64_t n, int64_t stride, T& mx, T& lse) {
  const int64_t st = kContig ? 1 : stride;
  const T m = vec::max_of<T>(n, [&](int64_t i) { return x[i * st]; });
  mx = m;
  // A row whose max is infinite (+inf anywhere, or all -inf) has log_softmax nan everywhere in torch (x - max
  // meets inf - inf), so its loss and every gradient of the row are nan: a nan lse carries that through.
  if (std::isinf(m)) {
    lse = std::numeric_limits<T>::quiet_NaN();
    return;
  }
  const double s = vec::sum_of<double>(n, [&](int64_t i) { return vec::exp(x[i * st] - m); });
  lse = m + static_cast<T>(std::log(s));
}
template <typename T>
void row_max_lse(const T* x, int64_t n, int64_t st, T& mx, T& lse) {
  if (st == 1) row_max_lse_impl<T, true>(x, n, 1, mx, lse);
  else row_max_lse_impl<T, false>(x, n, st, mx, lse);
}

inline void check_target(int64_t t, int64_t C, const char* op) {
  if (t < 0 || t >= C) throw IndexError(str("[", op, "] Target ", t, " is out of bounds."));
}

// ---------------------------------------------------------------------------------------------------------
// Class-index losses

void nll_loss_impl(const LossOutputs& o, const Tensor& input, const Tensor& target, const Tensor& weight,
                   const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "nll_loss", [&] {
    using T = scalar_t;
    const T* x = input->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    T* out = o.per_row ? o.per_row->data_ptr<T>() : nullptr;
    const RowGeom& g = c.g;
    const RowSums s = reduce_rows(g, [&](int64_t r0, int64_t r1) {
      RowSums s;
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
    write_sums<T>(o, s);
  });
}

void nll_loss_backward_impl(const Tensor& grad_x, const RowGrad& rg, const Tensor& target, const Tensor& weight,
                            const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(grad_x->dtype(), "nll_loss_backward", [&] {
    using T = scalar_t;
    T* gx = grad_x->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    const RowGradOf<T> G(rg);
    const RowGeom& g = c.g;
    for_rows(g, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t base = row_base(g, r);
        for (int64_t k = 0; k < g.size; ++k) gx[base + k * g.inner] = T(0);
        const int64_t cls = t[r];
        if (cls == c.ignore_index) continue;
        check_target(cls, g.size, "nll_loss");
        gx[base + cls * g.inner] = -(w ? w[cls] : T(1)) * G(r);
      }
    });
  });
}

void cross_entropy_impl(const LossOutputs& o, const Tensor& lse, const Tensor& input, const Tensor& target,
                        const Tensor& weight, const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy", [&] {
    using T = scalar_t;
    const T* x = input->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    T* out = o.per_row ? o.per_row->data_ptr<T>() : nullptr;
    T* lse_out = lse->data_ptr<T>();
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const double eps = c.label_smoothing;
    const double wsum = weight_sum(w, C);
    const RowSums s = reduce_rows(g, [&](int64_t r0, int64_t r1) {
      RowSums s;
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
    write_sums<T>(o, s);
  });
}

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

void cross_entropy_backward_impl(const Tensor& grad_x, const RowGrad& rg, const Tensor& input, const Tensor& lse,
                                 const Tensor& target, const Tensor& weight, const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    T* gx = grad_x->data_ptr<T>();
    const T* x = input->data_ptr<T>();
    const T* l = lse->data_ptr<T>();
    const int64_t* t = target->data_ptr<int64_t>();
    const T* w = opt_data<T>(weight);
    const RowGradOf<T> row_grad(rg);
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
        const T G = row_grad(r);
        const T a = T(row.a) * G, bk = T(row.bk) * G, lr = l[r];
        const T* xr = x + base;
        // Called with a compile-time stride of 1 for rows of a contiguous dim, so the loop vectorizes.
        auto fill = [&](auto step) {
          const int64_t s = step;
          if (w) {
            for (int64_t k = 0; k < C; ++k) o[k * s] = vec::exp_nonpositive(xr[k * s] - lr) * a - bk * w[k];
          } else {
            for (int64_t k = 0; k < C; ++k) o[k * s] = vec::exp_nonpositive(xr[k * s] - lr) * a - bk;
          }
        };
        if (st == 1) fill(std::integral_constant<int64_t, 1>{});
        else fill(st);
        o[t[r] * st] -= T(row.bt) * G;
      }
    });
  });
}

void cross_entropy_coefficients_impl(const Tensor& a, const Tensor& b, const Tensor& target, const Tensor& weight,
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

void cross_entropy_prob_impl(const LossOutputs& o, const Tensor& lse, const Tensor& input, const Tensor& target,
                             const Tensor& weight, const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy", [&] {
    using T = scalar_t;
    const T* x = input->data_ptr<T>();
    const T* q = target->data_ptr<T>();
    const T* w = opt_data<T>(weight);
    T* out = o.per_row ? o.per_row->data_ptr<T>() : nullptr;
    T* lse_out = lse->data_ptr<T>();
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const double keep = 1.0 - c.label_smoothing, spread = c.label_smoothing / static_cast<double>(C);
    const RowSums s = reduce_rows(g, [&](int64_t r0, int64_t r1) {
      RowSums s;
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
    write_sums<T>(o, s);
  });
}

void cross_entropy_prob_backward_impl(const Tensor& grad_x, const RowGrad& rg, const Tensor& input,
                                      const Tensor& lse, const Tensor& target, const Tensor& weight,
                                      const ClassLoss& c) {
  PYNN_DISPATCH_FLOAT(input->dtype(), "cross_entropy_backward", [&] {
    using T = scalar_t;
    T* gx = grad_x->data_ptr<T>();
    const T* x = input->data_ptr<T>();
    const T* l = lse->data_ptr<T>();
    const T* q = target->data_ptr<T>();
    const T* w = opt_data<T>(weight);
    const RowGradOf<T> row_grad(rg);
    const RowGeom& g = c.g;
    const int64_t C = g.size, st = g.inner;
    const T keep = T(1.0 - c.label_smoothing), spread = T(c.label_smoothing / static_cast<double>(C));
    for_rows(g, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t base = row_base(g, r);
        const T G = row_grad(r);
        T total = 0;  // sum_k w_k q_k
        for (int64_t k = 0; k < C; ++k) total += (w ? w[k] : T(1)) * (q[base + k * st] * keep + spread);
        for (int64_t k = 0; k < C; ++k) {
          const int64_t i = base + k * st;
          const T wq = (w ? w[k] : T(1)) * (q[i] * keep + spread);
          gx[i] = G * (vec::exp_nonpositive(x[i] - l[r]) * total - wq);
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Binary cross entropy

void binary_cross_entropy_impl(const TensorIter& iter, ScalarType dt, bool has_weight) {
  PYNN_DISPATCH_FLOAT(dt, "binary_cross_entropy", [&] {
    using T = scalar_t;
    auto loss = [](T x, T t) {
      if (!(x >= T(0) && x <= T(1)))
        throw std::runtime_error("[binary_cross_entropy] all elements of input should be between 0 and 1");
      if (!(t >= T(0) && t <= T(1)))
        throw std::runtime_error("[binary_cross_entropy] all elements of target should be between 0 and 1");
      // torch clamps each log at -100 so that x = 0 or 1 gives a finite loss.
      const T lx = std::max(std::log(x), T(-100)), l1x = std::max(std::log1p(-x), T(-100));
      return -(t * lx + (T(1) - t) * l1x);
    };
    if (has_weight) map_ternary<T>(iter, [&](T x, T t, T w) { return w * loss(x, t); });
    else map_binary<T>(iter, loss);
  });
}

void binary_cross_entropy_with_logits_impl(const TensorIter& iter, ScalarType dt, bool has_pos_weight) {
  PYNN_DISPATCH_FLOAT(dt, "binary_cross_entropy_with_logits", [&] {
    using T = scalar_t;
    // log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for any x.
    auto log_sigmoid = [](T x) { return std::min(x, T(0)) - vec::log1p(vec::exp_nonpositive(-std::abs(x))); };
    if (has_pos_weight)
      map_ternary<T>(iter, [=](T x, T t, T pw) { return (T(1) - t) * x - (T(1) + (pw - T(1)) * t) * log_sigmoid(x); });
    else
      map_binary<T>(iter, [=](T x, T t) { return (T(1) - t) * x - log_sigmoid(x); });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(nll_loss_kernel, nll_loss_impl);
PYNN_REGISTER_CPU_KERNEL(nll_loss_backward_kernel, nll_loss_backward_impl);
PYNN_REGISTER_CPU_KERNEL(cross_entropy_kernel, cross_entropy_impl);
PYNN_REGISTER_CPU_KERNEL(cross_entropy_backward_kernel, cross_entropy_backward_impl);
PYNN_REGISTER_CPU_KERNEL(cross_entropy_coefficients_kernel, cross_entropy_coefficients_impl);
PYNN_REGISTER_CPU_KERNEL(cross_entropy_prob_kernel, cross_entropy_prob_impl);
PYNN_REGISTER_CPU_KERNEL(cross_entropy_prob_backward_kernel, cross_entropy_prob_backward_impl);
PYNN_REGISTER_CPU_KERNEL(binary_cross_entropy_kernel, binary_cross_entropy_impl);
PYNN_REGISTER_CPU_KERNEL(binary_cross_entropy_with_logits_kernel, binary_cross_entropy_with_logits_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
