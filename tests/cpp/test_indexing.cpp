// Indexing family: a few end-to-end checks of the ops in csrc/ops/indexing.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "ops/elementwise.h"
#include "ops/indexing.h"
#include "ops/shape.h"

using namespace pynn;

namespace {

template <typename T>
Tensor make(const std::vector<T>& v, const Dims& sizes, ScalarType dt) {
  Tensor t = empty(sizes, dt, pynn::Device{});
  T* p = t->data_ptr<T>();
  for (size_t i = 0; i < v.size(); ++i) p[i] = v[i];
  return t;
}
Tensor fvec(const std::vector<float>& v, const Dims& sizes) { return make(v, sizes, ScalarType::Float32); }
Tensor lvec(const std::vector<int64_t>& v, const Dims& sizes) { return make(v, sizes, ScalarType::Int64); }
Tensor arange_f(int64_t n, const Dims& sizes) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return fvec(v, sizes);
}

template <typename T>
std::vector<T> values(const Tensor& t) {
  Tensor c = contiguous(t);
  const T* p = c->data_ptr<T>();
  return std::vector<T>(p, p + c->numel());
}

}  // namespace

TEST(Indexing, CatPromotesAndSkipsLegacyEmpty) {
  Tensor a = fvec({1, 2, 3, 4}, {2, 2});
  Tensor b = lvec({5, 6}, {2, 1});
  Tensor e = empty(Dims{0}, ScalarType::Float64, pynn::Device{});
  Tensor r = cat({a, e, b}, 1);
  EXPECT_EQ(r->sizes(), (Dims{2, 3}));
  EXPECT_EQ(r->dtype(), ScalarType::Float64);
  EXPECT_EQ(values<double>(r), (std::vector<double>{1, 2, 5, 3, 4, 6}));
  try {
    cat({a, fvec({1, 2, 3}, {3, 1})}, 1);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& err) {
    EXPECT_STREQ(err.what(),
                 "[cat] Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor "
                 "number 1 in the list.");
  }
}

TEST(Indexing, SplitChunkAreViews) {
  Tensor x = arange_f(10, {5, 2});
  std::vector<Tensor> parts = split(x, 2, 0);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2]->sizes(), (Dims{1, 2}));
  EXPECT_EQ(parts[1]->storage(), x->storage());
  std::vector<Tensor> ch = chunk(x, 2, 1);
  ASSERT_EQ(ch.size(), 2u);
  EXPECT_EQ(values<float>(ch[1]), (std::vector<float>{1, 3, 5, 7, 9}));
}

TEST(Indexing, GatherScatterRoundTrip) {
  Tensor x = arange_f(6, {2, 3});
  Tensor idx = lvec({2, 0, 1, 1}, {2, 2});
  Tensor g = gather(x, 1, idx);
  EXPECT_EQ(values<float>(g), (std::vector<float>{2, 0, 4, 4}));
  Tensor z = fvec({0, 0, 0, 0, 0, 0}, {2, 3});
  Tensor s = scatter_add(z, 1, idx, g);
  EXPECT_EQ(values<float>(s), (std::vector<float>{0, 0, 2, 0, 8, 0}));
  EXPECT_THROW(gather(x, 1, lvec({7}, {1, 1})), std::runtime_error);
  EXPECT_THROW(gather(x, 1, fvec({0}, {1, 1})), std::runtime_error);
}

TEST(Indexing, BasicIndexIsViewAdvancedIsCopy) {
  Tensor x = arange_f(24, {2, 3, 4});
  // x[1, :, ::2]
  Tensor v = index(x, {TensorIndex::from_int(1), TensorIndex::from_slice(std::nullopt, std::nullopt),
                       TensorIndex::from_slice(std::nullopt, std::nullopt, 2)});
  EXPECT_EQ(v->sizes(), (Dims{3, 2}));
  EXPECT_EQ(v->storage(), x->storage());
  EXPECT_EQ(values<float>(v), (std::vector<float>{12, 14, 16, 18, 20, 22}));
  // x[:, [2, 0], 1] -> shape (2, 2)
  Tensor a = index(x, {TensorIndex::from_slice(std::nullopt, std::nullopt), TensorIndex::from_tensor(lvec({2, 0}, {2})),
                       TensorIndex::from_int(1)});
  EXPECT_EQ(a->sizes(), (Dims{2, 2}));
  EXPECT_NE(a->storage(), x->storage());
  EXPECT_EQ(values<float>(a), (std::vector<float>{9, 1, 21, 13}));
  EXPECT_THROW(index(x, {TensorIndex::from_int(5)}), IndexError);
  EXPECT_THROW(index(x, {TensorIndex::from_tensor(lvec({-4}, {1}))}), IndexError);
  EXPECT_THROW(index(x, {TensorIndex::from_tensor(fvec({0}, {1}))}), IndexError);
}

TEST(Indexing, IndexPutWithMaskAndBumpsVersion) {
  Tensor x = arange_f(6, {2, 3});
  uint64_t v0 = x->version();
  Tensor mask = binary(BinaryOp::Gt, x, wrap_scalar(Scalar(int64_t(2))));
  index_put_(x, {TensorIndex::from_tensor(mask)}, scalar_tensor(Scalar(-1.0), ScalarType::Float32));
  EXPECT_EQ(values<float>(x), (std::vector<float>{0, 1, 2, -1, -1, -1}));
  EXPECT_GT(x->version(), v0);
}

TEST(Indexing, SortTopkNanLargest) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = fvec({1, nan, 0, -1}, {4});
  auto s = sort(x, -1, false, false);
  EXPECT_EQ(values<int64_t>(s.second), (std::vector<int64_t>{3, 2, 0, 1}));
  auto t = topk(x, 2, -1, true, true);
  EXPECT_EQ(values<int64_t>(t.second), (std::vector<int64_t>{1, 0}));
  EXPECT_TRUE(std::isnan(values<float>(t.first)[0]));
}

TEST(Indexing, NonzeroFlipTrilOneHot) {
  Tensor x = fvec({0, 1, 2, 0}, {2, 2});
  EXPECT_EQ(values<int64_t>(nonzero(x)), (std::vector<int64_t>{0, 1, 1, 0}));
  Tensor f = flip(arange_f(6, {2, 3}), {0, 1});
  EXPECT_EQ(values<float>(f), (std::vector<float>{5, 4, 3, 2, 1, 0}));
  Tensor l = tril(arange_f(9, {3, 3}), 0);
  EXPECT_EQ(values<float>(l), (std::vector<float>{0, 0, 0, 3, 4, 0, 6, 7, 8}));
  Tensor oh = one_hot(lvec({2, 0}, {2}), 3);
  EXPECT_EQ(values<int64_t>(oh), (std::vector<int64_t>{0, 0, 1, 1, 0, 0}));
  EXPECT_THROW(one_hot(lvec({3}, {1}), 3), std::runtime_error);
}
