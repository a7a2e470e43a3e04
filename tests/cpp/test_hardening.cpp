// Hardening invariants below the Python layer (issue #16): torch's overlap classification, overflow-checked
// geometry, checked scalar conversion, and the iterator refusing writes that alias their inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/iterator.h"
#include "core/overlap.h"
#include "core/scalar.h"
#include "ops/elementwise.h"
#include "ops/shape.h"
#include "test_util.h"

using namespace pynn;

namespace {
Tensor floats(int64_t n) { return empty(Dims{n}, ScalarType::Float32, Device{}); }
}  // namespace

TEST(Hardening, NonOverlappingAndDense) {
  Tensor x = empty(Dims{3, 4}, ScalarType::Float32, Device{});
  EXPECT_TRUE(is_non_overlapping_and_dense(*x));
  EXPECT_TRUE(is_non_overlapping_and_dense(*transpose(x, 0, 1)));          // permuted, still dense
  EXPECT_FALSE(is_non_overlapping_and_dense(*make_view(x, Dims{3}, Dims{4}, 0)));  // a column: holes
  EXPECT_FALSE(is_non_overlapping_and_dense(*make_view(x, Dims{2, 4}, Dims{0, 1}, 0)));  // expanded
  EXPECT_TRUE(is_non_overlapping_and_dense(*make_view(x, Dims{1, 4}, Dims{99, 1}, 0)));  // size-1 stride ignored
}

TEST(Hardening, InternalOverlap) {
  Tensor x = floats(4);
  EXPECT_EQ(has_internal_overlap(*x), MemOverlap::No);
  EXPECT_EQ(has_internal_overlap(*make_view(x, Dims{3, 4}, Dims{0, 1}, 0)), MemOverlap::Yes);
  EXPECT_EQ(has_internal_overlap(*make_view(x, Dims{2}, Dims{2}, 0)), MemOverlap::TooHard);
  EXPECT_NE(pynn_test::message_of<std::runtime_error>([&] {
              assert_no_internal_overlap(*make_view(x, Dims{3, 4}, Dims{0, 1}, 0), "add_");
            }).find("[add_] unsupported operation: more than one element"),
            std::string::npos);
  assert_no_internal_overlap(*make_view(x, Dims{0, 4}, Dims{0, 1}, 0));  // nothing is written: fine
}

TEST(Hardening, OverlapStatus) {
  Tensor x = floats(8);
  Tensor head = make_view(x, Dims{4}, Dims{1}, 0), shifted = make_view(x, Dims{4}, Dims{1}, 1);
  Tensor tail = make_view(x, Dims{4}, Dims{1}, 4), same = make_view(x, Dims{4}, Dims{1}, 0);
  EXPECT_EQ(get_overlap_status(*head, *head), MemOverlapStatus::Full);
  EXPECT_EQ(get_overlap_status(*head, *same), MemOverlapStatus::Full);
  EXPECT_EQ(get_overlap_status(*head, *shifted), MemOverlapStatus::Partial);
  EXPECT_EQ(get_overlap_status(*head, *tail), MemOverlapStatus::No);
  EXPECT_EQ(get_overlap_status(*head, *floats(4)), MemOverlapStatus::No);  // another storage
  Tensor sq = make_view(x, Dims{2, 2}, Dims{2, 1}, 0), sqt = make_view(x, Dims{2, 2}, Dims{1, 2}, 0);
  EXPECT_EQ(get_overlap_status(*sq, *sqt), MemOverlapStatus::Partial);  // same bytes, other order
  EXPECT_EQ(get_overlap_status(*head, *make_view(x, Dims{4}, Dims{2}, 0)), MemOverlapStatus::TooHard);
  EXPECT_THROW(assert_no_partial_overlap(*head, *shifted), std::runtime_error);
  assert_no_partial_overlap(*head, *same);
  EXPECT_THROW(assert_no_overlap(*head, *same), std::runtime_error);  // scatter-like ops refuse Full too
}

TEST(Hardening, IteratorRefusesAliasedWrites) {
  Tensor x = floats(8);
  Tensor head = make_view(x, Dims{4}, Dims{1}, 0), shifted = make_view(x, Dims{4}, Dims{1}, 1);
  EXPECT_THROW(TensorIter({head, shifted}), std::runtime_error);
  EXPECT_THROW(TensorIter({make_view(x, Dims{2, 4}, Dims{0, 1}, 0), floats(4)}), std::runtime_error);
  TensorIter ok({head, head});  // in place on itself
  EXPECT_EQ(ok.numel(), 4);
}

TEST(Hardening, CheckedNumelAndStorageSize) {
  EXPECT_EQ(checked_numel(Dims{2, 3}), 6);
  EXPECT_EQ(checked_numel(Dims{int64_t(1) << 62, 4, 0}), 0);  // an empty dim anywhere: no overflow
  EXPECT_THROW(checked_numel(Dims{int64_t(1) << 62, 4}), std::runtime_error);
  EXPECT_EQ(required_storage_elems(Dims{2, 3}, Dims{3, 1}, 1), 7);
  EXPECT_EQ(required_storage_elems(Dims{0, 3}, Dims{int64_t(1) << 62, 1}, 5), 5);
  EXPECT_THROW(required_storage_elems(Dims{2, 2}, Dims{int64_t(1) << 62, 1}, 0), std::runtime_error);
  EXPECT_THROW(required_storage_elems(Dims{2, 2}, Dims{1, 1}, std::numeric_limits<int64_t>::max()), std::runtime_error);
  EXPECT_THROW(empty(Dims{int64_t(1) << 31, int64_t(1) << 31}, ScalarType::Float32, Device{}), std::runtime_error);
  Tensor x = floats(4);
  EXPECT_THROW(make_view(x, Dims{int64_t(1) << 62, 4}, Dims{0, 1}, 0), std::runtime_error);
}

TEST(Hardening, ScalarConversionIsChecked) {
  EXPECT_EQ(Scalar(int64_t(1) << 31).to<int64_t>(), int64_t(1) << 31);
  EXPECT_THROW(Scalar(int64_t(1) << 31).to<int32_t>(), std::runtime_error);
  EXPECT_EQ(Scalar(int64_t(-(int64_t(1) << 31))).to<int32_t>(), std::numeric_limits<int32_t>::min());
  EXPECT_THROW(Scalar(std::nan("")).to<int64_t>(), std::runtime_error);
  EXPECT_THROW(Scalar(9223372036854775808.0).to<int64_t>(), std::runtime_error);
  EXPECT_THROW(Scalar(1e300).to<float>(), std::runtime_error);
  EXPECT_TRUE(std::isinf(Scalar(INFINITY).to<float>()));  // inf and NaN themselves fit a float
  EXPECT_TRUE(std::isnan(Scalar(std::nan("")).to<float>()));
  EXPECT_EQ(Scalar(1e300).to<double>(), 1e300);
  EXPECT_EQ(pynn_test::message_of<std::runtime_error>([] { Scalar(int64_t(1) << 40).to<int32_t>(); }),
            "value cannot be converted to type int32 without overflow");
}
