// src/cuda/copy.cpp + cast.cu: host <-> device and device <-> device copies: every dtype, casts,
// non-contiguous layouts, broadcasting, pinned non-blocking copies, printing, item(), autograd
// through .to(device).
#include <sstream>

#include "cuda/cuda_test.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::matches_cpu;

namespace {
Tensor sample(ScalarType dt, IntArrayRef shape) {
  Tensor x = torch::arange(checked_numel(shape, "sample"), torch::kDouble).reshape(shape);
  x = (x * 0.75 - 3.0);
  if (dt == kBool) return x.gt(0);
  if (dt == kByte) return x.abs().to(dt);
  return x.to(dt);
}
}  // namespace

TEST(CudaCopy, RoundTripEveryDtype) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kAllScalarTypes) {
    Tensor h = sample(dt, {3, 5});
    Tensor d = h.cuda();
    EXPECT_TRUE(d.is_cuda());
    EXPECT_EQ(d.device(), Device(kCUDA, 0));
    EXPECT_EQ(d.dtype(), dt);
    EXPECT_TRUE(torch::equal(d.cpu(), h)) << toString(dt);
    EXPECT_TRUE(d.to(Device(kCUDA)).is_same(d));  // already there: no copy
  }
}

TEST(CudaCopy, CastsBetweenDtypes) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType from : kAllScalarTypes) {
    for (ScalarType to : kAllScalarTypes) {
      Tensor h = sample(from, {2, 7});
      // On the device (contiguous cast), host -> device with cast, device -> host with cast.
      EXPECT_TRUE(matches_cpu(h.cuda().to(to), h.to(to), 1e-3, 1e-3))
          << toString(from) << " -> " << toString(to);
      EXPECT_TRUE(matches_cpu(h.to(Device(kCUDA, 0), to), h.to(to), 1e-3, 1e-3));
      EXPECT_TRUE(all_close(h.cuda().to(Device(kCPU), to), h.to(to), 1e-3, 1e-3));
    }
  }
}

TEST(CudaCopy, NonContiguous) {
  EMBER_REQUIRE_CUDA();
  Tensor h = sample(kFloat, {4, 6, 5});
  Tensor ht = h.permute({2, 0, 1});
  // Non-contiguous host source, device source, device destination; strided casts.
  EXPECT_TRUE(matches_cpu(ht.cuda(), ht.contiguous()));
  Tensor d = h.cuda();
  Tensor dt = d.permute({2, 0, 1});
  EXPECT_FALSE(dt.is_contiguous());
  EXPECT_TRUE(matches_cpu(dt.contiguous(), ht.contiguous()));
  EXPECT_TRUE(all_close(dt.cpu(), ht));
  EXPECT_TRUE(matches_cpu(dt.to(kHalf), ht.to(kHalf)));
  EXPECT_TRUE(matches_cpu(d.select(1, 2).to(kDouble), h.select(1, 2).to(kDouble)));
  Tensor dst = torch::zeros({5, 4, 6}, torch::device(torch::kCUDA).dtype(torch::kDouble));
  dst.copy_(ht);  // host, non-contiguous, float -> device double
  EXPECT_TRUE(matches_cpu(dst, ht.to(kDouble)));
  Tensor dst2 = torch::zeros({6, 4}, torch::kCUDA).t();  // non-contiguous device destination
  dst2.copy_(h.select(2, 0));
  EXPECT_TRUE(matches_cpu(dst2.contiguous(), h.select(2, 0).contiguous()));
  Tensor host_dst = torch::zeros({6, 4}).t();
  host_dst.copy_(d.select(2, 1));
  EXPECT_TRUE(all_close(host_dst, h.select(2, 1)));
  // Offsets that break vector alignment.
  EXPECT_TRUE(matches_cpu(d.reshape({-1}).narrow(0, 1, 101).to(kDouble),
                          h.reshape({-1}).narrow(0, 1, 101).to(kDouble)));
}

// Same-dtype strided copies take two fast paths: rows of whole 16-byte vectors (the attention
// transposes) and a row kernel for matrices (rows of any width, as the padded GEMM operands).
TEST(CudaCopy, RowAndPitchedCopies) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kBFloat16, kFloat, kDouble, kByte}) {
    Tensor h = sample(kFloat, {2, 3, 5, 64}).to(dt);
    Tensor d = h.cuda();
    // [B, H, T, E] -> [B, T, H, E]: rows of 64 elements contiguous on both sides.
    EXPECT_TRUE(matches_cpu(d.transpose(1, 2).contiguous(), h.transpose(1, 2).contiguous(), 0, 0))
        << toString(dt);
    Tensor back = torch::empty({2, 5, 3, 64}, torch::device(torch::kCUDA).dtype(dt));
    back.transpose(1, 2).copy_(d);
    EXPECT_TRUE(matches_cpu(back, h.transpose(1, 2).contiguous(), 0, 0)) << toString(dt);
    // 2-D with odd row widths and pitches, both directions, and a misaligned start.
    Tensor wide = sample(kFloat, {37, 1003}).to(dt);
    Tensor dw = wide.cuda();
    EXPECT_TRUE(
        matches_cpu(dw.narrow(1, 1, 1001).contiguous(), wide.narrow(1, 1, 1001).contiguous(), 0, 0))
        << toString(dt);
    Tensor padded = torch::zeros({37, 1008}, torch::device(torch::kCUDA).dtype(dt));
    padded.narrow(1, 0, 1003).copy_(dw);
    EXPECT_TRUE(matches_cpu(padded.narrow(1, 0, 1003).contiguous(), wide, 0, 0)) << toString(dt);
    EXPECT_TRUE(matches_cpu(padded.narrow(1, 1003, 5), torch::zeros({37, 5}).to(dt), 0, 0))
        << toString(dt);
  }
  // Rows whose width is not a whole number of vectors, and 1-element rows.
  Tensor h = sample(kFloat, {4, 6, 5});
  EXPECT_TRUE(
      matches_cpu(h.cuda().transpose(0, 1).contiguous(), h.transpose(0, 1).contiguous(), 0, 0));
  EXPECT_TRUE(matches_cpu(h.cuda().select(2, 3).contiguous(), h.select(2, 3).contiguous(), 0, 0));
}

