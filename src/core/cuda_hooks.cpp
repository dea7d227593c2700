// The CUDA hooks and the CUDA runtime API of a build without the CUDA backend (see
// src/core/cuda_hooks.h). Everything links, so a program written for a CUDA build also builds
// here: queries report no devices, harmless calls (emptyCache, synchronize, seeding, an event that
// was never recorded) do nothing, and whatever needs a device raises "built without CUDA".
#include "src/core/cuda_hooks.h"

#include "ember/cuda.h"
#include "ember/cuda/caching_allocator.h"
#include "ember/cuda/event.h"
#include "ember/cuda/stream.h"

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
Allocator* cuda_pinned_allocator() { no_cuda("pin_memory", Device(kCUDA, 0)); }
void cuda_manual_seed_all(uint64_t) {}
bool cuda_deferred_kernel_errors() { return false; }
void cuda_set_deferred_kernel_errors(bool) {}
size_t cuda_pending_kernel_errors(DeviceIndex) { return 0; }
void cuda_random_fill(const Tensor& t, RandomFill, double, double, const Tensor&) {
  no_cuda("random", t.device());
}
PhiloxSeedOffset cuda_philox_seed_offset(DeviceIndex device, uint64_t) {
  no_cuda("random", Device(kCUDA, device));
}
}  // namespace detail

namespace cuda {
namespace {
[[noreturn]] void no_cuda(const char* op) {
  EMBER_ERROR("[", op, "] ember was built without CUDA support");
}
}  // namespace

bool is_built() { return false; }
size_t device_count() { return 0; }
bool is_available() { return false; }
bool cudnn_is_available() { return false; }
void manual_seed(uint64_t) {}
void manual_seed_all(uint64_t) {}
void synchronize(int64_t) {}

// ---- devices and streams ----
DeviceIndex device_count_ensure_non_zero() { no_cuda("device_count_ensure_non_zero"); }
DeviceIndex current_device() { no_cuda("current_device"); }
void set_device(DeviceIndex) { no_cuda("set_device"); }
void stream_synchronize(CUstream_st*) { no_cuda("synchronize"); }
void device_synchronize(DeviceIndex) { no_cuda("synchronize"); }
bool CUDAStream::query() const { no_cuda("CUDAStream::query"); }
void CUDAStream::synchronize() const { no_cuda("CUDAStream::synchronize"); }
int CUDAStream::priority() const { no_cuda("CUDAStream::priority"); }
CUDAStream getDefaultCUDAStream(DeviceIndex) { no_cuda("getDefaultCUDAStream"); }
CUDAStream getCurrentCUDAStream(DeviceIndex) { no_cuda("getCurrentCUDAStream"); }
CUDAStream getStreamFromPool(bool, DeviceIndex) { no_cuda("getStreamFromPool"); }
CUDAStream getStreamFromExternal(CUstream_st*, DeviceIndex) { no_cuda("getStreamFromExternal"); }
void setCurrentCUDAStream(CUDAStream) { no_cuda("setCurrentCUDAStream"); }

// ---- guards (a guard cannot be made, so its destructor has nothing to restore) ----
CUDAGuard::CUDAGuard(DeviceIndex) : original_(-1), current_(-1) { no_cuda("CUDAGuard"); }
CUDAGuard::CUDAGuard(Device device) : CUDAGuard(device.index()) {}
CUDAGuard::~CUDAGuard() = default;
void CUDAGuard::set_index(DeviceIndex) { no_cuda("CUDAGuard"); }
CUDAStreamGuard::CUDAStreamGuard(CUDAStream stream)
    : original_device_(-1), original_stream_(stream), current_stream_(stream) {
  no_cuda("CUDAStreamGuard");
}
CUDAStreamGuard::~CUDAStreamGuard() = default;
void CUDAStreamGuard::reset_stream(CUDAStream) { no_cuda("CUDAStreamGuard"); }

// ---- events: an event is created by its first record, which cannot happen here ----
CUDAEvent::~CUDAEvent() = default;
void CUDAEvent::record() { no_cuda("CUDAEvent::record"); }
void CUDAEvent::record(const CUDAStream&) { no_cuda("CUDAEvent::record"); }
void CUDAEvent::recordOnce(const CUDAStream&) { no_cuda("CUDAEvent::record"); }
void CUDAEvent::block(const CUDAStream&) {}
bool CUDAEvent::query() const { return true; }
void CUDAEvent::synchronize() const {}
float CUDAEvent::elapsed_time(const CUDAEvent&) const {
  EMBER_ERROR(
      "[CUDAEvent::elapsed_time] Both events must be recorded before calculating elapsed time.");
}

// ---- the caching allocator: nothing is ever cached ----
namespace CUDACachingAllocator {
void* raw_alloc(size_t nbytes) { return raw_alloc_with_stream(nbytes, nullptr); }
void* raw_alloc_with_stream(size_t nbytes, CUstream_st*) {
  if (nbytes == 0) return nullptr;
  no_cuda("raw_alloc");
}
void raw_delete(void* ptr) {
  if (ptr) no_cuda("raw_delete");
}
void emptyCache() {}
DeviceStats getDeviceStats(int) { no_cuda("getDeviceStats"); }
void resetPeakStats(int) { no_cuda("resetPeakStats"); }
void resetAccumulatedStats(int) { no_cuda("resetAccumulatedStats"); }
void recordStream(const Tensor& t, CUDAStream) {
  EMBER_CHECK(t.is_cuda(), "[record_stream] expected a CUDA tensor but got one on ", t.device());
  no_cuda("record_stream");
}
}  // namespace CUDACachingAllocator
}  // namespace cuda
}  // namespace ember
#endif
