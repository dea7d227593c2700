// Activation ops (ember/ops/activation.h): values, special values, variants, node names,
// gradcheck + gradgradcheck, bad input. Expected values from PyTorch 1.13.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
// torch.tensor([-2.5, -0.5, 0., 0.75, 3.5], dtype=torch.float64)
Tensor X() { return tensor({-2.5, -0.5, 0.0, 0.75, 3.5}, kDouble); }
}  // namespace

TEST(Activation, Values) {
  Tensor x = X();
  EXPECT_TRUE(
      all_close(gelu(x), tensor({-0.01552416331, -0.1542687694, 0.0, 0.5800294857, 3.499185798})));
  EXPECT_TRUE(all_close(gelu(x, "tanh"),
                        tensor({-0.01508426609, -0.1542859902, 0.0, 0.5799605552, 3.499383802})));
  EXPECT_TRUE(
      all_close(silu(x), tensor({-0.1896454501, -0.1887703344, 0.0, 0.5093840244, 3.397407192})));
  EXPECT_TRUE(
      all_close(mish(x), tensor({-0.1968162039, -0.2207437747, 0.0, 0.6100183352, 3.493990715})));
  EXPECT_TRUE(all_close(
      softplus(x), tensor({0.07888973429, 0.4740769842, 0.6931471806, 1.136871006, 3.529750418})));
  EXPECT_TRUE(
      all_close(softplus(x, 2.0, 3.0), tensor({0.003357674244559034, 0.15663084375911143,
                                               0.34657359027997264, 0.8507066389913762, 3.5})));
  EXPECT_TRUE(all_close(elu(x), tensor({-0.9179150014, -0.3934693403, 0.0, 0.75, 3.5})));
  EXPECT_TRUE(
      all_close(elu(x, 0.5), tensor({-0.4589575006880506, -0.1967346701436833, 0.0, 0.75, 3.5})));
  EXPECT_TRUE(all_close(elu(x, 0.5, 1.5, 2.0),
                        tensor({-0.7449465397506859, -0.47409041912141825, 0.0, 1.125, 5.25})));
  EXPECT_TRUE(
      all_close(selu(x), tensor({-1.613785759, -0.6917581878, 0.0, 0.7880257405, 3.677453456})));
  EXPECT_TRUE(all_close(celu(x, 2.0), tensor({-1.426990406, -0.4423984339, 0.0, 0.75, 3.5})));
  EXPECT_TRUE(all_close(log_sigmoid(x), tensor({-2.578889734, -0.9740769842, -0.6931471806,
                                                -0.3868710061, -0.02975041827})));
  EXPECT_TRUE(all_close(hardswish(x), tensor({-0.2083333333, -0.2083333333, 0.0, 0.46875, 3.5})));
  EXPECT_TRUE(all_close(hardsigmoid(x), tensor({0.08333333333, 0.4166666667, 0.5, 0.625, 1.0})));
  EXPECT_TRUE(all_close(leaky_relu(x, 0.2), tensor({-0.5, -0.1, 0.0, 0.75, 3.5})));
  EXPECT_TRUE(all_close(hardtanh(x, -1.0, 2.0), tensor({-1.0, -0.5, 0.0, 0.75, 2.0})));
  EXPECT_TRUE(all_close(relu6(x * 2), tensor({0.0, 0.0, 0.0, 1.5, 6.0})));
  EXPECT_TRUE(all_close(softshrink(x), tensor({-2.0, 0.0, 0.0, 0.25, 3.0})));
  EXPECT_TRUE(all_close(hardshrink(x), tensor({-2.5, 0.0, 0.0, 0.75, 3.5})));
  EXPECT_TRUE(all_close(threshold(x, 0.5, -9.0), tensor({-9.0, -9.0, -9.0, 0.75, 3.5})));
  EXPECT_TRUE(
      all_close(rrelu(x), tensor({-0.5729166666666666, -0.11458333333333333, 0.0, 0.75, 3.5})));
  EXPECT_TRUE(all_close(softsign(x), tensor({-0.7142857142857143, -0.3333333333333333, 0.0,
                                             0.42857142857142855, 0.7777777777777778})));
  EXPECT_TRUE(all_close(tanhshrink(x), tensor({-1.5133857018485697, -0.03788284273999026, 0.0,
                                               0.1148510476127127, 2.501822102388801})));
  EXPECT_TRUE(all_close(logit(tensor({0.2, 0.5, 0.9}), 0.25),
                        tensor({-1.0986123085021973, 0.0, 1.0986123085021973})));
  EXPECT_TRUE(all_close(glu(tensor({{1.0, 2.0, 3.0, 4.0}})),
                        tensor({{0.9525741338729858, 1.9640275239944458}})));
  EXPECT_TRUE(all_close(prelu(tensor({{-1.0, 2.0}, {3.0, -4.0}}), tensor({0.1, 0.5})),
                        tensor({{-0.1, 2.0}, {3.0, -2.0}})));
  EXPECT_TRUE(all_close(tensor({{-1.0, 2.0}}).prelu(tensor({0.25})), tensor({{-0.25, 2.0}})));
}

