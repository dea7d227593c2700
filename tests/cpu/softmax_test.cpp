// src/cpu/softmax.cpp: the contiguous-rows path of softmax / log_softmax.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

// Contiguous softmax rows (the vectorised path) against exp(x - max) / sum in double.
TEST(CpuKernels, SoftmaxRows) {
  for (ScalarType dt : {kFloat, kDouble}) {
    for (int64_t n : {1, 7, 8, 9, 100, 1000}) {
      Tensor x = (randn({5, n}) * 4).to(dt);
      Tensor sm = x.softmax(1), lsm = x.log_softmax(1);
      Tensor xd = x.to(kDouble);
      Tensor ref = (xd - std::get<0>(xd.max(1, true))).exp();
      ref = ref / ref.sum(1, true);
      double tol = dt == kFloat ? 1e-6 : 1e-14;
      EXPECT_TRUE(sm.to(kDouble).allclose(ref, tol, tol)) << n;
      EXPECT_TRUE(lsm.to(kDouble).allclose(ref.log(), tol * 10, tol * 10)) << n;
    }
  }
  const double inf = std::numeric_limits<double>::infinity();
  Tensor s = tensor({{1.0, std::nan(""), 2.0}, {-inf, 0.0, 1.0}}).softmax(1);
  EXPECT_TRUE(std::isnan(s.select(0, 0).select(0, 0).item<float>()));
  EXPECT_TRUE(std::isnan(s.select(0, 0).select(0, 2).item<float>()));
  EXPECT_EQ(s.select(0, 1).select(0, 0).item<float>(), 0.f);
  EXPECT_NEAR(s.select(0, 1).select(0, 2).item<float>(), 0.7310586, 1e-6);
}

}  // namespace
