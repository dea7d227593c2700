// src/cuda/activation.cu: activation functions and their gradients (fused GELU backward) against
// the CPU kernels.
#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaActivation, Activations) {
  EMBER_REQUIRE_CUDA();
  namespace F = torch::nn::functional;
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {7, 9}, 24);
    Tensor d = x.cuda();
    double t = dt == kFloat || dt == kDouble ? 1e-5 : tol(dt);
    EXPECT_TRUE(matches_cpu(F::gelu(d), F::gelu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::gelu(d, F::GELUFuncOptions().approximate("tanh")),
                            F::gelu(x, F::GELUFuncOptions().approximate("tanh")), t, t))
        << toString(dt);
    EXPECT_TRUE(matches_cpu(F::silu(d), F::silu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::elu(d), F::elu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::softplus(d), F::softplus(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::leaky_relu(d), F::leaky_relu(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::hardtanh(d), F::hardtanh(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(F::mish(d), F::mish(x), t, t)) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::nan_to_num(d / 0), torch::nan_to_num(x / 0))) << toString(dt);
    EXPECT_TRUE(matches_cpu(torch::round(d, 1), torch::round(x, 1), t, t)) << toString(dt);
  }
  Tensor i = values(kLong, {10}, 25);
  EXPECT_TRUE(matches_cpu(F::hardtanh(i.cuda()), F::hardtanh(i)));
  // Gradients through the composite backward formulas.
  Tensor h = values(kDouble, {6, 5}, 26).requires_grad_(true);
  Tensor dv = h.detach().cuda().requires_grad_(true);
  F::gelu(h).sum().backward();
  F::gelu(dv).sum().backward();
  EXPECT_TRUE(matches_cpu(dv.grad(), h.grad(), 1e-10, 1e-10));
}

TEST(CudaActivation, GeluBackwardFused) {
  EMBER_REQUIRE_CUDA();
  for (const char* approx : {"none", "tanh"}) {
    for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
      Tensor x = values(dt, {65, 129}, 21), g = values(dt, {65, 129}, 22);
      auto grad_of = [&](const Tensor& xx, const Tensor& gg) {
        Tensor r = xx.detach().requires_grad_();
        return torch::autograd::grad({torch::gelu(r, approx)}, {r}, {gg})[0];
      };
      double t = tol(dt);
      EXPECT_TRUE(matches_cpu(grad_of(x.cuda(), g.cuda()), grad_of(x, g), t, t))
          << approx << " " << toString(dt);
      // Non-contiguous input.
      EXPECT_TRUE(matches_cpu(grad_of(x.cuda().t(), g.cuda().t()), grad_of(x.t(), g.t()), t, t))
          << approx << " " << toString(dt);
    }
  }
}
