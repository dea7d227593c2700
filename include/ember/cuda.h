#pragma once
// torch::cuda queries. Without the CUDA backend (or without a device) no devices are reported;
// streams, events, guards and allocator statistics are in ember/cuda/*.h.
#include <cstddef>
#include <cstdint>

namespace ember {
namespace cuda {
// Was ember built with the CUDA backend? (is_available() also needs a device and a driver.)
bool is_built();
size_t device_count();
bool is_available();
bool cudnn_is_available();
// Seeds the Philox generator of the current device / of every device.
void manual_seed(uint64_t seed);
void manual_seed_all(uint64_t seed);
// Waits for all work on a device (the current one for -1).
void synchronize(int64_t device_index = -1);
}  // namespace cuda
}  // namespace ember
