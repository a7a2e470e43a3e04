// The 16-bit float conversions (core/half.h) against their definition: every finite 16-bit value survives the
// trip through float; the midpoint between two neighbours rounds to the even one and anything off the midpoint
// to the nearer one; past the largest value is inf; NaN stays NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/half.h"
#include "core/scalar.h"

using namespace pynn;

namespace {

template <float (*ToFloat)(uint16_t), uint16_t (*FromFloat)(float)>
void check_format(uint16_t max_finite_bits) {
  for (uint32_t b = 0; b <= max_finite_bits; ++b) {
    for (uint16_t sign : {uint16_t(0), uint16_t(0x8000)}) {
      const uint16_t h = static_cast<uint16_t>(b | sign);
      const float f = ToFloat(h);
      ASSERT_EQ(FromFloat(f), h) << "round trip of bits " << h;
      if (b == max_finite_bits) continue;
      const float next = ToFloat(static_cast<uint16_t>(h + 1));
      // The midpoint is exact in double; as a float it is exact too (both formats have < 24 mantissa bits).
      const double mid = (static_cast<double>(f) + static_cast<double>(next)) / 2;
      const float midf = static_cast<float>(mid);
      ASSERT_EQ(static_cast<double>(midf), mid);
      const uint16_t even = (h & 1u) ? static_cast<uint16_t>(h + 1) : h;
      ASSERT_EQ(FromFloat(midf), even) << "tie after bits " << h;
      ASSERT_EQ(FromFloat(std::nextafter(midf, f)), h);
      ASSERT_EQ(FromFloat(std::nextafter(midf, next)), static_cast<uint16_t>(h + 1));
    }
  }
}

}  // namespace

TEST(Half, EveryValueRoundTripsAndTiesRoundToEven) {
  check_format<half_bits::half_to_float, half_bits::float_to_half>(0x7bff);  // 65504
  EXPECT_EQ(half_bits::half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_bits::half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
}

TEST(Half, OverflowInfinityAndNaN) {
  EXPECT_EQ(half_bits::float_to_half(65519.0f), 0x7bff);  // below the midpoint to 65536: the largest value
  EXPECT_EQ(half_bits::float_to_half(65520.0f), 0x7c00);  // the midpoint: even is the "next" value, inf
  EXPECT_EQ(half_bits::float_to_half(1e30f), 0x7c00);
  EXPECT_EQ(half_bits::float_to_half(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(half_bits::float_to_half(std::ldexp(1.0f, -26)), 0x0000);  // below half the smallest subnormal
  EXPECT_EQ(half_bits::float_to_half(-0.0f), 0x8000);
  const uint16_t nan = half_bits::float_to_half(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
  EXPECT_TRUE(std::isnan(half_bits::half_to_float(0x7e00)));
  EXPECT_TRUE(std::isinf(half_bits::half_to_float(0x7c00)));
}

TEST(BFloat16, EveryValueRoundTripsAndTiesRoundToEven) {
  check_format<half_bits::bfloat16_to_float, half_bits::float_to_bfloat16>(0x7f7f);
  EXPECT_EQ(half_bits::float_to_bfloat16(std::numeric_limits<float>::max()), 0x7f80);  // rounds up to inf
  EXPECT_TRUE(std::isnan(half_bits::bfloat16_to_float(
      half_bits::float_to_bfloat16(std::numeric_limits<float>::quiet_NaN()))));
  // A signalling NaN whose payload lives only in the dropped bits must not become inf.
  const float snan = half_bits::bits_float(0x7f800001u);
  EXPECT_TRUE(std::isnan(half_bits::bfloat16_to_float(half_bits::float_to_bfloat16(snan))));
}

TEST(Half, ScalarConversionRefusesOverflowAsTorch) {
  EXPECT_EQ(static_cast<float>(Scalar(65504.0).to<Half>()), 65504.0f);
  EXPECT_THROW(Scalar(65505.0).to<Half>(), std::runtime_error);
  EXPECT_THROW(Scalar(int64_t(70000)).to<Half>(), std::runtime_error);
  EXPECT_TRUE(std::isinf(static_cast<float>(Scalar(std::numeric_limits<double>::infinity()).to<Half>())));
  EXPECT_EQ(static_cast<float>(Scalar(1e38).to<BFloat16>()), half_bits::bfloat16_to_float(half_bits::float_to_bfloat16(1e38f)));
  EXPECT_THROW(Scalar(1e39).to<BFloat16>(), std::runtime_error);
}
