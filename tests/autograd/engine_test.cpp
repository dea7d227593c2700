#include <gtest/gtest.h>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

TEST(Autograd, SimpleChain) {
  Tensor x = tensor({1.0, 2.0, 3.0}, requires_grad());
  Tensor y = (x * x + x.exp()).sum();
  EXPECT_EQ(y.grad_fn()->name(), "SumBackward0");
  y.backward();
  Tensor expected = 2 * x.detach() + x.detach().exp();
  EXPECT_TRUE(ember::testing::all_close(x.grad(), expected));
}

TEST(Autograd, GradcheckBasicOps) {
  Tensor a = tensor({{0.5, -1.0}, {2.0, 0.25}}, kDouble);
  Tensor b = tensor({1.5, -0.75}, kDouble);
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0] * x[1] + x[0] / x[1]; }, {a, b}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0] * x[1].exp(); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].mm(x[0].t()); }, {a}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].mm(x[0].t()).tanh(); }, {a}));
}

TEST(Autograd, BackwardTwiceFails) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor y = (x.exp()).sum();
  y.backward();
  EXPECT_THROW(y.backward(), Error);
}

TEST(Autograd, InplaceModificationDetected) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor e = x.exp();
  Tensor y = e.sum();
  e.add_(1);
  try {
    y.backward();
    // ExpBackward saved its result, which add_ changed.
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("modified by an inplace operation"), std::string::npos);
  }
}

TEST(Autograd, LeafInplaceRefused) {
  Tensor x = ones({2}, requires_grad());
  EXPECT_THROW(x.add_(1), Error);
  NoGradGuard ng;
  x.add_(1);
  EXPECT_EQ(x.sum().item<float>(), 4.0f);
}
