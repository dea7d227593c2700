// src/cpu/reduce.cpp: sums of long rows split over threads in fixed blocks, column sums, max(dim).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <utility>
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

// Column sums (the middle layout) add floats in runs of rows, then in double: the result matches
// a long-double reference, does not depend on the thread count, and covers ragged widths.
TEST(CpuKernels, SumOverColumns) {
  for (auto [r, c] : {std::pair<int64_t, int64_t>{2048, 8192}, {1000, 37}, {3, 5000}, {130, 1}}) {
    Tensor x = rand({r, c}) * 2 - 1;
    const float* p = x.data_ptr<float>();
    int prev = get_num_threads();
    set_num_threads(1);
    Tensor one = x.sum(0);
    set_num_threads(2);
    Tensor two = x.sum(0);
    Tensor mean = x.mean(0);
    set_num_threads(prev);
    EXPECT_TRUE(one.equal(two)) << r << "x" << c;
    for (int64_t j = 0; j < c; j += std::max<int64_t>(1, c / 50)) {
      long double w = 0;
      for (int64_t i = 0; i < r; ++i) w += p[i * c + j];
      EXPECT_NEAR(one.select(0, j).item<float>(), static_cast<double>(w), 1e-4) << j;
      EXPECT_NEAR(mean.select(0, j).item<float>(), static_cast<double>(w / r), 1e-6) << j;
    }
  }
  // Middle dim of a 3-d tensor, double and integer inputs.
  Tensor x = randn({3, 70, 9}, kDouble);
  EXPECT_TRUE(x.sum(1).allclose(x.permute({0, 2, 1}).contiguous().sum(2), 1e-12, 1e-12));
  Tensor i = arange(0, 3 * 70 * 9, TensorOptions(kLong)).reshape({3, 70, 9});
  EXPECT_TRUE(i.sum(1).equal(i.permute({0, 2, 1}).contiguous().sum(2)));
}

// max(dim) / argmax on float rows: the first index of the extremum, the first NaN if any.
TEST(CpuKernels, ArgExtremumRows) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = tensor({{1.f, 3.f, 3.f, 2.f, 0.f, 3.f, -1.f, 2.f, 1.f, 3.f},
                     {1.f, nan, 5.f, nan, 0.f, 0.f, 0.f, 0.f, 0.f, 9.f},
                     {-0.f, 0.f, -1.f, -2.f, -3.f, -4.f, -5.f, -6.f, -7.f, -8.f}});
  auto [v, idx] = x.max(1);
  EXPECT_EQ(idx.select(0, 0).item<int64_t>(), 1);
  EXPECT_EQ(idx.select(0, 1).item<int64_t>(), 1);
  EXPECT_TRUE(std::isnan(v.select(0, 1).item<float>()));
  EXPECT_EQ(idx.select(0, 2).item<int64_t>(), 0);
  auto [mv, midx] = x.min(1);
  EXPECT_EQ(midx.select(0, 0).item<int64_t>(), 6);
  EXPECT_EQ(midx.select(0, 2).item<int64_t>(), 9);
  Tensor big = randn({4, 1000}, kDouble);
  Tensor am = big.argmax(1);
  for (int r = 0; r < 4; ++r) {
    const double* p = big.data_ptr<double>() + r * 1000;
    int64_t best = 0;
    for (int64_t k = 1; k < 1000; ++k)
      if (p[k] > p[best]) best = k;
    EXPECT_EQ(am.select(0, r).item<int64_t>(), best);
  }
}

}  // namespace
