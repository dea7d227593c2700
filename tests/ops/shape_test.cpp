// Shape and view ops: values vs PyTorch 1.13 (expressions in comments), gradients, errors.
#include <gtest/gtest.h>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::ramp;
using ember::testing::ref;

TEST(Shape, ReducedPrecisionAndEdgeCases) {
  for (ScalarType dt : {kHalf, kBFloat16, kBool, kChar, kShort}) {
    Tensor a = arange(6, kDouble).reshape({2, 3}).to(dt);
    Tensor c = cat({a, a.t().t()}, 1);
    EXPECT_EQ(c.dtype(), dt);
    EXPECT_TRUE(all_close(c.to(kDouble).narrow(1, 3, 3), a.to(kDouble))) << toString(dt);
    EXPECT_TRUE(all_close(a.flip({1}).to(kDouble), a.to(kDouble).flip({1}))) << toString(dt);
    EXPECT_TRUE(all_close(a.triu(1).to(kDouble), a.to(kDouble).triu(1))) << toString(dt);
    EXPECT_TRUE(all_close(a.repeat({2, 1}).to(kDouble), a.to(kDouble).repeat({2, 1})))
        << toString(dt);
    EXPECT_TRUE(all_close(a.diagonal().to(kDouble), a.to(kDouble).diagonal())) << toString(dt);
  }
  // Mixed dtypes promote: int64 + float16 -> float16, bool + int8 -> int8.
  EXPECT_EQ(cat({zeros({1}, kLong), zeros({1}, kHalf)}).dtype(), kHalf);
  EXPECT_EQ(stack({zeros({1}, kBool), zeros({1}, kChar)}).dtype(), kChar);
  // Zero-size inputs.
  Tensor z = zeros({0, 3});
  EXPECT_EQ(z.narrow(1, 1, 2).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(z.diagonal().sizes(), IntArrayRef({0}));
  EXPECT_EQ(z.unfold(1, 2, 1).sizes(), IntArrayRef({0, 2, 2}));
  EXPECT_EQ(z.tril().sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(z.roll(1).sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(z.split(2, 1).size(), 2u);
  EXPECT_EQ(z.unbind(0).size(), 0u);
  EXPECT_EQ(zeros({0}).diag().sizes(), IntArrayRef({0, 0}));
  // 0-dim inputs.
  Tensor s = tensor(3.0);
  EXPECT_EQ(s.movedim(0, 0).dim(), 0);
  EXPECT_EQ(s.repeat({2}).sizes(), IntArrayRef({2}));
  EXPECT_EQ(s.flip({0}).item<double>(), 3.0);
  EXPECT_EQ(s.roll(1).item<double>(), 3.0);
  EXPECT_EQ(s.repeat_interleave(2).sizes(), IntArrayRef({2}));
  EXPECT_EQ(s.as_strided({2}, {0}).sizes(), IntArrayRef({2}));
  EXPECT_THROW(s.diagonal(), Error);
  EXPECT_THROW(s.slice(0, 0, 1), Error);
}

TEST(Shape, GradientsThroughNonContiguousViews) {
  // as_strided on a transposed input: the gradient lands where the storage elements live.
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].t().as_strided({2, 2}, {3, 1}, 1) * 1.5;
      },
      {ramp({2, 3})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor v = x[0].t().slice(0, 0, 3, 2).diagonal();
        return v * v;
      },
      {ramp({3, 4})}));
  // In-place tril_ on a non-leaf records TrilBackward0.
  Tensor x = ramp({3, 3}).requires_grad_();
  Tensor y = x * 2;
  y.tril_();
  EXPECT_EQ(y.grad_fn()->name(), "TrilBackward0");
  y.sum().backward();
  EXPECT_TRUE(all_close(x.grad(), ones({3, 3}, kDouble).tril() * 2));
  // Writes through a view are seen by the base (views share storage).
  Tensor base = zeros({2, 3});
  {
    NoGradGuard ng;
    base.unfold(1, 2, 1).select(1, 1).fill_(5);
  }
  EXPECT_TRUE(all_close(base, ref({0, 5, 5, 0, 5, 5}, {2, 3})));
  EXPECT_TRUE(base.as_strided({3}, {1}, 2).is_alias_of(base));
}
