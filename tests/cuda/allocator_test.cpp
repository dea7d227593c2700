// The CUDA caching allocator: statistics, reuse, splitting, empty_cache, out-of-memory recovery,
// recordStream; pinned host memory (pin_memory, pinned factories, the data loader's pin_memory).
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAStream.h>

#include "cuda/cuda_test.h"

using namespace ember;
namespace alloc = c10::cuda::CUDACachingAllocator;

TEST(CudaAllocator, StatsTrackTensors) {
  EMBER_REQUIRE_CUDA();
  torch::cuda::synchronize();
  int64_t base = cuda::memory_allocated();
  {
    Tensor t = torch::empty({1000}, torch::kCUDA);  // 4000 bytes -> one 4096-byte block
    EXPECT_EQ(cuda::memory_allocated() - base, 4096);
    EXPECT_GE(cuda::memory_reserved(), cuda::memory_allocated());
    auto st = alloc::getDeviceStats(0);
    EXPECT_GE(st.allocation[0].current, 1);
    EXPECT_GE(st.allocated_bytes[static_cast<size_t>(alloc::StatType::SMALL_POOL)].current, 4096);
  }
  EXPECT_EQ(cuda::memory_allocated(), base);
  cuda::reset_peak_memory_stats();
  EXPECT_EQ(cuda::max_memory_allocated(), base);
  {
    Tensor big = torch::empty({16 << 20}, torch::kCUDA);  // 64 MiB: large pool, own segment
    EXPECT_EQ(cuda::max_memory_allocated() - base, int64_t(64) << 20);
  }
  EXPECT_EQ(cuda::max_memory_allocated() - base, int64_t(64) << 20);
  EXPECT_EQ(cuda::memory_allocated(), base);
  int64_t reserved = cuda::memory_reserved();
  cuda::empty_cache();
  EXPECT_LT(cuda::memory_reserved(), reserved);
  alloc::resetPeakStats(0);
  alloc::resetAccumulatedStats(0);
  EXPECT_EQ(alloc::getDeviceStats(0).num_ooms, 0);
}

TEST(CudaAllocator, ReusesAndSplitsBlocks) {
  EMBER_REQUIRE_CUDA();
  cuda::empty_cache();  // only the segment made below is cached
  void* first = nullptr;
  {
    Tensor a = torch::empty({1 << 18}, torch::kCUDA);  // 1 MiB
    first = a.data_ptr();
  }
  Tensor b = torch::empty({1 << 18}, torch::kCUDA);
  EXPECT_EQ(b.data_ptr(), first);  // served from the cache
  // Small blocks share one 2 MiB segment.
  int64_t segments = alloc::getDeviceStats(0).segment[0].current;
  Tensor c = torch::empty({100}, torch::kCUDA);
  Tensor d = torch::empty({100}, torch::kCUDA);
  EXPECT_LE(alloc::getDeviceStats(0).segment[0].current, segments + 1);
  EXPECT_EQ(static_cast<char*>(d.data_ptr()) - static_cast<char*>(c.data_ptr()), 512);
}

