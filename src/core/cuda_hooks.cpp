// The CUDA hooks of a build without the CUDA backend (see src/core/cuda_hooks.h).
#include "src/core/cuda_hooks.h"

#include "ember/cuda.h"

#ifndef EMBER_WITH_CUDA
namespace ember {
namespace detail {
namespace {
[[noreturn]] void no_cuda(const char* op, const Device& d) {
  EMBER_ERROR("[", op, "] device ", d, " is not available: ember was built without CUDA support");
}
}  // namespace

Allocator* cuda_allocator(Device& device) { no_cuda("empty", device); }
void cuda_copy_across_devices(Tensor& dst, const Tensor& src, bool) {
  no_cuda("copy_", dst.is_cuda() ? dst.device() : src.device());
}
bool cuda_is_pinned(const Tensor&) { return false; }
Tensor cuda_pin_memory(const Tensor&) { no_cuda("pin_memory", Device(kCUDA, 0)); }
void cuda_manual_seed_all(uint64_t) {}
}  // namespace detail

namespace cuda {
bool is_built() { return false; }
size_t device_count() { return 0; }
bool is_available() { return false; }
bool cudnn_is_available() { return false; }
void manual_seed(uint64_t) {}
void manual_seed_all(uint64_t) {}
void synchronize(int64_t) {}
}  // namespace cuda
}  // namespace ember
#endif