TEST(CudaCopy, Broadcast) {
  EMBER_REQUIRE_CUDA();
  Tensor dst = torch::empty({3, 4}, torch::kCUDA);
  dst.copy_(torch::arange(4, torch::kFloat));
  EXPECT_TRUE(matches_cpu(dst, torch::arange(4, torch::kFloat).expand({3, 4}).contiguous()));
  dst.copy_(torch::arange(3, torch::kFloat).cuda().unsqueeze(1));
  EXPECT_TRUE(
      matches_cpu(dst, torch::arange(3, torch::kFloat).unsqueeze(1).expand({3, 4}).contiguous()));
  dst.copy_(torch::tensor(2.5));  // 0-dim CPU source
  EXPECT_TRUE(matches_cpu(dst, torch::full({3, 4}, 2.5)));
}

TEST(CudaCopy, PinnedNonBlocking) {
  EMBER_REQUIRE_CUDA();
  Tensor h = sample(kFloat, {1 << 16}).pin_memory();
  Tensor d = h.to(torch::Device(torch::kCUDA), /*non_blocking=*/true);
  Tensor back = torch::empty({1 << 16}).pin_memory();
  back.copy_(d, /*non_blocking=*/true);
  torch::cuda::synchronize();
  EXPECT_TRUE(torch::equal(back, h));
  // Reusing the pinned buffer after synchronisation is safe.
  for (int i = 0; i < 3; ++i) {
    Tensor p = (sample(kFloat, {1 << 16}) + i).pin_memory();
    Tensor q = p.to(torch::Device(torch::kCUDA), true) * 2;
    EXPECT_TRUE(all_close(q.cpu(), (sample(kFloat, {1 << 16}) + i) * 2));
  }
}

TEST(CudaCopy, ItemPrintAndOptions) {
  EMBER_REQUIRE_CUDA();
  Tensor d = torch::tensor({{1.5, 2.0, 3.0}, {4.0, 5.0, 6.0}}, torch::kFloat).cuda();
  EXPECT_EQ(d.select(0, 1).select(0, 2).item<float>(), 6.0f);
  std::ostringstream os;
  os << d;
  EXPECT_NE(os.str().find("[ CUDAFloatType{2,3} ]"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("1.5000"), std::string::npos) << os.str();
  EXPECT_EQ(d.toString(), "CUDAFloatType");
  EXPECT_EQ(d.options().device(), Device(kCUDA, 0));
  Tensor z = torch::zeros_like(d);
  EXPECT_TRUE(z.is_cuda());
  EXPECT_EQ(z.sum().item<float>(), 0.0f);
  EXPECT_TRUE(matches_cpu(torch::arange(5, torch::kCUDA), torch::arange(5)));
  EXPECT_TRUE(matches_cpu(torch::linspace(0, 1, 5, torch::kCUDA), torch::linspace(0, 1, 5)));
  EXPECT_TRUE(matches_cpu(torch::eye(3, torch::kCUDA), torch::eye(3)));
  EXPECT_TRUE(matches_cpu(torch::full({2, 2}, 7, torch::kCUDA), torch::full({2, 2}, 7)));
  torch::manual_seed(3);
  Tensor r = torch::randn({4}, torch::kCUDA);  // the device's Philox stream
  torch::manual_seed(3);
  EXPECT_TRUE(r.is_cuda());
  EXPECT_TRUE(torch::equal(r, torch::randn({4}, torch::kCUDA)));
  EXPECT_TRUE(torch::randperm(6, torch::kCUDA).is_cuda());
}

TEST(CudaCopy, AutogradAcrossDevices) {
  EMBER_REQUIRE_CUDA();
  Tensor x = torch::tensor({1.0, 2.0, 3.0}, torch::requires_grad());
  Tensor y = x.cuda();
  EXPECT_EQ(y.grad_fn()->name(), "ToCopyBackward0");
  Tensor loss = (y * y).sum();
  loss.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(x.grad().is_cpu());
  EXPECT_TRUE(all_close(x.grad(), torch::tensor({2.0, 4.0, 6.0})));
}

TEST(CudaCopy, MixedDeviceErrors) {
  EMBER_REQUIRE_CUDA();
  Tensor d = torch::ones({2, 3}, torch::kCUDA);
  Tensor h = torch::ones({2, 3});
  std::string m = error_of([&] { (void)(d + h); });
  EXPECT_NE(m.find("Expected all tensors to be on the same device, but found at least two "
                   "devices, cuda:0 and cpu!"),
            std::string::npos)
      << m;
  m = error_of([&] { (void)d.mm(h.t()); });
  EXPECT_NE(m.find("device"), std::string::npos) << m;
  // A 0-dim CPU tensor joins a CUDA op as a scalar, as in PyTorch.
  EXPECT_TRUE(matches_cpu(d * torch::tensor(3.0f), h * 3));
  EXPECT_TRUE(matches_cpu(torch::tensor(3.0f) * d, h * 3));
  EXPECT_TRUE(matches_cpu(d + 1, h + 1));
}
