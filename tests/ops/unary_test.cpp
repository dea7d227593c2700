// Unary math ops: special values, dtype rules, variants, gradients. Expected values from
// PyTorch 1.13; the op database (tests/opdb) replays every op on many more layouts and dtypes.
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
// torch.tensor([nan, -0.0, 0.0, inf, -inf, 2.5, -2.5, 0.5, 1.5])
Tensor special() { return tensor({kNan, -0.0, 0.0, kInf, -kInf, 2.5, -2.5, 0.5, 1.5}, kFloat); }
bool is_neg_zero(const Tensor& t, int64_t i) {
  double v = t.to(kDouble).reshape({-1}).select(0, i).item<double>();
  return v == 0 && std::signbit(v);
}
}  // namespace

TEST(Unary, SpecialValues) {
  Tensor x = special();
  EXPECT_TRUE(all_close(x.sign(), tensor({0.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0, 1.0, 1.0})));
  EXPECT_TRUE(all_close(x.sgn(), x.sign()));
  Tensor r = x.round();  // half to even
  EXPECT_TRUE(all_close(r, tensor({kNan, -0.0, 0.0, kInf, -kInf, 2.0, -2.0, 0.0, 2.0})));
  EXPECT_TRUE(is_neg_zero(r, 1));
  EXPECT_TRUE(all_close(x.frac(), tensor({kNan, 0.0, 0.0, kNan, kNan, 0.5, -0.5, 0.5, 0.5})));
  EXPECT_TRUE(all_close(x.trunc(), tensor({kNan, -0.0, 0.0, kInf, -kInf, 2.0, -2.0, 0.0, 1.0})));
  EXPECT_TRUE(all_close(x.floor(), tensor({kNan, -0.0, 0.0, kInf, -kInf, 2.0, -3.0, 0.0, 1.0})));
  EXPECT_TRUE(all_close(x.ceil(), tensor({kNan, -0.0, 0.0, kInf, -kInf, 3.0, -2.0, 1.0, 2.0})));
  EXPECT_TRUE(all_close(x.rsqrt(), tensor({kNan, -kInf, kInf, 0.0, kNan, 0.6324555277824402, kNan,
                                           1.4142135381698608, 0.8164965510368347})));
  EXPECT_TRUE(all_close(
      x.reciprocal(), tensor({kNan, -kInf, kInf, 0.0, -0.0, 0.4, -0.4, 2.0, 0.6666666865348816})));
  EXPECT_TRUE(all_close(x.log1p(), tensor({kNan, -0.0, 0.0, kInf, kNan, 1.2527629137039185, kNan,
                                           0.40546509623527527, 0.9162907600402832})));
  EXPECT_TRUE(
      all_close(x.expm1(), tensor({kNan, -0.0, 0.0, kInf, -1.0, 11.182494163513184,
                                   -0.9179149866104126, 0.6487212777137756, 3.481688976287842})));
  EXPECT_TRUE(
      all_close(x.signbit(), tensor({false, true, false, false, true, false, true, false, false})));
  EXPECT_TRUE(
      all_close(x.isinf(), tensor({false, false, false, true, true, false, false, false, false})));
  EXPECT_TRUE(
      all_close(x.isfinite(), tensor({false, true, true, false, false, true, true, true, true})));
  EXPECT_TRUE(all_close(x.isposinf(), x.isinf().logical_and(x > 0)));
  EXPECT_TRUE(all_close(x.isneginf(), x.isinf().logical_and(x < 0)));
  // erfinv at the ends of its domain and outside
  EXPECT_TRUE(all_close(tensor({1.0, -1.0, 0.3, 0.9999, 2.0}, kDouble).erfinv(),
                        tensor({kInf, -kInf, 0.2724627147267544, 2.751063905712083, kNan}, kDouble),
                        1e-12, 1e-12));
  // digamma/lgamma at poles: digamma(+-0) = -+inf, negative integers NaN
  EXPECT_TRUE(all_close(
      tensor({0.0, -1.0, -0.5, 1.0, 0.25, -0.0}).digamma(),
      tensor({-kInf, kNan, 0.03648991510272026, -0.5772159099578857, -4.22745418548584, kInf})));
  EXPECT_TRUE(all_close(tensor({0.0, -1.0, -0.5, 1.0, 0.25}).lgamma(),
                        tensor({kInf, kInf, 1.2655121088027954, 0.0, 1.288022518157959})));
}

