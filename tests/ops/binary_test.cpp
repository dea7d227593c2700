// Binary elementwise ops: values vs PyTorch 1.13 (expressions in comments), gradients, dtypes,
// non-contiguous/0-dim/zero-size inputs and error cases. (where/clamp/lerp/addc*/isclose: see
// ternary_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::bools;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::ints;
using ember::testing::near;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ---- division family ----

TEST(BinaryDiv, RoundingModesFloat) {
  Tensor a = tensor({7., -7., 7.5, -7.5, 0., -0.5});
  Tensor b = tensor({2., 2., -2., 2., -3., 3.});
  // torch.div(a, b, rounding_mode='trunc') / 'floor'
  EXPECT_TRUE(near(div(a, b, "trunc"), tensor({3., -3., -3., -3., -0., -0.})));
  EXPECT_TRUE(near(div(a, b, "floor"), tensor({3., -4., -4., -4., -0., -1.})));
  EXPECT_TRUE(near(a.div(b, std::nullopt), a / b));
  EXPECT_EQ(div(a, b, "floor").dtype(), kFloat);
  // torch.div(tensor([1.,-1.,0.]), 0., rounding_mode='floor') -> [inf, -inf, nan]
  EXPECT_TRUE(near(div(tensor({1., -1., 0.}), 0., "floor"), tensor({kInf, -kInf, kNaN})));
  EXPECT_THROW(div(a, b, "round"), Error);
}

TEST(BinaryDiv, RoundingModesInt) {
  Tensor a = tensor({7, -7, 7, -7, 0, 5});
  Tensor b = tensor({2, 2, -2, -2, 3, -1});
  // torch.div(ai, bi, rounding_mode='trunc') / 'floor'
  EXPECT_EQ(ints(div(a, b, "trunc")), (std::vector<int64_t>{3, -3, -3, 3, 0, -5}));
  EXPECT_EQ(ints(div(a, b, "floor")), (std::vector<int64_t>{3, -4, -4, 3, 0, -5}));
  EXPECT_EQ(div(a, b, "floor").dtype(), kLong);
  EXPECT_EQ(ints(floor_divide(a, b)), (std::vector<int64_t>{3, -4, -4, 3, 0, -5}));
  // torch.floor_divide(tensor([5,-5]), 2.5) -> [2., -2.] float32
  Tensor f = floor_divide(tensor({5, -5}), 2.5);
  EXPECT_EQ(f.dtype(), kFloat);
  EXPECT_TRUE(near(f, tensor({2., -2.})));
  // In-place and out=.
  Tensor c = a.clone();
  c.div_(2, "floor");
  EXPECT_EQ(ints(c), (std::vector<int64_t>{3, -4, 3, -4, 0, 2}));
  Tensor out = empty({0}, kLong);
  div_out(out, a, b, "trunc");
  EXPECT_EQ(ints(out), (std::vector<int64_t>{3, -3, -3, 3, 0, -5}));
}

TEST(BinaryDiv, IntegerDivisionByZeroRaises) {
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong}) {
    Tensor a = tensor({1, 2, 3}).to(dt);
    Tensor z = tensor({1, 0, 1}).to(dt);
    EXPECT_THROW(div(a, z, "trunc"), Error) << dt;
    EXPECT_THROW(div(a, z, "floor"), Error) << dt;
    EXPECT_THROW(floor_divide(a, z), Error) << dt;
    EXPECT_THROW(remainder(a, z), Error) << dt;
    EXPECT_THROW(fmod(a, z), Error) << dt;
    EXPECT_THROW(a % 0, Error) << dt;
  }
  try {
    floor_divide(tensor({1}), 0);
    FAIL() << "expected ZeroDivisionError";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ZeroDivisionError"), std::string::npos);
  }
  // True division promotes to float: no error.
  EXPECT_TRUE(near(tensor({1, -1}) / 0, tensor({kInf, -kInf})));
}

