// Activation and prelu CPU kernels, compiled once per CPU capability (CMake's PYNN_CPU_ISA_SOURCES).
// no-trapping-math lets GCC if-convert the float selects in vexp and the activations so their loops vectorize;
// pynn never reads floating-point exception flags.
#pragma GCC optimize("no-trapping-math")
#include <cmath>

#include "cpu/loops.h"
#include "cpu/nn_math.h"
#include "kernels/activation.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

template <typename T>
T sigmoid(T x) {
  return T(1) / (T(1) + vexp(-x));
}

constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/sqrt(2*pi)
constexpr double kGeluCoef = 0.044715;

void activation_impl(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    using T = scalar_t;
    switch (act) {
      case Activation::Gelu:
        return map_unary<T>(iter, [](T x) { return x * T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2))); });
      case Activation::GeluTanh:
        return map_unary<T>(iter, [](T x) {
          const T inner = T(kSqrt2OverPi) * (x + T(kGeluCoef) * x * x * x);
          return T(0.5) * x * (T(1) + std::tanh(inner));
        });
      case Activation::Elu: {
        const T alpha = T(p.elu.alpha), scale = T(p.elu.scale), in_scale = T(p.elu.input_scale);
        return map_unary<T>(iter, [=](T x) { return x > T(0) ? scale * x : scale * alpha * std::expm1(x * in_scale); });
      }
      case Activation::Silu:
        return map_unary<T>(iter, [](T x) { return x / (T(1) + vexp(-x)); });
      case Activation::Mish:
        return map_unary<T>(iter, [](T x) { return x * std::tanh(std::log1p(vexp(x))); });
      case Activation::Softplus: {
        const T beta = T(p.softplus.beta), threshold = T(p.softplus.threshold);
        return map_unary<T>(iter, [=](T x) { return x * beta > threshold ? x : std::log1p(vexp(x * beta)) / beta; });
      }
      case Activation::LeakyRelu: {
        const T slope = T(p.leaky_relu.negative_slope);
        return map_unary<T>(iter, [=](T x) { return x > T(0) ? x : x * slope; });
      }
      case Activation::Hardtanh: {
        const T lo = T(p.hardtanh.min_val), hi = T(p.hardtanh.max_val);
        return map_unary<T>(iter, [=](T x) { return x < lo ? lo : (x > hi ? hi : x); });
      }
      case Activation::NumOps: break;
    }
  });
}

void activation_backward_impl(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    using T = scalar_t;
    switch (act) {
      case Activation::Gelu:
        return map_binary<T>(iter, [](T g, T x) {
          const T cdf = T(0.5) * (T(1) + std::erf(x * T(M_SQRT1_2)));
          const T pdf = T(kInvSqrt2Pi) * vexp(T(-0.5) * x * x);
          return g * (cdf + x * pdf);
        });
      case Activation::GeluTanh:
        return map_binary<T>(iter, [](T g, T x) {
          const T x2 = x * x;
          const T t = std::tanh(T(kSqrt2OverPi) * (x + T(kGeluCoef) * x2 * x));
          const T dinner = T(kSqrt2OverPi) * (T(1) + T(3 * kGeluCoef) * x2);
          return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner);
        });
      case Activation::Elu: {
        const T alpha = T(p.elu.alpha), scale = T(p.elu.scale), in_scale = T(p.elu.input_scale);
        return map_binary<T>(iter, [=](T g, T x) {
          return x > T(0) ? g * scale : g * scale * alpha * in_scale * vexp(x * in_scale);
        });
      }
      case Activation::Silu:
        return map_binary<T>(iter, [](T g, T x) {
          const T s = sigmoid(x);
          return g * s * (T(1) + x * (T(1) - s));
        });
      case Activation::Mish:
        return map_binary<T>(iter, [](T g, T x) {
          const T t = std::tanh(std::log1p(vexp(x)));
          return g * (t + x * sigmoid(x) * (T(1) - t * t));
        });
      case Activation::Softplus: {
        const T beta = T(p.softplus.beta), threshold = T(p.softplus.threshold);
        return map_binary<T>(iter, [=](T g, T x) { return x * beta > threshold ? g : g * sigmoid(x * beta); });
      }
      case Activation::LeakyRelu: {
        const T slope = T(p.leaky_relu.negative_slope);
        return map_binary<T>(iter, [=](T g, T x) { return x > T(0) ? g : g * slope; });
      }
      case Activation::Hardtanh: {
        const T lo = T(p.hardtanh.min_val), hi = T(p.hardtanh.max_val);
        return map_binary<T>(iter, [=](T g, T x) { return (x <= lo || x >= hi) ? T(0) : g; });
      }
      case Activation::NumOps: break;
    }
  });
}

void prelu_impl(const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, "prelu", [&] {
    map_binary<scalar_t>(iter, [](scalar_t x, scalar_t w) { return x > scalar_t(0) ? x : w * x; });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(activation_kernel, activation_impl);
PYNN_REGISTER_CPU_KERNEL(activation_backward_kernel, activation_backward_impl);
PYNN_REGISTER_CPU_KERNEL(prelu_kernel, prelu_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
