// src/ops/ternary.cpp: where, clamp/clip, clamp_min/clamp_max, lerp, addcmul, addcdiv and
// isclose/allclose/equal — values vs PyTorch 1.13 (expressions in comments), gradients, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

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

// A [2, 3] double tensor of distinct non-trivial values.
Tensor X3() { return (arange(6, kDouble) * 0.37 - 1.1).reshape({2, 3}); }
}  // namespace

// ---- where ----

TEST(Ternary, Where) {
  Tensor cond = tensor({true, false, true});
  // torch.where(cond, tensor([1.,2.,3.]), 0) -> [1., 0., 3.]
  Tensor w = where(cond, tensor({1., 2., 3.}), 0);
  EXPECT_EQ(w.dtype(), kFloat);
  EXPECT_TRUE(near(w, tensor({1., 0., 3.})));
  // torch.where(tensor([T,F]), tensor([1,2]), tensor([0.5,0.5],float64)) -> float64 [1., 0.5]
  Tensor w2 = where(tensor({true, false}), tensor({1, 2}), tensor({0.5, 0.5}, kDouble));
  EXPECT_EQ(w2.dtype(), kDouble);
  EXPECT_TRUE(near(w2, tensor({1., 0.5})));
  // Scalar, Scalar: where(cond, 1, 2.) -> float32
  Tensor w3 = where(cond, 1, 2.);
  EXPECT_EQ(w3.dtype(), kFloat);
  EXPECT_TRUE(near(w3, tensor({1., 2., 1.})));
  EXPECT_TRUE(near(tensor({5., 6., 7.}).where(cond, -1.), tensor({5., -1., 7.})));
  // uint8 condition is accepted (deprecated in PyTorch); float is not.
  EXPECT_TRUE(near(where(tensor({1, 0}).to(kByte), 1., 2.), tensor({1., 2.})));
  EXPECT_THROW(where(tensor({1.}), 1., 2.), Error);
  // Broadcasting across all three and a transposed operand.
  Tensor bc =
      where(tensor({{true}, {false}}), tensor({1., 2.}), tensor({{10., 20.}, {30., 40.}}).t());
  EXPECT_TRUE(near(bc, tensor({{1., 2.}, {20., 40.}})));
  EXPECT_EQ(where(empty({0}, kBool), empty({0}), 1.).numel(), 0);
  EXPECT_EQ(where(tensor(true), tensor(1.), tensor(2.)).item<float>(), 1.f);
  // Gradient: each branch gets the gradient where it was picked.
  Tensor c = tensor({true, false, true});
  auto f = [c](const variable_list& x) { return where(c, x[0], x[1]); };
  Tensor a = tensor({1., 2., 3.}, kDouble), b = tensor({4., 5., 6.}, kDouble);
  EXPECT_TRUE(gradcheck(f, {a, b}));
  EXPECT_TRUE(
      gradgradcheck([c](const variable_list& x) { return where(c, x[0] * x[0], x[1]); }, {a, b}));
  Tensor x = a.clone().requires_grad_();
  Tensor r = where(c, x, 0.);
  EXPECT_EQ(r.grad_fn()->name(), "WhereBackward0");
  r.sum().backward();
  EXPECT_TRUE(near(x.grad(), tensor({1., 0., 1.})));
}

// ---- clamp ----

