// src/ops/scan.cpp: cummax, cummin and logcumsumexp (+ out variants) — values vs PyTorch 1.13,
// naive reference scans, gradients through the scatter-add/gather pair, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

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

TEST(Cummax, ValuesIndicesGrad) {
  const double nan = std::nan("");
  // torch.tensor([1.,3,3,2,5]).cummax(0): ties move the index forward
  auto [v, i] = tensor({1.0, 3.0, 3.0, 2.0, 5.0}).cummax(0);
  EXPECT_TRUE(all_close(v, tensor({1.0, 3.0, 3.0, 3.0, 5.0})));
  EXPECT_TRUE(all_close(i, tensor({0, 1, 2, 2, 4})));
  auto [mv, mi] = cummin(tensor({1.0, 3.0, 3.0, 2.0, 0.0}), 0);  // -> indices [0,0,0,0,4]
  EXPECT_TRUE(all_close(mv, tensor({1.0, 1.0, 1.0, 1.0, 0.0})));
  EXPECT_TRUE(all_close(mi, tensor({0, 0, 0, 0, 4})));
  // NaN sticks, and a later NaN takes the index: [1,nan,3,nan,5] -> indices [0,1,1,3,3]
  auto [nv, ni] = tensor({1.0, nan, 3.0, nan, 5.0}).cummax(0);
  EXPECT_TRUE(std::isnan(nv.select(0, 4).item<double>()));
  EXPECT_TRUE(all_close(ni, tensor({0, 1, 1, 3, 3})));
  // torch.tensor([[1,4],[3,2],[2,5]]).cummax(0)
  auto [iv, ii] = tensor({{1, 4}, {3, 2}, {2, 5}}).cummax(0);
  EXPECT_EQ(iv.dtype(), kLong);
  EXPECT_TRUE(all_close(iv, tensor({{1, 4}, {3, 4}, {3, 5}})));
  EXPECT_TRUE(all_close(ii, tensor({{0, 0}, {1, 0}, {1, 2}})));
  auto [tv, ti] = tensor({{1, 3, 2}, {4, 2, 5}}).t().cummax(0);  // non-contiguous
  EXPECT_TRUE(all_close(ti, tensor({{0, 0}, {1, 0}, {1, 2}})));
  EXPECT_EQ(std::get<1>(zeros({0, 3}).cummin(0)).sizes(), IntArrayRef({0, 3}));
  EXPECT_THROW(A().cummax(2), ember::Error);
  // x = [1,3,2,5,4]; (x.cummax(0)[0] * [1,2,3,4,5]).sum().backward() -> [1, 5, 0, 9, 0]
  Tensor x = tensor({1.0, 3.0, 2.0, 5.0, 4.0}).requires_grad_();
  Tensor cx = std::get<0>(x.cummax(0));
  EXPECT_EQ(cx.grad_fn()->name(), "CummaxBackward0");
  (cx * tensor({1.0, 2.0, 3.0, 4.0, 5.0})).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), tensor({1.0, 5.0, 0.0, 9.0, 0.0})));
  auto f = [](const variable_list& t) {
    Tensor c = std::get<0>(t[0].cummin(1));
    return c * c;
  };
  EXPECT_TRUE(gradcheck(f, {A()}));
  EXPECT_TRUE(gradgradcheck(f, {A()}));
  Tensor ov = empty({0}), oi = empty({0}, kLong);
  cummax_out(ov, oi, A(), 1);
  EXPECT_TRUE(all_close(oi, tensor({{0, 0, 2}, {0, 1, 1}})));
}

