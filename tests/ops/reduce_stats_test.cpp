// var, std, var_mean, std_mean, norm, logsumexp. Expected values from PyTorch 1.13.
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
const double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(Var, Values) {
  EXPECT_NEAR(A().var().item<double>(), 5.3, 1e-6);                           // A.var()
  EXPECT_TRUE(all_close(A().var(IntArrayRef{0}), tensor({0.5, 18.0, 8.0})));  // A.var(0)
  // A.var(1, unbiased=False, keepdim=True)
  EXPECT_TRUE(all_close(A().var(IntArrayRef{1}, false, true), tensor({{4.3888888}, {4.3888888}})));
  // torch.var(A, 1, correction=2)
  EXPECT_TRUE(
      all_close(var(A(), IntArrayRef{1}, Scalar(2), false), tensor({13.166667, 13.166667})));
  EXPECT_NEAR(A().std().item<double>(), 2.3021729, 1e-6);  // A.std()
  EXPECT_TRUE(all_close(A().std(IntArrayRef{0}), tensor({0.70710677, 4.2426405, 2.8284271})));
  EXPECT_TRUE(all_close(A().t().var(IntArrayRef{1}), tensor({0.5, 18.0, 8.0})));
  EXPECT_NEAR(A(kHalf).var().item<double>(), 5.3, 1e-2);
  EXPECT_NEAR(A(kDouble).var(false).item<double>(), 4.4166666666666667, 1e-12);
  EXPECT_EQ(A().var(std::nullopt, std::optional<Scalar>(), false).dim(), 0);
  // Fewer elements than the correction, or none: nan (torch.tensor([2.]).var(), zeros(0,3).var(0))
  EXPECT_TRUE(std::isnan(tensor({2.0}).var().item<double>()));
  EXPECT_TRUE(std::isnan(zeros({0, 3}).var(IntArrayRef{0}).select(0, 1).item<double>()));
  EXPECT_TRUE(std::isnan(zeros({0}).std().item<double>()));
  // Large offsets do not lose the variance: torch.tensor([1e8+1, 1e8+2, 1e8+3],
  // dtype=float64).var()
  EXPECT_NEAR(tensor({1e8 + 1, 1e8 + 2, 1e8 + 3}, kDouble).var().item<double>(), 1.0, 1e-9);
  EXPECT_THROW(tensor({1, 2}).var(), ember::Error);
  EXPECT_THROW(A().std(IntArrayRef{3}), ember::Error);
  Tensor out = empty({0});
  var_out(out, A(), IntArrayRef{0});
  EXPECT_TRUE(all_close(out, tensor({0.5, 18.0, 8.0})));
}

TEST(Var, MeanTuplesAndGrad) {
  auto [v, m] = var_mean(A(), IntArrayRef{1});  // torch.var_mean(A, 1)
  EXPECT_TRUE(all_close(v, tensor({6.5833335, 6.5833335})));
  EXPECT_TRUE(all_close(m, tensor({0.8333333, 1.1666666})));
  auto [s, sm] = std_mean(A(), IntArrayRef{0}, false);  // torch.std_mean(A, 0, unbiased=False)
  EXPECT_TRUE(all_close(s, tensor({0.5, 3.0, 2.0})));
  EXPECT_TRUE(all_close(sm, tensor({1.0, 1.0, 1.0})));
  auto [gv, gm] = var_mean(A(), true);
  EXPECT_NEAR(gm.item<double>(), 1.0, 1e-6);
  Tensor x = A(kDouble).requires_grad_();
  EXPECT_EQ(x.var().grad_fn()->name(), "VarBackward0");
  EXPECT_EQ(x.std(IntArrayRef{0}).grad_fn()->name(), "StdBackward0");
  EXPECT_EQ(std::get<1>(var_mean(x, IntArrayRef{0})).grad_fn()->name(), "VarMeanBackward0");
  auto fv = [](const variable_list& t) { return t[0].var(IntArrayRef{1}, false, true); };
  auto fs = [](const variable_list& t) { return t[0].std(); };
  auto fvm = [](const variable_list& t) {
    auto [a, b] = var_mean(t[0], IntArrayRef{0}, Scalar(0.5));
    return a + b * b;
  };
  auto fsm = [](const variable_list& t) {
    auto [a, b] = std_mean(t[0], IntArrayRef{1});
    return a * 2 + b;
  };
  for (const ember::testing::Fn& f : {ember::testing::Fn(fv), ember::testing::Fn(fs),
                                      ember::testing::Fn(fvm), ember::testing::Fn(fsm)}) {
    EXPECT_TRUE(gradcheck(f, {A()}));
    EXPECT_TRUE(gradgradcheck(f, {A()}));
  }
  // std of a constant has zero gradient, not nan (PyTorch masks result == 0).
  Tensor c = zeros({3}, kDouble).requires_grad_();
  c.std().backward();
  EXPECT_TRUE(all_close(c.grad(), zeros({3}, kDouble)));
}

