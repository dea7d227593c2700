// Device runtime: availability without a device, streams, guards, events, TF32 switch.
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/cuda.h>

#include <sstream>

#include "cuda/cuda_test.h"

using namespace ember;

namespace {
bool mentions_no_device(const std::string& msg) {
  return msg.find("built without CUDA support") != std::string::npos ||
         msg.find("No CUDA GPUs are available") != std::string::npos ||
         msg.find("Found no NVIDIA driver") != std::string::npos ||
         msg.find("driver on your system is too old") != std::string::npos;
}
}  // namespace

// What runs on every machine: without a device nothing CUDA is reported and asking for CUDA
// memory raises libtorch's message.
TEST(CudaRuntime, NoDevicePath) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_EQ(torch::cuda::device_count(), 0u);
  EXPECT_FALSE(torch::cuda::is_available());
  EXPECT_FALSE(torch::cuda::cudnn_is_available());
  EXPECT_FALSE(at::globalContext().hasCUDA());
  torch::cuda::synchronize();  // nothing to wait for
  torch::cuda::manual_seed(1);
  torch::cuda::manual_seed_all(1);
  torch::manual_seed(0);
  std::string m = error_of([] { (void)torch::zeros({2, 3}, torch::kCUDA); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)torch::ones({2}).cuda(); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)torch::ones({2}).to(torch::Device("cuda:1")); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)torch::empty({2}, torch::device(torch::kCUDA).dtype(torch::kHalf)); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)torch::ones({2}).pin_memory(); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  EXPECT_FALSE(torch::ones({2}).is_pinned());
  // The runtime API links in every build; what needs a device raises.
  m = error_of([] { (void)c10::cuda::getCurrentCUDAStream(); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)c10::cuda::getStreamFromPool(); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)c10::cuda::current_device(); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { c10::cuda::CUDAGuard g(0); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)c10::cuda::CUDACachingAllocator::getDeviceStats(0); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)torch::cuda::memory_allocated(); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  m = error_of([] { (void)c10::cuda::CUDACachingAllocator::raw_alloc(16); });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  EXPECT_EQ(c10::cuda::CUDACachingAllocator::raw_alloc(0), nullptr);
  c10::cuda::CUDACachingAllocator::raw_delete(nullptr);
  c10::cuda::CUDACachingAllocator::emptyCache();  // no devices: nothing to free
  at::cuda::CUDAEvent never_recorded;
  EXPECT_FALSE(never_recorded.isCreated());
  EXPECT_TRUE(never_recorded.query());
  never_recorded.synchronize();
  m = error_of([] {
    at::cuda::CUDAEvent e;
    e.record();
  });
  EXPECT_TRUE(mentions_no_device(m)) << m;
  at::cuda::CUDAEvent other;
  m = error_of([&] { (void)never_recorded.elapsed_time(other); });
  EXPECT_NE(m.find("Both events must be recorded"), std::string::npos) << m;
  // CPU work is unaffected.
  EXPECT_EQ((torch::ones({2}) + 1).sum().item<float>(), 4.0f);
}

// A tensor claiming to live on a CUDA device (from_blob memory, never touched) mixed with a CPU
// tensor: the device check fires before any kernel runs, on any machine.
TEST(CudaRuntime, MixedDeviceErrorWithoutDevice) {
  float host[6] = {0, 1, 2, 3, 4, 5};
  Tensor fake = from_blob(host, {2, 3}, TensorOptions().device(Device(kCUDA, 0)));
  EXPECT_TRUE(fake.is_cuda());
  EXPECT_EQ(fake.toString(), "CUDAFloatType");
  Tensor cpu = torch::ones({2, 3});
  std::string m = error_of([&] { (void)(fake + cpu); });
  EXPECT_NE(m.find("Expected all tensors to be on the same device, but found at least two "
                   "devices, cuda:0 and cpu!"),
            std::string::npos)
      << m;
  m = error_of([&] { (void)(cpu * fake); });
  EXPECT_NE(m.find("found at least two devices, cpu and cuda:0!"), std::string::npos) << m;
}

