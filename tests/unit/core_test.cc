#include <gtest/gtest.h>

#include <cmath>

#include "edgewm/dtype.h"
#include "edgewm/shape.h"
#include "edgewm/tensor.h"

namespace edgewm {

TEST(DType, HalfRoundTripsExactValues) {
  // Values exactly representable in half: 1, -2.5, 65504 (max), 2^-24 (smallest subnormal).
  for (float f : {0.f, 1.f, -2.5f, 65504.f, std::ldexp(1.f, -24), std::ldexp(3.f, -20)})
    EXPECT_EQ(half_to_float(float_to_half(f)), f) << f;
  EXPECT_EQ(float_to_half(1.f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.f), 0xc000);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
}

TEST(DType, HalfRoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and 1+2^-10: ties go to the even mantissa (1.0).
  EXPECT_EQ(float_to_half(1.f + std::ldexp(1.f, -11)), 0x3c00);
  // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even).
  EXPECT_EQ(float_to_half(1.f + 3 * std::ldexp(1.f, -11)), 0x3c02);
}

TEST(Shape, BasicsAndLimits) {
  Shape s{1, 3, 32, 32};
  EXPECT_EQ(s.rank(), 4);
  EXPECT_EQ(s.numel(), 3072);
  EXPECT_EQ(s.str(), "1x3x32x32");
  EXPECT_EQ(s.dim(-1), 32);
  EXPECT_EQ(Shape{}.numel(), 1);
  EXPECT_EQ(Shape{}.str(), "scalar");
  EXPECT_THROW(Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}), Error);
}

TEST(Tensor, ZeroElementTensorHasAddress) {
  Tensor t(DType::kF32, Shape{0, 4});
  EXPECT_NE(t.data(), nullptr);
  EXPECT_EQ(t.nbytes(), 0u);
  EXPECT_THROW(t.as<double>(), Error);
}

}  // namespace edgewm
