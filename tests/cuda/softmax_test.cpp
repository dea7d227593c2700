// src/cuda/softmax.cu: softmax / log_softmax along every dim against the CPU kernels.
#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaSoftmax, SoftmaxAlongEveryDim) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {3, 70, 5}, 17);
    for (int64_t d = 0; d < 3; ++d) {
      double t = tol(dt);
      EXPECT_TRUE(matches_cpu(torch::softmax(x.cuda(), d), torch::softmax(x, d), t, t))
          << toString(dt) << " dim " << d;
      EXPECT_TRUE(matches_cpu(torch::log_softmax(x.cuda(), d), torch::log_softmax(x, d), t, t))
          << toString(dt) << " dim " << d;
    }
  }
  // A long row (many threads per row) and gradients through the composite backward.
  Tensor x = values(kFloat, {4, 5000}, 18);
  EXPECT_TRUE(matches_cpu(torch::softmax(x.cuda(), 1), torch::softmax(x, 1)));
  Tensor h = x.clone().requires_grad_(true), d = x.cuda().requires_grad_(true);
  Tensor w = values(kFloat, {4, 5000}, 19);
  (torch::log_softmax(h, 1) * w).sum().backward();
  (torch::log_softmax(d, 1) * w.cuda()).sum().backward();
  EXPECT_TRUE(matches_cpu(d.grad(), h.grad(), 1e-4, 1e-5));
}

// Rows with NaN, -inf and +inf on every row kernel (float rows of a multiple of 4: 4 values per
// load, held in registers up to 8192 values (1, 2, 4 or 8 float4 per thread), read twice beyond;
// other lengths and dtypes: the scalar loop), as the CPU kernels give them.
TEST(CudaSoftmax, NonFiniteRowsOnEveryRowKernel) {
  EMBER_REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t n : {64, 1028, 2048, 4096, 8192, 8196, 63}) {
    for (ScalarType dt : {kFloat, kDouble, kBFloat16}) {
      Tensor x = values(kDouble, {6, n}, 21);
      x.index_put_({1, 3}, std::numeric_limits<double>::quiet_NaN());
      x.index_put_({2}, -inf);
      x.index_put_({3, 5}, inf);
      x.index_put_({4, 0}, -inf);
      x.index_put_({4, n - 1}, -inf);
      Tensor h = x.to(dt);
      const double t = tol(dt);
      std::string what = std::string(toString(dt)) + " n " + std::to_string(n);
      EXPECT_TRUE(matches_cpu(torch::softmax(h.cuda(), 1), torch::softmax(h, 1), t, t)) << what;
      EXPECT_TRUE(matches_cpu(torch::log_softmax(h.cuda(), 1), torch::log_softmax(h, 1), t, t))
          << what;
    }
  }
}
