// matmul family on CUDA (cuBLAS) against the CPU: dtypes, transposed operands, batches, alpha and
// beta, the TF32 switch, errors.
#include "cuda/cuda_test.h"

using namespace ember;
using ember::testing::matches_cpu;

namespace {
Tensor rnd(IntArrayRef shape, ScalarType dt, int seed) {
  torch::manual_seed(seed);
  return torch::randn(shape, torch::kDouble).to(dt);
}
double tol(ScalarType dt) {
  return dt == kHalf ? 1e-2 : dt == kBFloat16 ? 5e-2 : dt == kFloat ? 1e-4 : 1e-10;
}
}  // namespace

TEST(CudaBlas, MmAndTransposes) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor a = rnd({17, 33}, dt, 1), b = rnd({33, 9}, dt, 2);
    Tensor ref = a.to(kDouble).mm(b.to(kDouble)).to(dt);
    double t = tol(dt);
    Tensor da = a.cuda(), db = b.cuda();
    EXPECT_TRUE(matches_cpu(da.mm(db), ref, t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.t().contiguous().t().mm(db), ref, t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(da.mm(db.t().contiguous().t()), ref, t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::matmul(da, db), ref, t, t)) << toString(dt);
    // Output written through a transposed view (a temporary inside the kernel).
    Tensor out = torch::empty({9, 17}, torch::device(torch::kCUDA).dtype(dt)).t();
    torch::mm_out(out, da, db);
    EXPECT_TRUE(matches_cpu(out.contiguous(), ref, t, t)) << toString(dt);
  }
}

TEST(CudaBlas, AddmmBmmMatmul) {
  EMBER_REQUIRE_CUDA();
  Tensor bias = rnd({8}, kFloat, 3), m1 = rnd({5, 4}, kFloat, 4), m2 = rnd({4, 8}, kFloat, 5);
  EXPECT_TRUE(matches_cpu(torch::addmm(bias.cuda(), m1.cuda(), m2.cuda(), 0.5, 2),
                          torch::addmm(bias, m1, m2, 0.5, 2), 1e-4, 1e-4));
  Tensor b1 = rnd({3, 5, 4}, kFloat, 6), b2 = rnd({3, 4, 6}, kFloat, 7);
  EXPECT_TRUE(matches_cpu(b1.cuda().bmm(b2.cuda()), b1.bmm(b2), 1e-4, 1e-4));
  EXPECT_TRUE(matches_cpu(b1.cuda().bmm(b2.cuda().transpose(1, 2).contiguous().transpose(1, 2)),
                          b1.bmm(b2), 1e-4, 1e-4));
  EXPECT_TRUE(matches_cpu(torch::matmul(b1.cuda(), m2.cuda()), torch::matmul(b1, m2), 1e-4, 1e-4));
  EXPECT_TRUE(matches_cpu(torch::baddbmm(torch::ones({3, 5, 6}).cuda(), b1.cuda(), b2.cuda(), 2, 3),
                          torch::baddbmm(torch::ones({3, 5, 6}), b1, b2, 2, 3), 1e-4, 1e-4));
  EXPECT_TRUE(matches_cpu(m1.cuda().mv(rnd({4}, kFloat, 8).cuda()), m1.mv(rnd({4}, kFloat, 8)),
                          1e-4, 1e-4));
  // Empty inner dimension: zeros (beta = 0) as on the CPU.
  EXPECT_TRUE(matches_cpu(torch::empty({3, 0}, torch::kCUDA).mm(torch::empty({0, 2}, torch::kCUDA)),
                          torch::zeros({3, 2})));
}

TEST(CudaBlas, Tf32Switch) {
  EMBER_REQUIRE_CUDA();
  Tensor a = rnd({256, 256}, kFloat, 9), b = rnd({256, 256}, kFloat, 10);
  Tensor ref = a.to(kDouble).mm(b.to(kDouble)).to(kFloat);
  ASSERT_FALSE(at::globalContext().allowTF32CuBLAS());
  EXPECT_TRUE(matches_cpu(a.cuda().mm(b.cuda()), ref, 1e-4, 1e-4));  // full fp32
  at::globalContext().setAllowTF32CuBLAS(true);
  Tensor tf = a.cuda().mm(b.cuda());
  at::globalContext().setAllowTF32CuBLAS(false);
  EXPECT_TRUE(matches_cpu(tf, ref, 5e-2, 5e-2));
}

TEST(CudaBlas, GradientsAndErrors) {
  EMBER_REQUIRE_CUDA();
  Tensor a = rnd({4, 3}, kDouble, 11).cuda().requires_grad_(true);
  Tensor b = rnd({3, 5}, kDouble, 12).cuda().requires_grad_(true);
  a.mm(b).sum().backward();
  EXPECT_TRUE(
      matches_cpu(a.grad(), torch::ones({4, 5}, kDouble).mm(b.detach().cpu().t()), 1e-10, 1e-10));
  EXPECT_TRUE(
      matches_cpu(b.grad(), a.detach().cpu().t().mm(torch::ones({4, 5}, kDouble)), 1e-10, 1e-10));
  std::string m = error_of([] {
    (void)torch::ones({2, 2}, torch::device(torch::kCUDA).dtype(torch::kInt))
        .mm(torch::ones({2, 2}, torch::device(torch::kCUDA).dtype(torch::kInt)));
  });
  EXPECT_NE(m.find("not implemented for 'Int'"), std::string::npos) << m;
  m = error_of([] { (void)torch::ones({2, 2}, torch::kCUDA).mm(torch::ones({2, 2})); });
  EXPECT_NE(m.find("Expected all tensors to be on the same device"), std::string::npos) << m;
  m = error_of([] { (void)torch::ones({2, 2}).mm(torch::ones({2, 2}, torch::kCUDA)); });
  EXPECT_NE(m.find("Expected all tensors to be on the same device"), std::string::npos) << m;
}