TEST(Ternary, ClampValues) {
  Tensor c = tensor({-2., 0.5, 3., kNaN});
  EXPECT_TRUE(near(clamp(c, -1, 1), tensor({-1., 0.5, 1., kNaN})));
  EXPECT_TRUE(near(clamp(c, 0), tensor({0., 0.5, 3., kNaN})));
  EXPECT_TRUE(near(clamp(c, std::nullopt, 0), tensor({-2., 0., 0., kNaN})));
  // min > max: result is max. torch.clamp(c, 2, 1) -> [1,1,1,nan]
  EXPECT_TRUE(near(c.clamp(2, 1), tensor({1., 1., 1., kNaN})));
  // Tensor bounds: a NaN bound gives NaN.
  Tensor lo = tensor({-1., 1., kNaN, 0.}), hi = tensor({1., 2., 2., 0.});
  EXPECT_TRUE(near(clamp(c, lo, hi), tensor({-1., 1., kNaN, kNaN})));
  EXPECT_TRUE(near(clamp_min(c, lo), tensor({-1., 1., kNaN, kNaN})));
  EXPECT_TRUE(near(c.clamp(std::optional<Tensor>(), hi), tensor({-2., 0.5, 2., kNaN})));
  EXPECT_TRUE(near(c.clamp_max(0.), tensor({-2., 0., 0., kNaN})));
  EXPECT_TRUE(near(c.clip(-1, 1), clamp(c, -1, 1)));
  // Integers: torch.clamp(tensor([1,5,9]), 2, 6) -> int64 [2,5,6]; clamp(.., 2.5) -> float32
  Tensor ci = clamp(tensor({1, 5, 9}), 2, 6);
  EXPECT_EQ(ci.dtype(), kLong);
  EXPECT_EQ(ints(ci), (std::vector<int64_t>{2, 5, 6}));
  Tensor cf = clamp(tensor({1, 5, 9}), 2.5);
  EXPECT_EQ(cf.dtype(), kFloat);
  EXPECT_TRUE(near(cf, tensor({2.5, 5., 9.})));
  Tensor h = clamp(tensor({-3., 3.}).to(kHalf), -1, 1);
  EXPECT_EQ(h.dtype(), kHalf);
  EXPECT_TRUE(near(h, tensor({-1., 1.})));
  // In-place and out=.
  Tensor ip = tensor({-2., 0.5, 3.});
  ip.clamp_(-1, 1);
  EXPECT_TRUE(near(ip, tensor({-1., 0.5, 1.})));
  Tensor ip2 = tensor({-2., 0.5, 3.});
  ip2.clamp_min_(0.).clamp_max_(tensor({1., 1., 1.}));
  EXPECT_TRUE(near(ip2, tensor({0., 0.5, 1.})));
  Tensor out = empty({0});
  clamp_out(out, tensor({-2., 2.}), -1, 1);
  EXPECT_TRUE(near(out, tensor({-1., 1.})));
  Tensor ii = tensor({1, 5});
  EXPECT_THROW(ii.clamp_(0.5, 2.5), Error);  // float result can't go back into int64
  // Integer bounds must fit the result dtype: torch.clamp(int8 tensor, 1000) raises;
  // torch.clamp(tensor([1,5], uint8), -1, 3) -> [3, 3] (-1 wraps to 255 for uint8).
  EXPECT_THROW(clamp(tensor({1, 5}).to(kChar), 1000), Error);
  EXPECT_EQ(ints(clamp(tensor({1, 5}).to(kByte), -1, 3)), (std::vector<int64_t>{3, 3}));
  EXPECT_THROW(where(tensor({true}), tensor({1}).to(kByte), 300), Error);
  EXPECT_THROW(clamp(c, std::optional<Scalar>(), std::optional<Scalar>()), Error);
  EXPECT_THROW(clamp(c, std::optional<Tensor>(), std::optional<Tensor>()), Error);
  Tensor nc = tensor({{-5., 5.}, {0.5, -0.5}}).t();
  EXPECT_TRUE(near(nc.clamp(-1, 1), tensor({{-1., 0.5}, {1., -0.5}})));
}

TEST(Ternary, ClampGradients) {
  Tensor a = tensor({-2.3, 0.4, 1.7, -0.6}, kDouble);
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].clamp(-1, 1); }, {a}));
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return (x[0] * x[0]).clamp(0.3, 2); }, {a}));
  Tensor lo = tensor({-1., 0.5, -3., -0.7}, kDouble), hi = tensor({1., 1., 1.2, 0.}, kDouble);
  auto ct = [](const variable_list& x) { return clamp(x[0], x[1], x[2]); };
  EXPECT_TRUE(gradcheck(ct, {a, lo, hi}));
  EXPECT_TRUE(gradgradcheck([ct](const variable_list& x) { return ct(x) * x[1]; }, {a, lo, hi}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return clamp_min(x[0], x[1]); }, {a, lo}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return clamp_max(x[0], x[1]); }, {a, hi}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return clamp(x[0], x[1]); }, {a, lo}));
  // The gradient passes where min <= x <= max (bounds inclusive).
  Tensor x = tensor({-1., 0., 1., 2.}).requires_grad_();
  Tensor r = x.clamp(-1, 1);
  EXPECT_EQ(r.grad_fn()->name(), "ClampBackward1");
  r.sum().backward();
  EXPECT_TRUE(near(x.grad(), tensor({1., 1., 1., 0.})));
  Tensor y = tensor({1.}).requires_grad_();
  EXPECT_EQ(y.clamp_min(0).grad_fn()->name(), "ClampMinBackward0");
  EXPECT_EQ(y.clamp_max(tensor({0.})).grad_fn()->name(), "ClampMaxBackward1");
  EXPECT_EQ(y.clamp(tensor({0.}), tensor({2.})).grad_fn()->name(), "ClampBackward0");
  // In-place on a non-leaf with autograd.
  Tensor z = tensor({-2., 0.5}).requires_grad_();
  Tensor zz = z * 1;
  zz.clamp_(-1, 1);
  zz.sum().backward();
  EXPECT_TRUE(near(z.grad(), tensor({0., 1.})));
}

