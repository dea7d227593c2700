// src/cuda/ternary.cu: where, clamp, lerp, addcmul/addcdiv against the CPU kernels.
#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaTernary, WhereClampLerpAddcmul) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {6, 8}, 7), y = values(dt, {8}, 8), w = values(dt, {6, 1}, 9).sigmoid();
    Tensor c = values(kBool, {6, 8}, 10);
    Tensor dx = x.cuda(), dy = y.cuda(), dw = w.cuda(), dc = c.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(torch::where(dc, dx, dy), torch::where(c, x, y))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp(-1, 2), x.clamp(-1, 2))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp_min(0.5), x.clamp_min(0.5))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp_max(0.5), x.clamp_max(0.5))) << toString(dt);
    EXPECT_TRUE(matches_cpu(dx.clamp(dy, dy + 1), x.clamp(y, y + 1), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::lerp(dx, dy, 0.3), torch::lerp(x, y, 0.3), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::lerp(dx, dy, dw), torch::lerp(x, y, w), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::addcmul(dx, dy, dw, 0.5), torch::addcmul(x, y, w, 0.5), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::addcdiv(dx, dy, dw, 0.5), torch::addcdiv(x, y, w, 0.5), t, t))
        << toString(dt);
  }
  for (ScalarType dt : kInts) {
    Tensor x = values(dt, {6, 8}, 11), y = values(dt, {8}, 12);
    Tensor c = values(kBool, {6, 8}, 13);
    EXPECT_TRUE(matches_cpu(torch::where(c.cuda(), x.cuda(), y.cuda()), torch::where(c, x, y)))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(x.cuda().clamp(1, 3), x.clamp(1, 3))) << toString(dt);
    EXPECT_TRUE(
        matches_cpu(torch::addcmul(x.cuda(), y.cuda(), y.cuda(), 2), torch::addcmul(x, y, y, 2)))
        << toString(dt);
  }
  Tensor b = values(kBool, {5}, 14), b2 = values(kBool, {5}, 15), c = values(kBool, {5}, 16);
  EXPECT_TRUE(matches_cpu(torch::where(c.cuda(), b.cuda(), b2.cuda()), torch::where(c, b, b2)));
}
