// cumsum, cumprod (+ in-place), softmax, log_softmax. Expected values from PyTorch 1.13.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
// A = torch.tensor([[1.5, -2., 3.], [0.5, 4., -1.]])
Tensor A(ScalarType dt = kFloat) { return tensor({{1.5, -2.0, 3.0}, {0.5, 4.0, -1.0}}, dt); }
// C = (torch.arange(24.).reshape(2,3,4) % 7) / 3
Tensor C() {
  Tensor a = arange(24, kFloat).reshape({2, 3, 4});
  return (a - (a / 7).to(kLong).to(kFloat) * 7) / 3;
}
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(Cumsum, Values) {
  EXPECT_TRUE(all_close(A().cumsum(0), tensor({{1.5, -2.0, 3.0}, {2.0, 2.0, 2.0}})));
  EXPECT_TRUE(all_close(A().cumsum(1), tensor({{1.5, -0.5, 2.5}, {0.5, 4.5, 3.5}})));
  EXPECT_TRUE(all_close(A().cumsum(-1), tensor({{1.5, -0.5, 2.5}, {0.5, 4.5, 3.5}})));
  // C.cumsum(1)[1]
  EXPECT_TRUE(
      all_close(C().cumsum(1).select(0, 1), tensor({{1.6666666, 2.0, 0.0, 0.3333333},
                                                    {2.3333333, 3.0, 1.3333334, 2.0},
                                                    {4.3333335, 3.0, 1.6666667, 2.6666667}})));
  Tensor b = arange(24).reshape({2, 3, 4}).cumsum(1);  // torch.arange(24).reshape(2,3,4).cumsum(1)
  EXPECT_EQ(b.dtype(), kLong);
  EXPECT_EQ(b.select(0, 1).select(0, 2).select(0, 3).item<int64_t>(), 57);
  EXPECT_EQ(tensor({true, true}).cumsum(0).dtype(), kLong);
  EXPECT_EQ(full({3}, 100, kChar).cumsum(0).select(0, 2).item<int64_t>(), 300);
  EXPECT_EQ(A().cumsum(0, kDouble).dtype(), kDouble);
  EXPECT_TRUE(all_close(A().t().cumsum(1), tensor({{1.5, 2.0}, {-2.0, 2.0}, {3.0, 2.0}})));
  EXPECT_TRUE(
      all_close(tensor({1.0, 2.0}).expand({2, 2}).cumsum(0), tensor({{1.0, 2.0}, {2.0, 4.0}})));
  EXPECT_EQ(tensor(3.0).cumsum(0).item<double>(), 3.0);
  EXPECT_EQ(zeros({0, 3}).cumsum(0).sizes(), IntArrayRef({0, 3}));
  EXPECT_THROW(A().cumsum(2), ember::Error);
  Tensor i = tensor({1, 2, 3}, kInt);
  i.cumsum_(0);
  EXPECT_EQ(i.dtype(), kInt);
  EXPECT_TRUE(all_close(i, tensor({1, 3, 6})));
  Tensor out = empty({0});
  cumsum_out(out, A(), 1);
  EXPECT_TRUE(all_close(out, tensor({{1.5, -0.5, 2.5}, {0.5, 4.5, 3.5}})));
}

TEST(Cumsum, Grad) {
  // x.cumsum(0) weighted by [1,2,3]: grad = reversed cumsum = [6, 5, 3]
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = x.cumsum(0);
  EXPECT_EQ(y.grad_fn()->name(), "CumsumBackward0");
  (y * tensor({1.0, 2.0, 3.0})).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), tensor({6.0, 5.0, 3.0})));
  for (int64_t d : {0, 1}) {
    auto f = [d](const variable_list& t) { return t[0].cumsum(d); };
    auto sq = [d](const variable_list& t) { return t[0].cumsum(d) * t[0].cumsum(d); };
    EXPECT_TRUE(gradcheck(f, {A()}));
    EXPECT_TRUE(gradgradcheck(sq, {A()}));
  }
  // In-place on a non-leaf records the same gradient.
  Tensor l = A(kDouble).requires_grad_();
  Tensor c = l * 1.0;
  c.cumsum_(1);
  c.sum().backward();
  EXPECT_TRUE(all_close(l.grad(), tensor({{3.0, 2.0, 1.0}, {3.0, 2.0, 1.0}}, kDouble)));
}