TEST(BinaryDiv, MinIntByMinusOneDoesNotTrap) {
  const int64_t mn = std::numeric_limits<int64_t>::min();
  Tensor a = tensor({mn, mn});
  Tensor m1 = tensor({int64_t(-1), int64_t(-1)});
  EXPECT_EQ(ints(div(a, m1, "trunc")), (std::vector<int64_t>{mn, mn}));  // wraps
  EXPECT_EQ(ints(div(a, m1, "floor")), (std::vector<int64_t>{mn, mn}));
  EXPECT_EQ(ints(remainder(a, m1)), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(ints(fmod(a, m1)), (std::vector<int64_t>{0, 0}));
  Tensor a32 = tensor({std::numeric_limits<int32_t>::min()}).to(kInt);
  EXPECT_EQ(ints(a32.fmod(-1)), (std::vector<int64_t>{0}));
  EXPECT_EQ(ints(a32.floor_divide(-1)),
            (std::vector<int64_t>{std::numeric_limits<int32_t>::min()}));
  // torch.div(tensor([-128,7],int8), tensor([-1,-2],int8), rounding_mode='floor') -> [-128, -4]
  Tensor i8 = tensor({-128, 7}).to(kChar);
  Tensor r = div(i8, tensor({-1, -2}).to(kChar), "floor");
  EXPECT_EQ(r.dtype(), kChar);
  EXPECT_EQ(ints(r), (std::vector<int64_t>{-128, -4}));
}

TEST(BinaryDiv, RemainderAndFmod) {
  Tensor a = tensor({7., -7., 7.5, -7.5, 0., -0.5});
  Tensor b = tensor({2., 2., -2., 2., -3., 3.});
  // torch.remainder(a, b), torch.fmod(a, b)
  EXPECT_TRUE(near(remainder(a, b), tensor({1., 1., -0.5, 0.5, 0., 2.5})));
  EXPECT_TRUE(near(fmod(a, b), tensor({1., -1., 1.5, -1.5, 0., -0.5})));
  Tensor ai = tensor({7, -7, 7, -7, 0, 5});
  Tensor bi = tensor({2, 2, -2, -2, 3, -1});
  EXPECT_EQ(ints(ai % bi), (std::vector<int64_t>{1, 1, -1, -1, 0, 0}));
  EXPECT_EQ(ints(fmod(ai, bi)), (std::vector<int64_t>{1, -1, 1, -1, 0, 0}));
  // torch.remainder(5, tensor([3,-3])) -> [2, -1]
  EXPECT_EQ(ints(remainder(5, tensor({3, -3}))), (std::vector<int64_t>{2, -1}));
  // torch.remainder(tensor([1.,-1.]), 0.) -> nan
  EXPECT_TRUE(remainder(tensor({1., -1.}), 0.).isnan().all().item<bool>());
  // float16: tensor([7.,-7.5], float16).remainder(2.) -> [1., 0.5]
  Tensor h = tensor({7., -7.5}).to(kHalf).remainder(2.);
  EXPECT_EQ(h.dtype(), kHalf);
  EXPECT_TRUE(near(h, tensor({1., 0.5})));
  // Non-contiguous: transposed operand.
  Tensor m = tensor({{5., -5.}, {3., -3.}});
  EXPECT_TRUE(near(m.t().remainder(2.), tensor({{1., 1.}, {1., 1.}})));
  EXPECT_TRUE(near(m.t().fmod(2.), tensor({{1., 1.}, {-1., -1.}})));
  // Compound operator.
  Tensor c = tensor({5, -5});
  c %= 3;
  EXPECT_EQ(ints(c), (std::vector<int64_t>{2, 1}));
}

TEST(BinaryDiv, Gradients) {
  Tensor a = tensor({2.5, -3.7, 1.2}, kDouble);
  Tensor b = tensor({1.1, 2.3, -0.7}, kDouble);
  auto rem = [](const variable_list& x) { return remainder(x[0], x[1]); };
  auto fm = [](const variable_list& x) { return fmod(x[0], x[1]); };
  EXPECT_TRUE(gradcheck(rem, {a, b}));
  EXPECT_TRUE(gradcheck(fm, {a, b}));
  EXPECT_TRUE(gradgradcheck(fm, {a, b}));
  Tensor x = a.clone().requires_grad_();
  EXPECT_EQ(remainder(x, b).grad_fn()->name(), "RemainderBackward1");
  EXPECT_EQ(remainder(x, 2.).grad_fn()->name(), "RemainderBackward0");
  EXPECT_EQ(fmod(x, 2.).grad_fn()->name(), "FmodBackward0");
  Tensor d = div(x, b, "floor");
  EXPECT_EQ(d.grad_fn()->name(), "DivBackward2");
  d.sum().backward();
  EXPECT_TRUE(near(x.grad(), zeros({3}, kDouble)));
  EXPECT_FALSE(floor_divide(x, b).requires_grad());
  // libtorch's C++ overload names: x + 2 is add.Scalar.
  EXPECT_EQ((x + b).grad_fn()->name(), "AddBackward0");
  EXPECT_EQ((x + 2).grad_fn()->name(), "AddBackward1");
  EXPECT_EQ((x - 2).grad_fn()->name(), "SubBackward1");
  EXPECT_EQ((2 - x).grad_fn()->name(), "RsubBackward1");
  EXPECT_EQ((x * 2).grad_fn()->name(), "MulBackward1");
  EXPECT_EQ((x / 2).grad_fn()->name(), "DivBackward1");
  EXPECT_EQ(x.div(2, "trunc").grad_fn()->name(), "DivBackward3");
}

TEST(BinaryDiv, Aliases) {
  Tensor a = tensor({7., -7.}), b = tensor({2., 2.});
  EXPECT_TRUE(near(divide(a, b, "floor"), tensor({3., -4.})));
  EXPECT_TRUE(near(a.divide(2), tensor({3.5, -3.5})));
  EXPECT_TRUE(near(true_divide(tensor({7, -7}), 2), tensor({3.5, -3.5})));
  EXPECT_TRUE(near(multiply(a, b), tensor({14., -14.})));
  EXPECT_TRUE(near(a.subtract(b, 2), tensor({3., -11.})));
  Tensor c = a.clone();
  c.divide_(b, "trunc").multiply_(3);
  EXPECT_TRUE(near(c, tensor({9., -9.})));
}

// ---- pow and friends ----

TEST(BinaryPow, Values) {
  // tensor([1.5,-2.0,0.5]).pow(2)
  EXPECT_TRUE(near(tensor({1.5, -2.0, 0.5}).pow(2), tensor({2.25, 4.0, 0.25})));
  // tensor([1.5,2.,0.5]).pow(tensor([2.5,-1.,3.]))
  EXPECT_TRUE(near(pow(tensor({1.5, 2., 0.5}), tensor({2.5, -1., 3.})),
                   tensor({2.755676031112671, 0.5, 0.125})));
  // torch.pow(2, tensor([0.5,-1.,3.]))
  EXPECT_TRUE(near(pow(2, tensor({0.5, -1., 3.})), tensor({1.4142135381698608, 0.5, 8.0})));
  // tensor([2,-3,1,-1,2,0]).pow(tensor([10,3,-3,-3,-1,0])) -> [1024, -27, 1, -1, 0, 1]
  Tensor ip = tensor({2, -3, 1, -1, 2, 0}).pow(tensor({10, 3, -3, -3, -1, 0}));
  EXPECT_EQ(ip.dtype(), kLong);
  EXPECT_EQ(ints(ip), (std::vector<int64_t>{1024, -27, 1, -1, 0, 1}));
  Tensor i32 = tensor({2, -3, 5}).to(kInt).pow(3);
  EXPECT_EQ(i32.dtype(), kInt);
  EXPECT_EQ(ints(i32), (std::vector<int64_t>{8, -27, 125}));
  // Integer tensor to a float power promotes: tensor([4,9]).pow(0.5) -> [2., 3.] float32
  Tensor fp = tensor({4, 9}).pow(0.5);
  EXPECT_EQ(fp.dtype(), kFloat);
  EXPECT_TRUE(near(fp, tensor({2., 3.})));
  // torch.float_power(tensor([2,3]), 2) -> float64
  Tensor fl = float_power(tensor({2, 3}), 2);
  EXPECT_EQ(fl.dtype(), kDouble);
  EXPECT_TRUE(near(fl, tensor({4., 9.}, kDouble)));
  EXPECT_THROW(tensor({1, 2}).pow(-2), Error);
  EXPECT_THROW(tensor({1, 2}).pow_(-1), Error);
  EXPECT_THROW(tensor({1.f}).float_power_(2), Error);
  Tensor dd = tensor({3.}, kDouble);
  dd.float_power_(2);
  EXPECT_TRUE(near(dd, tensor({9.}, kDouble)));
  // Overflow wraps instead of being UB: tensor([3]).pow(100) -> [-2984622845537545263]
  EXPECT_EQ(ints(tensor({int64_t(3)}).pow(int64_t(100))),
            (std::vector<int64_t>{-2984622845537545263LL}));
  Tensor bf = tensor({1.5, 2.}).to(kBFloat16).pow(2);
  EXPECT_EQ(bf.dtype(), kBFloat16);
  EXPECT_TRUE(near(bf, tensor({2.25, 4.})));
}

TEST(BinaryPow, Gradients) {
  Tensor a = tensor({1.5, 0.7, 2.2}, kDouble);
  Tensor e = tensor({2.5, -1.3, 0.4}, kDouble);
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].pow(x[1]); }, {a, e}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].pow(x[1]); }, {a, e}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].pow(3); }, {tensor({-1.5, 0.5})}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].pow(2.5); }, {a}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return pow(2.5, x[0]); }, {e}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return pow(2.5, x[0]); }, {e}));
  {
    // A fractional double exponent keeps double precision in the gradient (PyTorch's values).
    Tensor t = tensor({0.7, 2.5}, kDouble).requires_grad_();
    t.pow(1.0 / 3).sum().backward();
    EXPECT_NEAR(t.grad()[0].item<double>(), 0.42281142940123845, 1e-15);
    EXPECT_NEAR(t.grad()[1].item<double>(), 0.18096117443966042, 1e-15);
  }
  Tensor x = a.clone().requires_grad_();
  EXPECT_EQ(x.pow(2).grad_fn()->name(), "PowBackward0");
  EXPECT_EQ(x.pow(e).grad_fn()->name(), "PowBackward1");
  EXPECT_EQ(pow(2, x).grad_fn()->name(), "PowBackward2");
  // Zero base: z=[0,0,2], e=[2,0,1] -> self grad [0,0,1], exponent grad [0,0,2*log 2]
  Tensor z = tensor({0., 0., 2.}).requires_grad_();
  Tensor ex = tensor({2., 0., 1.}).requires_grad_();
  z.pow(ex).sum().backward();
  EXPECT_TRUE(near(z.grad(), tensor({0., 0., 1.})));
  EXPECT_TRUE(near(ex.grad(), tensor({0., 0., 1.3862943649291992})));
  // Mixed dtypes: the gradient comes back in each input's dtype.
  Tensor f = tensor({1.5f, 2.f}).requires_grad_();
  Tensor dexp = tensor({2., 3.}, kDouble).requires_grad_();
  Tensor r = f.pow(dexp);
  EXPECT_EQ(r.dtype(), kDouble);
  r.sum().backward();
  EXPECT_EQ(f.grad().dtype(), kFloat);
  EXPECT_EQ(dexp.grad().dtype(), kDouble);
}

