// C++-level checks of the reduction and matrix-product ops against plain reference loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "autograd/engine.h"
#include "autograd/node.h"
#include "core/parallel.h"
#include "ops/factory.h"
#include "test_util.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace {

using pynn::Dims;
using pynn::ScalarType;
using pynn::Tensor;

using pynn_test::from_vec;

std::vector<float> random_floats(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

TEST(Reduce, SumOfArangeInt64) {
  const int64_t n = 100000;
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  Tensor s = pynn::sum(from_vec(v, Dims{n}, ScalarType::Int64));
  ASSERT_EQ(s->dim(), 0);
  ASSERT_EQ(s->dtype(), ScalarType::Int64);
  EXPECT_EQ(*s->data_ptr<int64_t>(), n * (n - 1) / 2);
}

TEST(Reduce, SumInt32AndBoolPromoteToInt64) {
  Tensor a = pynn::sum(from_vec<int32_t>({1, 2, 3}, Dims{3}, ScalarType::Int32));
  EXPECT_EQ(a->dtype(), ScalarType::Int64);
  EXPECT_EQ(*a->data_ptr<int64_t>(), 6);
  Tensor b = pynn::sum(from_vec<bool>({true, false, true, true}, Dims{4}, ScalarType::Bool));
  EXPECT_EQ(b->dtype(), ScalarType::Int64);
  EXPECT_EQ(*b->data_ptr<int64_t>(), 3);
}

TEST(Reduce, LargeFloatSumIsAccurate) {
  const int64_t n = 1000000;
  Tensor x = from_vec(std::vector<float>(n, 0.1f), Dims{n}, ScalarType::Float32);
  const double expected = static_cast<double>(0.1f) * n;
  EXPECT_NEAR(*pynn::sum(x)->data_ptr<float>(), expected, expected * 1e-6);
  EXPECT_NEAR(*pynn::mean(x)->data_ptr<float>(), 0.1f, 1e-7);
}

TEST(Reduce, SumOverDimsMatchesReference) {
  // [4, 5, 6] reduced over {0, 2} (not a block: goes through the permute-and-copy path) and over {1}.
  const std::vector<float> v = random_floats(4 * 5 * 6, 1);
  Tensor x = from_vec(v, Dims{4, 5, 6}, ScalarType::Float32);
  Tensor s02 = pynn::sum(x, {0, 2});
  ASSERT_EQ(s02->sizes(), (Dims{5}));
  for (int j = 0; j < 5; ++j) {
    double ref = 0;
    for (int i = 0; i < 4; ++i)
      for (int k = 0; k < 6; ++k) ref += v[(i * 5 + j) * 6 + k];
    EXPECT_NEAR(s02->data_ptr<float>()[j], ref, 1e-4);
  }
  Tensor s1 = pynn::sum(x, {1}, /*keepdim=*/true);
  ASSERT_EQ(s1->sizes(), (Dims{4, 1, 6}));
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 6; ++k) {
      double ref = 0;
      for (int j = 0; j < 5; ++j) ref += v[(i * 5 + j) * 6 + k];
      EXPECT_NEAR(s1->data_ptr<float>()[i * 6 + k], ref, 1e-4);
    }
}

TEST(Reduce, TransposedInputUsesMemoryOrder) {
  const std::vector<float> v = random_floats(7 * 9, 2);
  Tensor x = from_vec(v, Dims{7, 9}, ScalarType::Float32);
  Tensor xt = pynn::transpose(x, 0, 1);  // [9, 7]
  Tensor s = pynn::sum(xt, {1});         // sums x's rows
  ASSERT_EQ(s->sizes(), (Dims{9}));
  for (int j = 0; j < 9; ++j) {
    double ref = 0;
    for (int i = 0; i < 7; ++i) ref += v[i * 9 + j];
    EXPECT_NEAR(s->data_ptr<float>()[j], ref, 1e-5);
  }
}