TEST(CudaAllocator, OutOfMemoryIsRecoverable) {
  EMBER_REQUIRE_CUDA();
  // Fill the cache, then ask for more than the device has: the cache is freed, the retry fails,
  // an OutOfMemoryError (an ember::Error) is thrown, and the process keeps working.
  { Tensor warm = torch::empty({64 << 20}, torch::kCUDA); }
  int64_t ooms = alloc::getDeviceStats(0).num_ooms;
  std::string msg;
  try {
    Tensor huge = torch::empty({int64_t(1) << 40}, torch::kCUDA);  // 4 TiB
  } catch (const OutOfMemoryError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("CUDA out of memory. Tried to allocate 4096.00 GiB"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("GPU 0"), std::string::npos) << msg;
  auto st = alloc::getDeviceStats(0);
  EXPECT_EQ(st.num_ooms, ooms + 1);
  EXPECT_GE(st.num_alloc_retries, 1);
  Tensor small = torch::ones({1024}, torch::kCUDA);
  EXPECT_EQ(small.sum().item<float>(), 1024.0f);
  EXPECT_THROW((void)torch::empty({int64_t(1) << 40}, torch::kCUDA), Error);
}

TEST(CudaAllocator, RecordStreamDelaysReuse) {
  EMBER_REQUIRE_CUDA();
  auto side = c10::cuda::getStreamFromPool();
  int64_t base = alloc::getDeviceStats(0).active_bytes[0].current;
  {
    Tensor t = torch::ones({1 << 20}, torch::kCUDA);
    {
      c10::cuda::CUDAStreamGuard g(side);
      Tensor u = t * 2;  // reads t on the side stream
      cuda::record_stream(t, side);
      cuda::record_stream(u, c10::cuda::getDefaultCUDAStream());
    }
  }
  side.synchronize();
  torch::cuda::synchronize();
  // Blocks waiting on events return on the next allocation; empty_cache waits for them.
  cuda::empty_cache();
  EXPECT_EQ(alloc::getDeviceStats(0).active_bytes[0].current, base);
}

TEST(CudaAllocator, RawAlloc) {
  EMBER_REQUIRE_CUDA();
  int64_t base = cuda::memory_allocated();
  void* p = alloc::raw_alloc(1000);
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(cuda::memory_allocated() - base, 1024);
  alloc::raw_delete(p);
  EXPECT_EQ(cuda::memory_allocated(), base);
}

TEST(CudaAllocator, PinnedMemory) {
  EMBER_REQUIRE_CUDA();
  Tensor h = torch::arange(12, torch::kFloat).reshape({3, 4});
  EXPECT_FALSE(h.is_pinned());
  Tensor p = h.pin_memory();
  EXPECT_TRUE(p.is_pinned());
  EXPECT_TRUE(p.is_cpu());
  EXPECT_TRUE(torch::equal(p, h));
  EXPECT_TRUE(p.pin_memory().is_same(p));
  EXPECT_FALSE(p.clone().is_pinned());
  std::string m = error_of([] { (void)torch::ones({2}, torch::kCUDA).pin_memory(); });
  EXPECT_NE(m.find("only dense CPU tensors can be pinned"), std::string::npos) << m;
  // Factories with TensorOptions().pinned_memory(true): page-locked from the start (empty, zeros,
  // ones, full, empty_strided, channels-last) or copied there (the other factories); CPU only.
  const auto pinned = torch::TensorOptions().pinned_memory(true);
  EXPECT_TRUE(pinned.pinned_memory());
  for (const Tensor& t :
       {torch::empty({3, 4}, pinned), torch::zeros({5}, pinned),
        torch::ones({2, 2}, pinned.dtype(torch::kHalf)), torch::full({3}, 2.5, pinned),
        torch::empty_strided({2, 3}, {1, 2}, pinned),
        torch::empty({2, 3, 4, 5}, pinned.memory_format(MemoryFormat::ChannelsLast)),
        torch::arange(6, pinned), torch::randn({4}, pinned)}) {
    EXPECT_TRUE(t.is_pinned()) << t.sizes();
    EXPECT_TRUE(t.is_cpu());
  }
  EXPECT_TRUE(torch::equal(torch::zeros({5}, pinned), torch::zeros({5})));
  EXPECT_TRUE(torch::equal(torch::arange(6, pinned), torch::arange(6)));
  EXPECT_FALSE(torch::empty({2}, torch::TensorOptions().pinned_memory(false)).is_pinned());
  // A non-blocking copy from a pinned factory tensor to the device and back.
  Tensor src = torch::arange(1000, pinned.dtype(torch::kFloat));
  Tensor dev = src.to(torch::kCUDA, /*non_blocking=*/true);
  Tensor back = torch::empty({1000}, pinned.dtype(torch::kFloat));
  back.copy_(dev, /*non_blocking=*/true);
  torch::cuda::synchronize();
  EXPECT_TRUE(torch::equal(back, src));
  m = error_of([&] { (void)torch::zeros({2}, pinned.device(torch::kCUDA)); });
  EXPECT_EQ(m, "[zeros] Only dense CPU tensors can be pinned");
}

// The data loader's pin_memory: every batch's tensors page-locked (workers 0 and 2), the values
// intact, ready for a non-blocking copy to the device.
TEST(CudaDataLoader, PinMemory) {
  EMBER_REQUIRE_CUDA();
  struct Squares : torch::data::datasets::Dataset<Squares> {
    torch::data::Example<> get(size_t i) override {
      const auto v = static_cast<double>(i * i);
      return {torch::full({3}, v), torch::tensor(static_cast<int64_t>(i))};
    }
    torch::optional<size_t> size() const override { return 10; }
  };
  for (size_t workers : {0, 2}) {
    auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        Squares().map(torch::data::transforms::Stack<>()),
        torch::data::DataLoaderOptions(4).workers(workers).pin_memory(true));
    int64_t first = 0;
    for (auto& batch : *loader) {
      EXPECT_TRUE(batch.data.is_pinned()) << workers;
      EXPECT_TRUE(batch.target.is_pinned()) << workers;
      Tensor dev = batch.data.to(torch::kCUDA, /*non_blocking=*/true);
      Tensor idx = torch::arange(first, first + batch.target.size(0), torch::kLong);
      EXPECT_TRUE(torch::equal(batch.target, idx));
      EXPECT_TRUE(torch::equal(dev.cpu().select(1, 0), (idx * idx).to(torch::kFloat)));
      first += batch.target.size(0);
    }
    EXPECT_EQ(first, 10);
  }
  // Unstacked batches (vectors of examples) are walked too.
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      Squares(), torch::data::DataLoaderOptions(3).pin_memory(true));
  for (auto& batch : *loader) {
    for (auto& e : batch) EXPECT_TRUE(e.data.is_pinned() && e.target.is_pinned());
  }
}
