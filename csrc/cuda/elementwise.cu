// Elementwise CUDA kernels over the shared TensorIter geometry (cuda_utils.cuh's launch_elementwise). One
// kernel per dtype with the op chosen inside (a uniform branch) keeps the number of instantiations, and so
// nvcc's time, small. Semantics follow csrc/cpu/elementwise.cpp; where a CPU kernel raises from inside its
// loop (integer division by zero, integer to a negative power) a device cannot, and the result follows torch's
// CUDA build instead (documented per case).
#include <cuda_runtime.h>

#include <cmath>
#include <type_traits>

#include "core/random.h"
#include "cuda/cuda_utils.cuh"
#include "kernels/elementwise.h"
#include "kernels/special_math.h"

namespace pynn {
namespace cuda {
namespace {

template <typename T>
constexpr bool is_float_v = std::is_floating_point<T>::value;

template <typename T>
__device__ __forceinline__ T power(T base, T exp) {
  if constexpr (is_float_v<T>) {
    return ::pow(base, exp);
  } else {
    if (exp < 0) {  // torch's CUDA kernel: 1 and -1 keep their pattern, everything else truncates to 0
      if (base == 1) return 1;
      if (base == -1) return (exp % 2 == 0) ? 1 : -1;
      return 0;
    }
    T result = 1;
    while (exp) {
      if (exp & 1) result *= base;
      base *= base;
      exp >>= 1;
    }
    return result;
  }
}

template <typename T>
__device__ __forceinline__ T remainder(T a, T b) {
  if constexpr (is_float_v<T>) {
    T r = ::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else {
    if (b == 0 || b == -1) return 0;  // the CPU raises ZeroDivisionError for b == 0; a kernel cannot
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}

template <typename T>
__device__ __forceinline__ T floor_divide(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (b == 0) return a / b;
    const T mod = ::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return ::copysign(T(0), a / b);
    T floored = ::floor(div);
    if (div - floored > T(0.5)) floored += T(1);
    return floored;
  } else {
    if (b == 0) return -1;  // as torch's CUDA integer division by zero (the CPU raises)
    if (b == -1) return static_cast<T>(-static_cast<typename std::make_unsigned<T>::type>(a));
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <typename T>
__device__ __forceinline__ T sigmoid(T x) {
  return T(1) / (T(1) + ::exp(-x));
}

// Same dtype in and out. Float-only ops are never asked for on integers (the op promotes first).
template <typename T>
struct UnaryFn {
  UnaryOp op;
  __device__ T operator()(T x) const {
    if constexpr (std::is_same<T, bool>::value) {
      return op == UnaryOp::BitwiseNot || op == UnaryOp::LogicalNot ? !x : x;
    } else {
      switch (op) {
        case UnaryOp::Neg: return -x;
        case UnaryOp::Abs: return x < 0 ? -x : x;
        case UnaryOp::Sign: return static_cast<T>((T(0) < x) - (x < T(0)));
        case UnaryOp::Relu: return x < 0 ? T(0) : x;
        case UnaryOp::Square: return x * x;
        default: break;
      }
      if constexpr (is_float_v<T>) {
        switch (op) {
          case UnaryOp::Floor: return ::floor(x);
          case UnaryOp::Ceil: return ::ceil(x);
          case UnaryOp::Round: return ::nearbyint(x);
          case UnaryOp::Trunc: return ::trunc(x);
          case UnaryOp::Exp: return ::exp(x);
          case UnaryOp::Expm1: return ::expm1(x);
          case UnaryOp::Log: return ::log(x);
          case UnaryOp::Log2: return ::log2(x);
          case UnaryOp::Log10: return ::log10(x);
          case UnaryOp::Log1p: return ::log1p(x);
          case UnaryOp::Sqrt: return ::sqrt(x);
          case UnaryOp::Rsqrt: return T(1) / ::sqrt(x);
          case UnaryOp::Sin: return ::sin(x);
          case UnaryOp::Cos: return ::cos(x);
          case UnaryOp::Tan: return ::tan(x);
          case UnaryOp::Asin: return ::asin(x);
          case UnaryOp::Acos: return ::acos(x);
          case UnaryOp::Atan: return ::atan(x);
          case UnaryOp::Sinh: return ::sinh(x);
          case UnaryOp::Cosh: return ::cosh(x);
          case UnaryOp::Tanh: return ::tanh(x);
          case UnaryOp::Sigmoid: return sigmoid(x);
          case UnaryOp::Reciprocal: return T(1) / x;
          case UnaryOp::Erf: return ::erf(x);
          case UnaryOp::Exp2: return ::exp2(x);
          case UnaryOp::Erfc: return ::erfc(x);
          case UnaryOp::Erfinv: return ::erfinv(x);
          case UnaryOp::Lgamma: return ::lgamma(x);
          case UnaryOp::Digamma: return static_cast<T>(digamma_of(x));
          case UnaryOp::I0: return bessel_i(0, x);
          case UnaryOp::I1: return bessel_i(1, x);
          default: return x;
        }
      } else {
        return op == UnaryOp::BitwiseNot ? static_cast<T>(~x) : x;
      }
    }
  }
};

template <typename T>
struct UnaryToBoolFn {
  UnaryOp op;
  __device__ bool operator()(T x) const {
    switch (op) {
      case UnaryOp::LogicalNot: return !(x != T(0));
      case UnaryOp::IsNan: return x != x;
      case UnaryOp::IsInf: return ::isinf(static_cast<double>(x));
      default: return ::isfinite(static_cast<double>(x));
    }
  }
};

bool unary_to_bool(UnaryOp op) {
  return op == UnaryOp::LogicalNot || op == UnaryOp::IsNan || op == UnaryOp::IsInf || op == UnaryOp::IsFinite;
}

void unary_impl(UnaryOp op, const TensorIter& iter, ScalarType dt) {
  if (unary_to_bool(op)) {
    PYNN_DISPATCH_ALL(dt, op_name(op), [&] { launch_elementwise<bool, scalar_t>(iter, UnaryToBoolFn<scalar_t>{op}, op_name(op)); });
    return;
  }
  if (op == UnaryOp::BitwiseNot && is_floating(dt))
    throw TypeError(str("[bitwise_not] not implemented for dtype ", dtype_name(dt)));
  PYNN_DISPATCH_ALL(dt, op_name(op), [&] { launch_elementwise<scalar_t, scalar_t>(iter, UnaryFn<scalar_t>{op}, op_name(op)); });
}

template <typename T>
struct BinaryFn {
  BinaryOp op;
  T alpha;
  __device__ T operator()(T a, T b) const {
    if constexpr (std::is_same<T, bool>::value) {
      switch (op) {
        case BinaryOp::Add: case BinaryOp::Maximum: case BinaryOp::BitwiseOr: return a || b;
        case BinaryOp::BitwiseXor: return a != b;
        default: return a && b;  // Mul, Minimum, BitwiseAnd
      }
    } else {
      switch (op) {
        case BinaryOp::Add: return a + alpha * b;
        case BinaryOp::Sub: return a - alpha * b;
        case BinaryOp::Mul: return a * b;
        case BinaryOp::Div: return a / b;  // float only (the op promotes)
        case BinaryOp::Pow: return power(a, b);
        case BinaryOp::Maximum: return a != a ? a : (b != b ? b : (a > b ? a : b));
        case BinaryOp::Minimum: return a != a ? a : (b != b ? b : (a < b ? a : b));
        case BinaryOp::Remainder: return remainder(a, b);
        case BinaryOp::FloorDivide: return floor_divide(a, b);
        default: break;
      }
      if constexpr (is_float_v<T>) {
        switch (op) {
          case BinaryOp::Fmod: return ::fmod(a, b);
          case BinaryOp::Hypot: return ::hypot(a, b);
          case BinaryOp::Copysign: return ::copysign(a, b);
          default: break;
        }
        return ::atan2(a, b);
      } else {
        switch (op) {
          case BinaryOp::Fmod: return b == T(0) ? T(0) : (b == T(-1) ? T(0) : a % b);  // CPU raises on 0
          case BinaryOp::BitwiseAnd: return a & b;
          case BinaryOp::BitwiseOr: return a | b;
          case BinaryOp::Gcd: return gcd_of(a, b);
          default: return a ^ b;
        }
      }
    }
  }
};

template <typename T>
struct CompareFn {
  BinaryOp op;
  __device__ bool operator()(T a, T b) const {
    switch (op) {
      case BinaryOp::Eq: return a == b;
      case BinaryOp::Ne: return a != b;
      case BinaryOp::Lt: return a < b;
      case BinaryOp::Le: return a <= b;
      case BinaryOp::Gt: return a > b;
      case BinaryOp::Ge: return a >= b;
      case BinaryOp::LogicalAnd: return (a != T(0)) && (b != T(0));
      case BinaryOp::LogicalOr: return (a != T(0)) || (b != T(0));
      default: return (a != T(0)) != (b != T(0));
    }
  }
};

void binary_impl(BinaryOp op, const TensorIter& iter, ScalarType dt, const Scalar& alpha) {
  const char* name = op_name(op);
  if (op >= BinaryOp::Eq) {
    PYNN_DISPATCH_ALL(dt, name, [&] { launch_elementwise<bool, scalar_t, scalar_t>(iter, CompareFn<scalar_t>{op}, name); });
    return;
  }
  if (op == BinaryOp::Gcd && (is_floating(dt) || dt == ScalarType::Bool))
    throw NotImplementedError(str("[gcd] \"gcd_cuda\" not implemented for '", type_title(dt), "'"));
  const bool bitwise = op == BinaryOp::BitwiseAnd || op == BinaryOp::BitwiseOr || op == BinaryOp::BitwiseXor;
  if (bitwise && is_floating(dt)) throw TypeError(str("[", name, "] not implemented for dtype ", dtype_name(dt)));
  if (dt == ScalarType::Bool && !(bitwise || op == BinaryOp::Add || op == BinaryOp::Mul || op == BinaryOp::Maximum ||
                                  op == BinaryOp::Minimum))
    throw TypeError(str("[", name, "] not implemented for dtype bool"));
  PYNN_DISPATCH_ALL(dt, name, [&] {
    scalar_t al = scalar_t(1);
    if constexpr (!std::is_same<scalar_t, bool>::value)
      if (op == BinaryOp::Add || op == BinaryOp::Sub) al = alpha.to<scalar_t>();
    launch_elementwise<scalar_t, scalar_t, scalar_t>(iter, BinaryFn<scalar_t>{op, al}, name);
  });
}

template <typename D, typename S>
struct CastFn {
  __device__ D operator()(S x) const {
    if constexpr (std::is_same<D, bool>::value) return x != S(0);
    else return static_cast<D>(x);
  }
};

void copy_impl(const TensorIter& iter, ScalarType dst, ScalarType src) {
  PYNN_DISPATCH_ALL(dst, "copy_", [&] {
    using dst_t = scalar_t;
    PYNN_DISPATCH_ALL(src, "copy_", [&] {
      using src_t = scalar_t;
      launch_elementwise<dst_t, src_t>(iter, CastFn<dst_t, src_t>{}, "copy_");
    });
  });
}

template <typename T>
struct ConstFn {
  T v;
  __device__ T operator()() const { return v; }
};

void fill_impl(const TensorIter& iter, ScalarType dt, const Scalar& value) {
  PYNN_DISPATCH_ALL(dt, "fill_", [&] { launch_elementwise<scalar_t>(iter, ConstFn<scalar_t>{value.to<scalar_t>()}, "fill_"); });
}

template <typename T>
struct WhereFn {
  __device__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

void where_impl(const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_ALL(dt, "where", [&] { launch_elementwise<scalar_t, bool, scalar_t, scalar_t>(iter, WhereFn<scalar_t>{}, "where"); });
}

template <typename T>
struct ClampFn {
  bool has_lo, has_hi;
  T lo, hi;
  __device__ T operator()(T x) const {
    if (has_lo && x < lo) x = lo;  // NaN stays NaN, as in torch
    if (has_hi && x > hi) x = hi;
    return x;
  }
};

void clamp_impl(const TensorIter& iter, ScalarType dt, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  PYNN_DISPATCH_NUMERIC(dt, "clamp", [&] {
    ClampFn<scalar_t> f{lo.has_value(), hi.has_value(), lo ? lo->to<scalar_t>() : scalar_t(0),
                        hi ? hi->to<scalar_t>() : scalar_t(0)};
    launch_elementwise<scalar_t, scalar_t>(iter, f, "clamp");
  });
}

// The CPU kernel's streams exactly (core/random.h's random_bits is host-and-device): element i of a uniform or
// bernoulli draw uses counter offset + i; normal pairs 2k, 2k + 1 through Box-Muller, in double like the CPU.
template <typename T>
__global__ void random_kernel_dev(T* p, int64_t n, RandomArgs r) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  if (r.dist == RandomDist::Normal) {
    for (int64_t k = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; k < (n + 1) / 2; k += step) {
      const double u1 = 1.0 - bits_to_double(random_bits(r.seed, r.offset + 2 * k));
      const double u2 = bits_to_double(random_bits(r.seed, r.offset + 2 * k + 1));
      const double rad = ::sqrt(-2.0 * ::log(u1)), theta = 2.0 * M_PI * u2;
      p[2 * k] = static_cast<T>(r.a + r.b * rad * ::cos(theta));
      if (2 * k + 1 < n) p[2 * k + 1] = static_cast<T>(r.a + r.b * rad * ::sin(theta));
    }
    return;
  }
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += step) {
    const uint64_t h = random_bits(r.seed, r.offset + static_cast<uint64_t>(i));
    if (r.dist == RandomDist::Bernoulli) p[i] = static_cast<T>(bits_to_double(h) < r.a);
    else if constexpr (std::is_same<T, float>::value) p[i] = static_cast<float>(r.a + (r.b - r.a) * bits_to_float(h));
    else p[i] = static_cast<T>(r.a + (r.b - r.a) * bits_to_double(h));
  }
}

void random_impl(const Tensor& x, const RandomArgs& r) {
  const int64_t n = x->numel();
  if (n == 0) return;
  PYNN_DISPATCH_ALL(x->dtype(), "random", [&] {
    if (r.dist == RandomDist::Normal && !is_float_v<scalar_t>) return;  // as the CPU kernel: floats only
    random_kernel_dev<scalar_t><<<grid_for(n), kBlock>>>(x->data_ptr<scalar_t>(), n, r);
    check_launch("random");
  });
}

}  // namespace

PYNN_REGISTER_KERNEL(unary_kernel, KernelSlot::CUDA, unary_impl);
PYNN_REGISTER_KERNEL(binary_kernel, KernelSlot::CUDA, binary_impl);
PYNN_REGISTER_KERNEL(copy_kernel, KernelSlot::CUDA, copy_impl);
PYNN_REGISTER_KERNEL(fill_kernel, KernelSlot::CUDA, fill_impl);
PYNN_REGISTER_KERNEL(where_kernel, KernelSlot::CUDA, where_impl);
PYNN_REGISTER_KERNEL(clamp_kernel, KernelSlot::CUDA, clamp_impl);
PYNN_REGISTER_KERNEL(random_kernel, KernelSlot::CUDA, random_impl);

}  // namespace cuda
}  // namespace pynn
