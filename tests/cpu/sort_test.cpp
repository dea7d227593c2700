// src/cpu/sort.cpp: the row sort behind sort/argsort/topk: stable (ties by index), NaN as the
// largest value, a partial sort for k < n, rows split over threads; against std::stable_sort.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// The stable order of each row of a [rows, n] value list: NaN after everything ascending,
// before everything descending.
std::vector<int64_t> order(const std::vector<double>& v, int64_t rows, int64_t n, bool desc) {
  std::vector<int64_t> out;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> p(n);
    std::iota(p.begin(), p.end(), 0);
    const double* row = v.data() + r * n;
    std::stable_sort(p.begin(), p.end(), [&](int64_t a, int64_t b) {
      double x = row[a], y = row[b];
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(desc ? y : x);
      return desc ? x > y : x < y;
    });
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// Values with ties, NaN, infinities and signed zeros in every dtype family; each length around
// the vector widths; many rows split over threads; both directions.
TEST(CpuSort, StableNanLastMatchesStdStableSort) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kByte, kBool}) {
    for (int64_t n : {1, 7, 8, 9, 17, 100, 1000}) {
      const int64_t rows = n == 9 ? 2000 : 5;  // 2000 short rows: split over threads
      Tensor x = (randn({rows, n}) * 3).round().abs().to(dt);
      if (isFloatingType(dt)) {
        Tensor flat = x.view({-1});
        flat.slice(0, 0, rows * n, 5).fill_(kNan);
        flat.slice(0, 1, rows * n, 7).fill_(-kInf);
        flat.slice(0, 2, rows * n, 11).fill_(-0.0);
        flat.slice(0, 3, rows * n, 13).fill_(kInf);
      }
      std::vector<double> xv = values(x);
      for (bool desc : {false, true}) {
        auto [v, i] = sort(x, /*stable=*/true, -1, desc);
        std::vector<int64_t> want = order(xv, rows, n, desc);
        std::vector<double> wi(want.begin(), want.end()), wv(want.size());
        for (size_t k = 0; k < want.size(); ++k) wv[k] = xv[k / n * n + want[k]];
        std::string at =
            std::string(toString(dt)) + " n=" + std::to_string(n) + (desc ? " descending" : "");
        EXPECT_TRUE(exactly(i, wi)) << at;
        EXPECT_TRUE(exactly(v, wv)) << at;
      }
    }
  }
}

// Along a middle dim (the op hands the kernel contiguous rows) and as argsort.
TEST(CpuSort, OtherDimsAndArgsort) {
  Tensor x = (randn({4, 9, 3}, kDouble) * 2).round();
  std::vector<double> xt = values(x.transpose(1, 2));  // rows of 9 along dim 1
  std::vector<int64_t> want = order(xt, 12, 9, false);
  Tensor idx = argsort(x, /*stable=*/true, 1).transpose(1, 2);
  EXPECT_TRUE(exactly(idx, std::vector<double>(want.begin(), want.end())));
}

// topk's partial sort: the k largest (or smallest) in order, ties by index, NaN largest; k = n
// takes the full sort, k = 0 nothing.
TEST(CpuSort, TopkPartialSort) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kLong}) {
    const int64_t rows = 200, n = 50;
    Tensor x = (randn({rows, n}) * 4).round().to(dt);
    if (dt != kLong) x.view({-1}).slice(0, 0, rows * n, 9).fill_(kNan);
    std::vector<double> xv = values(x);
    for (bool largest : {true, false}) {
      std::vector<int64_t> full = order(xv, rows, n, largest);
      for (int64_t k : {int64_t(0), int64_t(1), int64_t(5), n}) {
        auto [v, i] = topk(x, k, -1, largest, true);
        std::vector<double> wi, wv;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < k; ++j) {
            wi.push_back(double(full[r * n + j]));
            wv.push_back(xv[r * n + full[r * n + j]]);
          }
        EXPECT_TRUE(exactly(i, wi)) << toString(dt) << " k=" << k << " largest=" << largest;
        EXPECT_TRUE(exactly(v, wv)) << toString(dt) << " k=" << k;
      }
    }
  }
}

}  // namespace