// ---- lerp, addcmul, addcdiv ----

TEST(Ternary, Lerp) {
  // torch.lerp(tensor([1.,2.]), tensor([3.,10.]), 0.75) -> [2.5, 8.]
  EXPECT_TRUE(near(lerp(tensor({1., 2.}), tensor({3., 10.}), 0.75), tensor({2.5, 8.})));
  // weight tensor [0.25, 1.5] -> [1.5, 14.]
  EXPECT_TRUE(
      near(tensor({1., 2.}).lerp(tensor({3., 10.}), tensor({0.25, 1.5})), tensor({1.5, 14.})));
  // Exact at the ends.
  EXPECT_EQ(lerp(tensor({0.1f}), tensor({0.7f}), 1.).item<float>(), 0.7f);
  Tensor ip = tensor({0., 10.});
  ip.lerp_(tensor({10., 0.}), 0.5);
  EXPECT_TRUE(near(ip, tensor({5., 5.})));
  EXPECT_THROW(lerp(tensor({1.}), tensor({1.}, kDouble), 0.5), Error);
  EXPECT_THROW(lerp(tensor({1.}), tensor({1.}), tensor({1.}, kDouble)), Error);
  EXPECT_THROW(lerp(tensor({1}), tensor({2}), 0.5), Error);
  Tensor a = tensor({0.5, -1.3}, kDouble), b = tensor({1.7, 0.4}, kDouble);
  Tensor w = tensor({0.3, 0.8}, kDouble);
  auto ls = [](const variable_list& x) { return lerp(x[0], x[1], 0.3); };
  auto lt = [](const variable_list& x) { return lerp(x[0], x[1], x[2]); };
  EXPECT_TRUE(gradcheck(ls, {a, b}));
  EXPECT_TRUE(gradcheck(lt, {a, b, w}));
  EXPECT_TRUE(gradgradcheck(lt, {a, b, w}));
  Tensor x = a.clone().requires_grad_();
  EXPECT_EQ(lerp(x, b, 0.5).grad_fn()->name(), "LerpBackward0");
  EXPECT_EQ(lerp(x, b, w).grad_fn()->name(), "LerpBackward1");
}

