// src/cuda/conv.cu + conv_kernels.cpp + conv_cudnn.cpp + cudnn.cpp: conv2d (cuDNN, loaded at run
// time, where it is found; else im2col + cuBLAS), conv3d and transposed convolutions (cuDNN or
// their composites) and pooling, forward and gradients, against the CPU kernels.
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaConv, Conv2dAndPooling) {
  EMBER_REQUIRE_CUDA();
  CudnnFlagsGuard flags(/*tf32=*/false);
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

namespace {

struct ConvCase {
  int64_t n, c, h, w, co, kh, kw, stride, padding, dilation, groups;
};

// conv2d forward and both gradients (and the bias's) on CUDA against the CPU, for one case.
void expect_conv_matches_cpu(const ConvCase& k, ScalarType dt, double t, const std::string& what) {
  namespace F = torch::nn::functional;
  Tensor x = values(dt, {k.n, k.c, k.h, k.w}, 60);
  Tensor w = values(dt, {k.co, k.c / k.groups, k.kh, k.kw}, 61) * 0.2;
  Tensor b = values(dt, {k.co}, 62);
  auto opts = [&](const Tensor& bias) {
    return F::Conv2dFuncOptions()
        .stride(k.stride)
        .padding(k.padding)
        .dilation(k.dilation)
        .groups(k.groups)
        .bias(bias);
  };
  Tensor hx = x.clone().requires_grad_(true), hw = w.clone().requires_grad_(true),
         hb = b.clone().requires_grad_(true);
  Tensor dx = x.cuda().requires_grad_(true), dw = w.cuda().requires_grad_(true),
         db = b.cuda().requires_grad_(true);
  Tensor hy = F::conv2d(hx, hw, opts(hb)), dy = F::conv2d(dx, dw, opts(db));
  EXPECT_EQ(dy.scalar_type(), dt) << what;
  EXPECT_TRUE(matches_cpu(dy, hy, t, t * 10)) << what << ": forward";
  Tensor gy = values(dt, hy.sizes(), 63);
  (hy * gy).sum().backward();
  (dy * gy.cuda()).sum().backward();
  // Gradient sums run over the batch and positions: scale the tolerance with their length.
  EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), t, t * 10)) << what << ": input grad";
  EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), t * 10, t * 100)) << what << ": weight grad";
  EXPECT_TRUE(matches_cpu(db.grad(), hb.grad(), t * 10, t * 100)) << what << ": bias grad";
}

const ConvCase kCudnnCases[] = {
    {2, 8, 12, 11, 16, 3, 3, 1, 1, 1, 1},  // 3x3 "same"
    {3, 6, 15, 13, 9, 5, 3, 2, 2, 1, 1},   // non-square kernel, stride 2, odd channels
    {2, 8, 10, 10, 8, 3, 3, 1, 2, 2, 2},   // dilation, groups
    {2, 16, 9, 9, 16, 3, 3, 1, 1, 1, 16},  // depthwise
    {4, 32, 7, 7, 64, 1, 1, 1, 0, 1, 1},   // 1x1
    {1, 3, 32, 30, 16, 7, 7, 2, 3, 1, 1},  // ResNet-style stem
};

}  // namespace

// torch::cuda::cudnn_is_available() says whether cuDNN was loaded; EMBER_EXPECT_CUDNN=1 (set by
// tools/gpu_check.sh where the machine has cuDNN) makes its absence a failure instead of a skip.
TEST(CudaConv, CudnnLoaded) {
  EMBER_REQUIRE_CUDA();
  const char* want = std::getenv("EMBER_EXPECT_CUDNN");
  if (want && std::string(want) == "1") {
    EXPECT_TRUE(torch::cuda::cudnn_is_available());
  } else if (!torch::cuda::cudnn_is_available()) {
    GTEST_SKIP() << "cuDNN not loaded (set EMBER_CUDNN_LIBRARY or LD_LIBRARY_PATH)";
  }
}

