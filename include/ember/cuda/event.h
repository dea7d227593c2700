#pragma once
// at::cuda::CUDAEvent: created on first record, on the recording stream's device.
#include <cstdint>
#include <utility>

#include "ember/cuda/stream.h"

struct CUevent_st;

namespace ember {
namespace cuda {

class CUDAEvent {
 public:
  // flags: cudaEventDefault (0), cudaEventBlockingSync (1), cudaEventDisableTiming (2, default).
  CUDAEvent() = default;
  explicit CUDAEvent(unsigned int flags) : flags_(flags) {}
  ~CUDAEvent();
  CUDAEvent(const CUDAEvent&) = delete;
  CUDAEvent& operator=(const CUDAEvent&) = delete;
  CUDAEvent(CUDAEvent&& o) noexcept { swap(o); }
  CUDAEvent& operator=(CUDAEvent&& o) noexcept {
    if (this != &o) swap(o);
    return *this;
  }

  bool isCreated() const { return event_ != nullptr; }
  DeviceIndex device_index() const { return device_; }
  CUevent_st* event() const { return event_; }
  operator CUevent_st*() const { return event_; }  // NOLINT: libtorch converts implicitly

  // Records on the current stream / on `stream`; recordOnce only if never recorded.
  void record();
  void record(const CUDAStream& stream);
  void recordOnce(const CUDAStream& stream);
  // Makes future work on `stream` wait for this event (no host wait).
  void block(const CUDAStream& stream);
  // True if the recorded work is complete (or nothing was recorded).
  bool query() const;
  void synchronize() const;
  // Milliseconds between this event and `other` (both recorded, timing enabled).
  float elapsed_time(const CUDAEvent& other) const;

 private:
  void swap(CUDAEvent& o) noexcept {
    std::swap(flags_, o.flags_);
    std::swap(was_recorded_, o.was_recorded_);
    std::swap(device_, o.device_);
    std::swap(event_, o.event_);
    std::swap(stream_, o.stream_);
    std::swap(launch_mark_, o.launch_mark_);
  }
  unsigned int flags_ = 2;
  bool was_recorded_ = false;
  DeviceIndex device_ = -1;
  CUevent_st* event_ = nullptr;
  // The last record's stream and the deferred kernel-error checks before it (Note [Deferred
  // kernel errors]): synchronize() raises an error a launch before the record left.
  CUstream_st* stream_ = nullptr;
  uint64_t launch_mark_ = 0;
};

}  // namespace cuda
}  // namespace ember
