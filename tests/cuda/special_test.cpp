// src/cuda/special.cu: digamma / polygamma edge values against the CPU kernels.
#include <limits>
#include <string>
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaSpecial, DigammaPolygammaEdgeValues) {
  EMBER_REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor edges = torch::tensor({0.0,   -0.0,  -1.0, -2.0, -7.0,  -0.5, -3.5,
                                -7.25, -20.3, 1e-8, 0.1,  0.5,   1.0,  1.4616321449683622,
                                2.5,   5.99,  6.0,  10.0, 123.4, 1e6,  1e15,
                                inf,   -inf,  nan},
                               torch::kDouble);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor h = edges.to(dt);
    Tensor d = dev(h);
    double t = dt == kDouble ? 1e-9 : tol(dt);
    std::string what = toString(dt);
    EXPECT_TRUE(same(d.digamma(), h.digamma(), t, t)) << what;
    for (int64_t n : {0, 1, 2, 3, 4, 7}) {
      EXPECT_TRUE(same(torch::polygamma(n, d), torch::polygamma(n, h), t, t)) << what << " n=" << n;
    }
    // Random values, through a non-contiguous view.
    Tensor r = (randn_as({6, 5}, kDouble, 3) * 4).to(dt);
    Tensor dr = dev(r);
    EXPECT_TRUE(same(dr.t().digamma(), r.t().digamma(), t, t)) << what;
    EXPECT_TRUE(same(torch::polygamma(2, dr.t()), torch::polygamma(2, r.t()), t, t)) << what;
  }
  // Integer input promotes to float, as on the CPU.
  Tensor ints = torch::tensor({-2, -1, 0, 1, 2, 3, 50}, torch::kLong);
  EXPECT_TRUE(same(dev(ints).digamma(), ints.digamma()));
  EXPECT_TRUE(same(torch::polygamma(3, dev(ints)), torch::polygamma(3, ints)));
  // Gradients: digamma -> polygamma(1), polygamma(n) -> polygamma(n + 1).
  Tensor x = randn_as({4, 3}, kDouble, 5).abs() + 0.3;
  expect_same_grads([](const std::vector<Tensor>& v) { return v[0].digamma(); }, {x}, 1e-9, 1e-9,
                    "digamma");
  expect_same_grads([](const std::vector<Tensor>& v) { return torch::polygamma(2, v[0]); }, {x},
                    1e-9, 1e-9, "polygamma");
}