TEST(Reduce, MaxDimTiesPickFirstIndex) {
  Tensor x = from_vec<float>({1, 3, 3, 0, 2, 2, 2, 1}, Dims{2, 4}, ScalarType::Float32);
  auto r = pynn::max_dim(x, 1, false);
  EXPECT_EQ(r.first->data_ptr<float>()[0], 3.f);
  EXPECT_EQ(r.second->data_ptr<int64_t>()[0], 1);
  EXPECT_EQ(r.second->data_ptr<int64_t>()[1], 0);
  Tensor am = pynn::argmin(x);
  EXPECT_EQ(*am->data_ptr<int64_t>(), 3);
}

// Autograd wiring of the reductions: only floating outputs record, and the engine reaches the input.
Tensor leaf(const std::vector<double>& v, const Dims& sizes) {
  Tensor t = from_vec(v, sizes, ScalarType::Float64);
  pynn::autograd::meta(t).requires_grad = true;
  return t;
}

std::vector<double> grad_of(const Tensor& out, const Tensor& x) {
  Tensor g = pynn::full(out->sizes(), pynn::Scalar(1.0), ScalarType::Float64, pynn::Device{});
  pynn::autograd::backward({out}, {g}, false, false);
  Tensor gx = x->autograd_meta->grad;
  return std::vector<double>(gx->data_ptr<double>(), gx->data_ptr<double>() + gx->numel());
}

TEST(ReduceAutograd, OnlyDifferentiableOutputsRecord) {
  using pynn::autograd::requires_grad;
  Tensor x = leaf({1, 3, 3, 0, 2, 2}, Dims{2, 3});
  auto r = pynn::max_dim(x, 1, false);
  EXPECT_TRUE(requires_grad(r.first));
  EXPECT_EQ(r.first->autograd_meta->grad_fn->name(), "MaxBackward0");
  EXPECT_FALSE(requires_grad(r.second));
  EXPECT_FALSE(requires_grad(pynn::argmax(x)));
  EXPECT_FALSE(requires_grad(pynn::any(x)));
  EXPECT_FALSE(requires_grad(pynn::prod(x, 1, false, ScalarType::Int64)));
  EXPECT_TRUE(requires_grad(pynn::cumprod(x, 0)));
}

TEST(ReduceAutograd, ProdWithZerosAndTiedMax) {
  Tensor x = leaf({2, 0, 3, 0, 0, 5}, Dims{2, 3});
  EXPECT_EQ(grad_of(pynn::prod(x, 1), x), (std::vector<double>{0, 6, 0, 0, 0, 0}));
  Tensor y = leaf({1, 4, 4}, Dims{3});
  EXPECT_EQ(grad_of(pynn::max(y), y), (std::vector<double>{0, 0.5, 0.5}));
  Tensor z = leaf({1, 2, 3}, Dims{3});
  EXPECT_EQ(grad_of(pynn::cumsum(z, 0), z), (std::vector<double>{3, 2, 1}));
}

TEST(Reduce, ArgmaxLongRowSplitAcrossThreads) {
  const int64_t n = 300001;
  std::vector<float> v(n, 1.0f);
  v[123457] = 5.0f;
  v[250000] = 5.0f;
  Tensor idx = pynn::argmax(from_vec(v, Dims{n}, ScalarType::Float32));
  EXPECT_EQ(*idx->data_ptr<int64_t>(), 123457);
}

TEST(Reduce, EmptyReductions) {
  Tensor e = pynn::empty(Dims{0, 3}, ScalarType::Float32, pynn::Device{});
  EXPECT_EQ(*pynn::sum(e)->data_ptr<float>(), 0.f);
  EXPECT_EQ(*pynn::prod(e)->data_ptr<float>(), 1.f);
  EXPECT_TRUE(std::isnan(*pynn::mean(e)->data_ptr<float>()));
  EXPECT_THROW(pynn::max(e), std::runtime_error);
  Tensor s0 = pynn::sum(e, {0});
  ASSERT_EQ(s0->sizes(), (Dims{3}));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s0->data_ptr<float>()[i], 0.f);
}

