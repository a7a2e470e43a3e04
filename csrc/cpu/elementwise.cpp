// Elementwise CPU kernels, compiled once per CPU capability (see CMake's PYNN_CPU_ISA_SOURCES): the plain loops
// below auto-vectorize for the capability being built.
#include <algorithm>
#include <cmath>
#include <cstring>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "core/random.h"
#include "cpu/loops.h"
#include "cpu/vec/math.h"
#include "cpu/vec/stream.h"
#include "kernels/elementwise.h"
#include "kernels/special_math.h"

namespace pynn {
namespace cpu {
namespace PYNN_CPU_NS {
namespace {

// Inner loops: a contiguous path the compiler vectorizes, a scalar-operand path, and a strided fallback.
// Contiguous outputs are stored with streaming stores when the op's operands exceed the last-level cache
// (cpu/vec/stream.h).
template <typename out_t, typename in_t, typename F>
void unary_loop(char** d, const int64_t* s, int64_t n, const F& f, bool stream) {
  if (s[0] == sizeof(out_t) && s[1] == sizeof(in_t)) {
    out_t* o = reinterpret_cast<out_t*>(d[0]);
    const in_t* a = reinterpret_cast<const in_t*>(d[1]);
    vec::write_run(o, n, stream, [&](int64_t i) { return f(a[i]); });
    if (stream) vec::stream_fence();
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<out_t*>(d[0] + i * s[0]) = f(*reinterpret_cast<const in_t*>(d[1] + i * s[1]));
  }
}

template <typename out_t, typename in_t, typename F>
void binary_loop(char** d, const int64_t* s, int64_t n, const F& f, bool stream) {
  const int64_t so = sizeof(out_t), si = sizeof(in_t);
  if (s[0] == so && s[1] == si && s[2] == si) {
    out_t* o = reinterpret_cast<out_t*>(d[0]);
    const in_t* a = reinterpret_cast<const in_t*>(d[1]);
    const in_t* b = reinterpret_cast<const in_t*>(d[2]);
    vec::write_run(o, n, stream, [&](int64_t i) { return f(a[i], b[i]); });
    if (stream) vec::stream_fence();
  } else if (s[0] == so && s[1] == si && s[2] == 0) {
    out_t* o = reinterpret_cast<out_t*>(d[0]);
    const in_t* a = reinterpret_cast<const in_t*>(d[1]);
    const in_t b = *reinterpret_cast<const in_t*>(d[2]);
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b);
  } else if (s[0] == so && s[1] == 0 && s[2] == si) {
    out_t* o = reinterpret_cast<out_t*>(d[0]);
    const in_t a = *reinterpret_cast<const in_t*>(d[1]);
    const in_t* b = reinterpret_cast<const in_t*>(d[2]);
    for (int64_t i = 0; i < n; ++i) o[i] = f(a, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<out_t*>(d[0] + i * s[0]) =
          f(*reinterpret_cast<const in_t*>(d[1] + i * s[1]), *reinterpret_cast<const in_t*>(d[2] + i * s[2]));
  }
}

template <typename out_t, typename in_t, typename F>
void run_unary(const TensorIter& iter, const F& f) {
  const bool stream = vec::stream_output(iter.numel() * static_cast<int64_t>(sizeof(out_t) + sizeof(in_t)));
  for_each(iter, [&](char** d, const int64_t* s, int64_t n) { unary_loop<out_t, in_t>(d, s, n, f, stream); });
}
template <typename out_t, typename in_t, typename F>
void run_binary(const TensorIter& iter, const F& f) {
  const bool stream = vec::stream_output(iter.numel() * static_cast<int64_t>(sizeof(out_t) + 2 * sizeof(in_t)));
  for_each(iter, [&](char** d, const int64_t* s, int64_t n) { binary_loop<out_t, in_t>(d, s, n, f, stream); });
}

// Integer power by squaring; floating types go to std::pow.
template <typename T>
T power(T base, T exp) {
  if constexpr (std::is_floating_point<T>::value) {
    return std::pow(base, exp);
  } else {
    if (exp < 0) {  // torch: 1 and -1 keep their pattern, everything else truncates to 0 (a Python exponent
                    // was refused by the op before reaching here)
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
T remainder(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    T r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else {
    if (b == 0) throw std::runtime_error("[remainder] ZeroDivisionError");
    if (b == -1) return 0;
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}

template <typename T>
T floor_divide(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    // torch's div_floor_floating: the quotient of the exact remainder's complement, so floor_divide(1.0, 0.1)
    // is 9 (floor(1.0 / 0.1) would round the quotient up to 10 first).
    if (b == 0) return a / b;
    const T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return std::copysign(T(0), a / b);
    T floored = std::floor(div);
    if (div - floored > T(0.5)) floored += T(1);
    return floored;
  } else {
    if (b == 0) throw std::runtime_error("[floor_divide] ZeroDivisionError");
    if (b == -1) return static_cast<T>(-static_cast<typename std::make_unsigned<T>::type>(a));
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <typename T>
T fmod_of(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) {
    return std::fmod(a, b);
  } else {
    if (b == 0) throw std::runtime_error("[fmod] ZeroDivisionError");
    if (b == -1) return T(0);  // INT_MIN % -1 overflows
    return a % b;
  }
}

// Inverse error function: Giles' single-precision approximation, then two Newton steps on erf (double accuracy).
template <typename T>
T erfinv_of(T y) {
  if (!(y > T(-1) && y < T(1))) {
    if (y == T(1)) return std::numeric_limits<T>::infinity();
    if (y == T(-1)) return -std::numeric_limits<T>::infinity();
    return std::numeric_limits<T>::quiet_NaN();
  }
  const double yd = static_cast<double>(y);
  double w = -std::log((1.0 - yd) * (1.0 + yd)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                     0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                     1.00167406, 2.83297682})
      p = c + p * w;
  }
  double x = p * yd;
  for (int i = 0; i < 2; ++i) x -= (std::erf(x) - yd) / (1.1283791670955126 * std::exp(-x * x));
  return static_cast<T>(x);
}

template <typename T>
T sign_of(T x) {
  return static_cast<T>((T(0) < x) - (x < T(0)));
}

#define PYNN_UNARY_FLOAT(OP, EXPR) \
  case UnaryOp::OP:                \
    return PYNN_DISPATCH_FLOAT(dt, #OP, [&] { run_unary<scalar_t, scalar_t>(iter, [](scalar_t x) -> scalar_t { return EXPR; }); });
#define PYNN_UNARY_NUMERIC(OP, EXPR) \
  case UnaryOp::OP:                  \
    return PYNN_DISPATCH_NUMERIC(dt, #OP, [&] { run_unary<scalar_t, scalar_t>(iter, [](scalar_t x) -> scalar_t { return EXPR; }); });
#define PYNN_UNARY_TO_BOOL(OP, EXPR) \
  case UnaryOp::OP:                  \
    return PYNN_DISPATCH_ALL(dt, #OP, [&] { run_unary<bool, scalar_t>(iter, [](scalar_t x) -> bool { return EXPR; }); });

void unary_kernel_impl(UnaryOp op, const TensorIter& iter, ScalarType dt) {
  switch (op) {
    PYNN_UNARY_NUMERIC(Neg, -x)
    PYNN_UNARY_NUMERIC(Abs, x < 0 ? -x : x)
    PYNN_UNARY_NUMERIC(Sign, sign_of(x))
    PYNN_UNARY_NUMERIC(Relu, x < 0 ? scalar_t(0) : x)
    PYNN_UNARY_NUMERIC(Square, x * x)
    PYNN_UNARY_FLOAT(Floor, std::floor(x))
    PYNN_UNARY_FLOAT(Ceil, std::ceil(x))
    PYNN_UNARY_FLOAT(Round, std::nearbyint(x))
    PYNN_UNARY_FLOAT(Trunc, std::trunc(x))
    PYNN_UNARY_FLOAT(Exp, vec::exp(x))
    PYNN_UNARY_FLOAT(Expm1, vec::expm1(x))
    PYNN_UNARY_FLOAT(Log, vec::log(x))
    PYNN_UNARY_FLOAT(Log2, std::log2(x))
    PYNN_UNARY_FLOAT(Log10, std::log10(x))
    PYNN_UNARY_FLOAT(Log1p, vec::log1p(x))
    PYNN_UNARY_FLOAT(Sqrt, std::sqrt(x))
    PYNN_UNARY_FLOAT(Rsqrt, scalar_t(1) / std::sqrt(x))
    PYNN_UNARY_FLOAT(Sin, std::sin(x))
    PYNN_UNARY_FLOAT(Cos, std::cos(x))
    PYNN_UNARY_FLOAT(Tan, std::tan(x))
    PYNN_UNARY_FLOAT(Asin, std::asin(x))
    PYNN_UNARY_FLOAT(Acos, std::acos(x))
    PYNN_UNARY_FLOAT(Atan, std::atan(x))
    PYNN_UNARY_FLOAT(Sinh, std::sinh(x))
    PYNN_UNARY_FLOAT(Cosh, std::cosh(x))
    PYNN_UNARY_FLOAT(Tanh, vec::tanh(x))
    PYNN_UNARY_FLOAT(Sigmoid, vec::sigmoid(x))
    PYNN_UNARY_FLOAT(Reciprocal, scalar_t(1) / x)
    PYNN_UNARY_FLOAT(Erf, vec::erf(x))
    PYNN_UNARY_FLOAT(Exp2, std::exp2(x))
    PYNN_UNARY_FLOAT(Erfc, std::erfc(x))
    PYNN_UNARY_FLOAT(Erfinv, erfinv_of(x))
    PYNN_UNARY_FLOAT(Lgamma, std::lgamma(x))
    PYNN_UNARY_FLOAT(Digamma, static_cast<scalar_t>(digamma_of(x)))
    PYNN_UNARY_FLOAT(I0, bessel_i(0, x))
    PYNN_UNARY_FLOAT(I1, bessel_i(1, x))
    PYNN_UNARY_TO_BOOL(LogicalNot, !x)
    PYNN_UNARY_TO_BOOL(IsNan, x != x)
    PYNN_UNARY_TO_BOOL(IsInf, std::isinf(static_cast<double>(x)))
    PYNN_UNARY_TO_BOOL(IsFinite, std::isfinite(static_cast<double>(x)))
    case UnaryOp::BitwiseNot:
      if (dt == ScalarType::Bool) return run_unary<bool, bool>(iter, [](bool x) { return !x; });
      if (dt == ScalarType::Int32) return run_unary<int32_t, int32_t>(iter, [](int32_t x) { return ~x; });
      if (dt == ScalarType::Int64) return run_unary<int64_t, int64_t>(iter, [](int64_t x) { return ~x; });
      throw NotImplementedError(str("[bitwise_not] not implemented for dtype ", dtype_name(dt)));
    case UnaryOp::NumOps: break;
  }
}

#define PYNN_BINARY(OP, DISPATCH, EXPR) \
  case BinaryOp::OP:                    \
    return DISPATCH(dt, #OP, [&] { run_binary<scalar_t, scalar_t>(iter, [=](scalar_t a, scalar_t b) -> scalar_t { return EXPR; }); });
#define PYNN_COMPARE(OP, EXPR) \
  case BinaryOp::OP:           \
    return PYNN_DISPATCH_ALL(dt, #OP, [&] { run_binary<bool, scalar_t>(iter, [](scalar_t a, scalar_t b) -> bool { return EXPR; }); });

void binary_kernel_impl(BinaryOp op, const TensorIter& iter, ScalarType dt, const Scalar& alpha) {
  switch (op) {
    case BinaryOp::Add:
      if (dt == ScalarType::Bool) return run_binary<bool, bool>(iter, [](bool a, bool b) { return a || b; });
      return PYNN_DISPATCH_NUMERIC(dt, "add", [&] {
        scalar_t al = alpha.to<scalar_t>();
        if (al == scalar_t(1)) return run_binary<scalar_t, scalar_t>(iter, [](scalar_t a, scalar_t b) { return a + b; });
        run_binary<scalar_t, scalar_t>(iter, [al](scalar_t a, scalar_t b) { return a + al * b; });
      });
    case BinaryOp::Sub:
      return PYNN_DISPATCH_NUMERIC(dt, "sub", [&] {
        scalar_t al = alpha.to<scalar_t>();
        if (al == scalar_t(1)) return run_binary<scalar_t, scalar_t>(iter, [](scalar_t a, scalar_t b) { return a - b; });
        run_binary<scalar_t, scalar_t>(iter, [al](scalar_t a, scalar_t b) { return a - al * b; });
      });
    case BinaryOp::Mul:
      if (dt == ScalarType::Bool) return run_binary<bool, bool>(iter, [](bool a, bool b) { return a && b; });
      return PYNN_DISPATCH_NUMERIC(dt, "mul", [&] { run_binary<scalar_t, scalar_t>(iter, [](scalar_t a, scalar_t b) { return a * b; }); });
    PYNN_BINARY(Div, PYNN_DISPATCH_FLOAT, a / b)
    PYNN_BINARY(Pow, PYNN_DISPATCH_NUMERIC, power(a, b))
    case BinaryOp::Maximum:
      if (dt == ScalarType::Bool) return run_binary<bool, bool>(iter, [](bool a, bool b) { return a || b; });
      return PYNN_DISPATCH_NUMERIC(dt, "maximum", [&] {
        run_binary<scalar_t, scalar_t>(iter, [](scalar_t a, scalar_t b) { return a != a ? a : (b != b ? b : (a > b ? a : b)); });
      });
    case BinaryOp::Minimum:
      if (dt == ScalarType::Bool) return run_binary<bool, bool>(iter, [](bool a, bool b) { return a && b; });
      return PYNN_DISPATCH_NUMERIC(dt, "minimum", [&] {
        run_binary<scalar_t, scalar_t>(iter, [](scalar_t a, scalar_t b) { return a != a ? a : (b != b ? b : (a < b ? a : b)); });
      });
    PYNN_BINARY(Remainder, PYNN_DISPATCH_NUMERIC, remainder(a, b))
    PYNN_BINARY(FloorDivide, PYNN_DISPATCH_NUMERIC, floor_divide(a, b))
    PYNN_BINARY(Atan2, PYNN_DISPATCH_FLOAT, std::atan2(a, b))
    PYNN_BINARY(Fmod, PYNN_DISPATCH_NUMERIC, fmod_of(a, b))
    PYNN_BINARY(Hypot, PYNN_DISPATCH_FLOAT, std::hypot(a, b))
    PYNN_BINARY(Copysign, PYNN_DISPATCH_FLOAT, std::copysign(a, b))
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor: {
      auto run = [&](auto zero) {
        using T = decltype(zero);
        if (op == BinaryOp::BitwiseAnd) run_binary<T, T>(iter, [](T a, T b) -> T { return a & b; });
        else if (op == BinaryOp::BitwiseOr) run_binary<T, T>(iter, [](T a, T b) -> T { return a | b; });
        else run_binary<T, T>(iter, [](T a, T b) -> T { return a ^ b; });
      };
      if (dt == ScalarType::Bool) return run(bool());
      if (dt == ScalarType::Int32) return run(int32_t());
      if (dt == ScalarType::Int64) return run(int64_t());
      throw NotImplementedError(str("[", op_name(op), "] not implemented for dtype ", dtype_name(dt)));
    }
    case BinaryOp::Gcd:
      if (dt == ScalarType::Int32) return run_binary<int32_t, int32_t>(iter, [](int32_t a, int32_t b) { return gcd_of(a, b); });
      if (dt == ScalarType::Int64) return run_binary<int64_t, int64_t>(iter, [](int64_t a, int64_t b) { return gcd_of(a, b); });
      throw NotImplementedError(str("[gcd] \"gcd_cpu\" not implemented for '", type_title(dt), "'"));
    PYNN_COMPARE(Eq, a == b)
    PYNN_COMPARE(Ne, a != b)
    PYNN_COMPARE(Lt, a < b)
    PYNN_COMPARE(Le, a <= b)
    PYNN_COMPARE(Gt, a > b)
    PYNN_COMPARE(Ge, a >= b)
    PYNN_COMPARE(LogicalAnd, (a != scalar_t(0)) && (b != scalar_t(0)))
    PYNN_COMPARE(LogicalOr, (a != scalar_t(0)) || (b != scalar_t(0)))
    PYNN_COMPARE(LogicalXor, (a != scalar_t(0)) != (b != scalar_t(0)))
    case BinaryOp::NumOps: break;
  }
}

// Same-dtype copy of n1 rows of n0 elements of `word_t`'s size (the bits move unchanged, so one unsigned word per
// itemsize). Strides come by value: read through pointers or captures, GCC reloaded them after every char store.
template <typename word_t>
void copy_rows(char* dst, const char* src, int64_t n0, int64_t n1, int64_t ds0, int64_t ss0, int64_t ds1,
               int64_t ss1) {
  constexpr int64_t z = sizeof(word_t);
  if (dst == src && ds0 == ss0 && ds1 == ss1) return;
  for (int64_t j = 0; j < n1; ++j, dst += ds1, src += ss1) {
    if (ds0 == z && ss0 == z) {
      // Operands never partially overlap (the iterator refuses it), so the rows are disjoint here.
      word_t* __restrict o = reinterpret_cast<word_t*>(dst);
      const word_t* __restrict a = reinterpret_cast<const word_t*>(src);
      for (int64_t i = 0; i < n0; ++i) o[i] = a[i];
    } else {
      for (int64_t i = 0; i < n0; ++i) std::memcpy(dst + i * ds0, src + i * ss0, z);
    }
  }
}

// A transposed copy: one operand is dense along dim 0 and the other is not, but is dense along some dim d > 0.
// Walking rows would then touch the other operand one row-stride apart per element, so the copy goes by square
// tiles of dims 0 and d that stay in L1 on both sides. Returns d, or 0 when the copy is not one.
int transposed_dim(const TensorIter& it, int64_t z) {
  if (it.ndim() < 2 || it.shape(0) < 8) return 0;
  const bool dst_dense = it.stride(0, 0) == z, src_dense = it.stride(0, 1) == z;
  if (dst_dense == src_dense) return 0;
  const int other = dst_dense ? 1 : 0;
  for (int d = 1; d < it.ndim(); ++d)
    if (it.stride(d, other) == z && it.shape(d) >= 8) return d;
  return 0;
}

// One 8x8 block of a transposed copy: 8 source rows (dense, each `src_outer` bytes apart) become 8 destination
// rows (dense, `dst_outer` apart), row r of the source landing in column r. AVX2 builds move 4-byte words with
// eight loads, the 24-shuffle register transpose and eight stores; GCC's own vectorization of the scalar loop
// spilled to the stack and ran at scalar speed (3.4 ms against torch's 2.3 on a batch of 64x64 transposes).
template <typename word_t>
inline void copy_block8(char* dst, const char* src, int64_t dst_outer, int64_t src_outer) {
#if defined(__AVX2__)
  if constexpr (sizeof(word_t) == 4) {
    __m256 r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(src + i * src_outer));
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
      r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; ++i) {
      t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
      t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
    }
    for (int i = 0; i < 8; ++i) _mm256_storeu_ps(reinterpret_cast<float*>(dst + i * dst_outer), t[i]);
    return;
  }
#endif
  word_t tmp[8][8];
  for (int r = 0; r < 8; ++r) std::memcpy(tmp[r], src + r * src_outer, sizeof tmp[r]);
  for (int c = 0; c < 8; ++c) {
    word_t row[8];
    for (int r = 0; r < 8; ++r) row[r] = tmp[r][c];
    std::memcpy(dst + c * dst_outer, row, sizeof row);
  }
}

// A tile of n0 x n1 elements (at most kTile square) by 8x8 blocks, the ragged edges element by element.
template <typename word_t>
void copy_tile(char* dst, const char* src, int64_t n0, int64_t n1, int64_t ds0, int64_t ds1, int64_t ss0,
               int64_t ss1) {
  constexpr int64_t z = sizeof(word_t);
  const int64_t f0 = n0 / 8 * 8, f1 = n1 / 8 * 8;
  // The side dense along dim 0 is walked along it; the other one's rows are its dim-0 steps.
  const int64_t dst_outer = ds0 == z ? ds1 : ds0, src_outer = ss0 == z ? ss1 : ss0;
  for (int64_t j = 0; j < f1; j += 8)
    for (int64_t i = 0; i < f0; i += 8)
      copy_block8<word_t>(dst + i * ds0 + j * ds1, src + i * ss0 + j * ss1, dst_outer, src_outer);
  for (int64_t j = 0; j < n1; ++j)
    for (int64_t i = j < f1 ? f0 : 0; i < n0; ++i) std::memcpy(dst + i * ds0 + j * ds1, src + i * ss0 + j * ss1, z);
}

template <typename word_t>
void copy_tiled(const TensorIter& it, int td) {
  constexpr int64_t kTile = 64;
  const int64_t n0 = it.shape(0), n1 = it.shape(td);
  const int64_t tiles0 = (n0 + kTile - 1) / kTile, tiles1 = (n1 + kTile - 1) / kTile;
  const int64_t batch = it.numel() / (n0 * n1);
  const int64_t ds0 = it.stride(0, 0), ds1 = it.stride(td, 0), ss0 = it.stride(0, 1), ss1 = it.stride(td, 1);
  // One task is a tile; the grain keeps a task at roughly kElementwiseGrain elements.
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (kTile * kTile));
  parallel_for(0, batch * tiles1 * tiles0, grain, [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      const int64_t i0 = (t % tiles0) * kTile, i1 = (t / tiles0 % tiles1) * kTile;
      int64_t rem = t / (tiles0 * tiles1);
      char* dst = it.data(0) + i0 * ds0 + i1 * ds1;
      const char* src = it.data(1) + i0 * ss0 + i1 * ss1;
      for (int d = 1; d < it.ndim(); ++d) {  // the batch dims: every dim but 0 and td
        if (d == td) continue;
        const int64_t c = rem % it.shape(d);
        rem /= it.shape(d);
        dst += c * it.stride(d, 0);
        src += c * it.stride(d, 1);
      }
      copy_tile<word_t>(dst, src, std::min(kTile, n0 - i0), std::min(kTile, n1 - i1), ds0, ds1, ss0, ss1);
    }
  });
}

template <typename word_t>
void copy_words(const TensorIter& it) {
  if (const int td = transposed_dim(it, sizeof(word_t)); td > 0 && it.numel() >= 4096) return copy_tiled<word_t>(it, td);
  TensorIter src_order = it;  // the outer dims walked in the source's memory order
  src_order.sort_outer_dims_by(1);
  for_each_block(src_order, [](char** d, const int64_t* s0, const int64_t* s1, int64_t n0, int64_t n1) {
    copy_rows<word_t>(d[0], d[1], n0, n1, s0[0], s0[1], s1[0], s1[1]);
  });
}

void copy_kernel_impl(const TensorIter& iter, ScalarType dst, ScalarType src) {
  if (dst == src) {
    switch (itemsize(dst)) {
      case 1: return copy_words<uint8_t>(iter);
      case 2: return copy_words<uint16_t>(iter);
      case 4: return copy_words<uint32_t>(iter);
      case 8: return copy_words<uint64_t>(iter);
      default: throw std::runtime_error(str("copy_: unexpected itemsize ", itemsize(dst)));
    }
  }
  PYNN_DISPATCH_ALL_AND_REDUCED(dst, "copy_", [&] {
    using dst_t = scalar_t;
    PYNN_DISPATCH_ALL_AND_REDUCED(src, "copy_", [&] {
      using src_t = scalar_t;
      if constexpr (std::is_same<dst_t, bool>::value)
        run_unary<dst_t, src_t>(iter, [](src_t x) { return x != src_t(0); });
      else if constexpr (is_reduced_float_type<dst_t>::value && is_reduced_float_type<src_t>::value)
        run_unary<dst_t, src_t>(iter, [](src_t x) { return dst_t(static_cast<float>(x)); });
      else
        run_unary<dst_t, src_t>(iter, [](src_t x) { return static_cast<dst_t>(x); });
    });
  });
}

void fill_kernel_impl(const TensorIter& iter, ScalarType dt, const Scalar& value) {
  PYNN_DISPATCH_ALL_AND_REDUCED(dt, "fill_", [&] {
    scalar_t v = value.to<scalar_t>();
    for_each(iter, [&](char** d, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(scalar_t)) {
        scalar_t* o = reinterpret_cast<scalar_t*>(d[0]);
        for (int64_t i = 0; i < n; ++i) o[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<scalar_t*>(d[0] + i * s[0]) = v;
      }
    });
  });
}

void where_kernel_impl(const TensorIter& iter, ScalarType dt) {
  PYNN_DISPATCH_ALL_AND_REDUCED(dt, "where", [&] {
    for_each(iter, [&](char** d, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        bool c = *reinterpret_cast<const bool*>(d[1] + i * s[1]);
        *reinterpret_cast<scalar_t*>(d[0] + i * s[0]) =
            c ? *reinterpret_cast<const scalar_t*>(d[2] + i * s[2]) : *reinterpret_cast<const scalar_t*>(d[3] + i * s[3]);
      }
    });
  });
}

void clamp_kernel_impl(const TensorIter& iter, ScalarType dt, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  PYNN_DISPATCH_NUMERIC(dt, "clamp", [&] {
    const bool has_lo = lo.has_value(), has_hi = hi.has_value();
    const scalar_t l = has_lo ? lo->to<scalar_t>() : scalar_t(0);
    const scalar_t h = has_hi ? hi->to<scalar_t>() : scalar_t(0);
    // NaN inputs stay NaN, as in torch.
    run_unary<scalar_t, scalar_t>(iter, [=](scalar_t x) {
      if (has_lo && x < l) x = l;
      if (has_hi && x > h) x = h;
      return x;
    });
  });
}

// Counter-based: element i draws from random_bits(seed, offset + i) (normal: one pair of uniforms per two
// elements), so chunks can run on any thread in any order.
void random_kernel_impl(const Tensor& x, const RandomArgs& r) {
  const int64_t n = x->numel();
  PYNN_DISPATCH_ALL(x->dtype(), "random", [&] {
    scalar_t* p = x->data_ptr<scalar_t>();
    if (r.dist == RandomDist::Normal) {
      if constexpr (std::is_floating_point<scalar_t>::value) {
        parallel_for(0, (n + 1) / 2, 4096, [&](int64_t b, int64_t e) {
          for (int64_t k = b; k < e; ++k) {
            // Box-Muller on (0, 1] x [0, 1): two values per pair of uniforms.
            const double u1 = 1.0 - bits_to_double(random_bits(r.seed, r.offset + 2 * k));
            const double u2 = bits_to_double(random_bits(r.seed, r.offset + 2 * k + 1));
            const double rad = std::sqrt(-2.0 * std::log(u1)), theta = 2.0 * M_PI * u2;
            p[2 * k] = static_cast<scalar_t>(r.a + r.b * rad * std::cos(theta));
            if (2 * k + 1 < n) p[2 * k + 1] = static_cast<scalar_t>(r.a + r.b * rad * std::sin(theta));
          }
        });
      }
      return;
    }
    parallel_for(0, n, 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const uint64_t h = random_bits(r.seed, r.offset + static_cast<uint64_t>(i));
        if (r.dist == RandomDist::Bernoulli) {
          p[i] = static_cast<scalar_t>(bits_to_double(h) < r.a);
        } else if constexpr (std::is_same<scalar_t, float>::value) {
          p[i] = static_cast<float>(r.a + (r.b - r.a) * bits_to_float(h));
        } else {
          p[i] = static_cast<scalar_t>(r.a + (r.b - r.a) * bits_to_double(h));
        }
      }
    });
  });
}

}  // namespace

PYNN_REGISTER_CPU_KERNEL(unary_kernel, unary_kernel_impl);
PYNN_REGISTER_CPU_KERNEL(binary_kernel, binary_kernel_impl);
PYNN_REGISTER_CPU_KERNEL(copy_kernel, copy_kernel_impl);
PYNN_REGISTER_CPU_KERNEL(fill_kernel, fill_kernel_impl);
PYNN_REGISTER_CPU_KERNEL(where_kernel, where_kernel_impl);
PYNN_REGISTER_CPU_KERNEL(clamp_kernel, clamp_kernel_impl);
PYNN_REGISTER_CPU_KERNEL(random_kernel, random_kernel_impl);

}  // namespace PYNN_CPU_NS
}  // namespace cpu
}  // namespace pynn
