#pragma once
// Deferred checks of errors that kernels record on the device (Note [Deferred kernel errors]).
// The registry is backend-neutral: src/cuda/ gives it device memory and stream waits; the tests
// give it host memory (tests/core/kernel_errors_test.cpp).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ember::detail {

// Note [Deferred kernel errors]
// Kernels that can meet bad input (an index out of range, a class target past the last class)
// record the first bad value in a small record instead of failing: word 0 becomes non-zero
// (the kernel claims it with an atomic), words 1.. hold what the message needs. Reading the
// record back right after the launch makes the host wait for the kernel, which costs a whole
// pipeline drain per embedding or cross_entropy call (those rows ran at 0.37-0.45x of PyTorch on
// an H100 for that wait alone). PyTorch's CUDA kernels instead trap (a device-side assert) and
// the error surfaces at a later synchronising call, leaving the CUDA context unusable.
// ember records the error in one of a per-device ring of records and checks the record when the
// host next waits for the launch's stream anyway: a stream or device synchronize, and so every
// copy to the host (item(), cpu()). The error raised there is the one the op would have raised
// (its type, its message, the op's name) plus a line saying that it comes from an earlier
// launch; the device stays usable. The first error wins; later ones in the same wait are dropped
// (their records are cleared), as PyTorch reports one assert. Set EMBER_CUDA_DEFERRED_ERRORS=0
// or CUDA_LAUNCH_BLOCKING=1 to have every such op wait and raise at its own call instead. An
// event's synchronize() checks the launches its stream queued before the event was recorded.
// Only launches queued before a wait began are checked after it (launch marks), so threads that
// share a stream cannot read a record before its kernel ran.
// When every record of a device is in use (kRecords launches without a wait), the next launch
// first waits for the oldest one's stream.
// Deferred on CUDA: embedding, embedding_bag, gather (so index_select, take_along_dim),
// scatter/scatter_add (so index_add, embedding's backward: a bad index is skipped, the good ones
// may be written, as with PyTorch's asserts; with errors at the call it checks every index
// before writing), advanced-indexing reads (index, take: a bad index reads offset 0 meanwhile),
// nll_loss and cross_entropy. index_put_ checks its offsets before writing, at the call. The error
// surfaces in whichever thread next waits for the stream, as CUDA's own asynchronous errors do.

constexpr size_t kErrorRecordWords = 4;

// How the registry reaches the records: device memory and stream waits in the CUDA backend.
class KernelErrorBackend {
 public:
  virtual ~KernelErrorBackend() = default;
  // `words` zeroed int64 words on `device`, kept for the process's life.
  virtual int64_t* allocate(int device, size_t words) = 0;
  // Copies `words` words at `src` (device memory) to `dst` (host). Called only for records whose
  // launches have finished.
  virtual void read(int device, int64_t* dst, const int64_t* src, size_t words) = 0;
  // Zeroes `words` words at `record` before the record is handed out again.
  virtual void clear(int device, int64_t* record, size_t words) = 0;
  // Waits for the work queued on `stream` (of `device`) so far; does not harvest.
  virtual void wait(int device, void* stream) = 0;
};

// Raises the op's error from a record whose word 0 is non-zero; must throw. `note` is appended to
// the message: empty when the error is raised at the op's own call, else deferred_note(op).
using KernelErrorRaiser = std::function<void(const int64_t* record, const std::string& note)>;
std::string deferred_note(const char* op);

class KernelErrors {
 public:
  static constexpr size_t kRecords = 256;

  explicit KernelErrors(KernelErrorBackend& backend, size_t records = kRecords);
  KernelErrors(const KernelErrors&) = delete;
  KernelErrors& operator=(const KernelErrors&) = delete;

  // A zeroed record for one launch on (device, stream). `raise` turns a recorded error into the
  // op's exception; `immediate`: the caller waits and harvests right after the launch (its error
  // gets no deferred note); `op` must outlive the registry (a string literal). When all records
  // of the device are in use, first waits for the oldest launched one's stream (and raises its
  // error, if it recorded one).
  int64_t* enlist(int device, void* stream, const char* op, KernelErrorRaiser raise,
                  bool immediate = false);
  // The launch that was given `record` is on its stream (or failed: its record stays zero). Only
  // launches marked so are checked, so another thread's wait cannot read a record before the
  // kernel that writes it was queued.
  void launched(const int64_t* record);

  // Launches marked launched so far: take it before a wait, then harvest what that wait covered.
  uint64_t mark() const;
  // After the host waited for `stream` (of `device`: streams are told apart by handle, except
  // the null stream, which each device has) - a wait begun after `mark` was taken, or a recorded
  // event taken after it: raises the first error recorded by the launches on that stream marked
  // before `mark`, and releases their records.
  void harvest_stream_before(int device, void* stream, uint64_t mark);
  // The same after a wait for the whole device.
  void harvest_device_before(int device, uint64_t mark);
  // Single-threaded forms: everything marked launched so far.
  void harvest_stream(int device, void* stream) { harvest_stream_before(device, stream, mark()); }
  void harvest_device(int device) { harvest_device_before(device, mark()); }

  size_t pending(int device) const;

 private:
  static constexpr uint64_t kNotLaunched = ~uint64_t{0};
  struct Entry {
    int device;
    void* stream;
    size_t slot;
    const char* op;
    bool immediate;
    uint64_t launch;  // position in launch order (kNotLaunched until launched())
    KernelErrorRaiser raise;
  };
  struct Device {
    int64_t* records = nullptr;  // kRecords * kErrorRecordWords words on the device
    std::vector<size_t> free;    // free record slots
    std::vector<int64_t> host;   // the host copy of the records read by a harvest
  };

  Device& device_locked(int device);
  // Releases the entries selected by `pick` (launched ones whose kernels have finished) and
  // raises the earliest enlisted one's recorded error.
  template <class Pred>
  void harvest(Pred pick);

  KernelErrorBackend& backend_;
  const size_t records_;
  mutable std::mutex mu_;
  uint64_t launches_ = 0;
  std::vector<std::unique_ptr<Device>> devices_;
  std::deque<Entry> pending_;  // in enlisting order
};

}  // namespace ember::detail
