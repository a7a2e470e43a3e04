// CPU CTC loss: per sample one alpha pass forward and one beta pass backward in log space (torch's
// ctc_loss_cpu_template), samples split over the pool.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "kernels/ctc.h"

namespace pynn {
namespace cpu {
namespace {

template <typename T>
T log_add(T a, T b) {
  const T m = std::max(a, b);
  if (m == -std::numeric_limits<T>::infinity()) return m;
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

// Label s of the extended target (blank, l1, blank, l2, ..., blank).
inline int64_t ext_label(const CtcArgs& a, int64_t n, int64_t s) {
  return s % 2 == 0 ? a.blank : a.targets[a.target_offsets[n] + s / 2];
}

template <typename T>
void forward_sample(const CtcArgs& a, int64_t n, const T* lp, T* nll, T* la) {
  const T ninf = -std::numeric_limits<T>::infinity();
  const int64_t Tn = a.input_lengths[n], L = a.target_lengths[n], S = 2 * L + 1, Smax = 2 * a.max_target + 1;
  T* alpha = la + n * a.T * Smax;
  std::fill(alpha, alpha + a.T * Smax, ninf);
  auto lpt = [&](int64_t t, int64_t c) { return lp[(t * a.N + n) * a.C + c]; };
  if (Tn == 0) {
    nll[n] = L == 0 ? T(0) : std::numeric_limits<T>::infinity();
    return;
  }
  alpha[0] = lpt(0, a.blank);
  if (S > 1) alpha[1] = lpt(0, ext_label(a, n, 1));
  for (int64_t t = 1; t < Tn; ++t) {
    T* cur = alpha + t * Smax;
    const T* prev = alpha + (t - 1) * Smax;
    for (int64_t s = 0; s < S; ++s) {
      const int64_t l = ext_label(a, n, s);
      T v = prev[s];
      if (s > 0) v = log_add(v, prev[s - 1]);
      if (s > 1 && l != a.blank && l != ext_label(a, n, s - 2)) v = log_add(v, prev[s - 2]);
      cur[s] = v == ninf ? ninf : v + lpt(t, l);
    }
  }
  const T* last = alpha + (Tn - 1) * Smax;
  const T ll = S > 1 ? log_add(last[S - 1], last[S - 2]) : last[S - 1];
  nll[n] = -ll;
}

void ctc_forward_cpu(ScalarType dt, const CtcArgs& a, const void* log_probs, void* nll, void* log_alpha) {
  PYNN_DISPATCH_FLOAT(dt, "ctc_loss", [&] {
    parallel_for(0, a.N, 1, [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; ++n)
        forward_sample<scalar_t>(a, n, static_cast<const scalar_t*>(log_probs), static_cast<scalar_t*>(nll),
                                 static_cast<scalar_t*>(log_alpha));
    });
  });
}

template <typename T>
void backward_sample(const CtcArgs& a, int64_t n, const T* lp, const T* nll_all, const T* la, const T* gout,
                     bool zero_infinity, T* grad) {
  const T ninf = -std::numeric_limits<T>::infinity();
  const int64_t Tn = a.input_lengths[n], L = a.target_lengths[n], S = 2 * L + 1, Smax = 2 * a.max_target + 1;
  auto g_at = [&](int64_t t, int64_t c) -> T& { return grad[(t * a.N + n) * a.C + c]; };
  auto lpt = [&](int64_t t, int64_t c) { return lp[(t * a.N + n) * a.C + c]; };
  const T nll = nll_all[n];
  for (int64_t t = 0; t < a.T; ++t)
    for (int64_t c = 0; c < a.C; ++c) g_at(t, c) = T(0);
  if (Tn == 0 || (zero_infinity && std::isinf(nll))) return;
  const T* alpha = la + n * a.T * Smax;
  std::vector<T> beta(static_cast<size_t>(Tn * S), ninf);
  auto B = [&](int64_t t, int64_t s) -> T& { return beta[static_cast<size_t>(t * S + s)]; };
  B(Tn - 1, S - 1) = lpt(Tn - 1, a.blank);
  if (S > 1) B(Tn - 1, S - 2) = lpt(Tn - 1, ext_label(a, n, S - 2));
  for (int64_t t = Tn - 2; t >= 0; --t) {
    for (int64_t s = 0; s < S; ++s) {
      const int64_t l = ext_label(a, n, s);
      T v = B(t + 1, s);
      if (s + 1 < S) v = log_add(v, B(t + 1, s + 1));
      if (s + 2 < S && l != a.blank && l != ext_label(a, n, s + 2)) v = log_add(v, B(t + 1, s + 2));
      B(t, s) = v == ninf ? ninf : v + lpt(t, l);
    }
  }
  // lcab[t][c] = log sum over s with label c of alpha * beta, accumulated in the gradient buffer first
  std::vector<T> lcab(static_cast<size_t>(a.C));
  for (int64_t t = 0; t < Tn; ++t) {
    std::fill(lcab.begin(), lcab.end(), ninf);
    for (int64_t s = 0; s < S; ++s) {
      const int64_t l = ext_label(a, n, s);
      lcab[static_cast<size_t>(l)] = log_add(lcab[static_cast<size_t>(l)], alpha[t * Smax + s] + B(t, s));
    }
    const T go = gout[n];
    for (int64_t c = 0; c < a.C; ++c) {
      const T l = lpt(t, c);
      g_at(t, c) = (std::exp(l) - std::exp(lcab[static_cast<size_t>(c)] + nll - l)) * go;
    }
  }
}

void ctc_backward_cpu(ScalarType dt, const CtcArgs& a, const void* log_probs, const void* nll, const void* log_alpha,
                      const void* grad_nll, bool zero_infinity, void* grad) {
  PYNN_DISPATCH_FLOAT(dt, "ctc_loss_backward", [&] {
    parallel_for(0, a.N, 1, [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; ++n)
        backward_sample<scalar_t>(a, n, static_cast<const scalar_t*>(log_probs), static_cast<const scalar_t*>(nll),
                                  static_cast<const scalar_t*>(log_alpha), static_cast<const scalar_t*>(grad_nll),
                                  zero_infinity, static_cast<scalar_t*>(grad));
    });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(ctc_forward_kernel, ctc_forward_cpu);
PYNN_REGISTER_CPU_KERNEL(ctc_backward_kernel, ctc_backward_cpu);

}  // namespace cpu
}  // namespace pynn
