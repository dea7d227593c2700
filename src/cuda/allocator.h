#pragma once
// Internal access to the CUDA caching allocator and the pinned host allocator.
#include <cuda_runtime_api.h>

#include "ember/core/storage.h"

namespace ember::cuda::detail {
Allocator* device_allocator(DeviceIndex device);
Allocator* pinned_allocator();
// Is `base` a block of the pinned allocator? (storage base pointers only)
bool is_pinned_ptr(const void* base);
// A non-blocking copy on `stream` reads or writes pinned block `base`: the block is not handed out
// again before the stream has passed this point. No-op for other pointers.
void record_pinned_use(const void* base, cudaStream_t stream);
}  // namespace ember::cuda::detail
