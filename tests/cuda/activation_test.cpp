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

// rrelu in training mode on CUDA: slopes drawn on the device in [lower, upper) for x <= 0, 1
// elsewhere (NaN inputs included); the gradient is the slope; an explicit CPU generator draws
// the CPU kernel's numbers.
TEST(CudaActivation, RreluTrainingNoise) {
  EMBER_REQUIRE_CUDA();
  const double lo = 0.125, hi = 1.0 / 3.0;
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor h = values(dt, {37, 41}, 3);
    h.index_put_({0, 0}, std::numeric_limits<double>::quiet_NaN());
    Tensor d = h.cuda().requires_grad_();
    Tensor y = torch::rrelu(d, lo, hi, true);
    y.sum().backward();
    Tensor x = h.to(kDouble), slope = d.grad().cpu().to(kDouble);
    Tensor neg = x <= 0;
    EXPECT_TRUE(slope.masked_select(logical_not(neg)).eq(1).all().item<bool>()) << toString(dt);
    Tensor drawn = slope.masked_select(neg);
    const double eps = dt == kHalf || dt == kBFloat16 ? 2e-3 : 0;
    EXPECT_TRUE(drawn.ge(lo - eps).all().item<bool>() && drawn.le(hi + eps).all().item<bool>())
        << toString(dt);
    EXPECT_GT(drawn.std().item<double>(), 0.02) << toString(dt);  // not one constant slope
    Tensor out = y.detach().cpu().to(kDouble);
    EXPECT_TRUE(out.masked_select(neg).allclose(x.masked_select(neg) * drawn, 1e-2, 1e-3))
        << toString(dt);
  }
  // A CPU generator: the CPU kernel's numbers.
  Tensor h = values(kFloat, {8, 9}, 4);
  Generator g1 = make_generator(7), g2 = make_generator(7);
  Tensor on_cpu = torch::rrelu(h, lo, hi, true, g1);
  Tensor on_gpu = torch::rrelu(h.cuda(), lo, hi, true, g2);
  EXPECT_TRUE(matches_cpu(on_gpu, on_cpu, 1e-6, 1e-7));
}