// Every float type through cuDNN (TF32 off) matches the CPU, forward and gradients; the same
// cases with cuDNN switched off run the im2col path (16-bit computed in float) and match too.
TEST(CudaConv, CudnnAndFallbackMatchCpu) {
  EMBER_REQUIRE_CUDA();
  for (bool enabled : {true, false}) {
    CudnnFlagsGuard flags(/*tf32=*/false, false, false, enabled);
    for (ScalarType dt : kFloats) {
      const double t = dt == kFloat ? 1e-4 : dt == kDouble ? 1e-10 : tol(dt) * 4;
      for (const ConvCase& k : kCudnnCases) {
        expect_conv_matches_cpu(k, dt, t,
                                std::string(enabled ? "cudnn " : "im2col ") + toString(dt) + " c" +
                                    std::to_string(k.c) + " k" + std::to_string(k.kh) + " g" +
                                    std::to_string(k.groups));
      }
    }
  }
}

// TF32 (PyTorch's default for cuDNN) stays within TF32's rounding of the float32 result.
TEST(CudaConv, CudnnTf32WithinItsPrecision) {
  EMBER_REQUIRE_CUDA();
  CudnnFlagsGuard flags(/*tf32=*/true);
  EXPECT_TRUE(at::globalContext().allowTF32CuDNN());
  expect_conv_matches_cpu({4, 64, 14, 14, 64, 3, 3, 1, 1, 1, 1}, kFloat, 5e-3, "tf32");
}

// benchmark mode (cuDNN times the algorithms) and deterministic mode give the CPU's numbers;
// deterministic gradients are the same bits on every run.
TEST(CudaConv, CudnnBenchmarkAndDeterministic) {
  EMBER_REQUIRE_CUDA();
  {
    CudnnFlagsGuard flags(/*tf32=*/false, /*benchmark=*/true);
    for (const ConvCase& k : kCudnnCases) expect_conv_matches_cpu(k, kFloat, 1e-4, "benchmark");
    expect_conv_matches_cpu(kCudnnCases[0], kHalf, tol(kHalf) * 4, "benchmark half");
  }
  CudnnFlagsGuard flags(/*tf32=*/false, /*benchmark=*/false, /*deterministic=*/true);
  Tensor x = values(kFloat, {8, 16, 20, 20}, 70).cuda().requires_grad_(true);
  Tensor w = values(kFloat, {32, 16, 3, 3}, 71).cuda().requires_grad_(true);
  Tensor gy = values(kFloat, {8, 32, 20, 20}, 72).cuda();
  Tensor gx[2], gw[2];
  for (int r = 0; r < 2; ++r) {
    x.mutable_grad() = Tensor();
    w.mutable_grad() = Tensor();
    (torch::conv2d(x, w, {}, 1, 1) * gy).sum().backward();
    gx[r] = x.grad().cpu();
    gw[r] = w.grad().cpu();
  }
  EXPECT_TRUE(torch::equal(gx[0], gx[1]));
  EXPECT_TRUE(torch::equal(gw[0], gw[1]));
  expect_conv_matches_cpu(kCudnnCases[2], kFloat, 1e-4, "deterministic");
}

// Under CUDA autocast conv2d runs in bfloat16 (cuDNN takes it as it is) and returns bfloat16.
TEST(CudaConv, AutocastBf16Conv) {
  EMBER_REQUIRE_CUDA();
  CudnnFlagsGuard flags(/*tf32=*/false);
  Tensor x = values(kFloat, {4, 16, 12, 12}, 80), w = values(kFloat, {32, 16, 3, 3}, 81) * 0.2;
  Tensor ref = torch::conv2d(x.to(kBFloat16).to(kFloat), w.to(kBFloat16).to(kFloat), {}, 1, 1);
  Tensor y;
  {
    at::autocast::set_autocast_enabled(kCUDA, true);
    at::autocast::set_autocast_dtype(kCUDA, kBFloat16);
    y = torch::conv2d(x.cuda(), w.cuda(), {}, 1, 1);
    at::autocast::set_autocast_enabled(kCUDA, false);
    at::autocast::clear_cache();
  }
  EXPECT_EQ(y.scalar_type(), kBFloat16);
  EXPECT_TRUE(ember::testing::all_close(y.cpu().to(kFloat), ref, 2e-2, 2e-1));
}

