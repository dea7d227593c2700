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

// PyTorch's layout contract for .grad: the leaf's own strides when it is dense and
// non-overlapping, contiguous otherwise, whatever layout the incoming gradient has.
TEST(Autograd, GradFollowsLeafLayout) {
  // Linear's weight is used transposed; its gradient still has the weight's strides.
  Tensor w = randn({5, 3}, requires_grad());
  Tensor b = randn({5}, requires_grad());
  Tensor x = randn({4, 3});
  addmm(b, x, w.t()).square().sum().backward();
  EXPECT_EQ(w.grad().strides(), w.strides());
  EXPECT_TRUE(ember::testing::all_close(w.grad(), (2 * addmm(b, x, w.t()).detach()).t().mm(x)));
  EXPECT_EQ(w.grad().grad_fn(), nullptr);

  // A column-major leaf gets a column-major gradient, from a contiguous incoming one.
  Tensor c = randn({3, 4}).t().detach().requires_grad_();
  ASSERT_EQ(c.strides(), (std::vector<int64_t>{1, 4}));
  (c * 2).sum().backward();
  EXPECT_EQ(c.grad().strides(), c.strides());
  EXPECT_TRUE(ember::testing::all_close(c.grad(), full({4, 3}, 2.0)));

  // A gradient tensor the user passes in is never adopted as .grad.
  Tensor l = randn({2, 2}, requires_grad());
  Tensor seed = ones({2, 2});
  l.clone().backward(seed);
  EXPECT_NE(l.grad().data_ptr(), seed.data_ptr());
  seed.fill_(5);
  EXPECT_TRUE(ember::testing::all_close(l.grad(), ones({2, 2})));

  // One gradient reaching two leaves: each gets its own tensor.
  Tensor p = randn({3}, requires_grad()), q = randn({3}, requires_grad());
  (p + q).sum().backward();
  EXPECT_NE(p.grad().data_ptr(), q.grad().data_ptr());
  Tensor pg = p.grad();
  pg.add_(1);
  EXPECT_TRUE(ember::testing::all_close(q.grad(), ones({3})));

  // Views into one gradient buffer (split's backward pieces) stay independent once adopted.
  Tensor u = randn({2}, requires_grad()), v = randn({2}, requires_grad());
  Tensor uv = cat({u, v}) * 3;
  uv.sum().backward();
  Tensor ug = u.grad();
  ug.add_(10);
  EXPECT_TRUE(ember::testing::all_close(v.grad(), full({2}, 3.0)));
}

TEST(Autograd, MmGradientsMatchForEveryOperandLayout) {
  Tensor a = tensor({{0.5, -1.0, 2.0}, {2.0, 0.25, -0.5}}, kDouble);
  Tensor b = tensor({{1.5, -0.75}, {0.3, 1.1}, {-2.0, 0.6}}, kDouble);
  // Row-major and column-major operands (the column-major gradients are computed transposed).
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].mm(x[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].t().mm(x[1].t()); },
                        {b.t().contiguous(), a.t().contiguous()}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return addmm(x[2], x[0], x[1].t(), 0.5, 2); },
                        {a, b.t().contiguous(), tensor({1.0, -1.0}, kDouble)}));
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return x[0].mm(x[1].t()).tanh(); }, {a, a}));
}