TEST(Unary, NanToNum) {
  Tensor x = special();
  EXPECT_TRUE(all_close(x.nan_to_num(), tensor({0.0, -0.0, 0.0, 3.4028234663852886e+38,
                                                -3.4028234663852886e+38, 2.5, -2.5, 0.5, 1.5})));
  EXPECT_TRUE(all_close(x.to(kHalf).nan_to_num(),
                        tensor({0.0, -0.0, 0.0, 65504.0, -65504.0, 2.5, -2.5, 0.5, 1.5})));
  EXPECT_TRUE(all_close(nan_to_num(x, 7.0, 8.0, -9.0),
                        tensor({7.0, -0.0, 0.0, 8.0, -9.0, 2.5, -2.5, 0.5, 1.5})));
  Tensor y = x.clone();
  y.nan_to_num_(1.0);
  EXPECT_TRUE(all_close(y.select(0, 0), tensor(1.0)));
  Tensor out = empty({0});
  nan_to_num_out(out, x, 2.0);
  EXPECT_EQ(out.select(0, 0).item<float>(), 2.0f);
  Tensor i = tensor({1, 2}, kLong);
  EXPECT_TRUE(all_close(i.nan_to_num(), i));
  EXPECT_EQ(i.nan_to_num().dtype(), kLong);
}

TEST(Unary, Dtypes) {
  Tensor i = tensor({-3, 0, 2}, kLong);
  EXPECT_EQ(i.sign().dtype(), kLong);
  EXPECT_TRUE(all_close(i.sign(), tensor({-1, 0, 1})));
  EXPECT_TRUE(all_close(tensor({3, 0, 2}, kByte).sign(), tensor({1, 0, 1})));
  EXPECT_EQ(tensor({true, false}).sign().dtype(), kBool);
  EXPECT_EQ(i.square().dtype(), kLong);
  EXPECT_TRUE(all_close(i.square(), tensor({9, 0, 4})));
  EXPECT_EQ(tensor({true, false}).square().dtype(), kLong);  // pow(bool, 2)
  EXPECT_EQ(i.floor().dtype(), kLong);
  EXPECT_TRUE(all_close(i.round(), i));
  EXPECT_EQ(i.rsqrt().dtype(), kFloat);
  EXPECT_EQ(i.exp2().dtype(), kFloat);
  EXPECT_TRUE(all_close(i.exp2(), tensor({0.125, 1.0, 4.0})));
  EXPECT_EQ(i.reciprocal().dtype(), kFloat);
  EXPECT_EQ(tensor({true}).erf().dtype(), kFloat);
  EXPECT_EQ(i.isinf().dtype(), kBool);
  EXPECT_TRUE(all_close(i.signbit(), tensor({true, false, false})));
  EXPECT_TRUE(all_close(tensor({3}, kByte).signbit(), tensor({false})));
  EXPECT_THROW(i.frac(), ember::Error);
  EXPECT_THROW(tensor({true}).floor(), ember::Error);
  EXPECT_THROW(tensor({true}).round(), ember::Error);
  EXPECT_THROW(tensor({1.5}).bitwise_not(), ember::Error);
  EXPECT_THROW(tensor({true}).positive(), ember::Error);
  EXPECT_THROW(i.round(1), ember::Error);  // round with decimals: floats only
  EXPECT_THROW(polygamma(-1, tensor({1.0})), ember::Error);
  // int -> float can't be written back in place
  Tensor j = i.clone();
  EXPECT_THROW(j.sqrt_(), ember::Error);
  EXPECT_THROW(j.rsqrt_(), ember::Error);
  // half and bfloat16 compute in float
  Tensor h = tensor({0.5, 1.5, -2.0}, kHalf);
  EXPECT_EQ(h.erfinv().dtype(), kHalf);
  EXPECT_TRUE(all_close(h.expm1(), tensor({0.6487, 3.4817, -0.8647}), 1e-3, 1e-3));
  EXPECT_TRUE(all_close(h.to(kBFloat16).log1p(), tensor({0.4055, 0.9163, kNan}), 1e-2, 1e-2));
}