TEST(Activation, SpecialValues) {
  Tensor s = tensor({kNan, kInf, -kInf});
  EXPECT_TRUE(all_close(gelu(s), tensor({kNan, kInf, kNan})));
  EXPECT_TRUE(all_close(silu(s), tensor({kNan, kInf, kNan})));
  // large inputs stay finite where PyTorch's do
  EXPECT_TRUE(all_close(softplus(tensor({100.0, -100.0, 30.0})),
                        tensor({100.0, 3.783505853677006e-44, 30.0})));
  EXPECT_TRUE(all_close(log_sigmoid(tensor({-200.0, 200.0})), tensor({-200.0, 0.0})));
  EXPECT_TRUE(all_close(logit(tensor({-0.5, 0.0, 0.3, 1.0, 1.5})),
                        tensor({kNan, -kInf, -0.8472978603872037, kInf, kNan})));
  EXPECT_TRUE(all_close(logit(tensor({-0.5, 0.0, 1.0, 1.5}), 0.1),
                        tensor({-2.1972, -2.1972, 2.1972, 2.1972}), 1e-4));
  EXPECT_TRUE(all_close(hardtanh(s), tensor({kNan, 1.0, -1.0})));
  EXPECT_TRUE(all_close(leaky_relu(s), tensor({kNan, kInf, -kInf})));
  EXPECT_TRUE(all_close(threshold(s, 0.0, 5.0), tensor({kNan, kInf, 5.0})));
}

TEST(Activation, DtypesAndLayouts) {
  Tensor h = tensor({-1.0, 0.5}, kHalf);
  EXPECT_EQ(gelu(h).dtype(), kHalf);
  EXPECT_TRUE(all_close(gelu(h), tensor({-0.1587, 0.3457}), 1e-3, 1e-3));
  EXPECT_TRUE(all_close(silu(h.to(kBFloat16)), tensor({-0.2689, 0.3112}), 1e-2, 1e-2));
  // clamp-like ops take integers; the others refuse them
  Tensor i = tensor({-3, 1, 8}, kLong);
  EXPECT_TRUE(all_close(hardtanh(i, -2, 2), tensor({-2, 1, 2})));
  EXPECT_EQ(relu6(i).dtype(), kLong);
  EXPECT_TRUE(all_close(relu6(i), tensor({0, 1, 6})));
  EXPECT_TRUE(all_close(threshold(i, 1, 0), tensor({0, 0, 8})));
  EXPECT_EQ(logit(tensor({1}, kLong)).dtype(), kFloat);
  EXPECT_THROW(gelu(i), ember::Error);
  EXPECT_THROW(leaky_relu(i), ember::Error);
  EXPECT_THROW(elu(i), ember::Error);
  EXPECT_THROW(softplus(i), ember::Error);
  EXPECT_THROW(glu(tensor({1, 2}, kLong)), ember::Error);
  EXPECT_THROW(rrelu(i), ember::Error);
  EXPECT_THROW(hardtanh(tensor({1, 2}, kByte)), ember::Error);  // negative limit on uint8
  EXPECT_THROW(threshold(tensor({1, 2}, kByte), -1, 2), ember::Error);
  EXPECT_THROW(hardtanh(tensor({true})), ember::Error);
  // non-contiguous, 0-dim, zero-size
  Tensor m = tensor({{-1.0, 2.0}, {0.5, -3.0}});
  EXPECT_TRUE(all_close(silu(m.t()), silu(m).t()));
  EXPECT_TRUE(all_close(prelu(m.t(), tensor({0.1, 0.2})).t(), tensor({{-0.1, 2.0}, {0.5, -0.6}})));
  EXPECT_EQ(elu(tensor(1.0)).dim(), 0);
  EXPECT_EQ(mish(zeros({0, 4})).sizes(), IntArrayRef({0, 4}));
  EXPECT_EQ(glu(zeros({0, 4})).sizes(), IntArrayRef({0, 2}));
}

