// src/cpu/reduce.cpp: sums of long rows split over threads in fixed blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

// Sums of long rows are split across threads in fixed blocks: the value does not depend on the
// thread count and stays accurate (float data, double accumulation).
TEST(CpuKernels, SumOfLongRows) {
  for (int64_t n : {int64_t(70000), int64_t(1) << 20, int64_t(3) << 20}) {
    Tensor x = rand({n}) * 2 - 1;
    const float* p = x.data_ptr<float>();
    long double want = 0;
    for (int64_t i = 0; i < n; ++i) want += p[i];
    int prev = get_num_threads();
    set_num_threads(1);
    float one = x.sum().item<float>();
    set_num_threads(2);
    float two = x.sum().item<float>();
    set_num_threads(prev);
    EXPECT_EQ(one, two) << n;
    EXPECT_NEAR(one, static_cast<double>(want), 1e-6 * std::sqrt(static_cast<double>(n))) << n;
    Tensor rows = x.narrow(0, 0, 3 * (n / 3)).reshape({3, n / 3});
    Tensor s = rows.sum(1);
    for (int r = 0; r < 3; ++r) {
      long double w = 0;
      for (int64_t i = 0; i < n / 3; ++i) w += p[r * (n / 3) + i];
      EXPECT_NEAR(s.select(0, r).item<float>(), static_cast<double>(w), 1e-3) << n;
    }
  }
  // Exactly representable: every element 1, 2^24 + 8 of them (a float accumulator would stop).
  EXPECT_EQ(ones({(int64_t(1) << 24) + 8}).sum().item<float>(), 16777224.f);
  Tensor d = full({200000}, 0.1, kDouble);
  EXPECT_NEAR(d.sum().item<double>(), 20000.0, 1e-10);  // PyTorch: 1.5e-11 off
}

}  // namespace
