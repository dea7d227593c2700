// src/cpu/scan.cpp: cummax/cummin, logcumsumexp (both directions) and the scatter-add/gather
// pair along one dim of a contiguous [outer, n, inner] layout, against loops.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/kernels/reduce.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// The [outer, n, inner] split of `sizes` at dim d.
std::array<int64_t, 3> split(IntArrayRef sizes, int64_t d) {
  std::array<int64_t, 3> s = {1, sizes[d], 1};
  for (int64_t i = 0; i < d; ++i) s[0] *= sizes[i];
  for (int64_t i = d + 1; i < static_cast<int64_t>(sizes.size()); ++i) s[2] *= sizes[i];
  return s;
}

// cummax/cummin along each dim of 3-D tensors (inner strides > 1), every dtype family, many
// short scans split over threads; ties take the later index, as PyTorch.
TEST(CpuScan, CumExtremumMatchesLoop) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kInt, kChar, kByte, kBool}) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{3, 17, 5}, {800, 9, 5}, {1, 1, 1}}) {
      if (shape[0] == 800 && dt != kFloat) continue;  // one long run is enough
      for (int64_t d = 0; d < 3; ++d) {
        Tensor x = (randn(shape) * 3).round().abs().to(dt);  // small integers: many ties
        auto [o, n, in] = split(x.sizes(), d);
        std::vector<double> xv = values(x), mv(xv.size()), mi(xv.size()), nv(xv.size()),
                            ni(xv.size());
        for (int64_t a = 0; a < o; ++a)
          for (int64_t j = 0; j < in; ++j)
            for (int64_t i = 0; i < n; ++i) {
              int64_t at = (a * n + i) * in + j, prev = at - in;
              bool first = i == 0;
              mv[at] = first || xv[at] >= mv[prev] ? xv[at] : mv[prev];
              mi[at] = first || xv[at] >= mv[prev] ? double(i) : mi[prev];
              nv[at] = first || xv[at] <= nv[prev] ? xv[at] : nv[prev];
              ni[at] = first || xv[at] <= nv[prev] ? double(i) : ni[prev];
            }
        auto [vmax, imax] = cummax(x, d);
        auto [vmin, imin] = cummin(x, d);
        std::string at = std::string(toString(dt)) + " dim " + std::to_string(d);
        EXPECT_TRUE(matches(vmax, mv, 0) && matches(imax, mi, 0)) << at;
        EXPECT_TRUE(matches(vmin, nv, 0) && matches(imin, ni, 0)) << at;
      }
    }
  }
}

// NaN sticks once seen and each later NaN moves the index (PyTorch 1.13:
// torch.cummax(tensor([1., 3., nan, 2., 5., nan, 0., 3.]), 0)).
TEST(CpuScan, CumExtremumNan) {
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor x = tensor({1., 3., kNan, 2., 5., kNan, 0., 3.}).to(dt);
    auto [v, i] = cummax(x, 0);
    EXPECT_TRUE(exactly(v, {1, 3, kNan, kNan, kNan, kNan, kNan, kNan})) << toString(dt);
    EXPECT_TRUE(exactly(i, {0, 1, 2, 2, 2, 5, 5, 5}));
    auto [w, j] = cummin(x, 0);
    EXPECT_TRUE(exactly(w, {1, 1, kNan, kNan, kNan, kNan, kNan, kNan}));
    EXPECT_TRUE(exactly(j, {0, 0, 2, 2, 2, 5, 5, 5}));
  }
}