TEST(Logcumsumexp, ValuesAndGrad) {
  // torch.tensor([1.,2,3]).logcumsumexp(0) -> [1, 2.3133, 3.4076]
  EXPECT_TRUE(
      all_close(tensor({1.0, 2.0, 3.0}).logcumsumexp(0), tensor({1.0, 2.3132617, 3.4076059})));
  // torch.tensor([[1000.,-1000],[1000,2]]).logcumsumexp(0)
  EXPECT_TRUE(all_close(tensor({{1000.0, -1000.0}, {1000.0, 2.0}}).logcumsumexp(0),
                        tensor({{1000.0, -1000.0}, {1000.6931472, 2.0}})));
  EXPECT_TRUE(all_close(tensor({-kInf, 0.0, kInf}).logcumsumexp(0), tensor({-kInf, 0.0, kInf})));
  EXPECT_TRUE(all_close(A().t().logcumsumexp(1), A().logcumsumexp(0).t()));
  EXPECT_EQ(zeros({0}).logcumsumexp(0).numel(), 0);
  EXPECT_THROW(tensor({1, 2}).logcumsumexp(0), ember::Error);
  // y = [0.5,-1,2,0.3]; (y.logcumsumexp(0) * [1,-2,3,0.5]).sum().backward()
  Tensor y = tensor({0.5, -1.0, 2.0, 0.3}).requires_grad_();
  Tensor ly = y.logcumsumexp(0);
  EXPECT_EQ(ly.grad_fn()->name(), "LogcumsumexpBackward0");
  (ly * tensor({1.0, -2.0, 3.0, 0.5})).sum().backward();
  EXPECT_TRUE(all_close(y.grad(), tensor({-0.0326, -0.2304, 2.7003, 0.0628}), 1e-3, 1e-4));
  for (int64_t d : {0, 1}) {
    auto f = [d](const variable_list& t) { return t[0].logcumsumexp(d); };
    EXPECT_TRUE(gradcheck(f, {A()}));
    EXPECT_TRUE(gradgradcheck(f, {A()}));
  }
  Tensor out = empty({0});
  logcumsumexp_out(out, A(), 1);
  EXPECT_TRUE(all_close(out, A().logcumsumexp(1)));
}

namespace {
// Naive cummax/cummin of a contiguous double line: ties and NaN move the index forward, and a
// NaN sticks (as PyTorch: `x >= best || isnan(x)` while best is not NaN).
void naive_cum(const std::vector<double>& x, bool is_max, std::vector<double>& v,
               std::vector<int64_t>& idx) {
  double best = x[0];
  int64_t bi = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    bool take = std::isnan(x[i]) || (!std::isnan(best) && (is_max ? x[i] >= best : x[i] <= best));
    if (take) {
      best = x[i];
      bi = static_cast<int64_t>(i);
    }
    v.push_back(best);
    idx.push_back(bi);
  }
}
// Small integer values with many ties: (7 * i) % 5 - 2 for a [2, 3, 4] tensor.
Tensor T() { return (arange(24, kDouble) * 7).remainder(5).sub(2).reshape({2, 3, 4}); }
}  // namespace

TEST(Cummax, MatchesNaiveScanEveryDimAndDtype) {
  for (ScalarType dt : {kDouble, kFloat, kBFloat16, kLong, kInt, kShort, kChar, kByte}) {
    Tensor x = dt == kByte ? T() + 2 : T();
    for (int64_t dim : {0, 1, -1}) {
      for (bool is_max : {true, false}) {
        // Scan the permuted (non-contiguous) input along `dim` and compare line by line.
        Tensor in = x.to(dt).transpose(0, 2);
        auto [v, i] = is_max ? in.cummax(dim) : in.cummin(dim);
        EXPECT_EQ(v.dtype(), dt);
        EXPECT_EQ(i.dtype(), kLong);
        Tensor xm = in.to(kDouble).movedim(dim, -1).contiguous();
        Tensor vm = v.to(kDouble).movedim(dim, -1).contiguous();
        Tensor im = i.movedim(dim, -1).contiguous();
        int64_t n = xm.size(-1);
        for (int64_t line = 0; line < xm.numel() / n; ++line) {
          const double* p = xm.data_ptr<double>() + line * n;
          std::vector<double> ev;
          std::vector<int64_t> ei;
          naive_cum(std::vector<double>(p, p + n), is_max, ev, ei);
          for (int64_t k = 0; k < n; ++k) {
            EXPECT_EQ(vm.data_ptr<double>()[line * n + k], ev[k]) << toString(dt) << dim;
            EXPECT_EQ(im.data_ptr<int64_t>()[line * n + k], ei[k]) << toString(dt) << dim;
          }
        }
      }
    }
  }
}