TEST(Ternary, AddcmulAddcdiv) {
  // torch.addcmul(tensor([1.,2.]), tensor([3.,4.]), tensor([5.,6.]), value=0.5) -> [8.5, 14.]
  EXPECT_TRUE(
      near(addcmul(tensor({1., 2.}), tensor({3., 4.}), tensor({5., 6.}), 0.5), tensor({8.5, 14.})));
  // int64: value=2 -> [31, 50]
  Tensor ai = addcmul(tensor({1, 2}), tensor({3, 4}), tensor({5, 6}), 2);
  EXPECT_EQ(ai.dtype(), kLong);
  EXPECT_EQ(ints(ai), (std::vector<int64_t>{31, 50}));
  // torch.addcdiv(tensor([1.,2.]), tensor([3.,4.]), tensor([5.,8.]), value=2) -> [2.2, 3.]
  EXPECT_TRUE(
      near(tensor({1., 2.}).addcdiv(tensor({3., 4.}), tensor({5., 8.}), 2), tensor({2.2, 3.})));
  EXPECT_THROW(addcdiv(tensor({1}), tensor({1}), tensor({1})), Error);
  Tensor ip = tensor({1., 1.});
  ip.addcmul_(tensor({2., 3.}), tensor({4.}));
  EXPECT_TRUE(near(ip, tensor({9., 13.})));
  Tensor a = tensor({0.5, -1.3}, kDouble), b = tensor({1.7, 0.4}, kDouble);
  Tensor c = tensor({{0.3}, {-0.8}}, kDouble);
  auto am = [](const variable_list& x) { return addcmul(x[0], x[1], x[2], 0.7); };
  auto ad = [](const variable_list& x) { return addcdiv(x[0], x[1], x[2], -1.5); };
  EXPECT_TRUE(gradcheck(am, {a, b, c}));
  EXPECT_TRUE(gradgradcheck(am, {a, b, c}));
  EXPECT_TRUE(gradcheck(ad, {a, b, c}));
  EXPECT_TRUE(gradgradcheck(ad, {a, b, c}));
  Tensor x = a.clone().requires_grad_();
  EXPECT_EQ(addcmul(x, b, b).grad_fn()->name(), "AddcmulBackward0");
  EXPECT_EQ(addcdiv(x, b, b).grad_fn()->name(), "AddcdivBackward0");
}

// ---- closeness ----

TEST(Ternary, IscloseAllcloseEqual) {
  // torch.isclose([1,1,nan,inf,1e-9], [1+1e-6,1.1,nan,inf,0]) -> [T,F,F,T,T]
  EXPECT_EQ(
      bools(isclose(tensor({1., 1., kNaN, kInf, 1e-9}), tensor({1. + 1e-6, 1.1, kNaN, kInf, 0.}))),
      (std::vector<bool>{true, false, false, true, true}));
  EXPECT_EQ(bools(isclose(tensor({kNaN}), tensor({kNaN}), 1e-5, 1e-8, true)),
            (std::vector<bool>{true}));
  EXPECT_EQ(bools(isclose(tensor({kInf, -kInf}), tensor({-kInf, 1e38}))),
            (std::vector<bool>{false, false}));
  // torch.isclose(tensor([100,5]), tensor([101,5]), rtol=0.01, atol=0) -> [T,T]
  EXPECT_EQ(bools(tensor({100, 5}).isclose(tensor({101, 5}), 0.01, 0)),
            (std::vector<bool>{true, true}));
  EXPECT_THROW(isclose(tensor({1.}), tensor({1.}, kDouble)), Error);
  EXPECT_THROW(isclose(tensor({1.}), tensor({1.}), -1.), Error);
  EXPECT_TRUE(tensor({1., 2.}).allclose(tensor({1., 2. + 1e-7})));
  EXPECT_FALSE(ember::allclose(tensor({1., 2.}), tensor({1., 2.1})));
  EXPECT_TRUE(ember::allclose(tensor({1., 1.}), tensor({1.})));  // broadcasts
  EXPECT_TRUE(tensor({1, 2}).equal(tensor({1, 2})));
  EXPECT_FALSE(equal(tensor({1., kNaN}), tensor({1., kNaN})));
  EXPECT_FALSE(equal(tensor({1}), tensor({1, 1})));
  EXPECT_TRUE(equal(empty({0}), empty({0})));
  EXPECT_TRUE(equal(tensor({{1., 2.}, {3., 4.}}).t(), tensor({{1., 3.}, {2., 4.}})));
}

// ---- more where ----