// Note [cuDNN transposed convolutions]: conv_transpose1d/2d/3d through cuDNN (switched on) and
// through the composite (switched off) against the CPU in double, forward and gradients: stride,
// padding, output padding, dilation, groups, every float type; a second-order gradient takes the
// composite's differentiable formula and matches the CPU's.
namespace {
// run(x, w, b) on the GPU in x's dtype against the CPU in double: output and the gradients of
// the input, weight and bias for one random output gradient.
template <class Run>
void expect_conv_matches_double_cpu(const Run& run, const Tensor& x, const Tensor& w,
                                    const Tensor& b) {
  const ScalarType dt = x.scalar_type();
  Tensor hx = x.to(kDouble).requires_grad_(), hw = w.to(kDouble).requires_grad_(),
         hb = b.to(kDouble).requires_grad_();
  Tensor dx = x.cuda().requires_grad_(), dw = w.cuda().requires_grad_(),
         db = b.cuda().requires_grad_();
  Tensor hy = run(hx, hw, hb), dy = run(dx, dw, db);
  ASSERT_EQ(dy.sizes(), hy.sizes());
  EXPECT_EQ(dy.scalar_type(), dt);
  Tensor g = torch::randn(hy.sizes());
  auto hg = torch::autograd::grad({hy}, {hx, hw, hb}, {g.to(kDouble)});
  auto dg = torch::autograd::grad({dy}, {dx, dw, db}, {g.to(dt).cuda()});
  const double t = dt == kFloat ? 1e-4 : dt == kDouble ? 1e-10 : tol(dt) * 4;
  EXPECT_TRUE(matches_cpu(dy, hy.to(dt), t, t * 10)) << "forward";
  EXPECT_TRUE(matches_cpu(dg[0], hg[0].to(dt), t, t * 10)) << "input grad";
  EXPECT_TRUE(matches_cpu(dg[1], hg[1].to(dt), t * 10, t * 100)) << "weight grad";
  EXPECT_TRUE(matches_cpu(dg[2], hg[2].to(dt), t * 10, t * 100)) << "bias grad";
}
}  // namespace

