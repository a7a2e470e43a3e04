// Pointwise activations on CUDA (kernels/activation.h), forward and backward, through launch_elementwise. The
// formulas are those of csrc/cpu/vec/math.h's activation section (torch's), written with CUDA's libm: erf
// where the CPU uses its fast erf (both within 5e-7 of torch), so the two backends agree to float tolerance,
// not bit for bit.
#include <cuda_runtime.h>

#include <cmath>

#include "cuda/cuda_utils.cuh"
#include "kernels/activation.h"

namespace pynn {
namespace cuda {
namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440, kSqrt2OverPi = 0.79788456080286535588,
                 kInvSqrt2Pi = 0.39894228040143267794, kGeluCoef = 0.044715;

template <typename T>
__device__ __forceinline__ T sigmoid(T x) {
  return T(1) / (T(1) + ::exp(-x));
}
// tanh(softplus(x)) with one exp; 1 past x = 20.
template <typename T>
__device__ __forceinline__ T tanh_softplus(T x) {
  if (x > T(20)) return T(1);
  const T e = ::exp(x), n = e * (e + T(2));
  return n / (n + T(2));
}

// The activation's parameters in T, and f(x) / f'(x) by kind.
template <typename T>
struct Act {
  Activation act;
  T a, b, c;  // elu: alpha, scale, input_scale; softplus: beta, threshold; leaky: slope; hardtanh: lo, hi

  __device__ T forward(T x) const {
    switch (act) {
      case Activation::Gelu: return x * T(0.5) * (T(1) + ::erf(x * T(kSqrt1_2)));
      case Activation::GeluTanh:
        return T(0.5) * x * (T(1) + ::tanh(T(kSqrt2OverPi) * (x + T(kGeluCoef) * x * x * x)));
      case Activation::Elu: return x > T(0) ? b * x : b * a * ::expm1(x * c);
      case Activation::Silu: return x * sigmoid(x);
      case Activation::Mish: return x * tanh_softplus(x);
      case Activation::Softplus: return x * a > b ? x : ::log1p(::exp(x * a)) / a;
      case Activation::LeakyRelu: return x > T(0) ? x : x * a;
      default: return x < a ? a : (x > b ? b : x);  // Hardtanh
    }
  }
  __device__ T derivative(T x) const {
    switch (act) {
      case Activation::Gelu:
        return T(0.5) * (T(1) + ::erf(x * T(kSqrt1_2))) + x * T(kInvSqrt2Pi) * ::exp(T(-0.5) * x * x);
      case Activation::GeluTanh: {
        const T x2 = x * x, t = ::tanh(T(kSqrt2OverPi) * (x + T(kGeluCoef) * x2 * x));
        return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCoef) * x2);
      }
      case Activation::Elu: return x > T(0) ? b : b * a * c * ::exp(x * c);
      case Activation::Silu: {
        const T s = sigmoid(x);
        return s * (T(1) + x * (T(1) - s));
      }
      case Activation::Mish: {
        const T t = tanh_softplus(x);
        return t + x * sigmoid(x) * (T(1) - t * t);
      }
      case Activation::Softplus: return x * a > b ? T(1) : sigmoid(x * a);
      case Activation::LeakyRelu: return x > T(0) ? T(1) : a;
      default: return (x <= a || x >= b) ? T(0) : T(1);  // Hardtanh
    }
  }
};

template <typename T>
Act<T> make_act(Activation act, const ActParams& p) {
  switch (act) {
    case Activation::Elu: return {act, T(p.elu.alpha), T(p.elu.scale), T(p.elu.input_scale)};
    case Activation::Softplus: return {act, T(p.softplus.beta), T(p.softplus.threshold), T(0)};
    case Activation::LeakyRelu: return {act, T(p.leaky_relu.negative_slope), T(0), T(0)};
    case Activation::Hardtanh: return {act, T(p.hardtanh.min_val), T(p.hardtanh.max_val), T(0)};
    default: return {act, T(0), T(0), T(0)};
  }
}

template <typename T>
struct Forward {
  Act<T> f;
  __device__ T operator()(T x) const { return f.forward(x); }
};
template <typename T>
struct Backward {
  Act<T> f;
  __device__ T operator()(T g, T x) const {
    if (f.act == Activation::LeakyRelu) return x > T(0) ? g : g * f.a;  // as the CPU: no multiply by one
    if (f.act == Activation::Hardtanh) return (x <= f.a || x >= f.b) ? T(0) : g;
    return g * f.derivative(x);
  }
};
template <typename T>
struct Prelu {
  __device__ T operator()(T x, T w) const { return x > T(0) ? x : w * x; }
};

void activation_impl(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    launch_elementwise<scalar_t, scalar_t>(iter, Forward<scalar_t>{make_act<scalar_t>(act, p)}, activation_name(act));
  });
}

void activation_backward_impl(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    launch_elementwise<scalar_t, scalar_t, scalar_t>(iter, Backward<scalar_t>{make_act<scalar_t>(act, p)},
                                                     activation_name(act));
  });
}

void prelu_impl(const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, "prelu", [&] { launch_elementwise<scalar_t, scalar_t, scalar_t>(iter, Prelu<scalar_t>{}, "prelu"); });
}

}  // namespace

PYNN_REGISTER_KERNEL(activation_kernel, KernelSlot::CUDA, activation_impl);
PYNN_REGISTER_KERNEL(activation_backward_kernel, KernelSlot::CUDA, activation_backward_impl);
PYNN_REGISTER_KERNEL(prelu_kernel, KernelSlot::CUDA, prelu_impl);

}  // namespace cuda
}  // namespace pynn