TEST(Reduce, BadDimIsIndexError) {
  Tensor x = pynn::empty(Dims{2, 3}, ScalarType::Float32, pynn::Device{});
  EXPECT_THROW(pynn::sum(x, {2}), pynn::IndexError);
  EXPECT_THROW(pynn::mean(pynn::empty(Dims{2}, ScalarType::Int64, pynn::Device{})), std::runtime_error);
}

TEST(Reduce, VarTwoPassIsStable) {
  std::vector<float> v(1000);
  for (int i = 0; i < 1000; ++i) v[i] = 1e4f + static_cast<float>(i % 2);
  Tensor var = pynn::var(from_vec(v, Dims{1000}, ScalarType::Float32), {}, 1.0);
  EXPECT_NEAR(*var->data_ptr<float>(), 0.25 * 1000 / 999, 1e-5);
}

TEST(Reduce, LogsumexpHandlesInfinities) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = from_vec<float>({-inf, -inf, 1000.f, 1000.f}, Dims{2, 2}, ScalarType::Float32);
  Tensor r = pynn::logsumexp(x, {1});
  EXPECT_TRUE(std::isinf(r->data_ptr<float>()[0]) && r->data_ptr<float>()[0] < 0);
  EXPECT_NEAR(r->data_ptr<float>()[1], 1000.f + std::log(2.f), 1e-3);
}

TEST(Reduce, VarOverBatchAndSpatialDimsReadsInPlace) {
  // NCHW over (0, 2, 3), as batch norm needs: the leading-reduced-axis layout, no copy.
  const int N = 4, C = 3, H = 5, W = 6;
  const std::vector<float> v = random_floats(N * C * H * W, 9);
  Tensor x = from_vec(v, Dims{N, C, H, W}, ScalarType::Float32);
  Tensor var = pynn::var(x, {0, 2, 3}, /*correction=*/0.0, /*keepdim=*/true);
  ASSERT_EQ(var->sizes(), (Dims{1, C, 1, 1}));
  for (int c = 0; c < C; ++c) {
    double s = 0, q = 0;
    const int cnt = N * H * W;
    for (int n = 0; n < N; ++n)
      for (int i = 0; i < H * W; ++i) s += v[(n * C + c) * H * W + i];
    const double mean = s / cnt;
    for (int n = 0; n < N; ++n)
      for (int i = 0; i < H * W; ++i) q += (v[(n * C + c) * H * W + i] - mean) * (v[(n * C + c) * H * W + i] - mean);
    EXPECT_NEAR(var->data_ptr<float>()[c], q / cnt, 1e-5);
  }
}

// ---------------------------------------------------------------------------------------------------------

std::vector<double> naive_mm(const std::vector<float>& a, const std::vector<float>& b, int m, int k, int n) {
  std::vector<double> c(static_cast<size_t>(m) * n, 0.0);
  for (int i = 0; i < m; ++i)
    for (int p = 0; p < k; ++p)
      for (int j = 0; j < n; ++j) c[i * n + j] += static_cast<double>(a[i * k + p]) * b[p * n + j];
  return c;
}

TEST(Linalg, MmMatchesNaiveLoop) {
  const int m = 37, k = 53, n = 29;
  const std::vector<float> a = random_floats(m * k, 3), b = random_floats(k * n, 4);
  Tensor c = pynn::mm(from_vec(a, Dims{m, k}, ScalarType::Float32), from_vec(b, Dims{k, n}, ScalarType::Float32));
  ASSERT_EQ(c->sizes(), (Dims{m, n}));
  const std::vector<double> ref = naive_mm(a, b, m, k, n);
  for (int i = 0; i < m * n; ++i) EXPECT_NEAR(c->data_ptr<float>()[i], ref[i], 1e-4);
}

