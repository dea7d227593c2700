#pragma once
// torch::cuda queries. This build has no CUDA backend yet: no devices are reported.
#include <cstddef>
#include <cstdint>

namespace ember {
namespace cuda {
inline bool is_available() { return false; }
inline int64_t device_count() { return 0; }
inline bool cudnn_is_available() { return false; }
inline void synchronize(int64_t = -1) {}
inline void manual_seed(uint64_t) {}
inline void manual_seed_all(uint64_t) {}
}  // namespace cuda
}  // namespace ember