TEST(Ternary, WhereOutPromotionAndErrors) {
  Tensor c = tensor({true, false, true});
  // torch.where(c, tensor([1,2,3], int32), 2.5) -> float32 [1., 2.5, 3.]
  Tensor w = where(c, tensor({1, 2, 3}).to(kInt), 2.5);
  EXPECT_EQ(w.dtype(), kFloat);
  EXPECT_TRUE(near(w, tensor({1., 2.5, 3.})));
  // torch.where(c, int32, int64).dtype -> int64
  Tensor wi = where(c, tensor({1, 2, 3}).to(kInt), tensor({4, 5, 6}));
  EXPECT_EQ(wi.dtype(), kLong);
  EXPECT_EQ(ints(wi), (std::vector<int64_t>{1, 5, 3}));
  // torch.where(torch.empty(0,1,dtype=bool), torch.ones(3), 0.).shape -> [0, 3]
  EXPECT_EQ(where(empty({0, 1}, kBool), ones({3}), 0.).sizes(), IntArrayRef({0, 3}));
  // A non-contiguous condition.
  Tensor ct = tensor({{true, false}, {false, false}}).t();  // [[T,F],[F,F]]
  EXPECT_TRUE(near(where(ct, tensor({{1., 2.}, {3., 4.}}), 0.), tensor({{1., 0.}, {0., 0.}})));
  Tensor out = empty({0});
  where_out(out, c, tensor({1., 2., 3.}), tensor({-1.}));
  EXPECT_EQ(out.sizes(), IntArrayRef({3}));
  EXPECT_TRUE(near(out, tensor({1., -1., 3.})));
  try {
    where(tensor({1.}), 1., 2.);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("where expected condition to be a boolean tensor"),
              std::string::npos);
  }
  // torch.where(c, tensor([1,2,3], int8), 300) raises: 300 does not fit int8.
  try {
    where(c, tensor({1, 2, 3}).to(kChar), 300);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("where"), std::string::npos);
  }
  Tensor g = tensor({1., 2., 3.}).requires_grad_();
  EXPECT_THROW(where_out(out, c, g, tensor({0.})), Error);
  // Gradients are reduced back to each input's broadcast shape.
  Tensor cb = tensor({{true}, {false}});
  auto f = [cb](const variable_list& x) { return where(cb, x[0], x[1]); };
  EXPECT_TRUE(
      gradcheck(f, {tensor({0.3, -1.2, 2.}, kDouble), tensor({{0.7, 0.1, -0.4}}, kDouble)}));
  Tensor a = tensor({1., 2., 3.}, kDouble).requires_grad_();
  where(cb, a, 0.).sum().backward();
  EXPECT_TRUE(near(a.grad(), tensor({1., 1., 1.}, kDouble)));  // picked in row 0 only
}

// ---- more clamp ----

TEST(Ternary, ClampDtypesAndBoundOrder) {
  // Naive reference: min(max(x, lo), hi) for every integer and floating dtype.
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong, kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor x = arange(12, kDouble).reshape({3, 4}).t();  // non-contiguous
    Tensor r = clamp(x.to(dt), 3, 8);
    EXPECT_EQ(r.dtype(), dt) << toString(dt);
    Tensor xd = x.contiguous();
    std::vector<double> ref;
    for (int64_t i = 0; i < xd.numel(); ++i)
      ref.push_back(std::min(std::max(xd.data_ptr<double>()[i], 3.), 8.));
    EXPECT_TRUE(near(r.to(kDouble), tensor(ref, kDouble).reshape({4, 3}))) << toString(dt);
  }
  // torch.clamp(tensor([-3,5,100], int16), -2, 50) -> [-2, 5, 50]
  EXPECT_EQ(ints(clamp(tensor({-3, 5, 100}).to(kShort), -2, 50)),
            (std::vector<int64_t>{-2, 5, 50}));
  EXPECT_EQ(clamp(tensor(7.), 0, 1).item<float>(), 1.f);
  EXPECT_EQ(clamp(empty({0, 2}), 0, 1).sizes(), IntArrayRef({0, 2}));
  // Tensor bounds with min > max: the result is max, and max gets the gradient.
  // x=[0.], lo=[2.], hi=[1.]: clamp -> [1.]; x.grad [0.], lo.grad [0.], hi.grad [1.]
  Tensor x = tensor({0.}).requires_grad_(), lo = tensor({2.}).requires_grad_();
  Tensor hi = tensor({1.}).requires_grad_();
  Tensor r = clamp(x, lo, hi);
  EXPECT_TRUE(near(r, tensor({1.})));
  r.backward();
  EXPECT_TRUE(near(x.grad(), tensor({0.})));
  EXPECT_TRUE(near(lo.grad(), tensor({0.})));
  EXPECT_TRUE(near(hi.grad(), tensor({1.})));
  // Broadcast bounds: gradients summed back to the bounds' shapes.
  auto cb = [](const variable_list& v) { return clamp(v[0], v[1], v[2]); };
  EXPECT_TRUE(gradcheck(cb, {tensor({{-2.1, 0.3, 1.7}, {0.9, -0.4, 2.6}}, kDouble),
                             tensor({{-1.}, {0.5}}, kDouble), tensor({1.2, 1.1, 2.}, kDouble)}));
}

