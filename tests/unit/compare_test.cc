// compare_tensors, the judge of every conformance and fixture case: elementwise tolerances as
// ONNX's backend tests apply them, and the relative-L2 mode of the quantised fixtures.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/compare.h"
#include "op_test_util.h"

namespace edgewm {
namespace {

using testing::make_f32;

TEST(Compare, ElementwiseToleranceAndNaNs) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor want = make_f32(Shape{3}, {1, 100, nan});
  EXPECT_TRUE(compare_tensors(make_f32(Shape{3}, {1.0001f, 100.05f, nan}).view(), want.view(), {}).ok);
  Comparison c = compare_tensors(make_f32(Shape{3}, {1, 100.5f, nan}).view(), want.view(), {});
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.first_bad, 1);
  EXPECT_FALSE(compare_tensors(make_f32(Shape{3}, {1, 100, 0}).view(), want.view(), {}).ok);  // NaN only matches NaN
  EXPECT_FALSE(compare_tensors(make_f32(Shape{2}, {1, 100}).view(), want.view(), {}).ok);     // shape
}

TEST(Compare, RelativeL2ModeJudgesTheWholeTensor) {
  Tensor want = make_f32(Shape{4}, {3, 4, 0, 0});  // norm 5
  Tensor got = make_f32(Shape{4}, {3, 4, 0.03f, 0.04f});  // off by norm 0.05: 1%
  EXPECT_NEAR(relative_l2(got.view(), want.view()), 0.01, 1e-6);
  Tolerance tol;
  EXPECT_FALSE(compare_tensors(got.view(), want.view(), tol).ok);  // elementwise: 0.03 vs 0 fails
  tol.rel_l2 = 0.0101;
  EXPECT_TRUE(compare_tensors(got.view(), want.view(), tol).ok);
  tol.rel_l2 = 0.0099;
  Comparison c = compare_tensors(got.view(), want.view(), tol);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.reason.find("relative L2 error 0.01 exceeds"), std::string::npos) << c.reason;
  tol.rel_l2 = 1;
  EXPECT_FALSE(compare_tensors(make_f32(Shape{4}, {3, 4, std::nanf(""), 0}).view(), want.view(), tol).ok);
}

}  // namespace
}  // namespace edgewm
