// src/cpu/ternary.cpp: where (the bit select for float/double, bytes for bool), clamp with scalar
// and tensor bounds, lerp's two-sided formula, addcmul and addcdiv, on every layout and dtype.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// where picks whole elements: NaN payloads and -0 come through bit for bit, for a condition that
// is contiguous, strided or broadcast, in every dtype family, over a long input split over
// threads.
TEST(CpuTernary, WhereSelectsBits) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kInt, kChar, kBool}) {
    for (int64_t n : {int64_t(1), int64_t(9), int64_t(17), int64_t(1000), kSplit}) {
      for (int layout = 0; layout < 3; ++layout) {
        if (n == kSplit && (layout == 1 || (dt != kFloat && dt != kDouble))) continue;
        Tensor c = rand({layout == 1 ? 2 * n : n}) > 0.5;
        if (layout == 1) c = c.slice(0, 0, 2 * n, 2);
        if (layout == 2) c = c.slice(0, 0, 1).expand({n});
        Tensor a = (randn({n}) * 9).round().to(dt), b = (randn({n}) * 9).round().to(dt);
        if (isFloatingType(dt)) a.slice(0, 0, n, 3).fill_(-0.0), b.slice(0, 0, n, 4).fill_(kNan);
        Tensor y = where(c, a, b);
        std::vector<double> cv = values(c), av = values(a), bv = values(b), want(n);
        for (int64_t i = 0; i < n; ++i) want[i] = cv[i] != 0 ? av[i] : bv[i];
        EXPECT_TRUE(exactly(y, want)) << toString(dt) << " n=" << n << " layout " << layout;
      }
    }
  }
  // A NaN with a payload is copied, not recomputed.
  uint32_t bits = 0x7fc0abcdu;
  float payload;
  std::memcpy(&payload, &bits, 4);
  Tensor y = where(tensor({true, false}), full({2}, payload), zeros({2}));
  uint32_t got;
  std::memcpy(&got, y.data_ptr<float>(), 4);
  EXPECT_EQ(got, bits);
  // Bool branches are bytes: a true stored as 2 comes out as a plain true (1).
  Tensor two = zeros({2}, kBool);
  static_cast<uint8_t*>(two.data_ptr())[0] = 2;
  Tensor r = where(tensor({true, true}), two, tensor({false, false}));
  EXPECT_EQ(static_cast<const uint8_t*>(r.data_ptr())[0], 1);
  EXPECT_EQ(static_cast<const uint8_t*>(r.data_ptr())[1], 0);
}

// Clamp against std::min(std::max(x, lo), hi) per element: scalar bounds (both, min only, max
// only), tensor bounds broadcast per column, every dtype family; lo > hi gives hi.
TEST(CpuTernary, ClampMatchesReference) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kChar, kLong}) {
    for (int64_t n : {int64_t(1), int64_t(15), int64_t(100), kSplit}) {
      if (n == kSplit && dt != kFloat) continue;
      Tensor x = (randn({n}) * 10).round().to(dt);
      auto ref = [&](double lo, double hi) {
        return each([=](double v) { return std::min(std::max(v, lo), hi); }, x);
      };
      std::string at = std::string(toString(dt)) + " n=" + std::to_string(n);
      EXPECT_TRUE(matches(clamp(x, Scalar(-3), Scalar(4)), ref(-3, 4), 0)) << at;
      EXPECT_TRUE(matches(clamp(x, Scalar(5), Scalar(-2)), ref(5, -2), 0)) << at;
      EXPECT_TRUE(matches(clamp_min(x, -1), ref(-1, kInf), 0)) << at;
      EXPECT_TRUE(matches(clamp_max(x, 2), ref(-kInf, 2), 0)) << at;
      Tensor lo = (randn({2, n}) * 5).round().to(dt), hi = lo + 3;
      Tensor xs = x.expand({2, n});
      std::vector<double> lv = values(lo), hv = values(hi), xv = values(xs), want(2 * n);
      for (int64_t i = 0; i < 2 * n; ++i) want[i] = std::min(std::max(xv[i], lv[i]), hv[i]);
      EXPECT_TRUE(matches(clamp(xs, std::optional<Tensor>(lo), std::optional<Tensor>(hi)), want, 0))
          << at;
    }
  }
}