TEST(Cumprod, ValuesAndGrad) {
  EXPECT_TRUE(all_close(A().cumprod(1), tensor({{1.5, -3.0, -9.0}, {0.5, 2.0, -2.0}})));
  EXPECT_TRUE(all_close(A().cumprod(0), tensor({{1.5, -2.0, 3.0}, {0.75, -8.0, -3.0}})));
  // C.cumprod(2)[0]
  EXPECT_TRUE(all_close(C().cumprod(2).select(0, 0),
                        tensor({{0.0, 0.0, 0.0, 0.0},
                                {1.3333334, 2.2222223, 4.4444447, 0.0},
                                {0.3333333, 0.2222222, 0.2222222, 0.2962963}})));
  EXPECT_EQ(tensor({{1, 2}, {3, 4}}, kInt).cumprod(0).dtype(), kLong);
  EXPECT_TRUE(all_close(A().t().cumprod(0), tensor({{1.5, 0.5}, {-3.0, 2.0}, {-9.0, -2.0}})));
  EXPECT_EQ(zeros({2, 0}).cumprod(1).sizes(), IntArrayRef({2, 0}));
  Tensor f = A();
  f.cumprod_(1);
  EXPECT_TRUE(all_close(f, tensor({{1.5, -3.0, -9.0}, {0.5, 2.0, -2.0}})));
  Tensor out = empty({0});
  cumprod_out(out, A(), 0);
  EXPECT_TRUE(all_close(out, tensor({{1.5, -2.0, 3.0}, {0.75, -8.0, -3.0}})));

  // y = [[2,0,3,0,5],[1,2,0,3,4]]; (y.cumprod(1) * [1,2,3,4,5]).sum().backward()
  Tensor y = tensor({{2.0, 0.0, 3.0, 0.0, 5.0}, {1.0, 2.0, 0.0, 3.0, 4.0}}).requires_grad_();
  Tensor cy = y.cumprod(1);
  EXPECT_EQ(cy.grad_fn()->name(), "CumprodBackward0");
  (cy * tensor({1.0, 2.0, 3.0, 4.0, 5.0})).sum().backward();
  EXPECT_TRUE(
      all_close(y.grad(), tensor({{1.0, 22.0, 0.0, 0.0, 0.0}, {5.0, 2.0, 150.0, 0.0, 0.0}})));
  auto fn = [](const variable_list& t) { return t[0].cumprod(1); };
  EXPECT_TRUE(gradcheck(fn, {A()}));
  EXPECT_TRUE(gradgradcheck(fn, {A()}));
  Tensor z1 = tensor({{0.5, 0.0, 2.0, -1.5}, {1.5, 0.75, 0.0, 0.0}}, kDouble);
  EXPECT_TRUE(gradcheck(fn, {z1}));
  // Double backward with zeros is exact for one zero per slice; later zeros of a slice (the
  // second zero above) get 0 for their mixed second derivative, unlike PyTorch.
  EXPECT_TRUE(
      gradgradcheck(fn, {tensor({{0.5, 0.0, 2.0, -1.5}, {0.0, 0.75, 1.25, 2.0}}, kDouble)}));
}

