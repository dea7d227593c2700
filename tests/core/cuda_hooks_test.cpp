// src/core/cuda_hooks.cpp: the CUDA hooks and runtime API of a build without the CUDA backend: no
// devices, harmless calls do nothing, and whatever needs a device raises an error naming the
// operation. Tests that need a GPU are in tests/cuda.
#include <gtest/gtest.h>

#include "ember/cuda.h"
#include "ember/cuda/caching_allocator.h"
#include "ember/cuda/event.h"
#include "ember/cuda/stream.h"
#include "ember/ember.h"
#include "support/error_of.h"

using namespace ember;

namespace {

#define SKIP_IF_BUILT_WITH_CUDA() \
  if (cuda::is_built()) GTEST_SKIP() << "ember was built with CUDA: see tests/cuda"

// `msg` is "[op] ... ember was built without CUDA support".
::testing::AssertionResult no_cuda(const std::string& msg, const std::string& op) {
  if (msg.rfind("[" + op + "] ", 0) == 0 &&
      msg.find("ember was built without CUDA support") != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << msg << "' is not [" << op << "]'s no-CUDA error";
}

// Host memory claiming to be on cuda:0 (never touched by a kernel).
float g_host[6] = {0, 1, 2, 3, 4, 5};
Tensor fake_cuda() { return from_blob(g_host, {2, 3}, TensorOptions().device(Device(kCUDA, 0))); }

}  // namespace

TEST(CudaHooks, NothingIsAvailable) {
  SKIP_IF_BUILT_WITH_CUDA();
  EXPECT_FALSE(cuda::is_available());
  EXPECT_FALSE(cuda::cudnn_is_available());
  EXPECT_EQ(cuda::device_count(), 0u);
  // Harmless calls do nothing.
  cuda::manual_seed(1);
  cuda::manual_seed_all(2);
  cuda::synchronize();
  cuda::synchronize(3);
  cuda::CUDACachingAllocator::emptyCache();
  manual_seed(5);  // also seeds every CUDA generator: none here
  EXPECT_EQ(default_generator().current_seed(), 5u);
  EXPECT_FALSE(ones({2}).is_pinned());
  // to(device, non_blocking) resolves as in libtorch (a Device converts to TensorOptions).
  EXPECT_TRUE(ones({2}).to(kCPU, /*non_blocking=*/true).is_cpu());
  EXPECT_EQ((ones({2}) + 1).sum().item<float>(), 4.0f);
}

TEST(CudaHooks, AskingForADeviceNamesTheOperation) {
  SKIP_IF_BUILT_WITH_CUDA();
  // Allocation on a device, with and without an index, from factories and conversions.
  std::string m = error_of([] { (void)zeros({2, 3}, TensorOptions().device(Device(kCUDA, 0))); });
  EXPECT_EQ(m, "[empty] device cuda:0 is not available: ember was built without CUDA support");
  EXPECT_TRUE(no_cuda(error_of([] { (void)empty({2}, TensorOptions().device(kCUDA)); }), "empty"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)ones({2}).cuda(); }), "empty"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)ones({2}).to(Device("cuda:1")); }), "empty"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)ones({0}).to(Device(kCUDA, 0), kHalf); }), "empty"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)ones({2}).pin_memory(); }), "pin_memory"));
  // Factories asked for page-locked memory (TensorOptions().pinned_memory(true)).
  const TensorOptions pinned = TensorOptions().pinned_memory(true);
  EXPECT_TRUE(no_cuda(error_of([&] { (void)empty({2}, pinned); }), "pin_memory"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)zeros({2, 2}, pinned); }), "pin_memory"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)arange(4, pinned); }), "pin_memory"));
  EXPECT_EQ(error_of([&] { (void)ones({2}, pinned.device(kCUDA)); }),
            "[ones] Only dense CPU tensors can be pinned");
  EXPECT_FALSE(empty({2}, TensorOptions().pinned_memory(false)).is_pinned());
  // A tensor that claims to be on a device: copies and random fills need the device.
  Tensor fake = fake_cuda();
  EXPECT_TRUE(fake.is_cuda());
  m = error_of([&] { (void)empty({2, 3}).copy_(fake); });
  EXPECT_EQ(m, "[copy_] device cuda:0 is not available: ember was built without CUDA support");
  EXPECT_TRUE(no_cuda(error_of([&] { (void)fake.copy_(ones({2, 3})); }), "copy_"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)fake.cpu(); }), "copy_"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)fake.uniform_(); }), "random"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)fake.normal_(0, 1); }), "random"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)fake.bernoulli_(0.5); }), "random"));
  EXPECT_EQ(g_host[5], 5.0f);  // nothing was written
  // A CPU generator draws on the host even for a device tensor; the copy needs the device.
  EXPECT_TRUE(no_cuda(error_of([&] { (void)fake.uniform_(0, 1, make_generator(1)); }), "copy_"));
}

