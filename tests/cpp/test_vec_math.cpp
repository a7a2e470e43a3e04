// Accuracy of the vector math layer (cpu/vec/math.h) against long double references: ulp error over a dense
// sweep of float bit patterns (every 2999th pattern, so the mantissas vary, plus every pattern near 0 where
// expm1/log1p/erf/tanh are x to first order) and torch's special values.
//
// The header is included directly here (the test's own, baseline copy), and the copies compiled into each
// capability's kernels are reached through the unary ops, once per capability the CPU supports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/dispatch.h"
#include "cpu/vec/math.h"
#include "ops/elementwise.h"
#include "test_util.h"

namespace {

namespace vm = pynn::cpu::PYNN_CPU_NS::vec;
using Ref = long double (*)(long double);
using Batch = std::function<void(const float*, float*, int64_t)>;

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

// The inputs: a strided sweep of all bit patterns, a dense sweep of |x| < 2^-20 and of [-2, 2], specials.
std::vector<float> sweep_inputs() {
  std::vector<float> v;
  for (uint64_t b = 0; b <= 0xffffffffu; b += 2999) v.push_back(from_bits(static_cast<uint32_t>(b)));
  for (uint32_t b = 0; b < 0x35800000u; b += 4001) {  // 0 .. 2^-20, both signs
    v.push_back(from_bits(b));
    v.push_back(-from_bits(b));
  }
  for (int i = -200000; i <= 200000; ++i) v.push_back(static_cast<float>(i) * 1e-5f);
  const float inf = std::numeric_limits<float>::infinity();
  for (float x : {0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                  std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                  std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                  -std::numeric_limits<float>::max(), 1.0f, -1.0f, 88.72283f, 88.7228394f, -103.97f, -87.34f,
                  -1.0f + 1e-7f, 9.0f, 0.625f, 0.927734375f, 3.92f})
    v.push_back(x);
  return v;
}

const std::vector<float>& inputs() {
  static const std::vector<float> v = sweep_inputs();
  return v;
}

// Distance of y from the exact value in units of the float ulp at the exact value (ulp of the smallest
// subnormal below 2^-126). Non-finite correctly rounded values must match exactly.
double ulp_error(float y, long double exact) {
  if (std::isnan(exact)) return std::isnan(y) ? 0.0 : 1e30;
  const float rounded = static_cast<float>(exact);
  if (std::isinf(rounded) || std::isinf(y)) return y == rounded ? 0.0 : 1e30;
  if (std::isnan(y)) return 1e30;
  const long double a = std::fabs(exact);
  const long double ulp =
      a < static_cast<long double>(std::numeric_limits<float>::min())
          ? static_cast<long double>(std::numeric_limits<float>::denorm_min())
          : std::ldexp(1.0L, std::ilogb(a) - 23);
  return static_cast<double>(std::fabs(static_cast<long double>(y) - exact) / ulp);
}

struct Report {
  double max_ulp = 0;
  float worst = 0;
  float got = 0;
  long double want = 0;
};

Report measure(const Batch& f, Ref ref) {
  const std::vector<float>& in = inputs();
  std::vector<float> out(in.size());
  f(in.data(), out.data(), static_cast<int64_t>(in.size()));
  Report r;
  for (size_t i = 0; i < in.size(); ++i) {
    const double e = ulp_error(out[i], ref(static_cast<long double>(in[i])));
    if (e > r.max_ulp) r = {e, in[i], out[i], ref(static_cast<long double>(in[i]))};
  }
  return r;
}

// Plain long double references (glibc's long double functions are accurate to well under a float ulp).
long double ref_exp(long double x) { return std::exp(x); }
long double ref_expm1(long double x) { return std::expm1(x); }
long double ref_log(long double x) { return std::log(x); }
long double ref_log1p(long double x) { return std::log1p(x); }
long double ref_tanh(long double x) { return std::tanh(x); }
long double ref_erf(long double x) { return std::erf(x); }
long double ref_sigmoid(long double x) {
  if (std::isnan(x)) return x;
  return x >= 0 ? 1.0L / (1.0L + std::exp(-x)) : std::exp(x) / (1.0L + std::exp(x));
}

struct Case {
  const char* name;
  float (*fn)(float);
  Ref ref;
  pynn::UnaryOp op;  // the op whose float kernel uses fn
};

const Case kCases[] = {
    {"exp", [](float x) { return vm::exp(x); }, ref_exp, pynn::UnaryOp::Exp},
    {"expm1", [](float x) { return vm::expm1(x); }, ref_expm1, pynn::UnaryOp::Expm1},
    {"log", [](float x) { return vm::log(x); }, ref_log, pynn::UnaryOp::Log},
    {"log1p", [](float x) { return vm::log1p(x); }, ref_log1p, pynn::UnaryOp::Log1p},
    {"tanh", [](float x) { return vm::tanh(x); }, ref_tanh, pynn::UnaryOp::Tanh},
    {"sigmoid", [](float x) { return vm::sigmoid(x); }, ref_sigmoid, pynn::UnaryOp::Sigmoid},
    {"erf", [](float x) { return vm::erf(x); }, ref_erf, pynn::UnaryOp::Erf},
};

Batch direct(float (*fn)(float)) {
  return [fn](const float* in, float* out, int64_t n) { vm::map(out, in, n, fn); };
}

// Through the registered unary kernel of the capability in effect.
Batch through_op(pynn::UnaryOp op) {
  return [op](const float* in, float* out, int64_t n) {
    const pynn::Tensor x = pynn::empty({n}, pynn::ScalarType::Float32, pynn::Device{});
    std::memcpy(x->data_ptr<float>(), in, static_cast<size_t>(n) * sizeof(float));
    const pynn::Tensor y = pynn::unary(op, x);
    std::memcpy(out, y->data_ptr<float>(), static_cast<size_t>(n) * sizeof(float));
  };
}

void expect_within(const char* what, const Report& r, double tol) {
  EXPECT_LE(r.max_ulp, tol) << what << ": " << r.max_ulp << " ulp at x = " << r.worst << " (got " << r.got
                            << ", want " << static_cast<double>(r.want) << ")";
}

TEST(VecMath, FloatWithinTwoUlpBaseline) {
  for (const Case& c : kCases) {
    const Report r = measure(direct(c.fn), c.ref);
    std::printf("  %-8s max %.3f ulp at %.9g\n", c.name, r.max_ulp, r.worst);
    expect_within(c.name, r, 2.0);
  }
}

// Restores the capability in effect when the test started.
struct CapabilityGuard {
  pynn::CpuCapability saved = pynn::cpu_capability();
  ~CapabilityGuard() { pynn::set_cpu_capability(saved); }
};

TEST(VecMath, FloatWithinTwoUlpEveryCapability) {
  CapabilityGuard guard;
  for (int c = 0; c <= static_cast<int>(pynn::cpu_capability_supported()); ++c) {
    const auto cap = static_cast<pynn::CpuCapability>(c);
    pynn::set_cpu_capability(cap);
    for (const Case& cs : kCases) {
      const Report r = measure(through_op(cs.op), cs.ref);
      std::printf("  %-7s %-8s max %.3f ulp at %.9g\n", pynn::capability_name(cap), cs.name, r.max_ulp, r.worst);
      expect_within((std::string(pynn::capability_name(cap)) + " " + cs.name).c_str(), r, 2.0);
      // f(-0) = -0 except for exp, log and sigmoid (all checked bit for bit at the baseline in SpecialValues).
      if (cs.op != pynn::UnaryOp::Exp && cs.op != pynn::UnaryOp::Log && cs.op != pynn::UnaryOp::Sigmoid) {
        const float mz = -0.0f;
        float y = 1.0f;
        through_op(cs.op)(&mz, &y, 1);
        EXPECT_TRUE(y == 0.0f && std::signbit(y)) << capability_name(cap) << " " << cs.name << "(-0) = " << y;
      }
    }
  }
}

// exp_nonpositive (sigmoid, softmax, the losses, gelu) has its own range reduction and scaling: every input
// of the sweep mapped to -|x|, plus (0, 43], where callers' x - max and x - logsumexp may land after rounding.
TEST(VecMath, ExpNonpositiveWithinTwoUlp) {
  std::vector<float> in;
  for (float x : inputs()) in.push_back(-std::fabs(x));
  for (int i = 1; i <= 430000; ++i) in.push_back(static_cast<float>(i) * 1e-4f);
  Report r;
  for (float x : in) {
    const double e = ulp_error(vm::exp_nonpositive(x), std::exp(static_cast<long double>(x)));
    if (e > r.max_ulp) r = {e, x, vm::exp_nonpositive(x), std::exp(static_cast<long double>(x))};
  }
  std::printf("  exp_nonpositive max %.3f ulp at %.9g\n", r.max_ulp, r.worst);
  expect_within("exp_nonpositive", r, 2.0);
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(vm::exp_nonpositive(-inf), 0.0f);
  EXPECT_FALSE(std::signbit(vm::exp_nonpositive(-inf)));
  EXPECT_EQ(vm::exp_nonpositive(-0.0f), 1.0f);
  EXPECT_EQ(vm::exp_nonpositive(-104.5f), 0.0f);
  EXPECT_TRUE(std::isnan(vm::exp_nonpositive(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(vm::exp_nonpositive(-std::numeric_limits<float>::quiet_NaN())));
}

// torch's values at the special inputs, bit for bit (signed zeros included).
TEST(VecMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  auto same = [](float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, 4) == 0; };
  struct S {
    const char* name;
    float got, want;
  };
  const S cases[] = {
      {"exp(-inf)", vm::exp(-inf), 0.0f},      {"exp(inf)", vm::exp(inf), inf},
      {"exp(nan)", vm::exp(nan), nan},         {"exp(-0)", vm::exp(-0.0f), 1.0f},
      {"exp(-200)", vm::exp(-200.0f), 0.0f},   {"exp(100)", vm::exp(100.0f), inf},
      {"expm1(-0)", vm::expm1(-0.0f), -0.0f},  {"expm1(-inf)", vm::expm1(-inf), -1.0f},
      {"expm1(inf)", vm::expm1(inf), inf},     {"expm1(nan)", vm::expm1(nan), nan},
      {"log(0)", vm::log(0.0f), -inf},         {"log(-0)", vm::log(-0.0f), -inf},
      {"log(-1)", vm::log(-1.0f), nan},        {"log(inf)", vm::log(inf), inf},
      {"log(-inf)", vm::log(-inf), nan},       {"log(nan)", vm::log(nan), nan},
      {"log(1)", vm::log(1.0f), 0.0f},         {"log1p(-1)", vm::log1p(-1.0f), -inf},
      {"log1p(-2)", vm::log1p(-2.0f), nan},    {"log1p(-0)", vm::log1p(-0.0f), -0.0f},
      {"log1p(inf)", vm::log1p(inf), inf},     {"log1p(nan)", vm::log1p(nan), nan},
      {"tanh(inf)", vm::tanh(inf), 1.0f},      {"tanh(-inf)", vm::tanh(-inf), -1.0f},
      {"tanh(-0)", vm::tanh(-0.0f), -0.0f},    {"tanh(nan)", vm::tanh(nan), nan},
      {"sigmoid(inf)", vm::sigmoid(inf), 1.0f}, {"sigmoid(-inf)", vm::sigmoid(-inf), 0.0f},
      {"sigmoid(nan)", vm::sigmoid(nan), nan}, {"sigmoid(-0)", vm::sigmoid(-0.0f), 0.5f},
      {"sigmoid(-200)", vm::sigmoid(-200.0f), 0.0f}, {"sigmoid(-1e30)", vm::sigmoid(-1e30f), 0.0f},
      {"erf(inf)", vm::erf(inf), 1.0f},
      {"erf(-inf)", vm::erf(-inf), -1.0f},     {"erf(-0)", vm::erf(-0.0f), -0.0f},
      {"erf(nan)", vm::erf(nan), nan},
  };
  for (const S& s : cases) EXPECT_TRUE(same(s.got, s.want)) << s.name << " = " << s.got << ", want " << s.want;
}

// The activations against their defining formulas in long double (relative error, a few ulp: they compose
// two or three of the functions above).
TEST(VecMath, ActivationsMatchFormulas) {
  const long double r2 = std::sqrt(0.5L), pi = 3.14159265358979323846264338327950288L;
  struct A {
    const char* name;
    float (*fn)(float);
    std::function<long double(long double)> ref;
  };
  auto sig = [](long double x) { return ref_sigmoid(x); };
  auto sp = [](long double x) { return x > 20 ? x : std::log1p(std::exp(x)); };
  const A acts[] = {
      {"gelu", [](float x) { return vm::gelu(x); }, [&](long double x) { return 0.5L * x * std::erfc(-x * r2); }},
      {"gelu_grad", [](float x) { return vm::gelu_grad(x); },
       [&](long double x) { return 0.5L * std::erfc(-x * r2) + x * std::exp(-0.5L * x * x) / std::sqrt(2 * pi); }},
      {"gelu_tanh", [](float x) { return vm::gelu_tanh(x); },
       [&](long double x) { return 0.5L * x * (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715L * x * x * x))); }},
      {"silu", [](float x) { return vm::silu(x); }, [&](long double x) { return x * sig(x); }},
      {"silu_grad", [](float x) { return vm::silu_grad(x); },
       [&](long double x) { return sig(x) * (1 + x * (1 - sig(x))); }},
      {"mish", [](float x) { return vm::mish(x); }, [&](long double x) { return x * std::tanh(sp(x)); }},
      {"softplus", [](float x) { return vm::softplus(x, 1.0f, 20.0f); }, [&](long double x) { return sp(x); }},
  };
  for (const A& a : acts) {
    double worst = 0;
    float at = 0;
    for (int i = -300000; i <= 300000; ++i) {
      const float x = static_cast<float>(i) * 1e-4f;  // [-30, 30]
      const long double want = a.ref(x);
      const long double got = a.fn(x);
      // Relative, except for the gelus and the derivatives, which are absolute below 1: the gelus' left tails
      // are torch's 1 + erf(...) and 1 + tanh(...), which cancel, and the derivatives cross zero.
      const bool absolute = std::strncmp(a.name, "gelu", 4) == 0 || std::strstr(a.name, "grad");
      const long double scale = std::fmax(std::fabs(want), absolute ? 1.0L : 1e-30L);
      const double e = static_cast<double>(std::fabs(got - want) / scale);
      if (e > worst) worst = e, at = x;
    }
    EXPECT_LE(worst, 1e-6) << a.name << " at x = " << at;
  }
}

}  // namespace