TEST(Ternary, ClampOutAndInplaceVariants) {
  Tensor c = tensor({-2., 0.5, 3.});
  Tensor out = empty({0});
  clamp_min_out(out, c, 0.);
  EXPECT_TRUE(near(out, tensor({0., 0.5, 3.})));
  clamp_max_out(out, c, 1.);
  EXPECT_TRUE(near(out, tensor({-2., 0.5, 1.})));
  clamp_min_out(out, c, tensor({1.}));
  EXPECT_TRUE(near(out, tensor({1., 1., 3.})));
  clamp_max_out(out, c, tensor({0., 0., 0.}));
  EXPECT_TRUE(near(out, tensor({-2., 0., 0.})));
  clip_out(out, c, std::optional<Tensor>(tensor({-1.})), std::optional<Tensor>(tensor({1.})));
  EXPECT_TRUE(near(out, tensor({-1., 0.5, 1.})));
  Tensor ip = c.clone();
  ip.clip_(std::optional<Tensor>(tensor({0., 1., 1.})), std::optional<Tensor>(tensor({2.})));
  EXPECT_TRUE(near(ip, tensor({0., 1., 2.})));
  // In-place with a tensor bound that requires grad: the bound takes the gradient where it won.
  // x=[-2.,0.5]; lo=[-1.,1.] (requires grad); y = x*1; y.clamp_(lo, None); y.sum().backward()
  // -> x.grad [0., 0.], lo.grad [1., 1.]
  Tensor x = tensor({-2., 0.5}).requires_grad_(), lo = tensor({-1., 1.}).requires_grad_();
  Tensor y = x * 1;
  y.clamp_(std::optional<Tensor>(lo), std::optional<Tensor>());
  y.sum().backward();
  EXPECT_TRUE(near(x.grad(), tensor({0., 0.})));
  EXPECT_TRUE(near(lo.grad(), tensor({1., 1.})));
  // Errors name the op.
  for (const char* op : {"clamp", "clamp_"}) {
    try {
      if (std::string(op) == "clamp")
        clamp(c, std::optional<Scalar>(), std::optional<Scalar>());
      else
        c.clone().clamp_(std::optional<Tensor>(), std::optional<Tensor>());
      FAIL() << op;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("[") + op + "]"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("At least one of 'min' or 'max'"), std::string::npos);
    }
  }
  Tensor g = tensor({1.}).requires_grad_();
  try {
    clamp_out(out, g, 0, 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("clamp"), std::string::npos);
  }
  EXPECT_THROW(clamp_min_out(out, c, g), Error);
}

// ---- more lerp / addcmul / addcdiv ----