TEST(Activation, InPlace) {
  Tensor x = X();

  auto check = [&](auto inplace, auto outplace) {
    Tensor y = x.clone();
    Tensor& r = inplace(y);
    EXPECT_TRUE(r.is_same(y));
    EXPECT_TRUE(all_close(y, outplace(x)));
  };
  check([](Tensor& t) -> Tensor& { return gelu_(t); }, [](const Tensor& t) { return gelu(t); });
  check([](Tensor& t) -> Tensor& { return gelu_(t, "tanh"); },
        [](const Tensor& t) { return gelu(t, "tanh"); });
  check([](Tensor& t) -> Tensor& { return silu_(t); }, [](const Tensor& t) { return silu(t); });
  check([](Tensor& t) -> Tensor& { return mish_(t); }, [](const Tensor& t) { return mish(t); });
  check([](Tensor& t) -> Tensor& { return elu_(t, 0.5); },
        [](const Tensor& t) { return elu(t, 0.5); });
  check([](Tensor& t) -> Tensor& { return selu_(t); }, [](const Tensor& t) { return selu(t); });
  check([](Tensor& t) -> Tensor& { return celu_(t, 2.0); },
        [](const Tensor& t) { return celu(t, 2.0); });
  check([](Tensor& t) -> Tensor& { return leaky_relu_(t, 0.2); },
        [](const Tensor& t) { return leaky_relu(t, 0.2); });
  check([](Tensor& t) -> Tensor& { return hardtanh_(t, -1, 2); },
        [](const Tensor& t) { return hardtanh(t, -1, 2); });
  check([](Tensor& t) -> Tensor& { return relu6_(t); }, [](const Tensor& t) { return relu6(t); });
  check([](Tensor& t) -> Tensor& { return hardsigmoid_(t); },
        [](const Tensor& t) { return hardsigmoid(t); });
  check([](Tensor& t) -> Tensor& { return hardswish_(t); },
        [](const Tensor& t) { return hardswish(t); });
  check([](Tensor& t) -> Tensor& { return threshold_(t, 0.5, -9); },
        [](const Tensor& t) { return threshold(t, 0.5, -9); });
  check([](Tensor& t) -> Tensor& { return rrelu_(t); }, [](const Tensor& t) { return rrelu(t); });
  Tensor p = tensor({0.2, 0.5});
  p.logit_();
  EXPECT_TRUE(all_close(p, tensor({-1.3862943611198906, 0.0})));
  // With autograd: the in-place node names of PyTorch
  Tensor a = tensor({-1.0, 2.0}, kDouble).requires_grad_();
  Tensor b = a * 1;
  elu_(b);
  EXPECT_EQ(b.grad_fn()->name(), "EluBackward1");
  Tensor c = a * 1;
  leaky_relu_(c);
  EXPECT_EQ(c.grad_fn()->name(), "LeakyReluBackward1");
  Tensor d = a * 1;
  threshold_(d, 0.0, 1.0);
  EXPECT_EQ(d.grad_fn()->name(), "ThresholdBackward1");
  Tensor e = a * 1;
  celu_(e);
  EXPECT_EQ(e.grad_fn()->name(), "CeluBackward1");
  d.sum().backward();
  EXPECT_TRUE(all_close(a.grad(), tensor({0.0, 1.0})));
  Tensor leaf = tensor({1.0}).requires_grad_();
  EXPECT_THROW(gelu_(leaf), ember::Error);
}