TEST(CudaHooks, RuntimeApiRaisesWithItsName) {
  SKIP_IF_BUILT_WITH_CUDA();
  using namespace cuda;
  EXPECT_EQ(error_of([] { (void)current_device(); }),
            "[current_device] ember was built without CUDA support");
  EXPECT_TRUE(no_cuda(error_of([] { set_device(0); }), "set_device"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)device_count_ensure_non_zero(); }),
                      "device_count_ensure_non_zero"));
  EXPECT_TRUE(no_cuda(error_of([] { device_synchronize(); }), "synchronize"));
  EXPECT_TRUE(no_cuda(error_of([] { stream_synchronize(nullptr); }), "synchronize"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)getDefaultCUDAStream(); }), "getDefaultCUDAStream"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)getCurrentCUDAStream(0); }), "getCurrentCUDAStream"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)getStreamFromPool(true); }), "getStreamFromPool"));
  EXPECT_TRUE(
      no_cuda(error_of([] { (void)getStreamFromExternal(nullptr, 0); }), "getStreamFromExternal"));
  // A stream object can be named, not used.
  CUDAStream s(0, 0, nullptr);
  EXPECT_TRUE(no_cuda(error_of([&] { (void)s.query(); }), "CUDAStream::query"));
  EXPECT_TRUE(no_cuda(error_of([&] { s.synchronize(); }), "CUDAStream::synchronize"));
  EXPECT_TRUE(no_cuda(error_of([&] { (void)s.priority(); }), "CUDAStream::priority"));
  EXPECT_TRUE(no_cuda(error_of([&] { setCurrentCUDAStream(s); }), "setCurrentCUDAStream"));
  EXPECT_TRUE(no_cuda(error_of([] { CUDAGuard g(0); }), "CUDAGuard"));
  EXPECT_TRUE(no_cuda(error_of([] { CUDAGuard g(Device(kCUDA, 1)); }), "CUDAGuard"));
  EXPECT_TRUE(no_cuda(error_of([&] { CUDAStreamGuard g(s); }), "CUDAStreamGuard"));
}

TEST(CudaHooks, EventsAndAllocator) {
  SKIP_IF_BUILT_WITH_CUDA();
  using namespace cuda;
  // An event is created by its first record, which cannot happen; the rest is a no-op.
  CUDAEvent e, other;
  EXPECT_FALSE(e.isCreated());
  EXPECT_TRUE(e.query());
  e.synchronize();
  CUDAStream s(0, 0, nullptr);
  e.block(s);
  EXPECT_TRUE(no_cuda(error_of([&] { e.record(); }), "CUDAEvent::record"));
  EXPECT_TRUE(no_cuda(error_of([&] { e.record(s); }), "CUDAEvent::record"));
  EXPECT_TRUE(no_cuda(error_of([&] { e.recordOnce(s); }), "CUDAEvent::record"));
  EXPECT_FALSE(e.isCreated());
  EXPECT_EQ(error_of([&] { (void)e.elapsed_time(other); }),
            "[CUDAEvent::elapsed_time] Both events must be recorded before calculating elapsed "
            "time.");
  // The caching allocator: zero bytes are nothing, anything else needs a device.
  namespace alloc = CUDACachingAllocator;
  EXPECT_EQ(alloc::raw_alloc(0), nullptr);
  EXPECT_EQ(alloc::raw_alloc_with_stream(0, nullptr), nullptr);
  alloc::raw_delete(nullptr);
  EXPECT_TRUE(no_cuda(error_of([] { (void)alloc::raw_alloc(16); }), "raw_alloc"));
  EXPECT_TRUE(no_cuda(error_of([] { alloc::raw_delete(&g_host[0]); }), "raw_delete"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)alloc::getDeviceStats(0); }), "getDeviceStats"));
  EXPECT_TRUE(no_cuda(error_of([] { alloc::resetPeakStats(0); }), "resetPeakStats"));
  EXPECT_TRUE(no_cuda(error_of([] { alloc::resetAccumulatedStats(0); }), "resetAccumulatedStats"));
  EXPECT_TRUE(no_cuda(error_of([] { (void)memory_allocated(); }), "getDeviceStats"));
  EXPECT_EQ(error_of([&] { alloc::recordStream(ones({2}), s); }),
            "[record_stream] expected a CUDA tensor but got one on cpu");
  EXPECT_TRUE(no_cuda(error_of([&] { alloc::recordStream(fake_cuda(), s); }), "record_stream"));
}
