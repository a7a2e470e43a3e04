// Fused optimizer kernels: each parameter is read and written once per step, its update computed in
// registers. The arithmetic reproduces torch's CPU ops one by one, with the same roundings: torch's vector
// kernels fuse `add(x, alpha=a)`, `addcmul` and `lerp` into one fused multiply-add, while `mul`, `addcdiv`,
// `sqrt` and `div` round each operation. So the fused steps here call fma explicitly and nothing else may be
// contracted (the build sets -ffp-contract=off); a stray contraction would drift from torch by an ulp per step.
// Compiled once per CPU capability: the AVX2/AVX-512 copies get a hardware fma, which is both what torch uses and
// what lets the loops vectorise (in the baseline copy __builtin_fma is a libm call per element).
#include <cmath>
#include <type_traits>

#include "core/parallel.h"
#include "kernels/optim.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

template <typename T>
inline T fma_(T a, T b, T c) {
  if constexpr (std::is_same<T, float>::value) return __builtin_fmaf(a, b, c);
  else return __builtin_fma(a, b, c);
}
template <typename T>
inline T sqrt_(T x) {
  if constexpr (std::is_same<T, float>::value) return __builtin_sqrtf(x);
  else return __builtin_sqrt(x);
}

// torch's lerp(self, end, w): self + w * (end - self) for |w| < 0.5, else end - (end - self) * (1 - w), both as
// one fma. Which form applies depends only on w: kernels pick it once, as a compile-time flag.
inline bool lerp_from_self(double weight) { return std::fabs(static_cast<float>(weight)) < 0.5f; }
template <bool kFromSelf, typename T>
inline T lerp(T self, T end, T weight) {
  if constexpr (kFromSelf) return fma_(weight, end - self, self);
  else return fma_(weight - T(1), end - self, end);
}

template <class Body>
void loop_plain(const Body& body, int64_t begin, int64_t end) {
  const Body local = body;  // a local copy: the arrays written cannot alias its pointers and scalars
  // Element i reads and writes only index i of each array, so there is no dependence between iterations.
#pragma GCC ivdep
  for (int64_t i = begin; i < end; ++i) local(i);
}

template <class Body>
void run(int64_t n, const Body& body) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t begin, int64_t end) { loop_plain(body, begin, end); });
}

// Calls f(flags...) with each bool turned into std::true_type / std::false_type: options become compile-time
// constants, so every loop body is straight-line code that vectorises (a select guarding an FP operation would
// not be if-converted under -ftrapping-math).
template <typename F>
void with_flags(F&& f) {
  f();
}
template <typename F, typename... Rest>
void with_flags(F&& f, bool flag, Rest... rest) {
  if (flag) with_flags([&](auto... flags) { f(std::true_type{}, flags...); }, rest...);
  else with_flags([&](auto... flags) { f(std::false_type{}, flags...); }, rest...);
}

// The gradient as torch's step sees it: negated for maximize (a multiply by -1 is exact), then, with kDecay,
// plus weight_decay * param.
template <typename T, bool kDecay>
struct Direction {
  const T* g;
  const T* p;
  T sign, wd;
  T operator()(int64_t i) const {
    T d = sign * g[i];
    if constexpr (kDecay) d = fma_(p[i], wd, d);
    return d;
  }
};

template <typename T, typename Decay>
Direction<T, Decay::value> direction(Decay, const Tensor& p, const Tensor& g, double weight_decay, bool maximize) {
  return {g->data_ptr<T>(), p->data_ptr<T>(), static_cast<T>(maximize ? -1 : 1), static_cast<T>(weight_decay)};
}

template <typename T>
T* data_or_null(const Tensor& t) {
  return t ? t->data_ptr<T>() : nullptr;
}

void sgd_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& buf, const SgdHyper& h, bool first) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "sgd", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* B = data_or_null<T>(buf);
    const T mom = static_cast<T>(h.momentum), keep = static_cast<T>(1 - h.dampening), neg_lr = static_cast<T>(-h.lr);
    with_flags([&](auto decay, auto use_momentum, auto is_first, auto nesterov) {
      const auto dir = direction<T>(decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        if constexpr (decltype(use_momentum)::value) {
          // buf = d on the first step, else buf * momentum + (1 - dampening) * d
          T b;
          if constexpr (decltype(is_first)::value) b = d;
          else b = fma_(d, keep, B[i] * mom);
          B[i] = b;
          if constexpr (decltype(nesterov)::value) d = fma_(b, mom, d);
          else d = b;
        }
        P[i] = fma_(d, neg_lr, P[i]);
      });
    }, h.weight_decay != 0, B != nullptr, B != nullptr && first, B != nullptr && h.nesterov);
  });
}

