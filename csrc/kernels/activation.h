// Kernel interface of the activation family, shared by csrc/cpu and csrc/cuda: pointwise activations with a
// fused value kernel and a fused derivative kernel, and prelu. Operands arrive as a built TensorIter of one
// floating dtype; checks and allocation happened in csrc/ops/activation.cpp.
#pragma once
#include <cstddef>

#include "core/dispatch.h"
#include "core/iterator.h"

namespace pynn {

enum class Activation {
  Gelu, GeluTanh, Elu, Silu, Mish, Softplus, LeakyRelu, Hardtanh,
  NumOps  // keep last: sizes the name tables
};
// torch's op names ("gelu", ...), for errors.
inline const char* activation_name(Activation act) {
  static const char* const names[] = {"gelu", "gelu", "elu", "silu", "mish", "softplus", "leaky_relu", "hardtanh"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<size_t>(Activation::NumOps),
                "one name per activation");
  return names[static_cast<int>(act)];
}

// The parameters of the activations that take any, one struct per activation (torch's argument names).
struct EluParams {
  double alpha = 1, scale = 1, input_scale = 1;
};
struct SoftplusParams {
  double beta = 1, threshold = 20;
};
struct LeakyReluParams {
  double negative_slope = 0.01;
};
struct HardtanhParams {
  double min_val = -1, max_val = 1;
};
// What a kernel call carries: each activation reads only its own member.
struct ActParams {
  EluParams elu;
  SoftplusParams softplus;
  LeakyReluParams leaky_relu;
  HardtanhParams hardtanh;

  // Implicit, so that a call reads activation(Activation::Elu, x, EluParams{alpha, scale, input_scale}).
  ActParams() = default;
  ActParams(const EluParams& p) : elu(p) {}
  ActParams(const SoftplusParams& p) : softplus(p) {}
  ActParams(const LeakyReluParams& p) : leaky_relu(p) {}
  ActParams(const HardtanhParams& p) : hardtanh(p) {}
};

// iter = (out, x)
using activation_fn = void (*)(Activation act, const ActParams& p, const TensorIter& iter, ScalarType dtype);
// iter = (grad_x, grad, x): grad_x = grad * f'(x)
using activation_backward_fn = void (*)(Activation act, const ActParams& p, const TensorIter& iter,
                                        ScalarType dtype);
// iter = (out, x, weight broadcast to x): out = x > 0 ? x : weight * x
using prelu_fn = void (*)(const TensorIter& iter, ScalarType dtype);

PYNN_DECLARE_KERNEL(activation_kernel, activation_fn);
PYNN_DECLARE_KERNEL(activation_backward_kernel, activation_backward_fn);
PYNN_DECLARE_KERNEL(prelu_kernel, prelu_fn);

}  // namespace pynn
