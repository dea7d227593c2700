#pragma once
// DataLoaderBase: worker threads, job/result shuttle, prefetching and ordering, shared by the
// stateless and stateful loaders (libtorch's design).
//
// Note [DataLoader workers]: the main thread keeps up to max_jobs batch requests in flight; each
// result handed out schedules the next request, so workers build batches while the model trains.
// A worker's exception travels back as a result and is rethrown (as WorkerException) where its
// batch would have been returned. Workers own their state through shared pointers, so a worker
// still stuck past the timeout when the loader is destroyed can be detached instead of hanging.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/cuda.h"
#include "ember/data/dataloader_options.h"
#include "ember/data/detail/data_shuttle.h"
#include "ember/data/detail/pin_memory.h"
#include "ember/data/detail/sequencers.h"
#include "ember/data/iterator.h"
#include "ember/data/worker_exception.h"

namespace ember {
namespace data {

template <typename Dataset, typename Batch, typename BatchRequest>
class DataLoaderBase {
 public:
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;

  DataLoaderBase(DataLoaderOptions options, std::unique_ptr<Dataset> main_thread_dataset = nullptr)
      : options_(std::move(options)),
        main_thread_dataset_(std::move(main_thread_dataset)),
        shared_(std::make_shared<Shared>()),
        sequencer_(new_sequencer()) {
    EMBER_CHECK(options_.batch_size > 0, "[DataLoader] batch_size must be positive, got 0");
    EMBER_CHECK(options_.workers == 0 || options_.max_jobs > 0,
                "[DataLoader] max_jobs must be positive when workers are used, got 0");
    if (options_.pin_memory && !cuda::is_available()) {
      TORCH_WARN_ONCE(
          "'pin_memory' argument is set as true but no accelerator is found, then device pinned "
          "memory won't be used.");
    } else {
      shared_->pin_memory = options_.pin_memory;
    }
  }
  DataLoaderBase(const DataLoaderBase&) = delete;
  DataLoaderBase& operator=(const DataLoaderBase&) = delete;

  virtual ~DataLoaderBase() { join(); }

  // Starts a new epoch (resets the sampler or stateful dataset) and returns its first position.
  Iterator<Batch> begin() {
    EMBER_CHECK(shared_->shuttle.in_flight_jobs() == 0 || epoch_failed_,
                "Attempted to get a new DataLoader iterator while another iterator is not yet "
                "exhausted");
    EMBER_CHECK(!joined_ || options_.workers == 0,
                "[DataLoader] begin() after join(): the worker threads are gone");
    epoch_failed_ = false;
    reset();
    return Iterator<Batch>(
        std::make_unique<detail::ValidIterator<Batch>>([this] { return this->next(); }));
  }
  Iterator<Batch> end() {
    return Iterator<Batch>(std::make_unique<detail::SentinelIterator<Batch>>());
  }

  // Stops the workers, discarding batches in flight. Called by the destructor; main thread only.
  void join() noexcept {
    if (joined_) return;
    joined_ = true;
    bool stuck = false;
    try {
      shared_->shuttle.drain(options_.timeout);
    } catch (...) {
      stuck = true;  // a worker overran the timeout
    }
    for (size_t w = 0; w < workers_.size(); ++w) push_job(QuitWorker());
    if (stuck && !shared_->wait_exited(workers_.size(), *options_.timeout)) {
      for (auto& worker : workers_) worker.detach();
    } else {
      for (auto& worker : workers_) worker.join();
    }
    workers_.clear();
  }

  const FullDataLoaderOptions& options() const noexcept { return options_; }