void adam_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const Tensor& vmax,
                 const AdamHyper& h, double step) {
  // Scalars in double exactly as torch's Python computes them, then rounded to the tensor's type.
  const double bias_correction1 = 1 - std::pow(h.beta1, step);
  const double bias_correction2 = 1 - std::pow(h.beta2, step);
  const double step_size = h.lr / bias_correction1;
  const double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
  PYNN_DISPATCH_FLOAT(p->dtype(), "adam", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* M = m->data_ptr<T>();
    T* V = v->data_ptr<T>();
    T* VMAX = data_or_null<T>(vmax);
    // AdamW scales the param by (1 - lr * wd) first; a factor of exactly 1 leaves it unchanged otherwise.
    const T decay = static_cast<T>(h.decoupled_weight_decay ? 1 - h.lr * h.weight_decay : 1.0),
            w1 = static_cast<T>(1 - h.beta1), beta2 = static_cast<T>(h.beta2),
            one_minus_beta2 = static_cast<T>(1 - h.beta2), bc2_sqrt = static_cast<T>(bias_correction2_sqrt),
            eps = static_cast<T>(h.eps), neg_step = static_cast<T>(-step_size);
    with_flags([&](auto coupled_decay, auto amsgrad, auto from_self) {
      const auto dir = direction<T>(coupled_decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        T pi = P[i] * decay;
        T mi = lerp<decltype(from_self)::value>(M[i], d, w1);
        M[i] = mi;
        T vi = fma_(one_minus_beta2 * d, d, V[i] * beta2);
        V[i] = vi;
        if constexpr (decltype(amsgrad)::value) {
          T old = VMAX[i];
          // torch.maximum: NaN wins. Combined without branching (a select the -fno-trapping-math build
          // vectorizes).
          vi = ((old > vi) | (old != old)) ? old : vi;
          VMAX[i] = vi;
        }
        T denom = sqrt_(vi) / bc2_sqrt + eps;
        P[i] = pi + (neg_step * mi) / denom;
      });
    }, !h.decoupled_weight_decay && h.weight_decay != 0, VMAX != nullptr, lerp_from_self(1 - h.beta1));
  });
}

void rmsprop_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& square_avg, const Tensor& grad_avg,
                    const Tensor& buf, const RmspropHyper& h) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "rmsprop", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* SQ = square_avg->data_ptr<T>();
    T* GA = data_or_null<T>(grad_avg);
    T* B = data_or_null<T>(buf);
    const T alpha = static_cast<T>(h.alpha), one_minus_alpha = static_cast<T>(1 - h.alpha),
            eps = static_cast<T>(h.eps), mom = static_cast<T>(h.momentum), neg_lr = static_cast<T>(-h.lr);
    with_flags([&](auto decay, auto centered, auto use_momentum, auto from_self) {
      const auto dir = direction<T>(decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        T sq = fma_(one_minus_alpha * d, d, SQ[i] * alpha);
        SQ[i] = sq;
        T avg;
        if constexpr (decltype(centered)::value) {
          T ga = lerp<decltype(from_self)::value>(GA[i], d, one_minus_alpha);
          GA[i] = ga;
          avg = sqrt_(fma_(-ga, ga, sq));
        } else {
          avg = sqrt_(sq);
        }
        avg = avg + eps;
        if constexpr (decltype(use_momentum)::value) {
          T b = B[i] * mom + d / avg;
          B[i] = b;
          P[i] = fma_(b, neg_lr, P[i]);
        } else {
          P[i] = P[i] + (neg_lr * d) / avg;
        }
      });
    }, h.weight_decay != 0, GA != nullptr, B != nullptr, lerp_from_self(1 - h.alpha));
  });
}

void adagrad_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& sum, const AdagradHyper& h, double step) {
  const double clr = h.lr / (1 + (step - 1) * h.lr_decay);
  PYNN_DISPATCH_FLOAT(p->dtype(), "adagrad", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* S = sum->data_ptr<T>();
    const T eps = static_cast<T>(h.eps), neg_clr = static_cast<T>(-clr);
    with_flags([&](auto decay) {
      const auto dir = direction<T>(decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        T s = fma_(d, d, S[i]);
        S[i] = s;
        P[i] = P[i] + (neg_clr * d) / (sqrt_(s) + eps);
      });
    }, h.weight_decay != 0);
  });
}

