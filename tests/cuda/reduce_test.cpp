// src/cuda/reduce.cu / reduce2.cu: row reductions against the CPU kernels.
#include <cmath>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaReduce, RowReductions) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong, kByte}) {
    Tensor x = values(dt, {5, 300}, 21);
    if (isFloatingType(dt)) x.view({-1})[7] = std::nan("");
    Tensor d = x.cuda();
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(d.amax(1), x.amax(1))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.amin(0), x.amin(0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.ne(0).all(1), x.ne(0).all(1))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.gt(2).any(0), x.gt(2).any(0))) << toString(dt);
    if (isFloatingType(dt)) {
      EXPECT_TRUE(matches_cpu(d.nansum(1), x.nansum(1), t * 10, t * 10)) << toString(dt);
      Tensor small = values(dt, {4, 6}, 22) / 4;
      EXPECT_TRUE(matches_cpu(small.cuda().prod(1), small.prod(1), t, t)) << toString(dt);
    }
  }
  // A long row takes the two-pass path.
  Tensor big = values(kFloat, {2, 200000}, 23);
  EXPECT_TRUE(matches_cpu(big.cuda().amax(1), big.amax(1)));
  EXPECT_TRUE(matches_cpu(big.cuda().sum(1), big.sum(1), 1e-4, 1e-2));
}
