// Scalar's float -> int conversion, div rounding modes and tensor-bound clamp, as ops (house review 2, §3).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/scalar.h"
#include "ops/elementwise.h"
#include "test_util.h"

using namespace pynn;
using pynn_test::from_vec;
using pynn_test::message_of;

namespace {
template <typename T>
std::vector<T> values(const Tensor& t) {
  Tensor c = contiguous(t);
  return std::vector<T>(c->data_ptr<T>(), c->data_ptr<T>() + c->numel());
}
}  // namespace

TEST(ScalarConversion, FloatsOutsideAnIntegerTypeThrow) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  for (double v : {nan, inf, -inf, 9223372036854775808.0, -1e30})
    EXPECT_NE(message_of<std::runtime_error>([&] { Scalar(v).to<int64_t>(); }).find("without overflow"), std::string::npos) << v;
  EXPECT_NE(message_of<std::runtime_error>([&] { Scalar(2147483647.5).to<int32_t>(); }).find("int32"), std::string::npos);
  EXPECT_EQ(Scalar(-9223372036854775808.0).to<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Scalar(-3.7).to<int64_t>(), -3);
  EXPECT_EQ(Scalar(nan).i, 0);  // the fallback is defined
  EXPECT_EQ(Scalar(inf).i, std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(Scalar(nan).to<bool>());
  EXPECT_TRUE(std::isnan(Scalar(nan).to<double>()));
}

TEST(DivRounding, TruncIsExactForIntegers) {
  Tensor a = from_vec<int64_t>({(1LL << 25) + 1, -7, 7, -7, (1LL << 60) + 1}, Dims{5}, ScalarType::Int64);
  Tensor b = from_vec<int64_t>({1, 2, -2, -2, 1}, Dims{5}, ScalarType::Int64);
  EXPECT_EQ(values<int64_t>(div(a, b, RoundingMode::Trunc)),
            (std::vector<int64_t>{(1LL << 25) + 1, -3, -3, 3, (1LL << 60) + 1}));
  EXPECT_EQ(values<int64_t>(div(a, b, RoundingMode::Floor)),
            (std::vector<int64_t>{(1LL << 25) + 1, -4, -4, 3, (1LL << 60) + 1}));
  div_(a, b, RoundingMode::Trunc);
  EXPECT_EQ(values<int64_t>(a), (std::vector<int64_t>{(1LL << 25) + 1, -3, -3, 3, (1LL << 60) + 1}));
  Tensor f = from_vec<float>({1.5f, -1.5f}, Dims{2}, ScalarType::Float32);
  EXPECT_NE(message_of<std::runtime_error>([&] { div_(b, f, RoundingMode::Trunc); }).find("can't be cast"), std::string::npos);
}

TEST(DivRounding, TruncOfFloatsRoundsTheQuotientTowardZero) {
  Tensor a = from_vec<double>({7.0, -7.0, 0.5}, Dims{3}, ScalarType::Float64);
  Tensor b = from_vec<double>({2.0, 2.0, -0.25}, Dims{3}, ScalarType::Float64);
  EXPECT_EQ(values<double>(div(a, b, RoundingMode::Trunc)), (std::vector<double>{3.0, -3.0, -2.0}));
  div_(a, b, RoundingMode::Trunc);
  EXPECT_EQ(values<double>(a), (std::vector<double>{3.0, -3.0, -2.0}));
}

TEST(ClampTensorBounds, WrappedNumbersTakeTheScalarPathTensorsBroadcast) {
  Tensor x = from_vec<float>({-3, -1, 0, 2, 5, 9}, Dims{2, 3}, ScalarType::Float32);
  Tensor lo = from_vec<float>({0, -2, 1}, Dims{3}, ScalarType::Float32);
  EXPECT_EQ(values<float>(clamp(x, lo, wrap_scalar(Scalar(4.0)))), (std::vector<float>{0, -1, 1, 2, 4, 4}));
  EXPECT_EQ(values<float>(clamp(x, wrap_scalar(Scalar(int64_t(0))), nullptr)), (std::vector<float>{0, 0, 0, 2, 5, 9}));
  clamp_(x, nullptr, lo);
  EXPECT_EQ(values<float>(x), (std::vector<float>{-3, -2, 0, 0, -2, 1}));
  Tensor i = from_vec<int64_t>({0, 1, 2}, Dims{3}, ScalarType::Int64);
  EXPECT_NE(message_of<std::runtime_error>([&] { clamp_(i, nullptr, lo); }).find("can't be cast"), std::string::npos);
  EXPECT_EQ(values<int64_t>(i), (std::vector<int64_t>{0, 1, 2}));
}