// logcumsumexp in double against log(sum exp) of the prefix (large values included), along
// each dim; the reverse scan (its backward's) through the gradient; infinities and NaN as
// PyTorch 1.13: torch.logcumsumexp(tensor([-inf, -inf, 0., inf, 1., nan, 2.]), 0).
TEST(CpuScan, LogCumSumExp) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf}) {
    for (std::vector<int64_t> shape : {std::vector<int64_t>{4, 33, 3}, {1500, 7, 4}}) {
      if (shape[0] == 1500 && dt != kDouble) continue;
      for (int64_t d = 0; d < 3; ++d) {
        Tensor x = (randn(shape, kDouble) * 5 + 300).to(dt);
        auto [o, n, in] = split(x.sizes(), d);
        std::vector<double> xv = values(x), want(xv.size());
        for (int64_t a = 0; a < o; ++a)
          for (int64_t j = 0; j < in; ++j) {
            double m = -kInf;
            for (int64_t i = 0; i < n; ++i) m = std::max(m, xv[(a * n + i) * in + j]);
            long double s = 0;
            for (int64_t i = 0; i < n; ++i) {
              s += std::exp(static_cast<long double>(xv[(a * n + i) * in + j] - m));
              want[(a * n + i) * in + j] = m + double(std::log(s));
            }
          }
        EXPECT_TRUE(matches(logcumsumexp(x, d), want, tol_for(dt))) << toString(dt) << " dim " << d;
      }
    }
  }
  // The gradient of sum(logcumsumexp(x)) is sum_{j >= i} softmax weights: a reverse scan.
  Tensor x = randn({2, 9}, kDouble).requires_grad_();
  Tensor g = autograd::grad({logcumsumexp(x, 1).sum()}, {x})[0];
  std::vector<double> xv = values(x), want(18);
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 9; ++i)
      for (int j = i; j < 9; ++j) {
        double s = 0;
        for (int k = 0; k <= j; ++k) s += std::exp(xv[r * 9 + k]);
        want[r * 9 + i] += std::exp(xv[r * 9 + i]) / s;
      }
  EXPECT_TRUE(matches(g, want, 1e-12));
  EXPECT_TRUE(exactly(logcumsumexp(tensor({-kInf, -kInf, 0., kInf, 1., kNan, 2.}, kDouble), 0),
                      {-kInf, -kInf, 0., kInf, kInf, kNan, kNan}));
  EXPECT_TRUE(exactly(logcumsumexp(tensor({-kInf, kInf}, kDouble), 0), {-kInf, kInf}));
}

// The scatter-add / gather kernel on its own: random indices along the middle dim, every dtype
// family (bool scatter is `or`), and an index out of range.
TEST(CpuScan, ScatterAddAndGather) {
  const int64_t outer = 3, n = 5, inner = 4;
  Tensor index = randint(0, n, {outer, n, inner});
  const int64_t* ix = index.data_ptr<int64_t>();
  for (ScalarType dt : {kFloat, kDouble, kLong, kHalf, kBool}) {
    Tensor src = (randn({outer, n, inner}) * 4).round().to(dt);
    std::vector<double> sv = values(src), sc(sv.size(), 0.0), ga(sv.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) {
          int64_t at = (o * n + i) * inner + j, other = (o * n + ix[at]) * inner + j;
          sc[other] = dt == kBool ? double(sc[other] != 0 || sv[at] != 0) : sc[other] + sv[at];
          ga[at] = sv[other];
        }
    Tensor out = zeros({outer, n, inner}, dt), got = empty({outer, n, inner}, dt);
    scatter_gather_dim_stub.get(kCPU)(out, src, index, outer, n, inner, true);
    scatter_gather_dim_stub.get(kCPU)(got, src, index, outer, n, inner, false);
    EXPECT_TRUE(matches(out, sc, 0)) << toString(dt);
    EXPECT_TRUE(matches(got, ga, 0)) << toString(dt);
  }
  Tensor bad = index.clone();
  bad.view({-1}).select(0, 7).fill_(n);
  Tensor src = zeros({outer, n, inner}), out = zeros({outer, n, inner});
  try {
    scatter_gather_dim_stub.get(kCPU)(out, src, bad, outer, n, inner, true);
    ADD_FAILURE() << "no error for an index out of bounds";
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[scatter_gather] index 5 is out of bounds"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
