// C++-level checks of the nn kernels (softmax, fused cross entropy, dropout) against plain reference loops,
// and of their thread-count independence.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "autograd/engine.h"
#include "autograd/node.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/random.h"
#include "kernels/loss.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "test_util.h"
#include "ops/nn.h"
#include "ops/shape.h"

namespace {

using pynn::Dims;
using pynn::ScalarType;
using pynn::Tensor;

using pynn_test::from_vec;

std::vector<double> random_doubles(size_t n, unsigned seed, double scale = 1.0) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> d(0.0, scale);
  std::vector<double> v(n);
  for (double& x : v) x = d(gen);
  return v;
}

std::vector<double> values(const Tensor& t) {
  Tensor c = pynn::contiguous(t);
  return std::vector<double>(c->data_ptr<double>(), c->data_ptr<double>() + c->numel());
}

// Runs f with the pool at n threads, restoring the previous count.
template <typename F>
auto with_threads(int n, F f) {
  const int prev = pynn::get_num_threads();
  pynn::set_num_threads(n);
  auto r = f();
  pynn::set_num_threads(prev);
  return r;
}

TEST(Softmax, StridedDimMatchesReference) {
  // [3, 4, 5] normalized over dim 1: rows are 5 apart, the strided kernel path.
  const std::vector<double> v = random_doubles(60, 1, 3.0);
  Tensor x = from_vec(v, Dims{3, 4, 5}, ScalarType::Float64);
  const std::vector<double> s = values(pynn::softmax(x, 1));
  const std::vector<double> ls = values(pynn::log_softmax(x, 1));
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 5; ++k) {
      double m = -INFINITY, z = 0;
      for (int j = 0; j < 4; ++j) m = std::max(m, v[(i * 4 + j) * 5 + k]);
      for (int j = 0; j < 4; ++j) z += std::exp(v[(i * 4 + j) * 5 + k] - m);
      for (int j = 0; j < 4; ++j) {
        const int idx = (i * 4 + j) * 5 + k;
        EXPECT_NEAR(s[idx], std::exp(v[idx] - m) / z, 1e-14);
        EXPECT_NEAR(ls[idx], v[idx] - m - std::log(z), 1e-13);
      }
    }
}

TEST(Softmax, RowsSumToOneInParallel) {
  const int64_t rows = 3000, cols = 64;  // above the grain: split across the pool
  Tensor x = from_vec(random_doubles(rows * cols, 2, 10.0), Dims{rows, cols}, ScalarType::Float64);
  const std::vector<double> s = values(with_threads(2, [&] { return pynn::softmax(x, -1); }));
  for (int64_t r = 0; r < rows; ++r) {
    double total = 0;
    for (int64_t c = 0; c < cols; ++c) total += s[r * cols + c];
    ASSERT_NEAR(total, 1.0, 1e-12);
  }
}

// Reference cross entropy with class indices, weight, ignore_index and label smoothing (torch's formula).
struct RefCe {
  double loss = 0;
  std::vector<double> grad;  // d(mean loss)/dx
};
RefCe reference_ce(const std::vector<double>& x, const std::vector<int64_t>& t, const std::vector<double>& w,
                   int64_t N, int64_t C, int64_t ignore, double eps) {
  RefCe r;
  r.grad.assign(x.size(), 0.0);
  double total = 0, wsum = 0;
  for (double wk : w) wsum += wk;
  for (int64_t n = 0; n < N; ++n)
    if (t[n] != ignore) total += w[t[n]];
  for (int64_t n = 0; n < N; ++n) {
    if (t[n] == ignore) continue;
    double m = -INFINITY, z = 0;
    for (int64_t c = 0; c < C; ++c) m = std::max(m, x[n * C + c]);
    for (int64_t c = 0; c < C; ++c) z += std::exp(x[n * C + c] - m);
    const double lse = m + std::log(z);
    double smooth = 0;
    for (int64_t c = 0; c < C; ++c) smooth += w[c] * (lse - x[n * C + c]);
    r.loss += ((1 - eps) * w[t[n]] * (lse - x[n * C + t[n]]) + eps / C * smooth) / total;
    for (int64_t c = 0; c < C; ++c) {
      const double p = std::exp(x[n * C + c] - lse);
      const double g = (1 - eps) * w[t[n]] * (p - (c == t[n])) + eps / C * (p * wsum - w[c]);
      r.grad[n * C + c] = g / total;
    }
  }
  return r;
}

