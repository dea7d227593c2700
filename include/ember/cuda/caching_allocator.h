#pragma once
// The CUDA caching allocator's statistics and controls, with libtorch's names
// (c10::cuda::CUDACachingAllocator) and the torch.cuda.memory_* functions. See Note [CUDA caching
// allocator] in src/cuda/allocator.cpp.
#include <array>
#include <cstddef>
#include <cstdint>

#include "ember/core/tensor.h"
#include "ember/cuda/stream.h"

namespace ember {
namespace cuda {
namespace CUDACachingAllocator {

struct Stat {
  int64_t current = 0;
  int64_t peak = 0;
  int64_t allocated = 0;
  int64_t freed = 0;
};
enum struct StatType : uint64_t { AGGREGATE = 0, SMALL_POOL = 1, LARGE_POOL = 2, NUM_TYPES = 3 };
using StatArray = std::array<Stat, static_cast<size_t>(StatType::NUM_TYPES)>;

struct DeviceStats {
  StatArray allocation;            // COUNT: allocations requested by client code
  StatArray segment;               // COUNT: segments from cudaMalloc
  StatArray active;                // COUNT: blocks in use (or waiting for a stream)
  StatArray inactive_split;        // COUNT: free blocks inside split segments
  StatArray allocated_bytes;       // SUM: bytes handed out (rounded sizes)
  StatArray reserved_bytes;        // SUM: bytes obtained with cudaMalloc
  StatArray active_bytes;          // SUM: bytes in active blocks
  StatArray inactive_split_bytes;  // SUM: bytes in free blocks of split segments
  int64_t num_alloc_retries = 0;   // cudaMalloc failures that freed the cache and retried
  int64_t num_ooms = 0;            // out-of-memory errors raised
  Stat oversize_allocations;
  Stat oversize_segments;
  int64_t max_split_size = 0;
};

void* raw_alloc(size_t nbytes);
void* raw_alloc_with_stream(size_t nbytes, CUstream_st* stream);
void raw_delete(void* ptr);
// Returns every unused cached segment to the driver (all devices).
void emptyCache();
DeviceStats getDeviceStats(int device);
void resetPeakStats(int device);
void resetAccumulatedStats(int device);
// The memory of `t` is also used on `stream`: freeing it waits for that stream's work.
void recordStream(const Tensor& t, CUDAStream stream);

}  // namespace CUDACachingAllocator

// torch.cuda.memory_allocated & co (device -1: the current one).
inline int64_t memory_allocated(int device = -1) {
  return CUDACachingAllocator::getDeviceStats(device).allocated_bytes[0].current;
}
inline int64_t max_memory_allocated(int device = -1) {
  return CUDACachingAllocator::getDeviceStats(device).allocated_bytes[0].peak;
}
inline int64_t memory_reserved(int device = -1) {
  return CUDACachingAllocator::getDeviceStats(device).reserved_bytes[0].current;
}
inline int64_t max_memory_reserved(int device = -1) {
  return CUDACachingAllocator::getDeviceStats(device).reserved_bytes[0].peak;
}
inline void reset_peak_memory_stats(int device = -1) {
  CUDACachingAllocator::resetPeakStats(device);
}
inline void empty_cache() { CUDACachingAllocator::emptyCache(); }
// Tensor::record_stream.
inline void record_stream(const Tensor& t, CUDAStream s) {
  CUDACachingAllocator::recordStream(t, s);
}

}  // namespace cuda
}  // namespace ember