TEST(Ternary, LerpBroadcastOutAndErrors) {
  // torch.lerp(tensor([1.,2.,3.]), tensor([5.,4.,-1.]), tensor([[2.],[-1.]]))
  // -> [[9., 6., -5.], [-3., 0., 7.]] (weights outside [0, 1] extrapolate)
  Tensor s = tensor({1., 2., 3.}), e = tensor({5., 4., -1.});
  Tensor r = lerp(s, e, tensor({{2.}, {-1.}}));
  EXPECT_TRUE(near(r, tensor({{9., 6., -5.}, {-3., 0., 7.}})));
  // Naive reference s + w * (e - s) in double on transposed inputs.
  Tensor a = X3(), b = X3() * -0.5 + 1, w = tensor({0.1, 0.9}, kDouble);
  EXPECT_TRUE(near(lerp(a.t(), b.t(), w), (a + w.unsqueeze(1) * (b - a)).t()));
  EXPECT_TRUE(near(lerp(a, b, 0.25), a + 0.25 * (b - a)));
  EXPECT_EQ(lerp(empty({0}), empty({0}), 0.5).numel(), 0);
  EXPECT_EQ(lerp(tensor(1.), tensor(3.), tensor(0.5)).item<float>(), 2.f);
  Tensor out = empty({0});
  lerp_out(out, s, e, 0.5);
  EXPECT_TRUE(near(out, tensor({3., 3., 1.})));
  lerp_out(out, s, e, tensor({0., 1., 0.5}));
  EXPECT_TRUE(near(out, tensor({1., 4., 1.})));
  try {
    lerp(tensor({1.}), tensor({1.}, kDouble), 0.5);
    FAIL();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("[lerp] expected dtype"), std::string::npos);
  }
  EXPECT_THROW(lerp_out(out, s.clone().requires_grad_(), e, 0.5), Error);
  // Broadcast weight: its gradient sums over the broadcast dim; in-place with a grad weight.
  auto lt = [](const variable_list& x) { return lerp(x[0], x[1], x[2]); };
  EXPECT_TRUE(gradcheck(lt, {tensor({0.5, -1.3, 0.2}, kDouble), tensor({{1.7}, {0.4}}, kDouble),
                             tensor({{0.3}, {0.8}}, kDouble)}));
  Tensor base = tensor({0., 10.}, kDouble).requires_grad_();
  Tensor wt = tensor({0.25, 0.5}, kDouble).requires_grad_();
  Tensor y = base * 1;
  y.lerp_(tensor({4., 0.}, kDouble), wt);
  y.sum().backward();
  // d/dw = end - start = [4., -10.]; d/dstart = 1 - w = [0.75, 0.5]
  EXPECT_TRUE(near(wt.grad(), tensor({4., -10.}, kDouble)));
  EXPECT_TRUE(near(base.grad(), tensor({0.75, 0.5}, kDouble)));
}

