// The registry of kernel error records checked at the next wait (Note [Deferred kernel errors]
// in kernel_errors.h).
#include "src/core/kernel_errors.h"

#include <algorithm>
#include <array>

#include "ember/core/error.h"

namespace ember::detail {

std::string deferred_note(const char* op) {
  return str_cat("\nThis error was recorded by a CUDA kernel of [", op,
                 "] launched earlier and is raised at the first synchronisation after it (that "
                 "call's outputs are not valid); set CUDA_LAUNCH_BLOCKING=1 or "
                 "EMBER_CUDA_DEFERRED_ERRORS=0 to raise such errors at the op's own call.");
}

KernelErrors::KernelErrors(KernelErrorBackend& backend, size_t records)
    : backend_(backend), records_(records) {
  EMBER_CHECK(records > 0, "[KernelErrors] needs at least one record");
}

KernelErrors::Device& KernelErrors::device_locked(int device) {
  EMBER_CHECK(device >= 0, "[KernelErrors] invalid device index ", device);
  const size_t d = static_cast<size_t>(device);
  if (devices_.size() <= d) devices_.resize(d + 1);
  if (!devices_[d]) {
    auto dev = std::make_unique<Device>();
    dev->records = backend_.allocate(device, records_ * kErrorRecordWords);
    dev->free.reserve(records_);
    for (size_t i = records_; i > 0; --i) dev->free.push_back(i - 1);  // slot 0 handed out first
    dev->host.assign(records_ * kErrorRecordWords, 0);
    devices_[d] = std::move(dev);
  }
  return *devices_[d];
}

int64_t* KernelErrors::enlist(int device, void* stream, const char* op, KernelErrorRaiser raise,
                              bool immediate) {
  for (;;) {
    void* oldest = nullptr;
    uint64_t before = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Device& d = device_locked(device);
      if (!d.free.empty()) {
        const size_t slot = d.free.back();
        d.free.pop_back();
        pending_.push_back(
            Entry{device, stream, slot, op, immediate, kNotLaunched, std::move(raise)});
        return d.records + slot * kErrorRecordWords;
      }
      auto it = std::find_if(pending_.begin(), pending_.end(), [device](const Entry& e) {
        return e.device == device && e.launch != kNotLaunched;
      });
      EMBER_CHECK(it != pending_.end(), "[", op, "] all ", records_,
                  " kernel error records of device ", device,
                  " belong to launches still being queued by other threads");
      oldest = it->stream;
      before = launches_;
    }
    // Every record is in use: wait for the oldest launched one's stream, which frees its record.
    backend_.wait(device, oldest);
    harvest_stream_before(device, oldest, before);
  }
}

void KernelErrors::launched(const int64_t* record) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Entry& e : pending_) {
    if (e.launch != kNotLaunched) continue;
    const Device& d = *devices_[static_cast<size_t>(e.device)];
    if (d.records + e.slot * kErrorRecordWords == record) {
      e.launch = launches_++;
      return;
    }
  }
}

uint64_t KernelErrors::mark() const {
  std::lock_guard<std::mutex> lock(mu_);
  return launches_;
}

template <class Pred>
void KernelErrors::harvest(Pred pick) {
  KernelErrorRaiser raise;
  const char* op = "";
  bool immediate = false;
  std::array<int64_t, kErrorRecordWords> record{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<bool> read(devices_.size(), false);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (!pick(*it)) {
        ++it;
        continue;
      }
      Device& d = *devices_[static_cast<size_t>(it->device)];
      if (!read[static_cast<size_t>(it->device)]) {
        backend_.read(it->device, d.host.data(), d.records, records_ * kErrorRecordWords);
        read[static_cast<size_t>(it->device)] = true;
      }
      const int64_t* r = d.host.data() + it->slot * kErrorRecordWords;
      if (r[0] != 0) {
        if (!raise) {  // the earliest launch's error wins; later records are dropped
          raise = std::move(it->raise);
          immediate = it->immediate;
          op = it->op;
          std::copy(r, r + kErrorRecordWords, record.begin());
        }
        backend_.clear(it->device, d.records + it->slot * kErrorRecordWords, kErrorRecordWords);
      }
      d.free.push_back(it->slot);
      it = pending_.erase(it);
    }
  }
  if (!raise) return;
  raise(record.data(), immediate ? std::string() : deferred_note(op));
  EMBER_ERROR("[", op, "] a CUDA kernel recorded an error (code ", record[0],
              ") that the op did not raise");
}

void KernelErrors::harvest_stream_before(int device, void* stream, uint64_t mark) {
  harvest([device, stream, mark](const Entry& e) {
    return e.launch < mark && e.stream == stream && (stream != nullptr || e.device == device);
  });
}

void KernelErrors::harvest_device_before(int device, uint64_t mark) {
  harvest([device, mark](const Entry& e) { return e.device == device && e.launch < mark; });
}

size_t KernelErrors::pending(int device) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count_if(
      pending_.begin(), pending_.end(), [device](const Entry& e) { return e.device == device; }));
}

}  // namespace ember::detail