TEST(Cummax, TiesNanBoolAndZeroDim) {
  // torch.cummin(torch.tensor([2,1,1,3,1]), 0).indices -> [0, 1, 2, 2, 4]
  auto [v, i] = cummin(tensor({2, 1, 1, 3, 1}), 0);
  EXPECT_TRUE(all_close(v, tensor({2, 1, 1, 1, 1})));
  EXPECT_TRUE(all_close(i, tensor({0, 1, 2, 2, 4})));
  // torch.cummin(torch.tensor([2., nan, 1.]), 0) -> values [2, nan, nan], indices [0, 1, 1]
  auto [nv, ni] = tensor({2.0, std::nan(""), 1.0}).cummin(0);
  EXPECT_TRUE(std::isnan(nv.select(0, 2).item<double>()));
  EXPECT_TRUE(all_close(ni, tensor({0, 1, 1})));
  // torch.cummax(torch.tensor([False,True,False,True]), 0) -> [F,T,T,T], indices [0,1,1,3]
  auto [bv, bi] = tensor({false, true, false, true}).cummax(0);
  EXPECT_EQ(bv.dtype(), kBool);
  EXPECT_TRUE(all_close(bv.to(kLong), tensor({0, 1, 1, 1})));
  EXPECT_TRUE(all_close(bi, tensor({0, 1, 1, 3})));
  // torch.cummax(torch.tensor(3.), 0) -> (tensor(3.), tensor(0))
  auto [sv, si] = tensor(3.0).cummax(0);
  EXPECT_EQ(sv.dim(), 0);
  EXPECT_EQ(sv.item<float>(), 3.f);
  EXPECT_EQ(si.item<int64_t>(), 0);
  EXPECT_EQ(std::get<0>(tensor(3.0).cummin(-1)).item<float>(), 3.f);
  EXPECT_EQ(std::get<0>(cummax(empty({2, 0}), 1)).sizes(), IntArrayRef({2, 0}));
  // Gradient of a 3-d non-contiguous input along the middle dim, and of a 0-dim one.
  auto f = [](const variable_list& t) { return std::get<0>(t[0].transpose(0, 2).cummax(1)); };
  Tensor g = T() + arange(24, kDouble).reshape({2, 3, 4}) * 0.01;  // no ties
  EXPECT_TRUE(gradcheck(f, {g}));
  EXPECT_TRUE(gradgradcheck(f, {g}));
  EXPECT_TRUE(gradcheck([](const variable_list& t) { return std::get<0>(t[0].cummin(0)); },
                        {tensor(1.5, kDouble)}));
  Tensor x = tensor({1.0, 3.0}).requires_grad_();
  EXPECT_EQ(std::get<0>(x.cummin(0)).grad_fn()->name(), "CumminBackward0");
  EXPECT_FALSE(std::get<1>(x.cummin(0)).requires_grad());
}

