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

// Note [Padded GEMM operands]: large 16-bit products whose rows are not 16-byte aligned (odd
// dimensions, unaligned slices) run on padded copies; the results must not change.
TEST(CudaBlas, UnalignedLargeProductsRunPadded) {
  EMBER_REQUIRE_CUDA();
  const int64_t m = 2051, k = 1029, n = 2053;  // 2mnk = 8.7e9 flops: above the padding bound
  for (ScalarType dt : {kBFloat16, kHalf}) {
    Tensor a = rnd({m, k}, dt, 21), w = rnd({n, k}, dt, 22);
    Tensor af = a.to(kFloat), wf = w.to(kFloat);
    Tensor ref = af.mm(wf.t());
    const double t = dt == kHalf ? 1e-2 : 3e-2;
    Tensor da = a.cuda(), dw = w.cuda();
    // The GPT-2 lm-head pattern: x @ W^T with an odd number of output columns.
    EXPECT_TRUE(matches_cpu(da.mm(dw.t()).to(kFloat), ref, t, t)) << toString(dt);
    // Column-major first operand, contiguous second.
    EXPECT_TRUE(matches_cpu(da.t().contiguous().t().mm(dw.t().contiguous()).to(kFloat), ref, t, t))
        << toString(dt);
    // Operands starting one element into their storage (misaligned base and rows).
    Tensor wide = torch::zeros({m, k + 3}, torch::device(torch::kCUDA).dtype(dt));
    wide.narrow(1, 1, k).copy_(da);
    EXPECT_TRUE(matches_cpu(wide.narrow(1, 1, k).mm(dw.t()).to(kFloat), ref, t, t)) << toString(dt);
    // beta != 0 reads the output through the padded copy.
    Tensor c = rnd({m, n}, dt, 23);
    Tensor got = torch::addmm(c.cuda(), da, dw.t(), 0.5, 2);
    EXPECT_TRUE(matches_cpu(got.to(kFloat), c.to(kFloat) * 0.5 + ref * 2, t, 2 * t))
        << toString(dt);
    // mm_out into a strided (transposed) output view.
    Tensor out = torch::empty({n, m}, torch::device(torch::kCUDA).dtype(dt)).t();
    torch::mm_out(out, da, dw.t());
    EXPECT_TRUE(matches_cpu(out.to(kFloat), ref, t, t)) << toString(dt);
  }
  // Gradients of the lm-head pattern: dX (reduced dimension n, odd) and dW (m odd).
  Tensor x = rnd({m, k}, kBFloat16, 24), w = rnd({n, k}, kBFloat16, 25);
  Tensor g = rnd({m, n}, kBFloat16, 26);
  Tensor dx = x.cuda().requires_grad_(), dw = w.cuda().requires_grad_();
  dx.mm(dw.t()).backward(g.cuda());
  Tensor gf = g.to(kFloat);
  EXPECT_TRUE(matches_cpu(dx.grad().to(kFloat), gf.mm(w.to(kFloat)), 3e-2, 3e-2));
  EXPECT_TRUE(matches_cpu(dw.grad().to(kFloat), gf.t().mm(x.to(kFloat)), 3e-2, 3e-2));
  // The same gradient with rows padded to 16 bytes (Note [Pitched logits gradient]): odd sizes
  // on aligned rows go to cuBLAS as they are, the padding's contents unread.
  Tensor gp = torch::full({m, n + 5}, std::numeric_limits<double>::quiet_NaN(),
                          torch::device(torch::kCUDA).dtype(kBFloat16))
                  .narrow(1, 0, n);
  gp.copy_(g.cuda());
  EXPECT_TRUE(matches_cpu(gp.mm(w.cuda()).to(kFloat), gf.mm(w.to(kFloat)), 3e-2, 3e-2));
  EXPECT_TRUE(matches_cpu(gp.t().mm(x.cuda()).to(kFloat), gf.t().mm(x.to(kFloat)), 3e-2, 3e-2));
  // float with TF32 takes the same path.
  at::globalContext().setAllowTF32CuBLAS(true);
  Tensor af = rnd({m, k}, kFloat, 27), bf = rnd({k, n}, kFloat, 28);
  Tensor tf = af.cuda().mm(bf.cuda());
  at::globalContext().setAllowTF32CuBLAS(false);
  EXPECT_TRUE(matches_cpu(tf, af.mm(bf), 3e-2, 0.25));  // TF32: ~1e-3 per product, k = 1029
}

