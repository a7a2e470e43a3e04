// Activation and prelu CPU kernels, compiled once per CPU capability (CMake's PYNN_CPU_ISA_SOURCES). The
// formulas live in the vector math layer (cpu/vec/math.h), shared with the tests that check them.
#include "cpu/loops.h"
#include "cpu/vec/math.h"
#include "kernels/activation.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

void activation_impl(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_FLOAT(dt, activation_name(act), [&] {
    using T = scalar_t;
    switch (act) {
      case Activation::Gelu: return map_unary<T>(iter, [](T x) { return vec::gelu(x); });
      case Activation::GeluTanh: return map_unary<T>(iter, [](T x) { return vec::gelu_tanh(x); });
      case Activation::Elu: {
        const T alpha = T(p.elu.alpha), scale = T(p.elu.scale), in_scale = T(p.elu.input_scale);
        return map_unary<T>(iter, [=](T x) { return vec::elu(x, alpha, scale, in_scale); });
      }
      case Activation::Silu: return map_unary<T>(iter, [](T x) { return vec::silu(x); });
      case Activation::Mish: return map_unary<T>(iter, [](T x) { return vec::mish(x); });
      case Activation::Softplus: {
        const T beta = T(p.softplus.beta), threshold = T(p.softplus.threshold);
        return map_unary<T>(iter, [=](T x) { return vec::softplus(x, beta, threshold); });
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
      case Activation::Gelu: return map_binary<T>(iter, [](T g, T x) { return g * vec::gelu_grad(x); });
      case Activation::GeluTanh: return map_binary<T>(iter, [](T g, T x) { return g * vec::gelu_tanh_grad(x); });
      case Activation::Elu: {
        const T alpha = T(p.elu.alpha), scale = T(p.elu.scale), in_scale = T(p.elu.input_scale);
        return map_binary<T>(iter, [=](T g, T x) { return g * vec::elu_grad(x, alpha, scale, in_scale); });
      }
      case Activation::Silu: return map_binary<T>(iter, [](T g, T x) { return g * vec::silu_grad(x); });
      case Activation::Mish: return map_binary<T>(iter, [](T g, T x) { return g * vec::mish_grad(x); });
      case Activation::Softplus: {
        const T beta = T(p.softplus.beta), threshold = T(p.softplus.threshold);
        return map_binary<T>(iter, [=](T g, T x) { return g * vec::softplus_grad(x, beta, threshold); });
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
