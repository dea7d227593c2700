#pragma once
// DataShuttle: the life cycle of data loader jobs. A job is in flight from push_job until its
// result is popped; pop_result returns nullopt once nothing is in flight (the epoch is over).
#include <chrono>
#include <cstddef>
#include <optional>

#include "ember/data/detail/queue.h"

namespace ember {
namespace data {
namespace detail {

template <typename Job, typename Result>
class DataShuttle {
 public:
  // Main thread.
  void push_job(Job job) {
    new_jobs_.push(std::move(job));
    ++in_flight_jobs_;
  }
  // Worker threads.
  void push_result(Result result) { results_.push(std::move(result)); }
  Job pop_job() { return new_jobs_.pop(); }

  // Main thread: the next result, or nullopt when no job is in flight.
  std::optional<Result> pop_result(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    if (in_flight_jobs_ == 0) return std::nullopt;
    auto result = results_.pop(timeout);
    --in_flight_jobs_;
    return result;
  }

  // Drops jobs not yet taken by a worker and waits for (and discards) the results of the others.
  void drain(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    in_flight_jobs_ -= new_jobs_.clear();
    while (in_flight_jobs_ > 0) pop_result(timeout);
  }

  size_t in_flight_jobs() const noexcept { return in_flight_jobs_; }

 private:
  Queue<Job> new_jobs_;
  size_t in_flight_jobs_ = 0;  // only touched by the main thread
  Queue<Result> results_;
};

}  // namespace detail
}  // namespace data
}  // namespace ember