TEST(BinaryMath, Atan2HypotCopysign) {
  // torch.atan2(tensor([1.,-1.,0.,1.]), tensor([1.,-2.,-1.,0.]))
  EXPECT_TRUE(near(
      atan2(tensor({1., -1., 0., 1.}), tensor({1., -2., -1., 0.})),
      tensor({0.7853981852531433, -2.677945137023926, 3.1415927410125732, 1.5707963705062866})));
  Tensor ai = atan2(tensor({1, 2}), tensor({1, 1}));
  EXPECT_EQ(ai.dtype(), kFloat);
  EXPECT_TRUE(near(hypot(tensor({3., 5.}), tensor({4., 12.})), tensor({5., 13.})));
  // torch.copysign(tensor([1.,-2.,3.]), tensor([-1.,1.,-0.])) -> [-1., 2., -3.]
  EXPECT_TRUE(
      near(copysign(tensor({1., -2., 3.}), tensor({-1., 1., -0.})), tensor({-1., 2., -3.})));
  Tensor ci = copysign(tensor({1, 2}), -1);
  EXPECT_EQ(ci.dtype(), kFloat);
  EXPECT_TRUE(near(ci, tensor({-1., -2.})));
  Tensor a = tensor({0.5, -1.3, 2.1}, kDouble), b = tensor({1.7, 0.4, -0.9}, kDouble);
  auto at = [](const variable_list& x) { return atan2(x[0], x[1]); };
  auto hy = [](const variable_list& x) { return hypot(x[0], x[1]); };
  auto cs = [](const variable_list& x) { return copysign(x[0], x[1]); };
  EXPECT_TRUE(gradcheck(at, {a, b}));
  EXPECT_TRUE(gradgradcheck(at, {a, b}));
  EXPECT_TRUE(gradcheck(hy, {a, b}));
  EXPECT_TRUE(gradgradcheck(hy, {a, b}));
  EXPECT_TRUE(gradcheck(cs, {a, b}));
  Tensor x = a.clone().requires_grad_();
  EXPECT_EQ(atan2(x, b).grad_fn()->name(), "Atan2Backward0");
  EXPECT_EQ(copysign(x, -1.).grad_fn()->name(), "CopysignBackward1");
  Tensor y = tensor({1., 2.});
  y.atan2_(tensor({1., 1.}));
  EXPECT_TRUE(near(y, tensor({0.7853981633974483, 1.1071487177940904})));
}