TEST(CrossEntropy, FusedKernelMatchesReference) {
  const int64_t N = 7, C = 5;
  const std::vector<double> xv = random_doubles(N * C, 3, 2.0);
  const std::vector<int64_t> tv = {0, 4, 2, 2, -1, 1, 3};
  const std::vector<double> wv = {0.5, 1.0, 2.0, 0.25, 1.5};
  Tensor x = from_vec(xv, Dims{N, C}, ScalarType::Float64);
  pynn::autograd::meta(x).requires_grad = true;
  Tensor t = from_vec(tv, Dims{N}, ScalarType::Int64);
  Tensor w = from_vec(wv, Dims{C}, ScalarType::Float64);
  for (double eps : {0.0, 0.3}) {
    const RefCe ref = reference_ce(xv, tv, wv, N, C, -1, eps);
    Tensor loss = pynn::cross_entropy(x, t, w, /*mean*/ 1, -1, eps);
    EXPECT_NEAR(*loss->data_ptr<double>(), ref.loss, 1e-12);
    EXPECT_EQ(loss->autograd_meta->grad_fn->name(), "NllLossBackward0");
    std::vector<Tensor> g = pynn::autograd::grad({loss}, {x}, {}, false, false, false);
    const std::vector<double> gv = values(g[0]);
    for (size_t i = 0; i < gv.size(); ++i) EXPECT_NEAR(gv[i], ref.grad[i], 1e-12) << "eps " << eps << " at " << i;
  }
}

TEST(CrossEntropy, SumDoesNotDependOnThreadCount) {
  const int64_t N = 20000, C = 10;  // several row blocks
  Tensor x = from_vec(random_doubles(N * C, 4), Dims{N, C}, ScalarType::Float64);
  std::vector<int64_t> tv(N);
  for (int64_t n = 0; n < N; ++n) tv[n] = (n * 7) % C;
  Tensor t = from_vec(tv, Dims{N}, ScalarType::Int64);
  const double one = with_threads(1, [&] { return *pynn::cross_entropy(x, t, nullptr, 2, -100, 0.1)->data_ptr<double>(); });
  const double two = with_threads(2, [&] { return *pynn::cross_entropy(x, t, nullptr, 2, -100, 0.1)->data_ptr<double>(); });
  EXPECT_EQ(one, two);
}

TEST(CrossEntropy, OutOfBoundsTargetThrowsIndexError) {
  Tensor x = pynn::full(Dims{2, 3}, pynn::Scalar(0.5), ScalarType::Float32, pynn::Device{});
  Tensor t = from_vec<int64_t>({1, 3}, Dims{2}, ScalarType::Int64);
  EXPECT_THROW(pynn::cross_entropy(x, t, nullptr, 1, -100, 0.0), pynn::IndexError);
  EXPECT_THROW(pynn::nll_loss(x, t, nullptr, 1, -100), pynn::IndexError);
  Tensor short_t = from_vec<int64_t>({1}, Dims{1}, ScalarType::Int64);
  EXPECT_THROW(pynn::nll_loss(x, short_t, nullptr, 1, -100), pynn::ValueError);
}

TEST(Dropout, KeepsTheExpectedFractionAndIsThreadIndependent) {
  const int64_t n = 1 << 20;
  Tensor x = pynn::full(Dims{n}, pynn::Scalar(1.0), ScalarType::Float32, pynn::Device{});
  auto run = [&](int threads) {
    pynn::default_generator().manual_seed(42);
    return with_threads(threads, [&] {
      Tensor out = pynn::dropout(x, 0.25, true);
      return std::vector<float>(out->data_ptr<float>(), out->data_ptr<float>() + n);
    });
  };
  const std::vector<float> a = run(1), b = run(2);
  EXPECT_EQ(a, b);
  int64_t kept = 0;
  for (float v : a) {
    if (v != 0.f) {
      ++kept;
      ASSERT_FLOAT_EQ(v, 1.f / 0.75f);
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / n, 0.75, 0.003);
  EXPECT_THROW(pynn::dropout(x, 1.5, true), pynn::ValueError);
  EXPECT_EQ(pynn::dropout(x, 0.5, false), x);
}

TEST(Dropout, MaskIsTheCounterStreamOfTheReservedKey) {
  // Float32 element i keeps the high (even i) or low (odd i) 24 bits of draw i / 2 of the op's key, so a CUDA
  // kernel given the same (seed, offset) reproduces the mask.
  const int64_t n = 1001;
  const double p = 0.3;
  pynn::default_generator().manual_seed(123);
  pynn::default_generator().reserve(5);  // the op starts wherever the stream stands
  Tensor x = pynn::full(Dims{n}, pynn::Scalar(1.0), ScalarType::Float32, pynn::Device{});
  Tensor out = pynn::dropout(x, p, true);
  const uint64_t threshold = static_cast<uint64_t>(std::ceil((1.0 - p) * 16777216.0));
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t h = pynn::random_bits(123, 5 + static_cast<uint64_t>(i / 2));
    const uint64_t bits = i % 2 == 0 ? h >> 40 : (h & 0xffffffffULL) >> 8;
    ASSERT_EQ(out->data_ptr<float>()[i] != 0.f, bits < threshold) << "at " << i;
  }
  EXPECT_EQ(pynn::default_generator().reserve(0).offset, 5u + (n + 1) / 2);  // one counter per element pair
}