TEST(CudaConv, CudnnTransposedMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  struct Case {
    std::vector<int64_t> x, w;  // [N, Ci, spatial...], [Ci, Co / g, k...]
    int64_t stride, padding, output_padding, dilation, groups;
  };
  const Case cases[] = {
      {{2, 4, 5, 6}, {4, 3, 3, 3}, 2, 1, 1, 1, 1},        // the usual 2x upsampling
      {{1, 6, 7, 4}, {6, 2, 2, 4}, 1, 0, 0, 2, 3},        // non-square, dilation, groups
      {{3, 8, 4, 4}, {8, 5, 4, 4}, 2, 1, 0, 1, 1},        // 4x4 stride 2 (DCGAN)
      {{2, 4, 9}, {4, 6, 5}, 3, 2, 2, 1, 2},              // 1-D
      {{2, 4, 3, 4, 5}, {4, 3, 3, 3, 3}, 2, 1, 1, 1, 1},  // 3-D
  };
  for (bool enabled : {true, false}) {
    CudnnFlagsGuard flags(/*tf32=*/false, false, false, enabled);
    for (ScalarType dt : kFloats) {
      for (const Case& c : cases) {
        SCOPED_TRACE(::testing::Message()
                     << (enabled ? "cudnn " : "composite ") << toString(dt) << " x "
                     << IntArrayRef(c.x) << " w " << IntArrayRef(c.w));
        const size_t dims = c.x.size() - 2;
        torch::manual_seed(static_cast<uint64_t>(c.x[1] * 10 + c.stride));
        Tensor x = torch::randn(c.x).to(dt), w = (torch::randn(c.w) * 0.3).to(dt);
        Tensor b = torch::randn({c.w[1] * c.groups}).to(dt);
        auto run = [&](const Tensor& xx, const Tensor& ww, const Tensor& bb) {
          if (dims == 1)
            return torch::conv_transpose1d(xx, ww, bb, c.stride, c.padding, c.output_padding,
                                           c.groups, c.dilation);
          if (dims == 2)
            return torch::conv_transpose2d(xx, ww, bb, c.stride, c.padding, c.output_padding,
                                           c.groups, c.dilation);
          return torch::conv_transpose3d(xx, ww, bb, c.stride, c.padding, c.output_padding,
                                         c.groups, c.dilation);
        };
        expect_conv_matches_double_cpu(run, x, w, b);
      }
    }
  }
  // create_graph: the gradient is differentiable again (the composite's formula).
  const Case& c = cases[0];
  Tensor x = torch::randn(c.x, torch::kDouble), w = torch::randn(c.w, torch::kDouble);
  auto second = [&](const Tensor& xx, const Tensor& ww) {
    Tensor y = torch::conv_transpose2d(xx, ww, {}, c.stride, c.padding, c.output_padding);
    Tensor gx = torch::autograd::grad({y.pow(2).sum()}, {xx}, {}, true, true)[0];
    return torch::autograd::grad({gx.sum()}, {ww})[0];
  };
  Tensor want = second(x.clone().requires_grad_(), w.clone().requires_grad_());
  Tensor got = second(x.cuda().requires_grad_(), w.cuda().requires_grad_());
  EXPECT_TRUE(matches_cpu(got, want, 1e-9, 1e-9));
}

// conv3d through cuDNN (switched on) and through its composite of conv2d over depth slices
// (switched off) against the CPU in double, forward and gradients, every float type.
TEST(CudaConv, CudnnConv3dMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  struct Case {
    std::vector<int64_t> x, w;  // [N, C, D, H, W], [Co, C / g, kd, kh, kw]
    int64_t stride, padding, dilation, groups;
  };
  const Case cases[] = {
      {{2, 4, 5, 6, 7}, {6, 2, 3, 3, 3}, 1, 1, 1, 2},  // groups, "same"
      {{1, 3, 8, 9, 8}, {5, 3, 3, 2, 3}, 2, 1, 1, 1},  // stride 2, non-cubic kernel
      {{2, 2, 7, 7, 7}, {4, 2, 3, 3, 3}, 1, 2, 2, 1},  // dilation
  };
  for (bool enabled : {true, false}) {
    CudnnFlagsGuard flags(/*tf32=*/false, false, false, enabled);
    for (ScalarType dt : kFloats) {
      for (const Case& c : cases) {
        SCOPED_TRACE(::testing::Message()
                     << (enabled ? "cudnn " : "composite ") << toString(dt) << " x "
                     << IntArrayRef(c.x) << " w " << IntArrayRef(c.w));
        torch::manual_seed(static_cast<uint64_t>(c.x[2] * 7 + c.stride));
        Tensor x = torch::randn(c.x).to(dt), w = (torch::randn(c.w) * 0.3).to(dt);
        Tensor b = torch::randn({c.w[0]}).to(dt);
        auto run = [&](const Tensor& xx, const Tensor& ww, const Tensor& bb) {
          return torch::conv3d(xx, ww, bb, c.stride, c.padding, c.dilation, c.groups);
        };
        expect_conv_matches_double_cpu(run, x, w, b);
      }
    }
  }
}