// NaN: a NaN input stays NaN; a NaN tensor bound gives NaN; a single NaN scalar bound is ignored.
// PyTorch 1.13: torch.clamp(x, min=t([0, nan, 0, 0, 0]), max=t([1, 1, nan, 1, 1])) for
// x = [nan, -2, 0.5, 3, -0.] -> [nan, nan, nan, 1, -0.]; torch.clamp(x, min=nan) -> x;
// torch.clamp(x, min=1., max=-1.) -> [nan, -1, -1, -1, -1].
TEST(CpuTernary, ClampNan) {
  Tensor x = tensor({kNan, -2., 0.5, 3., -0.0});
  Tensor lo = tensor({0., kNan, 0., 0., 0.}), hi = tensor({1., 1., kNan, 1., 1.});
  EXPECT_TRUE(exactly(clamp(x, std::optional<Tensor>(lo), std::optional<Tensor>(hi)),
                      {kNan, kNan, kNan, 1., -0.0}));
  EXPECT_TRUE(exactly(clamp_min(x, kNan), {kNan, -2., 0.5, 3., -0.0}));
  EXPECT_TRUE(exactly(clamp_max(x, kNan), {kNan, -2., 0.5, 3., -0.0}));
  EXPECT_TRUE(exactly(clamp(x, Scalar(1.), Scalar(-1.)), {kNan, -1., -1., -1., -1.}));
}

// lerp: a + w (b - a) below |w| = 1/2, b - (b - a)(1 - w) above (exact at w = 0 and 1), for
// scalar and tensor weights, both sides of the switch and outside [0, 1].
TEST(CpuTernary, LerpTwoSidedFormula) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int64_t n : {int64_t(7), int64_t(17), int64_t(1000), kSplit}) {
      if (n == kSplit && dt != kDouble) continue;
      Tensor a = make(n, dt, -10, 10), b = make(n, dt, -10, 10, true);
      for (double w : {0.0, 0.3, 0.5, 0.7, 1.0, -0.5, 1.5}) {
        std::vector<double> want = each([w](double p, double q) { return p + w * (q - p); }, a, b);
        EXPECT_TRUE(matches(lerp(a, b, w), want, 4 * tol_for(dt))) << toString(dt) << " w=" << w;
      }
      Tensor w = make(n, dt, -0.5, 1.5);
      std::vector<double> av = values(a), bv = values(b), wv = values(w), want(n);
      for (int64_t i = 0; i < n; ++i) want[i] = av[i] + wv[i] * (bv[i] - av[i]);
      EXPECT_TRUE(matches(lerp(a, b, w), want, 8 * tol_for(dt))) << toString(dt);
      EXPECT_TRUE(lerp(a, b, 0.0).equal(a) && lerp(a, b, 1.0).equal(b.contiguous()));
    }
  }
  // PyTorch 1.13: torch.lerp(t([1., -2.]), t([inf, 3.]), t([0., 1.])) -> [nan, 3.]
  EXPECT_TRUE(exactly(lerp(tensor({1., -2.}), tensor({kInf, 3.}), tensor({0., 1.})), {kNan, 3.}));
}

// addcmul (every numeric dtype; integers wrap) and addcdiv (floating) against the formula.
TEST(CpuTernary, AddcmulAddcdiv) {
  for (ScalarType dt : {kFloat, kDouble, kHalf, kInt}) {
    for (int64_t n : {int64_t(1), int64_t(9), int64_t(100)}) {
      Tensor s = (randn({n}) * 5).round().to(dt), a = (randn({n}) * 5).round().to(dt);
      Tensor b = (randn({2 * n}) * 5).round().abs().add(1).to(dt).slice(0, 0, 2 * n, 2);
      std::vector<double> sv = values(s), av = values(a), bv = values(b), m(n), d(n);
      for (int64_t i = 0; i < n; ++i) {
        m[i] = sv[i] + 3 * av[i] * bv[i];
        d[i] = sv[i] + 0.5 * av[i] / bv[i];
      }
      EXPECT_TRUE(matches(addcmul(s, a, b, 3), m, tol_for(dt))) << toString(dt);
      if (dt != kInt) {
        EXPECT_TRUE(matches(addcdiv(s, a, b, 0.5), d, 2 * tol_for(dt))) << toString(dt);
      }
    }
  }
  // int8 wraps: 100 + 2 * 50 * 3 = 400 -> 400 - 512 = -112.
  Tensor s = tensor({100}).to(kChar), a = tensor({50}).to(kChar), b = tensor({3}).to(kChar);
  EXPECT_TRUE(exactly(addcmul(s, a, b, 2), {-112}));
}

}  // namespace