TEST(BinaryMath, MaximumMinimumFmaxFmin) {
  Tensor m1 = tensor({1., kNaN, 3., kNaN});
  Tensor m2 = tensor({2., 1., kNaN, kNaN});
  EXPECT_TRUE(near(maximum(m1, m2), tensor({2., kNaN, kNaN, kNaN})));
  EXPECT_TRUE(near(minimum(m1, m2), tensor({1., kNaN, kNaN, kNaN})));
  EXPECT_TRUE(near(fmax(m1, m2), tensor({2., 1., 3., kNaN})));
  EXPECT_TRUE(near(fmin(m1, m2), tensor({1., 1., 3., kNaN})));
  EXPECT_EQ(ints(maximum(tensor({1, 5}), tensor({3, 2}))), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(ints(minimum(tensor({true, false}), tensor({false, false}))),
            (std::vector<int64_t>{0, 0}));
  // bfloat16: torch.maximum(tensor([1.5,nan],bf16), tensor([2.,0.],bf16)) -> [2., nan]
  Tensor bf = maximum(tensor({1.5, kNaN}).to(kBFloat16), tensor({2., 0.}).to(kBFloat16));
  EXPECT_EQ(bf.dtype(), kBFloat16);
  EXPECT_TRUE(near(bf, tensor({2., kNaN})));
  // Ties split the gradient: s=[1,2,3], o=[1,3,2] -> s.grad [0.5,0,1], o.grad [0.5,1,0]
  Tensor s = tensor({1., 2., 3.}).requires_grad_();
  Tensor o = tensor({1., 3., 2.}).requires_grad_();
  Tensor mx = maximum(s, o);
  EXPECT_EQ(mx.grad_fn()->name(), "MaximumBackward0");
  mx.sum().backward();
  EXPECT_TRUE(near(s.grad(), tensor({0.5, 0., 1.})));
  EXPECT_TRUE(near(o.grad(), tensor({0.5, 1., 0.})));
  // fmin: s.grad [1,1,0], o.grad [0,0,1]
  Tensor s2 = tensor({1., 2., 3.}).requires_grad_();
  Tensor o2 = tensor({1., 3., 2.}).requires_grad_();
  fmin(s2, o2).sum().backward();
  EXPECT_TRUE(near(s2.grad(), tensor({1., 1., 0.})));
  EXPECT_TRUE(near(o2.grad(), tensor({0., 0., 1.})));
  Tensor a = tensor({0.5, -1.3, 2.1}, kDouble), b = tensor({1.7, 0.4, -0.9}, kDouble);
  for (auto f : {+[](const variable_list& x) { return maximum(x[0], x[1]); },
                 +[](const variable_list& x) { return minimum(x[0], x[1]); },
                 +[](const variable_list& x) { return fmax(x[0], x[1]); },
                 +[](const variable_list& x) { return fmin(x[0], x[1]); }}) {
    EXPECT_TRUE(gradcheck(f, {a, b}));
    // Piecewise linear: the second derivative only shows through a product.
    EXPECT_TRUE(gradgradcheck([f](const variable_list& x) { return f(x) * x[0]; }, {a, b}));
  }
  // Broadcast: gradient summed back to the smaller input's shape.
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return maximum(x[0], x[1]); },
                        {tensor({{0.5, -1.3}, {2.1, 0.2}}, kDouble), tensor({0.3}, kDouble)}));
}

