// Fused optimizer steps on CUDA, one thread per element, with the roundings of csrc/cpu/optim.cpp (which follows
// torch's ops one by one): explicit fma where torch fuses (add with alpha, addcmul, lerp), separately rounded
// mul / div / sqrt elsewhere. nvcc contracts a * b + c into an fma by default, so every unfused product and sum
// goes through the round-to-nearest intrinsics (__fmul_rn, __fadd_rn and their double forms), which it never fuses.
// SGD and Adam/AdamW only so far; the other optimizers raise NotImplementedError on cuda.
#include <cuda_runtime.h>

#include <cmath>
#include <type_traits>

#include "cuda/cuda_utils.cuh"
#include "kernels/optim.h"

namespace pynn {
namespace cuda {
namespace {

// Round-to-nearest arithmetic that nvcc may not fuse into an fma.
template <typename T>
__device__ __forceinline__ T mul_(T a, T b) {
  if constexpr (std::is_same<T, float>::value) return __fmul_rn(a, b);
  else return __dmul_rn(a, b);
}
template <typename T>
__device__ __forceinline__ T add_(T a, T b) {
  if constexpr (std::is_same<T, float>::value) return __fadd_rn(a, b);
  else return __dadd_rn(a, b);
}

// The gradient as torch's step sees it: negated for maximize, then plus weight_decay * param (one fma).
template <typename T>
struct Direction {
  const T* g;
  const T* p;
  T sign, wd;
  bool decay;
  __device__ T operator()(int64_t i) const {
    T d = mul_(sign, g[i]);
    return decay ? ::fma(p[i], wd, d) : d;
  }
};
template <typename T>
Direction<T> direction(const Tensor& p, const Tensor& g, double weight_decay, bool maximize, bool decay) {
  return {g->data_ptr<T>(), p->data_ptr<T>(), static_cast<T>(maximize ? -1 : 1), static_cast<T>(weight_decay), decay};
}

template <typename T>
__global__ void sgd_dev(T* P, T* B, Direction<T> dir, int64_t n, T mom, T keep, T neg_lr, bool first, bool nesterov) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    T d = dir(i);
    if (B) {
      const T b = first ? d : ::fma(d, keep, mul_(B[i], mom));
      B[i] = b;
      d = nesterov ? ::fma(b, mom, d) : b;
    }
    P[i] = ::fma(d, neg_lr, P[i]);
  }
}

void sgd_impl(const Tensor& p, const Tensor& g, const Tensor& buf, const SgdHyper& h, bool first) {
  PYNN_DISPATCH_FLOAT(p->dtype(), "sgd", [&] {
    using T = scalar_t;
    const int64_t n = p->numel();
    if (n == 0) return;
    sgd_dev<T><<<grid_for(n), kBlock>>>(p->data_ptr<T>(), buf ? buf->data_ptr<T>() : nullptr,
                                         direction<T>(p, g, h.weight_decay, h.maximize, h.weight_decay != 0), n,
                                         static_cast<T>(h.momentum), static_cast<T>(1 - h.dampening),
                                         static_cast<T>(-h.lr), first, h.nesterov);
    check_launch("sgd");
  });
}

template <typename T>
struct AdamScalars {
  T decay, w1, beta2, one_minus_beta2, bc2_sqrt, eps, neg_step;
  bool from_self;  // torch's lerp form, chosen by the weight alone
};

template <typename T>
__global__ void adam_dev(T* P, T* M, T* V, T* VMAX, Direction<T> dir, int64_t n, AdamScalars<T> s) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const T d = dir(i);
    const T pi = mul_(P[i], s.decay);
    const T mo = M[i];
    const T mi = s.from_self ? ::fma(s.w1, add_(d, -mo), mo) : ::fma(add_(s.w1, T(-1)), add_(d, -mo), d);
    M[i] = mi;
    T vi = ::fma(mul_(s.one_minus_beta2, d), d, mul_(V[i], s.beta2));
    V[i] = vi;
    if (VMAX) {
      const T old = VMAX[i];
      vi = (old > vi || old != old) ? old : vi;  // torch.maximum: NaN wins
      VMAX[i] = vi;
    }
    const T denom = add_(::sqrt(vi) / s.bc2_sqrt, s.eps);
    P[i] = add_(pi, mul_(s.neg_step, mi) / denom);
  }
}

void adam_impl(const Tensor& p, const Tensor& g, const Tensor& m, const Tensor& v, const Tensor& vmax,
               const AdamHyper& h, double step) {
  // Scalars in double exactly as torch's Python computes them, then rounded to the tensor's type.
  const double bias_correction1 = 1 - std::pow(h.beta1, step);
  const double bias_correction2 = 1 - std::pow(h.beta2, step);
  const double step_size = h.lr / bias_correction1;
  const double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
  PYNN_DISPATCH_FLOAT(p->dtype(), "adam", [&] {
    using T = scalar_t;
    const int64_t n = p->numel();
    if (n == 0) return;
    const AdamScalars<T> s{static_cast<T>(h.decoupled_weight_decay ? 1 - h.lr * h.weight_decay : 1.0),
                           static_cast<T>(1 - h.beta1),
                           static_cast<T>(h.beta2),
                           static_cast<T>(1 - h.beta2),
                           static_cast<T>(bias_correction2_sqrt),
                           static_cast<T>(h.eps),
                           static_cast<T>(-step_size),
                           std::fabs(static_cast<float>(1 - h.beta1)) < 0.5f};
    const bool coupled = !h.decoupled_weight_decay && h.weight_decay != 0;
    adam_dev<T><<<grid_for(n), kBlock>>>(p->data_ptr<T>(), m->data_ptr<T>(), v->data_ptr<T>(),
                                          vmax ? vmax->data_ptr<T>() : nullptr,
                                          direction<T>(p, g, h.weight_decay, h.maximize, coupled), n, s);
    check_launch("adam");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(sgd_kernel, KernelSlot::CUDA, sgd_impl);
PYNN_REGISTER_KERNEL(adam_kernel, KernelSlot::CUDA, adam_impl);

}  // namespace cuda
}  // namespace pynn