TEST(Linalg, MmTransposedAndSteppedOperands) {
  const int m = 6, k = 8, n = 5;
  const std::vector<float> at = random_floats(k * m, 5), b2 = random_floats(k * 2 * n, 6);
  // a = at^T (a (1, k) stride view), b = every other column of a k x 2n matrix (needs packing).
  Tensor a = pynn::transpose(from_vec(at, Dims{k, m}, ScalarType::Float32), 0, 1);
  Tensor b = pynn::slice(from_vec(b2, Dims{k, 2 * n}, ScalarType::Float32), 1, 0, std::nullopt, 2);
  Tensor c = pynn::mm(a, b);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double ref = 0;
      for (int p = 0; p < k; ++p) ref += static_cast<double>(at[p * m + i]) * b2[p * 2 * n + 2 * j];
      EXPECT_NEAR(c->data_ptr<float>()[i * n + j], ref, 1e-4);
    }
}

TEST(Linalg, IntegerMm) {
  Tensor a = from_vec<int64_t>({1, 2, 3, 4, 5, 6}, Dims{2, 3}, ScalarType::Int64);
  Tensor b = from_vec<int64_t>({7, 8, 9, 10, 11, 12}, Dims{3, 2}, ScalarType::Int64);
  Tensor c = pynn::mm(a, b);
  const int64_t expected[] = {58, 64, 139, 154};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c->data_ptr<int64_t>()[i], expected[i]);
}

TEST(Linalg, MatmulShapes) {
  auto f = [](const Dims& s) { return pynn::empty(s, ScalarType::Float32, pynn::Device{}); };
  EXPECT_EQ(pynn::matmul(f({4}), f({4}))->sizes(), (Dims{}));
  EXPECT_EQ(pynn::matmul(f({3, 4}), f({4}))->sizes(), (Dims{3}));
  EXPECT_EQ(pynn::matmul(f({4}), f({4, 5}))->sizes(), (Dims{5}));
  EXPECT_EQ(pynn::matmul(f({2, 3, 4}), f({4, 5}))->sizes(), (Dims{2, 3, 5}));
  EXPECT_EQ(pynn::matmul(f({2, 1, 3, 4}), f({5, 4, 2}))->sizes(), (Dims{2, 5, 3, 2}));
  EXPECT_EQ(pynn::matmul(f({4}), f({2, 4, 3}))->sizes(), (Dims{2, 3}));
  EXPECT_THROW(pynn::mm(f({2, 3}), f({4, 5})), std::runtime_error);
  try {
    pynn::matmul(f({2, 3}), f({4, 5}));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "[matmul] mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  }
}

TEST(Linalg, BmmMatchesPerBatchMm) {
  const int B = 3, m = 4, k = 5, n = 6;
  const std::vector<float> a = random_floats(B * m * k, 7), b = random_floats(B * k * n, 8);
  Tensor c = pynn::bmm(from_vec(a, Dims{B, m, k}, ScalarType::Float32), from_vec(b, Dims{B, k, n}, ScalarType::Float32));
  for (int bi = 0; bi < B; ++bi) {
    std::vector<float> ab(a.begin() + bi * m * k, a.begin() + (bi + 1) * m * k);
    std::vector<float> bb(b.begin() + bi * k * n, b.begin() + (bi + 1) * k * n);
    const std::vector<double> ref = naive_mm(ab, bb, m, k, n);
    for (int i = 0; i < m * n; ++i) EXPECT_NEAR(c->data_ptr<float>()[bi * m * n + i], ref[i], 1e-4);
  }
}

TEST(Linalg, BmmManyTinyMatricesWithTransposedOperand) {
  const int B = 200, m = 3, k = 4, n = 5;
  const std::vector<float> a = random_floats(B * m * k, 10), bt = random_floats(B * n * k, 11);
  // b[i] = bt[i]^T: a (k, n) view with strides (1, k)
  Tensor b = pynn::transpose(from_vec(bt, Dims{B, n, k}, ScalarType::Float32), 1, 2);
  Tensor c = pynn::bmm(from_vec(a, Dims{B, m, k}, ScalarType::Float32), b);
  for (int bi = 0; bi < B; ++bi)
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        double ref = 0;
        for (int p = 0; p < k; ++p) ref += static_cast<double>(a[(bi * m + i) * k + p]) * bt[(bi * n + j) * k + p];
        EXPECT_NEAR(c->data_ptr<float>()[(bi * m + i) * n + j], ref, 1e-4);
      }
}

}  // namespace