TEST(Activation, NodeNames) {
  Tensor x = X().requires_grad_();
  EXPECT_EQ(gelu(x).grad_fn()->name(), "GeluBackward0");
  EXPECT_EQ(silu(x).grad_fn()->name(), "SiluBackward0");
  EXPECT_EQ(mish(x).grad_fn()->name(), "MishBackward0");
  EXPECT_EQ(softplus(x).grad_fn()->name(), "SoftplusBackward0");
  EXPECT_EQ(elu(x).grad_fn()->name(), "EluBackward0");
  EXPECT_EQ(selu(x).grad_fn()->name(), "EluBackward0");
  EXPECT_EQ(celu(x).grad_fn()->name(), "CeluBackward0");
  EXPECT_EQ(leaky_relu(x).grad_fn()->name(), "LeakyReluBackward0");
  EXPECT_EQ(hardtanh(x).grad_fn()->name(), "HardtanhBackward0");
  EXPECT_EQ(relu6(x).grad_fn()->name(), "HardtanhBackward0");
  EXPECT_EQ(hardsigmoid(x).grad_fn()->name(), "HardsigmoidBackward0");
  EXPECT_EQ(hardswish(x).grad_fn()->name(), "HardswishBackward0");
  EXPECT_EQ(logit(x).grad_fn()->name(), "LogitBackward0");
  EXPECT_EQ(log_sigmoid(x).grad_fn()->name(), "LogSigmoidBackward0");
  EXPECT_EQ(softshrink(x).grad_fn()->name(), "SoftshrinkBackward0");
  EXPECT_EQ(hardshrink(x).grad_fn()->name(), "HardshrinkBackward0");
  EXPECT_EQ(threshold(x, 0, 0).grad_fn()->name(), "ThresholdBackward0");
  EXPECT_EQ(rrelu(x).grad_fn()->name(), "RreluWithNoiseBackward0");
  EXPECT_EQ(glu(x.narrow(0, 0, 4)).grad_fn()->name(), "GluBackward0");
  EXPECT_EQ(prelu(x, tensor({0.25}, kDouble)).grad_fn()->name(), "PreluBackward0");
}

