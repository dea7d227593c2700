#include "ember/autograd/custom_function.h"

#include <gtest/gtest.h>

#include "support/gradcheck.h"

using namespace ember;
using namespace ember::autograd;

namespace {
struct Scale : Function<Scale> {
  static Tensor forward(AutogradContext* ctx, Tensor x, double k) {
    ctx->saved_data["k"] = k;
    ctx->save_for_backward({x});
    return x * k;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    EXPECT_TRUE(ctx->needs_input_grad(0));
    EXPECT_FALSE(ctx->needs_input_grad(1));
    EXPECT_EQ(ctx->get_saved_variables().size(), 1u);
    return {g[0] * ctx->saved_data["k"].toDouble(), Tensor()};
  }
};

struct MulExp : Function<MulExp> {
  // y = a * exp(b); saves its output.
  static Tensor forward(AutogradContext* ctx, Tensor a, Tensor b) {
    Tensor y = a * b.exp();
    ctx->save_for_backward({a, b, y});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * s[1].exp(), g[0] * s[2]};
  }
};
}  // namespace

TEST(CustomFunction, ScaleForwardBackward) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor y = Scale::apply(x, 3.0);
  EXPECT_TRUE(y.requires_grad());
  y.sum().backward();
  EXPECT_TRUE(ember::testing::all_close(x.grad(), tensor({3.0, 3.0})));
}

TEST(CustomFunction, Gradcheck) {
  Tensor a = tensor({0.5, -1.0, 2.0}, kDouble);
  Tensor b = tensor({0.1, 0.2, -0.3}, kDouble);
  EXPECT_TRUE(ember::testing::gradcheck(
      [](const variable_list& x) { return MulExp::apply(x[0], x[1]); }, {a, b}));
}

TEST(CustomFunction, NoGradInputsGiveNoHistory) {
  Tensor x = tensor({1.0, 2.0});
  Tensor y = Scale::apply(x, 2.0);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.sum().item<float>(), 6.0f);
}
