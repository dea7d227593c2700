#pragma once
// A locked, blocking MPMC queue for the data loader's jobs and results (libtorch's detail::Queue).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>

#include "ember/core/error.h"
#include "ember/data/detail/fifo.h"

namespace ember {
namespace data {
namespace detail {

template <typename T>
class Queue {
 public:
  void push(T value) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(value));
    }
    cv_.notify_one();
  }

  // Blocks until an element is available; with a timeout, throws once it has passed.
  T pop(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (timeout) {
      if (!cv_.wait_for(lock, *timeout, [this] { return !queue_.empty(); })) {
        EMBER_ERROR(
            "[DataLoader] Timeout in DataLoader queue while waiting for next batch (timeout was ",
            timeout->count(), " ms)");
      }
    } else {
      cv_.wait(lock, [this] { return !queue_.empty(); });
    }
    return queue_.pop_front();
  }

  // Empties the queue; returns how many elements it held.
  size_t clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t size = queue_.size();
    queue_.clear();
    return size;
  }

 private:
  Fifo<T> queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace detail
}  // namespace data
}  // namespace ember