TEST(Activation, Gradcheck) {
  Tensor x = tensor({-2.3, -0.7, 0.4, 1.3, 2.9}, kDouble);  // away from every kink
  using F = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<const char*, F>> cases = {
      {"gelu", [](const Tensor& t) { return gelu(t); }},
      {"gelu_tanh", [](const Tensor& t) { return gelu(t, "tanh"); }},
      {"silu", [](const Tensor& t) { return silu(t); }},
      {"mish", [](const Tensor& t) { return mish(t); }},
      {"softplus", [](const Tensor& t) { return softplus(t, 2.0, 3.0); }},
      {"elu", [](const Tensor& t) { return elu(t, 0.5, 1.5, 2.0); }},
      {"selu", [](const Tensor& t) { return selu(t); }},
      {"celu", [](const Tensor& t) { return celu(t, 0.7); }},
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t, 0.2); }},
      {"hardtanh", [](const Tensor& t) { return hardtanh(t, -1.0, 2.0); }},
      {"relu6", [](const Tensor& t) { return relu6(t * 3); }},
      {"hardsigmoid", [](const Tensor& t) { return hardsigmoid(t * 2); }},
      {"hardswish", [](const Tensor& t) { return hardswish(t * 2); }},
      {"logit", [](const Tensor& t) { return logit(t / 8 + 0.5); }},
      {"logit_eps", [](const Tensor& t) { return logit(t / 4 + 0.5, 0.2); }},
      {"log_sigmoid", [](const Tensor& t) { return log_sigmoid(t); }},
      {"softshrink", [](const Tensor& t) { return softshrink(t); }},
      {"hardshrink", [](const Tensor& t) { return hardshrink(t); }},
      {"threshold", [](const Tensor& t) { return threshold(t, 0.5, -1.0); }},
      {"rrelu", [](const Tensor& t) { return rrelu(t); }},
      {"softsign", [](const Tensor& t) { return softsign(t); }},
      {"tanhshrink", [](const Tensor& t) { return tanhshrink(t); }},
      {"glu", [](const Tensor& t) { return glu(t.narrow(0, 0, 4)); }},
  };
  for (const auto& [name, f] : cases) {
    auto fn = [f = f](const variable_list& v) { return f(v[0]); };
    EXPECT_TRUE(gradcheck(fn, {x})) << name;
    EXPECT_TRUE(gradgradcheck(fn, {x})) << name;
  }
  auto pre = [](const variable_list& v) { return prelu(v[0], v[1]); };
  Tensor in = tensor({{-1.3, 0.4, 2.2}, {0.9, -0.6, -2.1}}, kDouble);
  EXPECT_TRUE(gradcheck(pre, {in, tensor({0.1, 0.3, -0.2}, kDouble)}));
  EXPECT_TRUE(gradgradcheck(pre, {in, tensor({0.1, 0.3, -0.2}, kDouble)}));
  EXPECT_TRUE(gradcheck(pre, {in, tensor({0.25}, kDouble)}));
  EXPECT_TRUE(gradgradcheck(pre, {in, tensor({0.25}, kDouble)}));
  auto glu1 = [](const variable_list& v) { return glu(v[0], 0); };
  EXPECT_TRUE(gradgradcheck(glu1, {in}));
}

TEST(Activation, Rrelu) {
  // torch.manual_seed(5); F.rrelu(torch.tensor([-1., 2., -3., -0.5]), training=True)
  manual_seed(5);
  Tensor x = tensor({-1.0, 2.0, -3.0, -0.5}).requires_grad_();
  Tensor y = rrelu(x, 0.125, 1.0 / 3.0, /*training=*/true);
  EXPECT_TRUE(
      all_close(y, tensor({-0.25875312089920044, 2.0, -0.5373486876487732, -0.10008621215820312})));
  y.sum().backward();
  EXPECT_TRUE(all_close(
      x.grad(), tensor({0.25875312089920044, 1.0, 0.17911623418331146, 0.20017242431640625})));
  // an explicit generator gives a reproducible stream of its own
  Generator g1 = make_generator(3), g2 = make_generator(3);
  Tensor n = -ones({6});
  EXPECT_TRUE(all_close(rrelu(n, 0.1, 0.3, true, g1), rrelu(n, 0.1, 0.3, true, g2)));
  Tensor r = rrelu(-ones({1000}), 0.1, 0.3, true);
  EXPECT_LE(r.max().item<double>(), -0.1 + 1e-6);
  EXPECT_GE(r.min().item<double>(), -0.3 - 1e-6);
  EXPECT_THROW(rrelu(n, 0.5, 0.2, true), ember::Error);
}

TEST(Activation, BadInput) {
  EXPECT_THROW(gelu(tensor({1.0}), "fast"), ember::Error);
  EXPECT_THROW(glu(tensor({1.0, 2.0, 3.0})), ember::Error);  // odd dim
  EXPECT_THROW(glu(tensor(1.0)), ember::Error);
  EXPECT_THROW(glu(zeros({2, 4}), 2), ember::Error);
  EXPECT_THROW(prelu(zeros({2, 3}), ones({2})), ember::Error);  // wrong weight size
  EXPECT_THROW(prelu(zeros({2, 3}), ones({1, 3})), ember::Error);
  EXPECT_THROW(prelu(zeros({3}), ones({3})), ember::Error);  // 1-D input has one channel
  EXPECT_THROW(softshrink(ones({2}), -1.0), ember::Error);
  EXPECT_THROW(celu(ones({2}), 0.0), ember::Error);
  try {
    glu(tensor({1.0, 2.0, 3.0}));
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[glu] Halving dimension must be even"),
              std::string::npos);
  }
}