TEST(Unary, RoundDecimals) {
  Tensor x = tensor({1.2345, 2.5, 0.5, -0.5, 1234.5678});
  EXPECT_TRUE(all_close(x.round(2), tensor({1.23, 2.5, 0.5, -0.5, 1234.57})));
  EXPECT_TRUE(all_close(tensor({125.0, 135.0}).round(-1), tensor({120.0, 140.0})));
  Tensor y = tensor({1.25, 1.35}).requires_grad_();
  Tensor r = y.round(1);
  EXPECT_EQ(r.grad_fn()->name(), "RoundBackward1");
  r.sum().backward();
  EXPECT_TRUE(all_close(y.grad(), tensor({0.0, 0.0})));
  Tensor z = tensor({1.26});
  z.round_(1);
  EXPECT_TRUE(all_close(z, tensor({1.3})));
  Tensor out = empty({0});
  round_out(out, tensor({2.375, 2.345}), 2);  // float32: 237.5 ties to even, 234.49998
  EXPECT_TRUE(all_close(out, tensor({2.38, 2.34})));
}

TEST(Unary, Variants) {
  Tensor x = tensor({{0.5, 1.5}, {2.5, 3.0}});
  Tensor y = x.clone();
  y.log2_();
  EXPECT_TRUE(all_close(y, x.log2()));
  Tensor out = empty({0});
  log10_out(out, x);
  EXPECT_TRUE(all_close(out, x.log10()));
  Tensor o64 = empty({0}, kDouble);
  exp2_out(o64, x);  // float ops may cast into a wider out
  EXPECT_EQ(o64.dtype(), kDouble);
  EXPECT_TRUE(all_close(o64, x.exp2()));
  Tensor oi = empty({0}, kFloat);
  EXPECT_THROW(floor_out(oi, tensor({1, 2})), ember::Error);  // floor never casts
  // non-contiguous and 0-dim and zero-size
  EXPECT_TRUE(all_close(x.t().tan(), x.tan().t()));
  EXPECT_EQ(tensor(0.25).atanh().dim(), 0);
  EXPECT_EQ(zeros({0, 3}).asinh().sizes(), IntArrayRef({0, 3}));
  // positive is the identity (an alias), arcsin etc. are aliases
  EXPECT_TRUE(x.positive().is_same(x));
  EXPECT_TRUE(all_close(arcsin(tensor({0.5})), tensor({0.5}).asin()));
  EXPECT_TRUE(all_close(fix(tensor({-1.5})), tensor({-1.0})));
  // out= with grad refused
  Tensor g = x.clone().requires_grad_();
  EXPECT_THROW(tan_out(out, g), ember::Error);
}

TEST(Unary, NodeNames) {
  Tensor x = tensor({0.5, 0.25}, kDouble).requires_grad_();
  struct Case {
    Tensor (*f)(const Tensor&);
    const char* node;
  };
  const Case cases[] = {
      {ember::sign, "SignBackward0"},
      {ember::sgn, "SgnBackward0"},
      {ember::rsqrt, "RsqrtBackward0"},
      {ember::square, "PowBackward0"},
      {ember::exp2, "Exp2Backward0"},
      {ember::expm1, "Expm1Backward0"},
      {ember::log2, "Log2Backward0"},
      {ember::log10, "Log10Backward0"},
      {ember::log1p, "Log1PBackward0"},
      {ember::tan, "TanBackward0"},
      {ember::asin, "AsinBackward0"},
      {ember::acos, "AcosBackward0"},
      {ember::atan, "AtanBackward0"},
      {ember::sinh, "SinhBackward0"},
      {ember::cosh, "CoshBackward0"},
      {ember::asinh, "AsinhBackward0"},
      {ember::atanh, "AtanhBackward0"},
      {ember::erf, "ErfBackward0"},
      {ember::erfc, "ErfcBackward0"},
      {ember::erfinv, "ErfinvBackward0"},
      {ember::floor, "FloorBackward0"},
      {ember::ceil, "CeilBackward0"},
      {ember::trunc, "TruncBackward0"},
      {ember::frac, "FracBackward0"},
      {ember::reciprocal, "ReciprocalBackward0"},
      {ember::digamma, "DigammaBackward0"},
      {ember::lgamma, "LgammaBackward0"},
  };
  for (const auto& c : cases) EXPECT_EQ(c.f(x).grad_fn()->name(), c.node) << c.node;
  EXPECT_EQ(ember::round(x).grad_fn()->name(), "RoundBackward0");
  EXPECT_EQ(acosh(x + 1).grad_fn()->name(), "AcoshBackward0");
  EXPECT_EQ(nan_to_num(x).grad_fn()->name(), "NanToNumBackward0");
  EXPECT_EQ(polygamma(2, x).grad_fn()->name(), "PolygammaBackward0");
  Tensor y = x * 1;
  y.asinh_();
  EXPECT_EQ(y.grad_fn()->name(), "AsinhBackward1");
  EXPECT_FALSE(x.isinf().requires_grad());
}