 protected:
  struct Sequenced {
    Sequenced() = default;
    Sequenced(size_t sqn) : sequence_number(sqn) {}
    size_t sequence_number = 0;
  };
  struct QuitWorker {};
  struct Job : Sequenced {
    Job() = default;
    Job(QuitWorker q, size_t sqn) : Sequenced(sqn), quit(q) {}
    Job(BatchRequest&& i, size_t sqn) : Sequenced(sqn), batch_request(std::move(i)) {}
    std::optional<QuitWorker> quit;
    std::optional<BatchRequest> batch_request;
  };
  struct Result : Sequenced {
    Result() = default;
    Result(std::optional<Batch>&& b, size_t sqn) : Sequenced(sqn), batch(std::move(b)) {}
    Result(std::exception_ptr e, size_t sqn) : Sequenced(sqn), exception(std::move(e)) {}
    std::optional<Batch> batch;
    std::exception_ptr exception;
  };
  // What workers share with the loader; outlives it if a stuck worker is detached.
  struct Shared {
    detail::DataShuttle<Job, Result> shuttle;
    bool pin_memory = false;  // set once, before any worker starts
    std::mutex mutex;
    std::condition_variable exited_cv;
    size_t exited = 0;

    void worker_exited() {
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++exited;
      }
      exited_cv.notify_all();
    }
    bool wait_exited(size_t count, std::chrono::milliseconds timeout) {
      std::unique_lock<std::mutex> lock(mutex);
      return exited_cv.wait_for(lock, timeout, [&] { return exited >= count; });
    }
  };

  // The next batch request (sampler indices, or the batch size for stateful datasets).
  virtual std::optional<BatchRequestType> get_batch_request() = 0;

  virtual void reset() {
    shared_->shuttle.drain(options_.timeout);
    sequence_number_ = 0;
    sequencer_ = new_sequencer();
    prefetch();
  }

  void prefetch(size_t requested_jobs) {
    for (size_t r = 0; r < requested_jobs; ++r) {
      auto request = get_batch_request();
      if (!request) break;
      push_job(std::move(*request));
    }
  }
  void prefetch() { prefetch(options_.max_jobs); }

  std::optional<BatchType> next() {
    if (options_.workers > 0) {
      try {
        while (std::optional<Result> result = pop_result()) {
          if (result->exception) {
            prefetch(1);  // keep the pipeline full for a caller that catches and goes on
            throw WorkerException(result->exception);
          }
          if (result->batch) {
            prefetch(1);
            return std::move(result->batch);
          }
        }
      } catch (...) {
        epoch_failed_ = true;
        throw;
      }
      return std::nullopt;
    }
    if (auto request = get_batch_request()) {
      auto batch = main_thread_dataset_->get_batch(std::move(*request));
      if (shared_->pin_memory) detail::pin_batch(batch);
      return batch;
    }
    return std::nullopt;
  }

  // Runs on each worker thread until it receives QuitWorker.
  static void worker_loop(Shared& shared, Dataset& dataset) {
    {
      SerialRegionGuard serial;  // See Note [DataLoader workers]
      while (true) {
        Job job = shared.shuttle.pop_job();
        if (job.quit) break;
        try {
          auto batch = dataset.get_batch(std::move(*job.batch_request));
          if (shared.pin_memory) detail::pin_batch(batch);
          shared.shuttle.push_result(Result(std::move(batch), job.sequence_number));
        } catch (...) {
          shared.shuttle.push_result(Result(std::current_exception(), job.sequence_number));
        }
      }
    }
    shared.worker_exited();
  }

  template <typename T>
  void push_job(T value) {
    shared_->shuttle.push_job(Job(std::move(value), sequence_number_++));
  }

  std::optional<Result> pop_result() {
    return sequencer_->next([this] { return shared_->shuttle.pop_result(options_.timeout); });
  }

  std::unique_ptr<detail::sequencers::Sequencer<Result>> new_sequencer() {
    if (options_.enforce_ordering) {
      return std::make_unique<detail::sequencers::OrderedSequencer<Result>>(options_.max_jobs);
    }
    return std::make_unique<detail::sequencers::NoSequencer<Result>>();
  }

  const FullDataLoaderOptions options_;
  // The dataset of the main thread (workers == 0) or the one all workers share (stateful).
  std::shared_ptr<Dataset> main_thread_dataset_;
  size_t sequence_number_ = 0;
  std::vector<std::thread> workers_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<detail::sequencers::Sequencer<Result>> sequencer_;
  bool joined_ = false;
  bool epoch_failed_ = false;  // the last epoch ended with an exception out of next()
};

}  // namespace data
}  // namespace ember