// addmm with a bias row (nn.Linear) adds the bias in cuBLASLt's epilogue.
TEST(CudaBlas, LinearBiasEpilogue) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int64_t n : {40, 37, 1}) {
      Tensor x = rnd({4, 5, 24}, dt, 31), w = rnd({n, 24}, dt, 32), b = rnd({n}, dt, 33);
      Tensor ref = x.to(kDouble).matmul(w.to(kDouble).t()) + b.to(kDouble);
      const double t = tol(dt);
      Tensor y = torch::nn::functional::linear(x.cuda(), w.cuda(), b.cuda());
      EXPECT_EQ(y.sizes(), IntArrayRef({4, 5, n}));
      EXPECT_TRUE(matches_cpu(y.to(kDouble), ref, t, t)) << toString(dt) << " n " << n;
      // alpha, and a transposed first operand.
      Tensor m1 = rnd({24, 9}, dt, 34);
      Tensor r2 = (m1.to(kDouble).t().mm(w.to(kDouble).t()) * 3 + b.to(kDouble));
      EXPECT_TRUE(matches_cpu(torch::addmm(b.cuda(), m1.cuda().t(), w.cuda().t(), 1, 3).to(kDouble),
                              r2, t, t))
          << toString(dt) << " n " << n;
    }
  }
  // Gradients through the folded 3-D linear on both devices.
  Tensor x = rnd({3, 7, 16}, kDouble, 35), w = rnd({12, 16}, kDouble, 36),
         b = rnd({12}, kDouble, 37);
  std::vector<Tensor> hs{x.clone().requires_grad_(), w.clone().requires_grad_(),
                         b.clone().requires_grad_()};
  std::vector<Tensor> ds{x.cuda().requires_grad_(), w.cuda().requires_grad_(),
                         b.cuda().requires_grad_()};
  torch::nn::functional::linear(hs[0], hs[1], hs[2]).pow(2).sum().backward();
  torch::nn::functional::linear(ds[0], ds[1], ds[2]).pow(2).sum().backward();
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(matches_cpu(ds[i].grad(), hs[i].grad(), 1e-10, 1e-10));
  // TF32 float through the epilogue.
  at::globalContext().setAllowTF32CuBLAS(true);
  Tensor xf = rnd({64, 64}, kFloat, 38), wf = rnd({48, 64}, kFloat, 39), bf = rnd({48}, kFloat, 40);
  Tensor yf = torch::nn::functional::linear(xf.cuda(), wf.cuda(), bf.cuda());
  at::globalContext().setAllowTF32CuBLAS(false);
  EXPECT_TRUE(matches_cpu(yf, torch::nn::functional::linear(xf, wf, bf), 5e-2, 5e-2));
}

// nn::Linear's backward takes the bias gradient from the weight gradient's product (cuBLASLt's
// BGRADB epilogue, Note [Bias gradient in the weight product]) for 16-bit and float operands;
// against the same gradients in double on the CPU, odd and even sizes, a 3-D input, a bias of one,
// and through create_graph (the unfused path, which must agree).
TEST(CudaBlas, LinearBackwardBiasGradientEpilogue) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kHalf, kBFloat16}) {
    for (int64_t n : {40, 37, 1}) {
      for (bool create_graph : {false, true}) {
        Tensor x = rnd({4, 64, 24}, dt, 41), w = rnd({n, 24}, dt, 42), b = rnd({n}, dt, 43);
        Tensor go = rnd({4, 64, n}, dt, 44);
        std::vector<Tensor> hs{x.to(kDouble).requires_grad_(), w.to(kDouble).requires_grad_(),
                               b.to(kDouble).requires_grad_()};
        std::vector<Tensor> ds{x.cuda().requires_grad_(), w.cuda().requires_grad_(),
                               b.cuda().requires_grad_()};
        torch::nn::functional::linear(hs[0], hs[1], hs[2]).backward(go.to(kDouble));
        Tensor y = torch::nn::functional::linear(ds[0], ds[1], ds[2]);
        y.backward(go.cuda(), /*retain_graph=*/std::nullopt, create_graph);
        // Sums over 256 rows of 16-bit values: tolerances scaled up accordingly.
        const double t = dt == kFloat ? 1e-4 : dt == kHalf ? 5e-2 : 0.3;
        for (size_t i = 0; i < 3; ++i) {
          EXPECT_EQ(ds[i].grad().dtype(), dt);
          EXPECT_TRUE(matches_cpu(ds[i].grad().to(kDouble), hs[i].grad(), t, t))
              << toString(dt) << " n " << n << " create_graph " << create_graph << " input " << i;
        }
      }
    }
  }
}
