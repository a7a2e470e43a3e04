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

}  // namespace

PYNN_REGISTER_CPU_KERNEL(sgd_kernel, sgd_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(adam_kernel, adam_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(rmsprop_kernel, rmsprop_kernel_cpu);
PYNN_REGISTER_CPU_KERNEL(adagrad_kernel, adagrad_kernel_cpu);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
