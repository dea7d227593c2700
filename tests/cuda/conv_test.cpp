// src/cuda/conv.cu + conv_kernels.cpp: conv2d (im2col + cuBLAS) and pooling, forward and gradients,
// against the CPU kernels.
#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaConv, Conv2dAndPooling) {
  EMBER_REQUIRE_CUDA();
  namespace F = torch::nn::functional;
  struct Case {
    int64_t groups, stride, padding, dilation;
  };
  for (ScalarType dt : {kFloat, kDouble}) {
    for (Case c : {Case{1, 1, 0, 1}, Case{1, 2, 1, 1}, Case{2, 1, 2, 2}, Case{4, 2, 1, 1}}) {
      Tensor x = values(dt, {2, 4, 9, 8}, 50), w = values(dt, {6 * 2, 4 / c.groups, 3, 3}, 51);
      Tensor b = values(dt, {12}, 52);
      auto o = F::Conv2dFuncOptions()
                   .stride(c.stride)
                   .padding(c.padding)
                   .dilation(c.dilation)
                   .groups(c.groups)
                   .bias(b);
      Tensor hx = x.clone().requires_grad_(true), hw = w.clone().requires_grad_(true);
      Tensor dx = x.cuda().requires_grad_(true), dw = w.cuda().requires_grad_(true);
      Tensor hy = F::conv2d(hx, hw, o);
      Tensor dy = F::conv2d(dx, dw,
                            F::Conv2dFuncOptions()
                                .stride(c.stride)
                                .padding(c.padding)
                                .dilation(c.dilation)
                                .groups(c.groups)
                                .bias(b.cuda()));
      double t = dt == kFloat ? 1e-4 : 1e-10;
      EXPECT_TRUE(matches_cpu(dy, hy, t, t)) << toString(dt) << " groups " << c.groups;
      Tensor gy = values(dt, hy.sizes(), 53);
      (hy * gy).sum().backward();
      (dy * gy.cuda()).sum().backward();
      EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), t, t)) << toString(dt) << " " << c.groups;
      EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), t * 10, t * 10)) << toString(dt);
    }
    Tensor x = values(dt, {2, 3, 10, 9}, 54);
    Tensor hx = x.clone().requires_grad_(true), dx = x.cuda().requires_grad_(true);
    auto mo = F::MaxPool2dFuncOptions(3).stride(2).padding(1);
    Tensor hm = F::max_pool2d(hx, mo), dm = F::max_pool2d(dx, mo);
    EXPECT_TRUE(matches_cpu(dm, hm)) << toString(dt);
    auto ao = F::AvgPool2dFuncOptions(3).stride(2).padding(1).count_include_pad(false);
    Tensor ha = F::avg_pool2d(hx, ao), da = F::avg_pool2d(dx, ao);
    EXPECT_TRUE(matches_cpu(da, ha, 1e-5, 1e-6)) << toString(dt);
    (hm.sum() + ha.pow(2).sum()).backward();
    (dm.sum() + da.pow(2).sum()).backward();
    EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), 1e-5, 1e-6)) << toString(dt);
  }
}

// GELU's fused backward kernel on CUDA against the CPU's, both approximations, every float type.
