// src/cpu/copy.cpp: tiled transposed copies.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {

// Transposed copies go through tiles; every element lands where a plain loop puts it.
TEST(CpuKernels, TransposedCopies) {
  for (ScalarType dt : {kFloat, kDouble, kHalf, kChar, kLong}) {
    for (auto shape : std::vector<std::vector<int64_t>>{{37, 65}, {64, 64}, {3, 33, 70}}) {
      Tensor x = (rand(shape) * 100).to(dt);
      Tensor y = x.transpose(-1, -2).contiguous();
      Tensor xl = x.to(kDouble).contiguous(), yl = y.to(kDouble);
      int64_t a = shape[shape.size() - 2], b = shape.back(), batch = x.numel() / (a * b);
      const double* xp = xl.data_ptr<double>();
      const double* yp = yl.data_ptr<double>();
      bool same = true;
      for (int64_t r = 0; r < batch; ++r)
        for (int64_t i = 0; i < a; ++i)
          for (int64_t j = 0; j < b; ++j)
            same &= xp[(r * a + i) * b + j] == yp[(r * b + j) * a + i];
      EXPECT_TRUE(same) << dt;
    }
  }
  // A transposed slice (outer strides not dense) and a copy_ into a transposed view.
  Tensor big = rand({50, 80});
  Tensor v = big.narrow(1, 5, 60).t().contiguous();
  EXPECT_TRUE(v.equal(big.narrow(1, 5, 60).t().to(kDouble).to(kFloat)));
  Tensor dst = zeros({40, 30});
  Tensor src = rand({30, 40});
  dst.t().copy_(src);
  EXPECT_TRUE(dst.t().equal(src));
}

}  // namespace
