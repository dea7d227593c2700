// src/cuda/scan.cu: arg-reductions, statistics, cumulative ops (cumsum/cumprod, cummax/cummin,
// logcumsumexp) against the CPU kernels.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaScan, ArgReductionsStatisticsAndScans) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong}) {
    Tensor x = values(dt, {7, 33}, 40);
    if (isFloatingType(dt)) x.view({-1})[40] = std::nan("");
    Tensor d = x.cuda();
    double t = tol(dt);
    auto [hv, hi] = x.max(1);
    auto [dv, di] = d.max(1);
    EXPECT_TRUE(matches_cpu(dv, hv)) << toString(dt);
    EXPECT_TRUE(matches_cpu(di, hi)) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.argmin(0), x.argmin(0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.cumsum(1), x.cumsum(1), t * 10, t * 10)) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.flip({0, 1}), x.flip({0, 1}))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.triu(1), x.triu(1))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.tril(-2), x.tril(-2))) << toString(dt);
    if (isFloatingType(dt)) {
      Tensor y = values(dt, {5, 40}, 41);
      Tensor dy = y.cuda();
      EXPECT_TRUE(matches_cpu(dy.var(1), y.var(1), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.std(0), y.std(0), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.norm(2, 1), y.norm(2, 1), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.norm(3, 1), y.norm(3, 1), t, t)) << toString(dt);
      EXPECT_TRUE(matches_cpu(dy.logsumexp(1), y.logsumexp(1), t, t)) << toString(dt);
      Tensor small = values(dt, {3, 6}, 42) / 3;
      EXPECT_TRUE(matches_cpu(small.cuda().cumprod(1), small.cumprod(1), t, t)) << toString(dt);
    }
  }
}

TEST(CudaScan, CumExtremumAndLogcumsumexp) {
  EMBER_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong, kByte, kBool}) {
    Tensor h = (randn_as({4, 7, 3}, kDouble, 30) * 3).round();  // ties along the dim
    if (isFloatingType(dt)) h[1][2][0] = nan;
    h = dt == kBool ? h.gt(0) : (dt == kByte ? h.abs() : h).to(dt);
    std::string what = toString(dt);
    for (int64_t dim : {0, 1, 2, -1}) {
      auto [hv, hi] = torch::cummax(h, dim);
      auto [dv, di] = torch::cummax(dev(h), dim);
      EXPECT_TRUE(same(dv, hv)) << what << " cummax dim " << dim;
      EXPECT_TRUE(same(di, hi)) << what << " cummax indices dim " << dim;
      auto [lv, li] = torch::cummin(h, dim);
      auto [ev, ei] = torch::cummin(dev(h), dim);
      EXPECT_TRUE(same(ev, lv)) << what << " cummin dim " << dim;
      EXPECT_TRUE(same(ei, li)) << what << " cummin indices dim " << dim;
    }
    // Non-contiguous input.
    auto [tv, ti] = torch::cummax(dev(h).transpose(0, 2), 1);
    auto [uv, ui] = torch::cummax(h.transpose(0, 2), 1);
    EXPECT_TRUE(same(tv, uv)) << what;
    EXPECT_TRUE(same(ti, ui)) << what;
  }
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    double t = dt == kDouble ? 1e-10 : tol(dt);
    Tensor h = (randn_as({3, 6, 4}, kDouble, 31) * 20).to(dt);
    h[0][1][1] = -std::numeric_limits<double>::infinity();
    h[1][0][2] = std::numeric_limits<double>::infinity();
    h[2][3][3] = nan;
    for (int64_t dim : {0, 1, 2})
      EXPECT_TRUE(same(torch::logcumsumexp(dev(h), dim), torch::logcumsumexp(h, dim), t, t))
          << toString(dt) << " dim " << dim;
  }
  // Gradients: cummax's backward scatters through scatter_gather_dim; logcumsumexp's is a formula.
  Tensor x = randn_as({5, 6}, kDouble, 32);
  expect_same_grads(
      [](const std::vector<Tensor>& v) { return std::get<0>(torch::cummax(v[0], 1)); }, {x}, 1e-10,
      1e-10, "cummax");
  expect_same_grads(
      [](const std::vector<Tensor>& v) { return std::get<0>(torch::cummin(v[0], 0)); }, {x}, 1e-10,
      1e-10, "cummin");
  expect_same_grads([](const std::vector<Tensor>& v) { return torch::logcumsumexp(v[0], 1); }, {x},
                    1e-10, 1e-10, "logcumsumexp");
}