// ---- reliability and type promotion ----

TEST(BinaryReliability, InplaceAndPromotion) {
  Tensor it = tensor({1, 2, 3});
  EXPECT_THROW(it.mul_(0.5), Error);
  EXPECT_THROW(it.div_(2), Error);
  Tensor f = it * 0.9;
  EXPECT_EQ(f.dtype(), kFloat);
  // tensor([1,2])*0.9 -> [0.9, 1.8]
  EXPECT_TRUE(near(tensor({1, 2}) * 0.9, tensor({0.8999999761581421, 1.7999999523162842})));
  EXPECT_EQ(ints(it), (std::vector<int64_t>{1, 2, 3}));  // untouched by the failed ops
  Tensor a = zeros({3});
  EXPECT_THROW(a.add_(ones({2, 3})), Error);
  EXPECT_THROW(a.mul_(ones({4, 1})), Error);
  EXPECT_THROW(a.remainder_(ones({2, 3})), Error);
  EXPECT_THROW(a.clamp_(ones({2, 3}), std::optional<Tensor>()), Error);
  EXPECT_EQ(a.sizes(), IntArrayRef({3}));
  EXPECT_EQ((tensor({1, 2}) + 1.5).dtype(), kFloat);
  EXPECT_EQ((tensor({1, 2}) + tensor(1.5, kDouble)).dtype(), kDouble);
  // tensor([1,2], uint8) + 300 -> uint8 [45, 46]
  Tensor u = tensor({1, 2}).to(kByte) + 300;
  EXPECT_EQ(u.dtype(), kByte);
  EXPECT_EQ(ints(u), (std::vector<int64_t>{45, 46}));
  // Integer overflow wraps (two's complement), as in PyTorch, without UB.
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(ints(tensor({big}) + 1), (std::vector<int64_t>{std::numeric_limits<int64_t>::min()}));
  EXPECT_EQ(ints(tensor({int64_t(1) << 62}) * 4), (std::vector<int64_t>{0}));
  EXPECT_EQ(ints(tensor({65535}).to(kInt) * tensor({65537}).to(kInt)), (std::vector<int64_t>{-1}));
  EXPECT_EQ(ints(addcmul(tensor({big}), tensor({2}), tensor({1}))),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min() + 1}));
  Tensor bb = tensor({true, false}) + tensor({true, false});
  EXPECT_EQ(bb.dtype(), kBool);
  EXPECT_EQ(bools(bb), (std::vector<bool>{true, false}));
  EXPECT_EQ((tensor({1, 2}).to(kChar) % 2.5).dtype(), kFloat);
  EXPECT_EQ(maximum(tensor({1}).to(kByte), tensor({1}).to(kChar)).dtype(), kShort);
  EXPECT_EQ((tensor({1}).to(kInt) & tensor({1})).dtype(), kLong);
  // out= with a dtype that can't hold the result.
  Tensor out_i = empty({2}, kLong);
  EXPECT_THROW(atan2_out(out_i, tensor({1., 2.}), tensor({1., 2.})), Error);
  Tensor out_b = empty({2}, kBool);
  EXPECT_THROW(bitwise_and_out(out_b, tensor({1, 2}), tensor({1, 2})), Error);
  // Broadcast shape mismatch.
  EXPECT_THROW(fmod(ones({2}), ones({3})), Error);
  EXPECT_THROW(where(tensor({true, false}), ones({3}), 0.), Error);
}

