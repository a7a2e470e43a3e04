// Core invariants checked below the Python layer: geometry, promotion, iterator, views, thread pool.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "core/iterator.h"
#include "core/parallel.h"
#include "core/shape.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/shape.h"

using namespace pynn;

TEST(Core, ContiguousStrides) {
  EXPECT_EQ(contiguous_strides(Dims{2, 3, 4}), (Dims{12, 4, 1}));
  Tensor t = empty(Dims{2, 3}, ScalarType::Float32, pynn::Device{});
  EXPECT_TRUE(t->is_contiguous());
  EXPECT_EQ(t->numel(), 6);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data()) % 64, 0u);
}

TEST(Core, Promotion) {
  EXPECT_EQ(promote_types(ScalarType::Int32, ScalarType::Int64), ScalarType::Int64);
  EXPECT_EQ(promote_types(ScalarType::Int64, ScalarType::Float32), ScalarType::Float32);
  Tensor i = empty(Dims{3}, ScalarType::Int64, pynn::Device{});
  Tensor f = wrap_scalar(Scalar(2.5));
  EXPECT_EQ(result_type({i.get(), f.get()}), ScalarType::Float32);
  Tensor d0 = scalar_tensor(Scalar(1.0), ScalarType::Float64);
  Tensor f32 = empty(Dims{3}, ScalarType::Float32, pynn::Device{});
  EXPECT_EQ(result_type({f32.get(), d0.get()}), ScalarType::Float32);
}

TEST(Core, BroadcastAdd) {
  Tensor a = arange(Scalar(int64_t(0)), Scalar(int64_t(6)), Scalar(int64_t(1)), ScalarType::Float32, pynn::Device{});
  Tensor a2 = view(a, {2, 3});
  Tensor b = arange(Scalar(int64_t(0)), Scalar(int64_t(3)), Scalar(int64_t(1)), ScalarType::Float32, pynn::Device{});
  Tensor c = binary(BinaryOp::Add, a2, b);
  ASSERT_EQ(c->sizes(), (Dims{2, 3}));
  const float* p = c->data_ptr<float>();
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_FLOAT_EQ(p[i * 3 + j], static_cast<float>(i * 3 + j + j));
  EXPECT_THROW(binary(BinaryOp::Add, a2, arange(Scalar(int64_t(0)), Scalar(int64_t(4)), Scalar(int64_t(1)), ScalarType::Float32, pynn::Device{})),
               std::runtime_error);
}

TEST(Core, TransposeCopy) {
  Tensor a = view(arange(Scalar(int64_t(0)), Scalar(int64_t(6)), Scalar(int64_t(1)), ScalarType::Int64, pynn::Device{}), {2, 3});
  Tensor at = transpose(a, 0, 1);
  EXPECT_FALSE(at->is_contiguous());
  Tensor c = contiguous(at);
  const int64_t* p = c->data_ptr<int64_t>();
  int64_t expect[] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(p[i], expect[i]);
}

TEST(Core, ViewStrides) {
  Dims out;
  EXPECT_TRUE(view_strides(Dims{4, 6}, Dims{6, 1}, Dims{2, 2, 6}, out));
  EXPECT_EQ(out, (Dims{12, 6, 1}));
  EXPECT_FALSE(view_strides(Dims{6, 4}, Dims{1, 6}, Dims{24}, out));
}

TEST(Core, ParallelForCoversRangeOnce) {
  std::vector<std::atomic<int>> hits(100000);
  parallel_for(0, 100000, 1000, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(Core, ParallelForPropagatesExceptions) {
  EXPECT_THROW(parallel_for(0, 100000, 10, [](int64_t b, int64_t) {
    if (b > 0) throw std::runtime_error("boom");
  }), std::runtime_error);
}

TEST(Core, LargeElementwiseMatchesSerial) {
  Tensor a = randn(Dims{1 << 18}, ScalarType::Float32, pynn::Device{});
  Tensor b = unary(UnaryOp::Exp, a);
  const float* pa = a->data_ptr<float>();
  const float* pb = b->data_ptr<float>();
  for (int64_t i = 0; i < a->numel(); i += 997) EXPECT_FLOAT_EQ(pb[i], std::exp(pa[i]));
}

TEST(Core, IteratorGeometryIsPublicAndKnows32BitLimits) {
  Tensor a = empty(Dims{4, 5}, ScalarType::Float32, Device{});
  Tensor b = empty(Dims{5}, ScalarType::Float32, Device{});
  TensorIter it({a.get(), a.get(), b.get()});
  EXPECT_EQ(it.numel(), 20);
  EXPECT_EQ(it.nops(), 3);
  ASSERT_EQ(it.ndim(), 2);  // b's broadcast row stops the dims from coalescing
  EXPECT_EQ(it.shape(0), 5);
  EXPECT_EQ(it.stride(1, 2), 0);  // broadcast operand: stride 0 along the rows
  EXPECT_TRUE(it.can_use_32bit_indexing());
  // A view whose byte extent passes 2^31 (strides only; nothing is read) needs 64-bit offsets.
  Tensor wide = make_view(a, Dims{2, 2}, Dims{int64_t(1) << 30, 1}, 0);
  EXPECT_FALSE(TensorIter({wide.get()}).can_use_32bit_indexing());
}