TEST(LossKernels, WriteTheirSumsIntoZeroDimTensors) {
  // nll over 3 rows of 2 classes, weighted, one row ignored: the kernel leaves the reduced loss and the mean's
  // divisor on the device, in the input's dtype.
  Tensor x = from_vec<double>({-1, -2, -3, -4, -5, -6}, Dims{3, 2}, ScalarType::Float64);
  Tensor t = from_vec<int64_t>({1, 0, -100}, Dims{3}, ScalarType::Int64);
  Tensor w = from_vec<double>({0.5, 2.0}, Dims{2}, ScalarType::Float64);
  for (pynn::Reduction r : {pynn::Reduction::Sum, pynn::Reduction::Mean}) {
    pynn::LossOutputs o;
    o.reduction = r;
    o.loss = pynn::empty(Dims{}, ScalarType::Float64, pynn::Device{});
    o.total_weight = pynn::empty(Dims{}, ScalarType::Float64, pynn::Device{});
    pynn::nll_loss_kernel(pynn::Device{}, o, x, t, w, pynn::ClassLoss{pynn::RowGeom{3, 2, 1}, -100, 0.0});
    const double sum = 2.0 * 2 + 0.5 * 3, total = 2.0 + 0.5;
    EXPECT_EQ(o.total_weight->dim(), 0);
    EXPECT_DOUBLE_EQ(*o.total_weight->data_ptr<double>(), total);
    EXPECT_DOUBLE_EQ(*o.loss->data_ptr<double>(), r == pynn::Reduction::Sum ? sum : sum / total);
  }
}

TEST(Activations, DerivativeKernelsMatchFiniteDifferences) {
  const std::vector<double> v = random_doubles(50, 5, 3.0);
  Tensor x = from_vec(v, Dims{50}, ScalarType::Float64);
  Tensor ones = pynn::full(Dims{50}, pynn::Scalar(1.0), ScalarType::Float64, pynn::Device{});
  const double h = 1e-6;
  struct Case { pynn::Activation act; pynn::ActParams p; };
  const Case cases[] = {{pynn::Activation::Gelu, {}}, {pynn::Activation::GeluTanh, {}},
                        {pynn::Activation::Elu, pynn::EluParams{1.5, 1.2, 0.8}}, {pynn::Activation::Silu, {}},
                        {pynn::Activation::Mish, {}}, {pynn::Activation::Softplus, pynn::SoftplusParams{2.0, 5.0}}};
  for (const Case& c : cases) {
    const std::vector<double> d = values(pynn::activation_backward(c.act, ones, x, c.p));
    for (size_t i = 0; i < v.size(); ++i) {
      Tensor lo = from_vec(std::vector<double>{v[i] - h}, Dims{1}, ScalarType::Float64);
      Tensor hi = from_vec(std::vector<double>{v[i] + h}, Dims{1}, ScalarType::Float64);
      const double fd = (*pynn::activation(c.act, hi, c.p)->data_ptr<double>() -
                         *pynn::activation(c.act, lo, c.p)->data_ptr<double>()) / (2 * h);
      EXPECT_NEAR(d[i], fd, 1e-6) << pynn::activation_name(c.act) << " at x=" << v[i];
    }
  }
}

}  // namespace