TEST(CudaRuntime, DeviceParsingAndTf32Switch) {
  Device d("cuda:1");
  EXPECT_TRUE(d.is_cuda());
  EXPECT_EQ(d.index(), 1);
  EXPECT_EQ(Device(kCUDA, 0).str(), "cuda:0");
  EXPECT_FALSE(at::globalContext().allowTF32CuBLAS());  // off by default, as PyTorch
  at::globalContext().setAllowTF32CuBLAS(true);
  EXPECT_TRUE(at::globalContext().allowTF32CuBLAS());
  at::globalContext().setAllowTF32CuBLAS(false);
}

TEST(CudaRuntime, DevicesAndSynchronize) {
  EMBER_REQUIRE_CUDA();
  EXPECT_GE(torch::cuda::device_count(), 1u);
  EXPECT_TRUE(at::globalContext().hasCUDA());
  EXPECT_EQ(c10::cuda::current_device(), 0);
  torch::cuda::synchronize();
  torch::cuda::synchronize(0);
  std::string m = error_of([] { (void)torch::zeros({1}, torch::Device(torch::kCUDA, 63)); });
  EXPECT_NE(m.find("invalid device ordinal"), std::string::npos) << m;
  Tensor t = torch::zeros({2}, torch::kCUDA);  // no index: the current device
  EXPECT_EQ(t.device(), Device(kCUDA, 0));
}

TEST(CudaRuntime, Streams) {
  EMBER_REQUIRE_CUDA();
  auto def = c10::cuda::getDefaultCUDAStream();
  EXPECT_EQ(def.id(), 0);
  EXPECT_EQ(c10::cuda::getCurrentCUDAStream(), def);
  std::ostringstream os;
  os << def;
  EXPECT_EQ(os.str(), "stream 0 on device cuda:0");
  auto s = c10::cuda::getStreamFromPool();
  EXPECT_NE(s, def);
  EXPECT_LE(c10::cuda::getStreamFromPool(true).priority(), s.priority());  // lower = higher
  {
    c10::cuda::CUDAStreamGuard g(s);
    EXPECT_EQ(c10::cuda::getCurrentCUDAStream(), s);
    // Work queued on the pool stream, then read back on it.
    Tensor a = torch::arange(1000, torch::device(torch::kCUDA).dtype(torch::kFloat));
    Tensor b = (a * 2).sum();
    s.synchronize();
    EXPECT_TRUE(s.query());
    EXPECT_EQ(b.item<float>(), 999000.0f);
  }
  EXPECT_EQ(c10::cuda::getCurrentCUDAStream(), def);
  {
    c10::cuda::CUDAGuard g(0);
    EXPECT_EQ(g.current_device(), Device(kCUDA, 0));
  }
}

TEST(CudaRuntime, Events) {
  EMBER_REQUIRE_CUDA();
  at::cuda::CUDAEvent start(0), stop(0);  // timing enabled
  EXPECT_FALSE(start.isCreated());
  EXPECT_TRUE(start.query());
  auto s = c10::cuda::getStreamFromPool();
  start.record(s);
  Tensor a = torch::ones({1 << 20}, torch::kCUDA);
  stop.record(s);
  stop.synchronize();
  EXPECT_TRUE(stop.query());
  EXPECT_GE(start.elapsed_time(stop), 0.0f);
  // An event makes the default stream wait for the pool stream.
  at::cuda::CUDAEvent e;
  e.record(s);
  e.block(c10::cuda::getCurrentCUDAStream());
  torch::cuda::synchronize();
  std::string m = error_of([] {
    at::cuda::CUDAEvent x, y;
    (void)x.elapsed_time(y);
  });
  EXPECT_NE(m.find("Both events must be recorded"), std::string::npos) << m;
}
