// Fused optimizer steps against plain reference loops (torch's single-tensor algorithms, written out).
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/optim.h"
#include "ops/shape.h"

using namespace pynn;

namespace {

Tensor from(const std::vector<double>& v) {
  Tensor t = empty(Dims{static_cast<int64_t>(v.size())}, ScalarType::Float64, pynn::Device{});
  for (size_t i = 0; i < v.size(); ++i) t->data_ptr<double>()[i] = v[i];
  return t;
}

std::vector<double> values(const Tensor& t) {
  Tensor c = contiguous(t);
  const double* p = c->data_ptr<double>();
  return std::vector<double>(p, p + c->numel());
}

Tensor step_counter() {
  Tensor s = empty(Dims{}, ScalarType::Float32, pynn::Device{});
  s->data_ptr<float>()[0] = 0.0f;
  return s;
}

// A length that is not a multiple of any vector width, so the loops' tails run too.
std::vector<double> ramp(int n, double scale, double shift) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = scale * std::sin(0.37 * i + shift);
  return v;
}

}  // namespace

TEST(OptimSgd, NesterovWeightDecayMatchesReference) {
  const int n = 37;
  std::vector<double> p = ramp(n, 1.0, 0.0), buf(n);
  Tensor P = from(p);
  std::vector<Tensor> bufs{nullptr};
  SgdHyper h{0.1, 0.9, 0.0, 0.01, true, false};
  for (int step = 0; step < 3; ++step) {
    std::vector<double> g = ramp(n, 0.5, step + 1.0);
    bufs = sgd_step({P}, {from(g)}, bufs, h);
    for (int i = 0; i < n; ++i) {
      double d = std::fma(p[i], 0.01, g[i]);
      buf[i] = step == 0 ? d : std::fma(d, 1.0, buf[i] * 0.9);
      p[i] = std::fma(std::fma(buf[i], 0.9, d), -0.1, p[i]);
    }
  }
  EXPECT_EQ(values(P), p);
  EXPECT_EQ(values(bufs[0]), buf);
}

TEST(OptimAdam, AmsgradMatchesReferenceAndCountsSteps) {
  const int n = 21;
  std::vector<double> p = ramp(n, 1.0, 0.5), m(n), v(n), vmax(n);
  Tensor P = from(p), M = from(m), V = from(v), VMAX = from(vmax), S = step_counter();
  AdamHyper h{0.01, 0.9, 0.999, 0.0, 1e-8, false, false};
  for (int step = 1; step <= 4; ++step) {
    std::vector<double> g = ramp(n, step % 2 ? 1.0 : 0.1, step);
    adam_step({P}, {from(g)}, {M}, {V}, {VMAX}, {S}, h);
    double bc1 = 1 - std::pow(0.9, step), bc2 = 1 - std::pow(0.999, step);
    for (int i = 0; i < n; ++i) {
      m[i] = std::fma(1 - 0.9, g[i] - m[i], m[i]);
      v[i] = std::fma((1 - 0.999) * g[i], g[i], v[i] * 0.999);
      vmax[i] = std::max(vmax[i], v[i]);
      p[i] = p[i] + (-(0.01 / bc1) * m[i]) / (std::sqrt(vmax[i]) / std::pow(bc2, 0.5) + 1e-8);
    }
  }
  EXPECT_EQ(S->data_ptr<float>()[0], 4.0f);
  EXPECT_EQ(values(P), p);
  EXPECT_EQ(values(VMAX), vmax);
}

TEST(OptimAdagrad, NonContiguousParamIsWrittenBack) {
  Tensor base = from(ramp(12, 1.0, 0.0));
  Tensor P = t(reshape(base, {3, 4}));  // 4x3 transposed view
  ASSERT_FALSE(P->is_contiguous());
  Tensor G = full(Dims{4, 3}, Scalar(0.5), ScalarType::Float64, pynn::Device{});
  Tensor sum = full(Dims{4, 3}, Scalar(0.0), ScalarType::Float64, pynn::Device{});
  std::vector<double> before = values(P);
  uint64_t version = base->version();
  adagrad_step({P}, {G}, {sum}, {step_counter()}, AdagradHyper{0.1, 0.0, 0.0, 1e-10, false});
  std::vector<double> after = values(P);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_DOUBLE_EQ(after[i], before[i] + (-0.1 * 0.5) / (0.5 + 1e-10));
  EXPECT_GT(base->version(), version);  // the write went through the view into the base's storage
}

TEST(OptimChecks, BadListsRaise) {
  Tensor p = from({1.0, 2.0});
  EXPECT_THROW(sgd_step({p}, {}, {}, SgdHyper{0.1, 0, 0, 0, false, false}), ValueError);
  EXPECT_THROW(sgd_step({p}, {from({1.0})}, {}, SgdHyper{0.1, 0, 0, 0, false, false}), std::runtime_error);
  Tensor f = full(Dims{2}, Scalar(1.0), ScalarType::Float32, pynn::Device{});
  EXPECT_THROW(rmsprop_step({p}, {f}, {from({0, 0})}, {}, {}, {step_counter()}, RmspropHyper{0.1, 0.9, 1e-8, 0, 0, false}),
               TypeError);
  Tensor i = full(Dims{2}, Scalar(int64_t(1)), ScalarType::Int64, pynn::Device{});
  EXPECT_THROW(adagrad_step({i}, {i}, {i}, {step_counter()}, AdagradHyper{0.1, 0, 0, 1e-10, false}), TypeError);
}