TEST(Ternary, AddcBroadcastOutAndErrors) {
  // torch.addcmul(tensor([[1],[2]],int32), tensor([1,2,3],int32), tensor([[2,2,2],[3,3,3]],int32))
  // -> [[3,5,7],[5,8,11]] int32
  Tensor ai = addcmul(tensor({{1}, {2}}).to(kInt), tensor({1, 2, 3}).to(kInt),
                      tensor({{2, 2, 2}, {3, 3, 3}}).to(kInt));
  EXPECT_EQ(ai.dtype(), kInt);
  EXPECT_EQ(ints(ai), (std::vector<int64_t>{3, 5, 7, 5, 8, 11}));
  // torch.addcdiv(tensor([0.,1.]), tensor([1.,-1.]), tensor([0.,0.])) -> [inf, -inf]
  EXPECT_TRUE(
      near(addcdiv(tensor({0., 1.}), tensor({1., -1.}), tensor({0., 0.})), tensor({kInf, -kInf})));
  // Naive reference on transposed double inputs.
  Tensor a = X3(), b = X3() + 2, c = X3() * 0.5 + 3;
  EXPECT_TRUE(near(addcmul(a.t(), b.t(), c.t(), -0.5), (a - 0.5 * b * c).t()));
  EXPECT_TRUE(near(addcdiv(a.t(), b.t(), c.t(), 2), (a + 2 * b / c).t()));
  EXPECT_EQ(addcmul(empty({0}), empty({0}), empty({0})).numel(), 0);
  EXPECT_EQ(addcdiv(tensor(1.), tensor(3.), tensor(2.)).item<float>(), 2.5f);
  Tensor out = empty({0});
  addcmul_out(out, tensor({1., 2.}), tensor({3., 4.}), tensor({5., 6.}), 0.5);
  EXPECT_TRUE(near(out, tensor({8.5, 14.})));
  addcdiv_out(out, tensor({1., 2.}), tensor({3., 4.}), tensor({5., 8.}), 2);
  EXPECT_TRUE(near(out, tensor({2.2, 3.})));
  try {
    addcdiv(tensor({1}), tensor({1}).to(kInt), tensor({2}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[addcdiv] Integer division"), std::string::npos);
  }
  EXPECT_THROW(addcmul_out(out, tensor({1.}).requires_grad_(), tensor({1.}), tensor({1.})), Error);
  // In-place addcdiv_ on a non-leaf, tensor1 requiring grad: d/dt1 = value / t2.
  Tensor t1 = tensor({1., 2.}, kDouble).requires_grad_();
  Tensor y = zeros({2}, kDouble) * 1;
  y.addcdiv_(t1, tensor({4., 0.5}, kDouble), 2);
  y.sum().backward();
  EXPECT_TRUE(near(t1.grad(), tensor({0.5, 4.}, kDouble)));
}

// ---- more closeness ----

TEST(Ternary, CloseBoolIntBroadcastAndErrors) {
  // torch.isclose(tensor([True,False]), tensor([True,True])) -> [True, False]
  EXPECT_EQ(bools(isclose(tensor({true, false}), tensor({true, true}))),
            (std::vector<bool>{true, false}));
  // torch.isclose(tensor([1,2]), tensor([2,2]), atol=1, rtol=0) -> [True, True]
  EXPECT_EQ(bools(isclose(tensor({1, 2}), tensor({2, 2}), 0, 1)), (std::vector<bool>{true, true}));
  // torch.isclose(tensor([-inf, inf]), tensor([-inf, 1e38])) -> [True, False]
  EXPECT_EQ(bools(isclose(tensor({-kInf, kInf}), tensor({-kInf, 1e38}))),
            (std::vector<bool>{true, false}));
  // torch.isclose(tensor([[1.],[2.]]), tensor([1., 2., 1.0000001]))
  // -> [[True, False, True], [False, True, False]]
  Tensor ib = isclose(tensor({{1.}, {2.}}), tensor({1., 2., 1.0000001}));
  EXPECT_EQ(ib.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(bools(ib), (std::vector<bool>{true, false, true, false, true, false}));
  // rtol = atol = 0 is exact equality (NaN only with equal_nan).
  EXPECT_EQ(bools(isclose(tensor({1., kNaN, 1.}), tensor({1., kNaN, 1.0000001}), 0, 0, true)),
            (std::vector<bool>{true, true, false}));
  EXPECT_EQ(bools(isclose(tensor({{1., 2.}, {3., 4.}}).t(), tensor({{1., 3.}, {2., 4.5}}))),
            (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(isclose(empty({0}), empty({0})).numel(), 0);
  Tensor g = tensor({1.}).requires_grad_();
  EXPECT_FALSE(isclose(g, g).requires_grad());
  for (auto f : {std::function<void()>([] { isclose(tensor({1.}), tensor({1}), 0, 0); }),
                 std::function<void()>([] { isclose(tensor({1.}), tensor({1.}), 1e-5, -1.); })}) {
    try {
      f();
      FAIL();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("[isclose]"), std::string::npos) << e.what();
    }
  }
  // torch.equal(tensor([1,2]), tensor([1.,2.])) -> True; torch.equal(tensor(1.), tensor([1.]))
  // -> False (sizes differ).
  EXPECT_TRUE(equal(tensor({1, 2}), tensor({1., 2.})));
  EXPECT_FALSE(equal(tensor(1.), tensor({1.})));
  EXPECT_TRUE(equal(tensor(1.), tensor(1.)));
  EXPECT_FALSE(equal(tensor({1., 2.}), tensor({1., 2.000001})));
}

namespace {

// PyTorch 1.13: clamp with two scalar bounds of which one is NaN gives NaN everywhere (also for
// an integer input, whose result is then float), with a zero gradient; a single NaN bound is
// ignored: torch.clamp(x, min=nan) == x. A NaN tensor bound propagates.
TEST(Ternary, ClampNaNBounds) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = tensor({1., 2., -3.}).requires_grad_();
  Tensor both = clamp(x, 0., nan);
  EXPECT_TRUE(both.isnan().all().item<bool>());
  both.sum().backward();
  EXPECT_TRUE(x.grad().equal(zeros({3}, kDouble)));
  EXPECT_TRUE(clamp(x.detach(), nan, 1.).isnan().all().item<bool>());
  Tensor ints = clamp(tensor({1, 2}), 0, nan);
  EXPECT_EQ(ints.scalar_type(), kFloat);
  EXPECT_TRUE(ints.isnan().all().item<bool>());
  EXPECT_TRUE(clamp(x.detach(), nan).equal(x.detach()));
  EXPECT_TRUE(clamp(x.detach(), std::nullopt, nan).equal(x.detach()));
  Tensor y = x.detach().clone();
  y.clamp_(-1., nan);
  EXPECT_TRUE(y.isnan().all().item<bool>());
  EXPECT_TRUE(clamp(x.detach(), tensor(nan)).isnan().all().item<bool>());
}

}  // namespace
