#pragma once
// CUDA devices, streams and guards with libtorch's names (c10::cuda::CUDAStream,
// getCurrentCUDAStream, getStreamFromPool, CUDAStreamGuard, CUDAGuard). Usable without
// <cuda_runtime.h>: a stream converts to cudaStream_t (CUstream_st*) where that header is included.
#include <cstdint>
#include <ostream>

#include "ember/core/device.h"

struct CUstream_st;

namespace ember {
namespace cuda {

using StreamId = int64_t;

// The calling thread's current device (cudaGetDevice) and switching it; both throw without one.
DeviceIndex current_device();
void set_device(DeviceIndex device);
// Number of devices; throws PyTorch's "No CUDA GPUs are available" (or the driver error) if none.
DeviceIndex device_count_ensure_non_zero();

class CUDAStream {
 public:
  CUDAStream(DeviceIndex device, StreamId id, CUstream_st* stream)
      : device_(device), id_(id), stream_(stream) {}
  CUstream_st* stream() const { return stream_; }
  operator CUstream_st*() const { return stream_; }  // NOLINT: libtorch converts implicitly
  DeviceIndex device_index() const { return device_; }
  Device device() const { return Device(kCUDA, device_); }
  // 0 for the default stream, 1-32 the low-priority pool, 33-64 the high-priority pool.
  StreamId id() const { return id_; }
  // True when all work queued on the stream has finished.
  bool query() const;
  void synchronize() const;
  int priority() const;
  bool operator==(const CUDAStream& o) const {
    return device_ == o.device_ && stream_ == o.stream_;
  }
  bool operator!=(const CUDAStream& o) const { return !(*this == o); }

 private:
  DeviceIndex device_;
  StreamId id_;
  CUstream_st* stream_;
};

inline std::ostream& operator<<(std::ostream& os, const CUDAStream& s) {
  return os << "stream " << s.id() << " on device " << s.device();
}

// The default (legacy null) stream of a device; -1 means the current device.
CUDAStream getDefaultCUDAStream(DeviceIndex device = -1);
// The stream ops on this thread launch on for that device (the default one unless set).
CUDAStream getCurrentCUDAStream(DeviceIndex device = -1);
// A stream from a per-device pool of 32 (round robin), created on first use.
CUDAStream getStreamFromPool(bool isHighPriority = false, DeviceIndex device = -1);
CUDAStream getStreamFromExternal(CUstream_st* stream, DeviceIndex device);
// Makes `s` the current stream of its device on this thread.
void setCurrentCUDAStream(CUDAStream s);
// Waits for the stream (cudaStreamSynchronize).
void stream_synchronize(CUstream_st* s);
// Waits for all work on a device (the current one for -1).
void device_synchronize(DeviceIndex device = -1);

// Sets the current device for a scope.
class CUDAGuard {
 public:
  explicit CUDAGuard(DeviceIndex device);
  explicit CUDAGuard(Device device);
  ~CUDAGuard();
  CUDAGuard(const CUDAGuard&) = delete;
  CUDAGuard& operator=(const CUDAGuard&) = delete;
  void set_index(DeviceIndex device);
  void set_device(Device device) { set_index(device.index()); }
  Device original_device() const { return Device(kCUDA, original_); }
  Device current_device() const { return Device(kCUDA, current_); }

 private:
  DeviceIndex original_;
  DeviceIndex current_;
};

// Sets the current device and that device's current stream for a scope.
class CUDAStreamGuard {
 public:
  explicit CUDAStreamGuard(CUDAStream stream);
  ~CUDAStreamGuard();
  CUDAStreamGuard(const CUDAStreamGuard&) = delete;
  CUDAStreamGuard& operator=(const CUDAStreamGuard&) = delete;
  void reset_stream(CUDAStream stream);
  CUDAStream original_stream() const { return original_stream_; }
  CUDAStream current_stream() const { return current_stream_; }
  Device original_device() const { return Device(kCUDA, original_device_); }
  Device current_device() const { return current_stream_.device(); }

 private:
  DeviceIndex original_device_;
  CUDAStream original_stream_;  // on the stream's device, restored first
  CUDAStream current_stream_;
};

}  // namespace cuda
}  // namespace ember