TEST(Unary, ZeroGradients) {
  Tensor x = tensor({0.5, -1.5, 2.0}, kDouble).requires_grad_();
  for (Tensor (*f)(const Tensor&) :
       {ember::sign, ember::sgn, ember::floor, ember::ceil, ember::trunc}) {
    Tensor g = autograd::grad({f(x).sum()}, {x})[0];
    EXPECT_TRUE(all_close(g, zeros({3}, kDouble)));
  }
  Tensor g = autograd::grad({ember::round(x).sum()}, {x})[0];
  EXPECT_TRUE(all_close(g, zeros({3}, kDouble)));
  // nan_to_num passes gradients only where the input was finite
  Tensor s = tensor({1.0, kNan, kInf}, kDouble).requires_grad_();
  EXPECT_TRUE(all_close(autograd::grad({nan_to_num(s).sum()}, {s})[0], tensor({1.0, 0.0, 0.0})));
}

TEST(Unary, Gradcheck) {
  using Fn = Tensor (*)(const Tensor&);
  Tensor any = tensor({-1.3, 0.4, 2.1}, kDouble);
  Tensor pos = tensor({0.3, 1.1, 2.7}, kDouble);
  Tensor unit = tensor({-0.7, 0.2, 0.6}, kDouble);
  const std::pair<Fn, Tensor> cases[] = {
      {ember::rsqrt, pos},   {ember::square, any},  {ember::exp2, any},   {ember::expm1, any},
      {ember::log2, pos},    {ember::log10, pos},   {ember::log1p, pos},  {ember::tan, unit},
      {ember::asin, unit},   {ember::acos, unit},   {ember::atan, any},   {ember::sinh, any},
      {ember::cosh, any},    {ember::asinh, any},   {ember::atanh, unit}, {ember::erf, any},
      {ember::erfc, any},    {ember::erfinv, unit}, {ember::frac, pos},   {ember::reciprocal, pos},
      {ember::digamma, pos}, {ember::lgamma, pos},
  };
  int k = 0;
  for (const auto& [f, x] : cases) {
    auto fn = [f = f](const variable_list& v) { return f(v[0]); };
    EXPECT_TRUE(gradcheck(fn, {x})) << "case " << k;
    EXPECT_TRUE(gradgradcheck(fn, {x})) << "case " << k;
    ++k;
  }
  auto acosh_fn = [](const variable_list& v) { return acosh(v[0]); };
  EXPECT_TRUE(gradcheck(acosh_fn, {pos + 1}));
  EXPECT_TRUE(gradgradcheck(acosh_fn, {pos + 1}));
  auto poly = [](const variable_list& v) { return polygamma(2, v[0]); };
  EXPECT_TRUE(gradcheck(poly, {pos}));
  EXPECT_TRUE(gradgradcheck(poly, {pos}));
  auto n2n = [](const variable_list& v) { return nan_to_num(v[0]); };
  EXPECT_TRUE(gradcheck(n2n, {any}));
  EXPECT_TRUE(gradgradcheck(n2n, {any}));
}

TEST(Unary, Polygamma) {
  Tensor x = tensor({-2.5, -0.5, 0.0, 0.75, 3.5}, kDouble);
  EXPECT_TRUE(all_close(polygamma(1, x),
                        tensor({9.539246645, 8.9348022, kInf, 2.541879649, 0.3303577562}), 1e-8));
  EXPECT_TRUE(all_close(polygamma(3, x),
                        tensor({194.7478762, 193.409091, kInf, 19.76331253, 0.07030584882}), 1e-8));
  EXPECT_TRUE(all_close(polygamma(0, x), x.digamma()));
}
