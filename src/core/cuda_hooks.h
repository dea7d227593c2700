#pragma once
// The few places where core code needs the CUDA backend. Defined in src/cuda/ when ember is built
// with CUDA (EMBER_WITH_CUDA), else in src/core/cuda_hooks.cpp, where they report no devices.
#include "ember/core/tensor.h"

namespace ember::detail {
// The caching allocator of a CUDA device; a device without an index becomes the current one.
// Throws when CUDA is missing or the index is out of range.
Allocator* cuda_allocator(Device& device);
// dst.copy_(src) where at least one side is a CUDA tensor and their devices differ. Shapes are
// checked (src broadcasts to dst) and autograd is handled by the caller.
void cuda_copy_across_devices(Tensor& dst, const Tensor& src, bool non_blocking);
bool cuda_is_pinned(const Tensor& t);
Tensor cuda_pin_memory(const Tensor& t);
// The page-locked host allocator (factories with TensorOptions().pinned_memory(true)); throws
// when CUDA or a device is missing.
Allocator* cuda_pinned_allocator();
void cuda_manual_seed_all(uint64_t seed);
// Note [Deferred kernel errors] (src/core/kernel_errors.h): whether ops raise errors their kernels
// record at the next synchronisation (the default) or at their call; the setter overrides
// EMBER_CUDA_DEFERRED_ERRORS (for tests); how many checked launches of a device wait for a
// synchronisation. Without CUDA: false, nothing, 0.
bool cuda_deferred_kernel_errors();
void cuda_set_deferred_kernel_errors(bool on);
size_t cuda_pending_kernel_errors(DeviceIndex device);
// Fills a CUDA tensor in place from its device's Philox generator: uniform [a, b), normal (mean a,
// std b), bernoulli (probability a, or `probs`: a double tensor of t's shape on t's device),
// exponential (rate a).
enum class RandomFill : int { uniform, normal, bernoulli, exponential };
void cuda_random_fill(const Tensor& t, RandomFill kind, double a, double b, const Tensor& probs);
// The (seed, offset) of a kernel's Philox counters from a CUDA device's generator, which moves on
// by at least `count` offsets (Note [Attention dropout] in src/kernels/philox.h).
struct PhiloxSeedOffset {
  uint64_t seed, offset;
};
PhiloxSeedOffset cuda_philox_seed_offset(DeviceIndex device, uint64_t count);
}  // namespace ember::detail