TEST(BinaryReliability, ZeroSizeAndZeroDim) {
  Tensor e = empty({0, 2});
  EXPECT_EQ(remainder(e, 2.).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(pow(e, e).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(clamp(e, 0, 1).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(lerp(e, e, 0.5).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(addcmul(e, e, e).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ((empty({0}, kLong) | 1).numel(), 0);
  EXPECT_EQ(floor_divide(empty({0}, kLong), empty({0}, kLong)).numel(), 0);  // no division
  Tensor s = tensor(7.);
  EXPECT_EQ(remainder(s, 3.).dim(), 0);
  EXPECT_FLOAT_EQ(remainder(s, 3.).item<float>(), 1.f);
  EXPECT_FLOAT_EQ(maximum(s, tensor({1., 9.})).select(0, 1).item<float>(), 9.f);
  EXPECT_FLOAT_EQ(pow(s, 2).item<float>(), 49.f);
  EXPECT_EQ(tensor(int64_t(6)).bitwise_and(3).item<int64_t>(), 2);
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].pow(x[1]); },
                        {tensor(1.5, kDouble), tensor({2., 0.5}, kDouble)}));
}

TEST(BinaryReliability, ReducedPrecisionDtypes) {
  Tensor b1 = tensor({1., 2.}).to(kBFloat16), b2 = tensor({3., 10.}).to(kBFloat16);
  // torch.lerp(bf16 [1,2], bf16 [3,10], 0.3) -> [1.6015625, 4.40625]
  Tensor l = lerp(b1, b2, 0.3);
  EXPECT_EQ(l.dtype(), kBFloat16);
  EXPECT_TRUE(near(l, tensor({1.6015625, 4.40625})));
  // torch.addcdiv(bf16 [1,2], bf16 [3,4], bf16 [7,9], value=0.5) -> [1.2109375, 2.21875]
  Tensor ad = addcdiv(b1, tensor({3., 4.}).to(kBFloat16), tensor({7., 9.}).to(kBFloat16), 0.5);
  EXPECT_EQ(ad.dtype(), kBFloat16);
  EXPECT_TRUE(near(ad, tensor({1.2109375, 2.21875})));
  Tensor w = where(tensor({true, false}), tensor({1.5, 2.5}).to(kBFloat16),
                   tensor({-1., -2.}).to(kBFloat16));
  EXPECT_EQ(w.dtype(), kBFloat16);
  EXPECT_TRUE(near(w, tensor({1.5, -2.})));
  // torch.fmod(bf16 [5.5,-5.5], 2) -> [1.5,-1.5]; floor_divide(f16 [5.5,-5.5], 2) -> [2,-3]
  EXPECT_TRUE(near(fmod(tensor({5.5, -5.5}).to(kBFloat16), 2), tensor({1.5, -1.5})));
  Tensor fd = floor_divide(tensor({5.5, -5.5}).to(kHalf), 2);
  EXPECT_EQ(fd.dtype(), kHalf);
  EXPECT_TRUE(near(fd, tensor({2., -3.})));
  // torch.pow(f16 [1.5,2], f16 [2.5,0.5]) -> [2.755859375, 1.4140625]
  EXPECT_TRUE(near(pow(tensor({1.5, 2.}).to(kHalf), tensor({2.5, 0.5}).to(kHalf)),
                   tensor({2.755859375, 1.4140625})));
  // int16: torch.remainder([5,-5], [3,3]) -> [2, 1]
  Tensor r16 = remainder(tensor({5, -5}).to(kShort), tensor({3, 3}).to(kShort));
  EXPECT_EQ(r16.dtype(), kShort);
  EXPECT_EQ(ints(r16), (std::vector<int64_t>{2, 1}));
  // Bool tensor clamped by integers promotes to int64: tensor([True]).clamp(0,1) -> [1]
  Tensor cb = tensor({true}).clamp(0, 1);
  EXPECT_EQ(cb.dtype(), kLong);
  EXPECT_EQ(ints(cb), (std::vector<int64_t>{1}));
  // Float16 inputs to ops PyTorch 1.13 lacks on CPU still compute in float.
  EXPECT_TRUE(near(hypot(tensor({3.}).to(kHalf), tensor({4.}).to(kHalf)), tensor({5.})));
  EXPECT_TRUE(near(atan2(tensor({1.}).to(kHalf), tensor({1.}).to(kHalf)), tensor({0.78515625})));
}

TEST(BinaryReliability, OutVariants) {
  Tensor a = tensor({5., -5.}), b = tensor({3., 3.});
  Tensor out = empty({0});
  fmod_out(out, a, b);
  EXPECT_TRUE(near(out, tensor({2., -2.})));
  remainder_out(out, a, b);
  EXPECT_TRUE(near(out, tensor({2., 1.})));
  pow_out(out, a, 2);
  EXPECT_TRUE(near(out, tensor({25., 25.})));
  maximum_out(out, a, b);
  EXPECT_TRUE(near(out, tensor({5., 3.})));
  where_out(out, tensor({true, false}), a, b);
  EXPECT_TRUE(near(out, tensor({5., 3.})));
  clamp_min_out(out, a, 0);
  EXPECT_TRUE(near(out, tensor({5., 0.})));
  lerp_out(out, a, b, 0.5);
  EXPECT_TRUE(near(out, tensor({4., -1.})));
  addcdiv_out(out, a, b, b, 2);
  EXPECT_TRUE(near(out, tensor({7., -3.})));
  // A double out= takes a float result (cast on write).
  Tensor od = empty({2}, kDouble);
  atan2_out(od, tensor({1., 1.}), tensor({1., -1.}));
  EXPECT_TRUE(near(od, tensor({0.7853981633974483, 2.356194490192345}, kDouble)));
  Tensor ob = empty({0}, kBool);
  logical_not_out(ob, tensor({0, 1}));
  EXPECT_EQ(bools(ob), (std::vector<bool>{true, false}));
  Tensor oi = empty({0}, kLong);
  bitwise_not_out(oi, tensor({0, 1}));
  EXPECT_EQ(ints(oi), (std::vector<int64_t>{-1, -2}));
  // out= refuses autograd.
  Tensor g = tensor({1.}).requires_grad_();
  EXPECT_THROW(fmod_out(out, g, g), Error);
  EXPECT_THROW(clamp_out(out, g, 0, 1), Error);
  EXPECT_THROW(addcmul_out(out, g, g, g), Error);
}

TEST(BinaryDiv, MoreGradients) {
  Tensor a = tensor({2.5, -3.7, 1.2}, kDouble);
  // Scalar base / divisor and in-place ops with autograd.
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return remainder(7.3, x[0]); }, {a}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return copysign(x[0] * x[0], x[1]); },
                            {a, tensor({-1., 2., -0.5}, kDouble)}));
  Tensor x = tensor({1.5, -2.}).requires_grad_();
  Tensor y = x * 1;
  y.pow_(2).hypot_(tensor({4., 3.})).copysign_(-1.);
  y.sum().backward();
  // d/dx -hypot(x^2, c) = -(x^2 / hypot) * 2x
  Tensor h = hypot(tensor({2.25, 4.}), tensor({4., 3.}));
  EXPECT_TRUE(near(x.grad(), -(tensor({2.25, 4.}) / h) * tensor({3., -4.})));
}

TEST(BinaryOperators, ScalarOnTheLeft) {
  Tensor t = tensor({1., 2., 3.});
  EXPECT_EQ(bools(2 < t), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(bools(2 <= t), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(bools(2 > t), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(bools(2 >= t), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(bools(2 == t), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(bools(2 != t), (std::vector<bool>{true, false, true}));
  // 7 % tensor([3,-3]) -> [1, -2] (Python sign semantics)
  EXPECT_EQ(ints(7 % tensor({3, -3})), (std::vector<int64_t>{1, -2}));
  EXPECT_EQ(ints(6 & tensor({3, 5})), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(ints(6 ^ tensor({3, 5})), (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(bools(!(t > 1)), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(ints(tensor({1, 2}).__lshift__(tensor({1, 2}))), (std::vector<int64_t>{2, 8}));
  Tensor s = tensor({16, 32});
  s.__irshift__(2);
  EXPECT_EQ(ints(s), (std::vector<int64_t>{4, 8}));
}