TEST(Softmax, Values) {
  Tensor s1 = A().softmax(1);  // A.softmax(1)
  EXPECT_TRUE(all_close(s1, tensor({{0.18142608, 0.0054785931, 0.81309527},
                                    {0.029121762, 0.96438032, 0.0064979433}})));
  EXPECT_TRUE(all_close(softmax(A(), 0), tensor({{0.7310586, 0.0024726232, 0.98201376},
                                                 {0.26894143, 0.99752742, 0.01798621}})));
  EXPECT_TRUE(all_close(A().log_softmax(1), tensor({{-1.7069070, -5.2069068, -0.2069070},
                                                    {-3.5362697, -0.0362696, -5.0362697}})));
  EXPECT_TRUE(all_close(log_softmax(A(), -2), tensor({{-0.31326166, -6.0024757, -0.01814996},
                                                      {-1.3132616, -0.0024756519, -4.0181499}})));
  // Middle dim, non-trivial inner size: C.softmax(1)[1] and C.log_softmax(1)[0]
  EXPECT_TRUE(all_close(C().softmax(1).select(0, 1),
                        tensor({{0.36186102, 0.66524094, 0.16156967, 0.16156968},
                                {0.13312125, 0.24472848, 0.61294168, 0.61294168},
                                {0.50501776, 0.090030573, 0.22548865, 0.22548865}})));
  EXPECT_TRUE(all_close(C().log_softmax(1).select(0, 0),
                        tensor({{-1.8228189, -1.8228188, -1.8228188, -1.0164950},
                                {-0.4894855, -0.4894855, -0.4894855, -2.0164950},
                                {-1.4894855, -1.4894855, -1.4894855, -0.6831617}})));
  // Non-contiguous: C.permute(2,0,1).softmax(0)[:,0,1]
  Tensor p = C().permute({2, 0, 1}).softmax(0).select(2, 1).select(1, 0);
  EXPECT_TRUE(all_close(p, tensor({0.21706365, 0.30293670, 0.42278227, 0.057217356})));
  // Stable for large inputs: torch.tensor([1000., 0., -1000.]).softmax(0) / .log_softmax(0)
  EXPECT_TRUE(all_close(tensor({1000.0, 0.0, -1000.0}).softmax(0), tensor({1.0, 0.0, 0.0})));
  EXPECT_TRUE(
      all_close(tensor({1000.0, 0.0, -1000.0}).log_softmax(0), tensor({0.0, -1000.0, -2000.0})));
  EXPECT_TRUE(
      all_close(tensor({-kInf, 0.0, 1.0}).log_softmax(0), tensor({-kInf, -1.3132616, -0.3132617})));
  Tensor n = tensor({1.0, std::nan(""), 2.0}).softmax(0);
  EXPECT_TRUE(std::isnan(n.select(0, 0).item<double>()));
  EXPECT_TRUE(std::isnan(n.select(0, 2).item<double>()));
  EXPECT_EQ(tensor(5.0).softmax(0).item<double>(), 1.0);
  EXPECT_EQ(zeros({0, 3}).log_softmax(1).sizes(), IntArrayRef({0, 3}));
  // dtype converts the input first; integer inputs need it.
  Tensor sd = tensor({1, 2, 3}).softmax(0, kDouble);
  EXPECT_EQ(sd.dtype(), kDouble);
  EXPECT_NEAR(sd.select(0, 2).item<double>(), 0.66524096, 1e-7);
  EXPECT_THROW(tensor({1, 2, 3}).softmax(0), ember::Error);
  EXPECT_THROW(A().softmax(2), ember::Error);
  EXPECT_TRUE(all_close(A(kHalf).softmax(1), s1, 1e-3, 1e-3));
  EXPECT_TRUE(all_close(A(kBFloat16).log_softmax(1), A().log_softmax(1), 1e-2, 1e-2));
}

TEST(Softmax, Grad) {
  Tensor x = A(kDouble).requires_grad_();
  EXPECT_EQ(x.softmax(1).grad_fn()->name(), "SoftmaxBackward0");
  EXPECT_EQ(x.log_softmax(1).grad_fn()->name(), "LogSoftmaxBackward0");
  for (int64_t d : {0, 1}) {
    auto f = [d](const variable_list& t) { return t[0].softmax(d); };
    auto g = [d](const variable_list& t) { return t[0].log_softmax(d); };
    EXPECT_TRUE(gradcheck(f, {A()}));
    EXPECT_TRUE(gradgradcheck(f, {A()}));
    EXPECT_TRUE(gradcheck(g, {A()}));
    EXPECT_TRUE(gradgradcheck(g, {A()}));
  }
  auto mid = [](const variable_list& t) { return t[0].log_softmax(1); };
  EXPECT_TRUE(gradcheck(mid, {C().to(kDouble) * 0.7}));
  // The gradient reaches a float input through the dtype conversion.
  Tensor f = A().requires_grad_();
  f.softmax(1, kDouble).select(1, 0).sum().backward();
  EXPECT_EQ(f.grad().dtype(), kFloat);
  // d/dx sum(softmax(x)) = 0
  Tensor z = A(kDouble).requires_grad_();
  z.softmax(1).sum().backward();
  EXPECT_TRUE(all_close(z.grad(), zeros({2, 3}, kDouble), 0, 1e-12));
}