// ReLU's backward is PyTorch's threshold_backward: grad where the result is > 0 or NaN, else 0
// (also for NaN and infinite incoming gradients); and where() with a byte condition read in
// place gives the same as with a bool one, for every broadcast form (vectorised bit select).
TEST(Activation, ReluBackwardAsThresholdBackward) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = tensor({kNan, -1.0, 0.0, 2.0, -3.0, 4.0}, dt).requires_grad_();
    Tensor g = tensor({5.0, kNan, kInf, 7.0, kInf, kNan}, dt);
    x.relu().backward(g);
    // torch.relu(x).backward(g) -> [5., 0., 0., 7., 0., nan]
    Tensor want = tensor({5.0, 0.0, 0.0, 7.0, 0.0, kNan}, dt);
    EXPECT_TRUE(x.grad().isnan().equal(want.isnan()));
    EXPECT_TRUE(x.grad().nan_to_num().equal(want.nan_to_num())) << x.grad();
  }
  Tensor c = tensor({true, false, true, false, true, false, true}).repeat({5});
  Tensor a = arange(35.0);
  // torch.where(c, a, -1.)[:8], torch.where(c, -2., a)[:8], torch.where(c, a, a * 10)[:8]
  EXPECT_TRUE(where(c, a, -1.0).slice(0, 0, 8).equal(tensor({0., -1., 2., -1., 4., -1., 6., 7.})));
  EXPECT_TRUE(
      where(c, -2.0, a).slice(0, 0, 8).equal(tensor({-2., 1., -2., 3., -2., 5., -2., -2.})));
  EXPECT_TRUE(
      where(c, a, a * 10).slice(0, 0, 8).equal(tensor({0., 10., 2., 30., 4., 50., 6., 7.})));
  EXPECT_TRUE(where(c.to(kByte), a, a * 10).equal(where(c, a, a * 10)));
  EXPECT_TRUE(where(c, a.to(kDouble), -1).equal(where(c, a, -1.0).to(kDouble)));
}

// GELU's input gradient runs as one fused kernel (first-order backward) with the same numbers as
// the differentiable formula it uses for double backward; 16-bit types compute in float.
TEST(ActivationGrad, GeluBackwardFusedMatchesFormula) {
  manual_seed(11);
  for (const char* approx : {"none", "tanh"}) {
    for (ScalarType dt : {kFloat, kDouble, kBFloat16, kHalf}) {
      Tensor x = (randn({7, 33}, kDouble) * 3).to(dt);
      x.index_put_({0, 0}, 0.0);
      x.index_put_({0, 1}, 40.0);
      x.index_put_({0, 2}, -40.0);
      Tensor g = randn({7, 33}, kDouble).to(dt);
      Tensor xr = x.detach().requires_grad_();
      Tensor fused = autograd::grad({gelu(xr, approx)}, {xr}, {g})[0];
      // create_graph: the formula path (float for the 16-bit types, rounded once).
      Tensor xr2 = x.detach().requires_grad_();
      Tensor formula = autograd::grad({gelu(xr2, approx)}, {xr2}, {g}, true, true)[0];
      EXPECT_EQ(fused.dtype(), dt);
      const double tol = dt == kDouble ? 1e-12 : dt == kFloat ? 1e-6 : 1e-2;
      EXPECT_TRUE(all_close(fused.to(kDouble), formula.detach().to(kDouble), tol, tol))
          << approx << " " << toString(dt);
      // Expanded (stride 0) gradients, as sum()'s backward passes.
      Tensor xr3 = x.detach().requires_grad_();
      Tensor from_sum = autograd::grad({gelu(xr3, approx).sum()}, {xr3})[0];
      Tensor xr4 = x.detach().requires_grad_();
      Tensor want = autograd::grad({gelu(xr4, approx)}, {xr4}, {ones_like(x)})[0];
      EXPECT_TRUE(all_close(from_sum.to(kDouble), want.to(kDouble), tol, tol));
    }
  }
}
