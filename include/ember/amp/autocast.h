#pragma once
// Automatic mixed precision (autocast): libtorch's at::autocast state functions plus
// AutocastGuard, the C++ spelling of Python's `with torch.autocast(...)`. See Note [Autocast].
//
//   torch::autocast::AutocastGuard guard(torch::kCPU, torch::kBFloat16);
//   auto y = model->forward(x);  // Linear/Conv/matmul run in bfloat16, losses in float32
//
// While a region is active for a device type, ops on the lower-precision list cast their floating
// inputs on that device to the region's dtype, ops on the float32 list cast them up to float32
// and promote ops (cat, stack, index_copy) cast them to the widest input type. Double inputs are
// never cast. The state is per thread.
#include <optional>

#include "ember/core/device.h"
#include "ember/core/scalar_type.h"

namespace ember {
namespace autocast {

// CUDA autocast (libtorch's is_enabled/set_enabled name the GPU).
bool is_enabled();
void set_enabled(bool enabled);
bool is_cpu_enabled();
void set_cpu_enabled(bool enabled);
ScalarType get_autocast_gpu_dtype();  // default kHalf
ScalarType get_autocast_cpu_dtype();  // default kBFloat16
void set_autocast_gpu_dtype(ScalarType dtype);
void set_autocast_cpu_dtype(ScalarType dtype);
// libtorch 2.x's per-device spellings of the above (kCPU or kCUDA; other devices raise).
bool is_autocast_enabled(DeviceType device_type);
void set_autocast_enabled(DeviceType device_type, bool enabled);
ScalarType get_autocast_dtype(DeviceType device_type);
void set_autocast_dtype(DeviceType device_type, ScalarType dtype);
// Caching of the lower-precision copies of leaf tensors that require grad (weights) within a
// region; cleared by clear_cache(), which AutocastGuard calls when the outermost region ends.
bool is_autocast_cache_enabled();
void set_autocast_cache_enabled(bool enabled);
void clear_cache();
// Depth of nested regions on this thread; both return the new depth.
int increment_nesting();
int decrement_nesting();

// Python's torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None) as a scope
// guard: the constructor enters the region, the destructor restores the previous state (and
// clears the cast cache when the outermost region exits). dtype defaults to the device's current
// autocast dtype (kBFloat16 on CPU, kHalf on CUDA). As in PyTorch 1.13, CPU autocast only
// supports kBFloat16 and CUDA autocast needs a device: otherwise the guard warns and disables
// autocast for its scope.
class AutocastGuard {
 public:
  explicit AutocastGuard(DeviceType device_type, std::optional<ScalarType> dtype = std::nullopt,
                         bool enabled = true, std::optional<bool> cache_enabled = std::nullopt);
  explicit AutocastGuard(Device device, std::optional<ScalarType> dtype = std::nullopt,
                         bool enabled = true, std::optional<bool> cache_enabled = std::nullopt)
      : AutocastGuard(device.type(), dtype, enabled, cache_enabled) {}
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

  DeviceType device_type() const { return device_type_; }
  ScalarType dtype() const { return dtype_; }
  bool enabled() const { return enabled_; }

 private:
  DeviceType device_type_;
  ScalarType dtype_;
  bool enabled_;
  bool prev_enabled_;
  ScalarType prev_dtype_;
  bool prev_cache_enabled_;
};

}  // namespace autocast
}  // namespace ember