TEST(Cummax, OutVariantsAndErrors) {
  Tensor ov = empty({0}), oi = empty({0}, kLong);
  cummin_out(ov, oi, A(), 0);
  EXPECT_TRUE(all_close(ov, tensor({{1.5, -2.0, 3.0}, {0.5, -2.0, -1.0}})));
  EXPECT_TRUE(all_close(oi, tensor({{0, 0, 0}, {1, 0, 1}})));
  // torch.cummax(x, 0, out=(v, int32 indices)) raises: expected scalar_type Long but found Int
  Tensor bad = empty({0}, kInt);
  try {
    cummax_out(ov, bad, A(), 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cummax"), std::string::npos) << e.what();
  }
  // torch.cummax(float, 0, out=(float64 values, int64)) raises: expected scalar_type Float
  Tensor dv = empty({0}, kDouble);
  EXPECT_THROW(cummin_out(dv, oi, A(), 0), Error);
  EXPECT_THROW(cummin_out(ov, oi, A().requires_grad_(), 0), Error);
  EXPECT_THROW(A().cummin(-3), Error);
  EXPECT_THROW(tensor(1.0).cummax(1), Error);
}

TEST(Logcumsumexp, MatchesNaiveEveryDim) {
  Tensor x = T() * 0.7;
  for (int64_t dim : {0, 1, 2, -2}) {
    // log(cumsum(exp(x))) is exact enough in double for these magnitudes.
    Tensor ref = x.exp().cumsum(dim).log();
    EXPECT_TRUE(all_close(x.logcumsumexp(dim), ref, 1e-12, 1e-12)) << dim;
    Tensor xt = x.transpose(0, 2);  // non-contiguous
    EXPECT_TRUE(all_close(xt.logcumsumexp(dim), xt.exp().cumsum(dim).log(), 1e-12, 1e-12)) << dim;
  }
  // torch.tensor([1.,2.,3.], dtype=bfloat16).logcumsumexp(0) -> [1.0000, 2.3125, 3.4062]
  Tensor b = tensor({1.0, 2.0, 3.0}).to(kBFloat16).logcumsumexp(0);
  EXPECT_EQ(b.dtype(), kBFloat16);
  EXPECT_TRUE(all_close(b.to(kDouble), tensor({1.0, 2.3125, 3.40625}, kDouble), 0, 0));
  // torch.logcumsumexp(torch.tensor(2.5), 0) -> tensor(2.5)
  Tensor s = tensor(2.5).logcumsumexp(0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 2.5f);
  // torch.logcumsumexp(tensor([-inf, -inf]), 0) -> [-inf, -inf]
  EXPECT_TRUE(all_close(tensor({-kInf, -kInf}).logcumsumexp(0), tensor({-kInf, -kInf})));
  EXPECT_EQ(empty({3, 0}).logcumsumexp(1).sizes(), IntArrayRef({3, 0}));
}

TEST(Logcumsumexp, GradientStableAndErrors) {
  // x = [1000., 1000.] (float64): y = [1000, 1000 + log 2]; y.sum().backward() -> [1.5, 0.5]
  // (grad_i = sum_{j >= i} exp(x_i - y_j), no overflow).
  Tensor x = tensor({1000.0, 1000.0}, kDouble).requires_grad_();
  x.logcumsumexp(0).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), tensor({1.5, 0.5}, kDouble), 1e-12, 1e-12));
  // Gradient along a non-contiguous 3-d input's middle dim, with mixed-sign upstream gradients.
  auto f = [](const variable_list& t) {
    return t[0].transpose(0, 2).logcumsumexp(1) * tensor({1.0, -2.0, 0.5}, kDouble).view({1, 3, 1});
  };
  EXPECT_TRUE(gradcheck(f, {T() * 0.3}));
  EXPECT_TRUE(gradgradcheck(f, {T() * 0.3}));
  for (ScalarType dt : {kLong, kInt, kBool}) {
    try {
      ones({2}, dt).logcumsumexp(0);
      FAIL() << toString(dt);
    } catch (const Error& e) {
      // torch: "logcumsumexp_out_cpu" not implemented for 'Long'
      EXPECT_NE(std::string(e.what()).find("logcumsumexp"), std::string::npos) << e.what();
    }
  }
  Tensor out = empty({0});
  EXPECT_THROW(logcumsumexp_out(out, A().requires_grad_(), 0), Error);
  // torch.logcumsumexp(float, 0, out=float64) raises: expected scalar_type Float but found Double
  Tensor dout = empty({0}, kDouble);
  try {
    logcumsumexp_out(dout, A(), 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[logcumsumexp] expected scalar_type Float"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(A().logcumsumexp(2), Error);
}
