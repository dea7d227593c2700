// src/cuda/binary.cu: arithmetic beyond add/mul (the division family, pow, atan2, fmax/fmin,
// min/max), logical ops and CPU scalars on either side, against the CPU kernels.
#include <cmath>
#include <string>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaBinary, DivisionFamilyAndPow) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kByte, kChar, kShort, kInt, kLong}) {
    Tensor a = values(dt, {6, 9}, 1), b = values(dt, {9}, 2, true);
    Tensor da = a.cuda(), db = b.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(torch::floor_divide(da, db), torch::floor_divide(a, b), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::remainder(da, db), torch::remainder(a, b), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::fmod(da, db), torch::fmod(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::div(da, db, "trunc"), torch::div(a, b, "trunc"), t, t))
        << toString(dt);
    Tensor e = isFloatingType(dt) ? b : b.abs().clamp_max(3);
    EXPECT_TRUE(matches_cpu(torch::pow(da, e.cuda()), torch::pow(a, e), t, t)) << toString(dt);
  }
  // Integer division by zero raises on the device as on the CPU.
  Tensor z = torch::zeros({3}, torch::device(torch::kCUDA).dtype(torch::kLong));
  Tensor one = torch::ones({3}, torch::device(torch::kCUDA).dtype(torch::kLong));
  EXPECT_NE(error_of([&] { (void)torch::remainder(one, z); }).find("ZeroDivisionError"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)torch::floor_divide(one, z); }).find("ZeroDivisionError"),
            std::string::npos);
  Tensor b = torch::ones({2}, torch::kCUDA).gt(0);
  EXPECT_NE(error_of([&] { (void)torch::pow(b, b); }).find("not implemented for 'Bool'"),
            std::string::npos);
}

TEST(CudaBinary, FloatBinaryAndMinMax) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor a = values(dt, {5, 7}, 3), b = values(dt, {5, 7}, 4);
    a.view({-1})[3] = std::nan("");
    b.view({-1})[5] = std::nan("");
    Tensor da = a.cuda(), db = b.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(torch::atan2(da, db), torch::atan2(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::hypot(da, db), torch::hypot(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::copysign(da, db), torch::copysign(a, b), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::fmax(da, db), torch::fmax(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::fmin(da, db), torch::fmin(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::maximum(da, db), torch::maximum(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isnan(da), torch::isnan(a))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isfinite(da / 0), torch::isfinite(a / 0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isposinf(da / 0), torch::isposinf(a / 0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::signbit(da), torch::signbit(a))) << toString(dt);
  }
}

TEST(CudaBinary, LogicalOps) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kBool, kFloat, kInt, kByte, kHalf}) {
    Tensor a = values(dt, {4, 6}, 5), b = values(dt, {6}, 6);
    Tensor da = a.cuda(), db = b.cuda();
    EXPECT_TRUE(matches_cpu(torch::logical_and(da, db), torch::logical_and(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::logical_or(da, db), torch::logical_or(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::logical_xor(da, db), torch::logical_xor(a, b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::logical_not(da), torch::logical_not(a))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::isnan(da), torch::isnan(a))) << toString(dt);
  }
}

TEST(CudaBinary, CpuScalarOnEitherSide) {
  EMBER_REQUIRE_CUDA();
  Tensor h = values(kFloat, {3, 4}, 20);
  Tensor d = h.cuda();
  EXPECT_TRUE(matches_cpu(2 - d, 2 - h));
  EXPECT_TRUE(matches_cpu(torch::rsub(d, 3), torch::rsub(h, 3)));
  EXPECT_TRUE(matches_cpu(torch::tensor(2.0f) * d, torch::tensor(2.0f) * h));
  EXPECT_TRUE(matches_cpu(torch::tensor(2.0f) / d, torch::tensor(2.0f) / h));
  EXPECT_TRUE(matches_cpu(torch::pow(2, d), torch::pow(2, h), 1e-5, 1e-5));
}