void adadelta_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& square_avg, const Tensor& acc_delta,
                         const AdadeltaHyper& h) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "adadelta", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* SQ = square_avg->data_ptr<T>();
    T* AD = acc_delta->data_ptr<T>();
    const T rho = static_cast<T>(h.rho), one_minus_rho = static_cast<T>(1 - h.rho), eps = static_cast<T>(h.eps),
            neg_lr = static_cast<T>(-h.lr);
    with_flags([&](auto decay) {
      const auto dir = direction<T>(decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        T sq = fma_(one_minus_rho * d, d, SQ[i] * rho);
        SQ[i] = sq;
        T delta = (sqrt_(AD[i] + eps) / sqrt_(sq + eps)) * d;
        AD[i] = fma_(one_minus_rho * delta, delta, AD[i] * rho);
        P[i] = fma_(delta, neg_lr, P[i]);
      });
    }, h.weight_decay != 0);
  });
}

void adamax_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& exp_avg, const Tensor& exp_inf,
                       const AdamaxHyper& h, double step) {
  const double clr = h.lr / (1 - std::pow(h.beta1, step));
  PYNN_DISPATCH_FLOAT(p->dtype(), "adamax", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* M = exp_avg->data_ptr<T>();
    T* E = exp_inf->data_ptr<T>();
    const T w1 = static_cast<T>(1 - h.beta1), beta2 = static_cast<T>(h.beta2), eps = static_cast<T>(h.eps),
            neg_clr = static_cast<T>(-clr);
    with_flags([&](auto decay, auto from_self) {
      const auto dir = direction<T>(decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        T mi = lerp<decltype(from_self)::value>(M[i], d, w1);
        M[i] = mi;
        T a = E[i] * beta2, b = (d < 0 ? -d : d) + eps;
        // torch.maximum: NaN wins.
        T e = ((a > b) | (a != a)) ? a : b;
        E[i] = e;
        P[i] = P[i] + (neg_clr * mi) / e;
      });
    }, h.weight_decay != 0, lerp_from_self(1 - h.beta1));
  });
}

// NAdam and RAdam start alike: (decoupled) weight decay, then exp_avg.lerp_ and exp_avg_sq.mul_.addcmul_.
template <typename T, typename Decay, typename FromSelf>
struct MomentsStep {
  Direction<T, Decay::value> dir;
  T* P;
  T* M;
  T* V;
  T decay, w1, beta2, one_minus_beta2;
  // Updates P (decoupled decay), M and V at i; returns the direction d.
  T operator()(int64_t i) const {
    T d = dir(i);
    P[i] = P[i] * decay;
    M[i] = lerp<FromSelf::value>(M[i], d, w1);
    V[i] = fma_(one_minus_beta2 * d, d, V[i] * beta2);
    return d;
  }
};

template <typename T, typename Decay, typename FromSelf>
MomentsStep<T, Decay, FromSelf> moments_step(Decay decay, FromSelf, const Tensor& p, const Tensor& g,
                                             const Tensor& m, const Tensor& v, const NadamHyper& h) {
  return {direction<T>(decay, p, g, h.weight_decay, h.maximize), p->data_ptr<T>(), m->data_ptr<T>(),
          v->data_ptr<T>(), static_cast<T>(h.decoupled_weight_decay ? 1 - h.lr * h.weight_decay : 1.0),
          static_cast<T>(1 - h.beta1), static_cast<T>(h.beta2), static_cast<T>(1 - h.beta2)};
}

void nadam_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const NadamHyper& h,
                      const NadamScalars& s) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "nadam", [&] {
    using T = scalar_t;
    const T bc2 = static_cast<T>(s.bias_correction2), eps = static_cast<T>(h.eps),
            cg = static_cast<T>(s.grad_coef), ca = static_cast<T>(s.avg_coef);
    with_flags([&](auto coupled_decay, auto from_self) {
      const auto moments = moments_step<T>(coupled_decay, from_self, p, g, m, v, h);
      run(p->numel(), [=](int64_t i) {
        T d = moments(i);
        T denom = sqrt_(moments.V[i] / bc2) + eps;
        T pi = moments.P[i] + (cg * d) / denom;
        moments.P[i] = pi + (ca * moments.M[i]) / denom;
      });
    }, !h.decoupled_weight_decay && h.weight_decay != 0, lerp_from_self(1 - h.beta1));
  });
}

