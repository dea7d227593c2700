// src/cuda/bitwise.cu: bitwise and shift ops for every integer type and bool, and the elementwise
// losses, against the CPU kernels.
#include <string>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaBitwise, BitwiseAndLossElementwise) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong, kBool}) {
    Tensor a = values(dt, {5, 6}, 45), b = values(dt, {6}, 46);
    Tensor da = a.cuda(), db = b.cuda();
    EXPECT_TRUE(matches_cpu(da.bitwise_and(db), a.bitwise_and(b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.bitwise_or(db), a.bitwise_or(b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.bitwise_xor(db), a.bitwise_xor(b))) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.bitwise_not(), a.bitwise_not())) << toString(dt);
    if (dt != kBool) {
      Tensor s = values(dt, {6}, 47).abs().clamp_max(9);
      EXPECT_TRUE(
          matches_cpu(torch::bitwise_left_shift(da, s.cuda()), torch::bitwise_left_shift(a, s)))
          << toString(dt);
      EXPECT_TRUE(
          matches_cpu(torch::bitwise_right_shift(da, s.cuda()), torch::bitwise_right_shift(a, s)))
          << toString(dt);
    }
  }
  namespace F = torch::nn::functional;
  Tensor x = values(kFloat, {4, 5}, 48).sigmoid(), t = values(kFloat, {4, 5}, 49).sigmoid();
  EXPECT_TRUE(matches_cpu(F::mse_loss(x.cuda(), t.cuda()), F::mse_loss(x, t), 1e-5, 1e-6));
  EXPECT_TRUE(matches_cpu(F::binary_cross_entropy(x.cuda(), t.cuda()),
                          F::binary_cross_entropy(x, t), 1e-5, 1e-6));
  std::string m = error_of([&] { (void)F::binary_cross_entropy((x * 2).cuda(), t.cuda()); });
  EXPECT_NE(m.find("between 0 and 1"), std::string::npos) << m;
}