TEST(Norm, Values) {
  // A.norm(p) and A.norm(p, 1) for each p
  struct Case {
    double p, all, d0, d1;
  } cases[] = {{2, 5.7008772, 3.9051249, 4.1533117},
               {1, 12.0, 6.5, 5.5},
               {0, 6.0, 3.0, 3.0},
               {3, 4.6951213, 3.3729985, 4.0233016},
               {0.5, 65.255951, 19.105722, 13.742641},
               {kInf, 4.0, 3.0, 4.0},
               {-kInf, 0.5, 1.5, 0.5}};
  for (const auto& c : cases) {
    EXPECT_NEAR(A().norm(c.p).item<double>(), c.all, 1e-4 * c.all) << "p=" << c.p;
    EXPECT_TRUE(all_close(A().norm(c.p, IntArrayRef{1}), tensor({c.d0, c.d1}))) << "p=" << c.p;
  }
  EXPECT_NEAR(A().norm().item<double>(), 5.7008772, 1e-5);
  EXPECT_EQ(A().norm(2, IntArrayRef{1}, true).sizes(), IntArrayRef({2, 1}));
  EXPECT_EQ(A().norm(2, IntArrayRef{1}, false, kDouble).dtype(), kDouble);
  EXPECT_TRUE(all_close(A().t().norm(1, IntArrayRef{0}), tensor({6.5, 5.5})));
  EXPECT_NEAR(A(kBFloat16).norm().item<double>(), 5.7, 0.05);
  EXPECT_EQ(zeros({0}).norm().item<double>(), 0.0);  // torch.zeros(0).norm()
  EXPECT_THROW(tensor({1, 2}).norm(), ember::Error);
  Tensor out = empty({0});
  norm_out(out, A(), 1, IntArrayRef{0});
  EXPECT_TRUE(all_close(out, tensor({2.0, 6.0, 4.0})));
}

TEST(Norm, Grad) {
  Tensor x = A(kDouble).requires_grad_();
  EXPECT_EQ(x.norm().grad_fn()->name(), "NormBackward0");
  EXPECT_EQ(x.norm(2, IntArrayRef{0}).grad_fn()->name(), "NormBackward1");
  for (double p : {2.0, 3.0, 0.5, 1.5}) {
    auto f = [p](const variable_list& t) { return t[0].norm(p, IntArrayRef{1}); };
    EXPECT_TRUE(gradcheck(f, {A()})) << "p=" << p;
    EXPECT_TRUE(gradgradcheck(f, {A()})) << "p=" << p;
  }
  for (double p : {1.0, kInf, -kInf}) {
    // Piecewise linear: square it so double backward has something to check.
    auto f = [p](const variable_list& t) {
      Tensor n = t[0].norm(p);
      return n * n;
    };
    EXPECT_TRUE(gradcheck(f, {A()})) << "p=" << p;
    EXPECT_TRUE(gradgradcheck(f, {A()})) << "p=" << p;
  }
  // Zero input: the 2-norm's gradient is 0, not nan (PyTorch masks norm == 0).
  Tensor z = zeros({3}, kDouble).requires_grad_();
  z.norm().backward();
  EXPECT_TRUE(all_close(z.grad(), zeros({3}, kDouble)));
  Tensor zp = tensor({0.0, 2.0}, kDouble).requires_grad_();
  zp.norm(0.5).backward();  // torch: grad at the zero entry is 0
  EXPECT_EQ(zp.grad().select(0, 0).item<double>(), 0.0);
  EXPECT_TRUE(std::isfinite(zp.grad().select(0, 1).item<double>()));
  Tensor z0 = A(kDouble).requires_grad_();
  z0.norm(0).backward();
  EXPECT_TRUE(all_close(z0.grad(), zeros({2, 3}, kDouble)));
}

TEST(Logsumexp, ValuesAndGrad) {
  EXPECT_TRUE(all_close(A().logsumexp(IntArrayRef{1}), tensor({3.2069070, 4.0362697})));
  EXPECT_NEAR(A().logsumexp(IntArrayRef{0, 1}).item<double>(), 4.3983588, 1e-5);
  // No overflow: torch.tensor([1000., 1000.]).logsumexp(0) -> 1000.6931762695312
  EXPECT_NEAR(tensor({1000.0, 1000.0}).logsumexp(IntArrayRef{0}).item<double>(), 1000.6931762695312,
              1e-3);
  // Integers give float: torch.tensor([1, 2]).logsumexp(0) -> 2.3132617
  Tensor li = tensor({1, 2}).logsumexp(IntArrayRef{0});
  EXPECT_EQ(li.dtype(), kFloat);
  EXPECT_NEAR(li.item<double>(), 2.3132617, 1e-6);
  EXPECT_EQ(tensor({-kInf, -kInf}).logsumexp(IntArrayRef{0}).item<double>(), -kInf);
  EXPECT_EQ(tensor({kInf, 1.0}).logsumexp(IntArrayRef{0}).item<double>(), kInf);
  EXPECT_TRUE(all_close(zeros({0, 3}).logsumexp(IntArrayRef{0}), full({3}, -kInf)));
  EXPECT_EQ(A().logsumexp(IntArrayRef{1}, true).sizes(), IntArrayRef({2, 1}));
  EXPECT_TRUE(all_close(A().t().logsumexp(IntArrayRef{0}), tensor({3.2069070, 4.0362697})));
  EXPECT_THROW(A().logsumexp(IntArrayRef{2}), ember::Error);
  Tensor x = A(kDouble).requires_grad_();
  EXPECT_EQ(x.logsumexp(IntArrayRef{0}).grad_fn()->name(), "LogsumexpBackward0");
  auto f = [](const variable_list& t) { return t[0].logsumexp(IntArrayRef{1}); };
  EXPECT_TRUE(gradcheck(f, {A()}));
  EXPECT_TRUE(gradgradcheck(f, {A()}));
  Tensor out = empty({0});
  logsumexp_out(out, A(), IntArrayRef{1});
  EXPECT_TRUE(all_close(out, tensor({3.2069070, 4.0362697})));
}