void radam_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const NadamHyper& h,
                      double step) {
  const double bias_correction1 = 1 - std::pow(h.beta1, step);
  const double bias_correction2 = 1 - std::pow(h.beta2, step);
  const double rho_inf = 2 / (1 - h.beta2) - 1;
  const double rho_t = rho_inf - 2 * step * std::pow(h.beta2, step) / bias_correction2;
  const bool rectify = rho_t > 5.0;
  const double rect =
      rectify ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5) : 1.0;
  PYNN_DISPATCH_FLOAT(p->dtype(), "radam", [&] {
    using T = scalar_t;
    const T bc1 = static_cast<T>(bias_correction1), lr = static_cast<T>(h.lr), eps = static_cast<T>(h.eps),
            bc2_sqrt = static_cast<T>(std::pow(bias_correction2, 0.5)), rect_t = static_cast<T>(rect);
    with_flags([&](auto coupled_decay, auto from_self, auto rectified) {
      const auto moments = moments_step<T>(coupled_decay, from_self, p, g, m, v, h);
      run(p->numel(), [=](int64_t i) {
        moments(i);
        T upd = (moments.M[i] / bc1) * lr;
        if constexpr (decltype(rectified)::value) {
          // torch: bias_corrected_exp_avg * lr * (bc2_sqrt / (sqrt(v) + eps)) * rect, where float / Tensor is
          // reciprocal() * float.
          T adaptive = (T(1) / (sqrt_(moments.V[i]) + eps)) * bc2_sqrt;
          upd = (upd * adaptive) * rect_t;
        }
        moments.P[i] = moments.P[i] - upd;
      });
    }, !h.decoupled_weight_decay && h.weight_decay != 0, lerp_from_self(1 - h.beta1), rectify);
  });
}

void asgd_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& ax, const AsgdHyper& h, const AsgdScalars& s) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "asgd", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* AX = ax->data_ptr<T>();
    const T shrink = static_cast<T>(1 - h.lambd * s.eta), neg_eta = static_cast<T>(-s.eta),
            mu = static_cast<T>(s.mu);
    with_flags([&](auto decay, auto average) {
      const auto dir = direction<T>(decay, p, g, h.weight_decay, h.maximize);
      run(p->numel(), [=](int64_t i) {
        T d = dir(i);
        T pi = fma_(d, neg_eta, P[i] * shrink);
        P[i] = pi;
        if constexpr (decltype(average)::value) AX[i] = AX[i] + (pi - AX[i]) * mu;
        else AX[i] = pi;
      });
    }, h.weight_decay != 0, s.mu != 1);
  });
}

void rprop_kernel_cpu(const Tensor& p, const Tensor& g, const Tensor& prev, const Tensor& step_size,
                      const RpropHyper& h) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "rprop", [&] {
    using T = scalar_t;
    T* P = p->data_ptr<T>();
    T* PREV = prev->data_ptr<T>();
    T* SS = step_size->data_ptr<T>();
    const T etaminus = static_cast<T>(h.etaminus), etaplus = static_cast<T>(h.etaplus),
            lo = static_cast<T>(h.step_size_min), hi = static_cast<T>(h.step_size_max);
    const auto dir = direction<T>(std::false_type{}, p, g, 0.0, h.maximize);
    run(p->numel(), [=](int64_t i) {
      T d = dir(i);
      T prod = d * PREV[i];
      // torch.sign is 0 at NaN; the factor is etaplus, etaminus or 1 by that sign.
      T factor = prod > 0 ? etaplus : (prod < 0 ? etaminus : T(1));
      T s = SS[i] * factor;
      s = s != s ? s : (s < lo ? lo : (s > hi ? hi : s));  // clamp, NaN kept
      SS[i] = s;
      T gd = factor == etaminus ? T(0) : d;
      T sign = static_cast<T>(T(0) < gd) - static_cast<T>(gd < T(0));
      P[i] = fma_(-sign, s, P[i]);
      PREV[i] = gd;
    });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(adadelta_kernel, adadelta_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(adamax_kernel, adamax_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(nadam_kernel, nadam_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(radam_kernel, radam_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(asgd_kernel, asgd_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(rprop_kernel, rprop_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(sgd_kernel, sgd_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(adam_kernel, adam_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(rmsprop_kernel, rmsprop_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(adagrad_kernel, adagrad_kernel_cpu);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
