#pragma once
// ChunkDataset: a stateful dataset that reads whole chunks (files, file ranges) on preloader
// threads and serves batches from them, with two samplers: one choosing the chunk order, one
// shuffling examples inside the loaded chunks (libtorch's hierarchical sampling).
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/data/datasets/stateful.h"
#include "ember/data/detail/fifo.h"
#include "ember/data/samplers/random.h"
#include "ember/data/worker_exception.h"

namespace ember {
namespace data {
namespace datasets {

// Reads chunks. BatchType (what one get_batch returns) is the chunk type unless a subclass says
// otherwise.
template <typename ExampleType_, typename ChunkType_ = std::vector<ExampleType_>>
class ChunkDataReader {
 public:
  virtual ~ChunkDataReader() = default;

  using ChunkType = ChunkType_;
  using ExampleType = ExampleType_;
  using BatchType = ChunkType_;

  virtual ChunkType read_chunk(size_t chunk_index) = 0;
  virtual size_t chunk_count() = 0;
  // Clears the reader's state (called at the start of each epoch).
  virtual void reset() = 0;
};

namespace detail {

// Splits loaded chunks into batches (ordered by the example sampler) and queues them, holding
// at most about queue_capacity examples. Preloader threads add, the loader's thread takes.
template <typename UnwrappedBatch, typename ExampleSampler = samplers::RandomSampler>
class BatchDataBuffer {
 public:
  using UnwrappedBatchType = UnwrappedBatch;
  using BatchType = std::optional<UnwrappedBatchType>;
  using BatchRequestType = typename ExampleSampler::BatchRequestType;

  BatchDataBuffer(size_t batch_size, ExampleSampler& example_sampler, size_t queue_capacity)
      : batch_size_(batch_size),
        example_sampler_(example_sampler),
        queue_capacity_(queue_capacity) {}

  // A full batch, the last partial one, or nullopt once all chunks are consumed.
  BatchType get_batch() {
    std::unique_lock<std::mutex> lock(queue_mutex_);
    cv_read_.wait(lock, [this] {
      return total_example_count_in_queue_ >= batch_size_ || stop_ ||
             (!batch_queue_.empty() && batch_queue_.front().exception);
    });
    if (batch_queue_.empty()) return std::nullopt;  // stopped and drained
    UnwrappedBatchData batch = batch_queue_.pop_front();
    if (batch.exception) {
      lock.unlock();
      cv_write_.notify_all();
      throw WorkerException(batch.exception);
    }
    total_example_count_in_queue_ -= batch.batch_data.size();
    lock.unlock();
    cv_write_.notify_all();
    return std::move(batch.batch_data);
  }

  void add_chunk_data(UnwrappedBatchType data) {
    std::unique_lock<std::mutex> lock(queue_mutex_);
    cv_write_.wait(lock,
                   [this] { return total_example_count_in_queue_ < queue_capacity_ || stop_; });
    if (stop_) return;
    const size_t data_size = data.size();
    size_t remaining = data_size;
    example_sampler_.reset(data_size);
    auto fill_batch = [&](size_t count, UnwrappedBatchType& batch) {
      auto indices = example_sampler_.next(count);
      EMBER_CHECK(indices && indices->size() == count, "[ChunkDataset] the example sampler ",
                  "returned the wrong number of indices");
      for (size_t i : *indices) {
        EMBER_CHECK(i < data_size, "[ChunkDataset] example index ", i,
                    " out of range for a chunk of ", data_size);
        batch.emplace_back(std::move(data[i]));
      }
      remaining -= count;
    };
    // Top up the last queued batch first, then queue new ones.
    if (!batch_queue_.empty() && !batch_queue_.back().exception) {
      auto& last = batch_queue_.back().batch_data;
      if (last.size() < batch_size_)
        fill_batch(std::min(remaining, batch_size_ - last.size()), last);
    }
    while (remaining > 0) {
      UnwrappedBatchType batch;
      batch.reserve(batch_size_);
      fill_batch(std::min(remaining, batch_size_), batch);
      batch_queue_.push_back(UnwrappedBatchData(std::move(batch)));
    }
    total_example_count_in_queue_ += data_size;
    lock.unlock();
    cv_read_.notify_all();
  }

  // A preloader's exception goes to the front, so the next get_batch rethrows it.
  void add_chunk_data(std::exception_ptr e) {
    std::unique_lock<std::mutex> lock(queue_mutex_);
    if (stop_) return;
    batch_queue_.push_front(UnwrappedBatchData(std::move(e)));
    lock.unlock();
    cv_read_.notify_all();
  }

  // Wakes every waiting reader and writer for good (end of epoch or teardown).
  void stop() {
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      stop_ = true;
    }
    cv_write_.notify_all();
    cv_read_.notify_all();
  }

  struct UnwrappedBatchData {
    explicit UnwrappedBatchData(UnwrappedBatchType data) : batch_data(std::move(data)) {}
    explicit UnwrappedBatchData(std::exception_ptr e) : exception(std::move(e)) {}
    UnwrappedBatchType batch_data;
    std::exception_ptr exception;
  };

  size_t batch_size_ = 0;
  size_t total_example_count_in_queue_ = 0;
  data::detail::Fifo<UnwrappedBatchData> batch_queue_;
  std::mutex queue_mutex_;
  std::condition_variable cv_read_;
  std::condition_variable cv_write_;
  ExampleSampler& example_sampler_;
  size_t queue_capacity_;
  bool stop_ = false;
};

}  // namespace detail

struct ChunkDatasetOptions {
  ChunkDatasetOptions() = delete;
  ChunkDatasetOptions(size_t preloader_count, size_t batch_size, size_t cache_size = 2048,
                      size_t cross_chunk_shuffle_count = 1)
      : preloader_count_(preloader_count),
        batch_size_(batch_size),
        cache_size_(cache_size),
        cross_chunk_shuffle_count_(cross_chunk_shuffle_count) {
    EMBER_CHECK(preloader_count_ > 0,
                "Preloader count is 0. At least one preloader needs to be specified.");
    EMBER_CHECK(batch_size_ > 0, "Batch size is 0. A positive batch size needs to be specified.");
    EMBER_CHECK(cache_size_ > 0, "Cache size is 0. A positive cache size needs to be specified.");
    EMBER_CHECK(cache_size_ >= batch_size_,
                "Cache size is less than batch size. Cache needs to be large enough to hold at "
                "least one batch.");
    EMBER_CHECK(cross_chunk_shuffle_count_ > 0,
                "cross_chunk_shuffle_count needs to be greater than 0.");
  }

  // Threads reading chunks.
  TORCH_ARG(size_t, preloader_count);
  TORCH_ARG(size_t, batch_size);
  // Most examples held in the batch queue.
  TORCH_ARG(size_t, cache_size) = 2048;
  // Chunks loaded together and shuffled across (1: no cross-chunk shuffle).
  TORCH_ARG(size_t, cross_chunk_shuffle_count) = 1;
};

template <typename ChunkReader, typename ChunkSampler = samplers::RandomSampler,
          typename ExampleSampler = samplers::RandomSampler>
class ChunkDataset final
    : public StatefulDataset<ChunkDataset<ChunkReader, ChunkSampler, ExampleSampler>,
                             typename ChunkReader::BatchType, size_t> {
 public:
  using BatchType = std::optional<typename ChunkReader::BatchType>;
  using UnwrappedBatchType = typename ChunkReader::BatchType;
  using BatchRequestType = size_t;
  using ChunkSamplerType = ChunkSampler;
  using ExampleSamplerType = ExampleSampler;

  ChunkDataset(ChunkReader chunk_reader, ChunkSampler chunk_sampler, ExampleSampler example_sampler,
               ChunkDatasetOptions options,
               std::function<void(UnwrappedBatchType&)> preprocessing_policy =
                   std::function<void(UnwrappedBatchType&)>())
      : chunk_reader_(std::move(chunk_reader)),
        chunk_sampler_(std::move(chunk_sampler)),
        example_sampler_(std::move(example_sampler)),
        options_(std::move(options)),
        preprocessing_policy_(std::move(preprocessing_policy)) {}

  // The loader moves datasets around before starting them; a started one owns threads.
  ChunkDataset(ChunkDataset&& other)
      : chunk_reader_(std::move(other.chunk_reader_)),
        chunk_sampler_(std::move(other.chunk_sampler_)),
        example_sampler_(std::move(other.example_sampler_)),
        options_(other.options_),
        preprocessing_policy_(std::move(other.preprocessing_policy_)),
        load_checkpoint_(other.load_checkpoint_) {
    EMBER_CHECK(other.preload_threads_.empty(),
                "[ChunkDataset] cannot move a dataset whose preloaders are running");
  }

  ~ChunkDataset() override { stop_workers(); }

  BatchType get_batch(size_t batch_size) override {
    EMBER_CHECK(batch_buffer_ != nullptr,
                "Dataset needs to call reset() before calling get_batch().");
    EMBER_CHECK(batch_size == options_.batch_size(),
                "The requested batch size does not match with the initialized batch size.\n The "
                "requested batch size is ",
                batch_size, ", while the dataset is created with batch size equal to ",
                options_.batch_size());
    return batch_buffer_->get_batch();
  }
  BatchType get_batch() { return get_batch(options_.batch_size()); }

  // Starts an epoch: stops the previous one's preloaders, resets reader and chunk sampler
  // (unless a checkpoint was just loaded) and starts new preloaders.
  void reset() override {
    stop_workers();
    if (!load_checkpoint_) {
      chunk_reader_.reset();
      chunk_sampler_.reset(chunk_reader_.chunk_count());
    }
    load_checkpoint_ = false;
    batch_buffer_ = std::make_shared<detail::BatchDataBuffer<UnwrappedBatchType, ExampleSampler>>(
        options_.batch_size(), example_sampler_, options_.cache_size());
    quit_worker_ = false;
    running_preloaders_ = options_.preloader_count();
    for (size_t i = 0; i < options_.preloader_count(); ++i) {
      preload_threads_.emplace_back([this] { preloader(); });
    }
  }

  std::optional<size_t> size() const override { return std::nullopt; }

  // The chunk sampler (e.g. to set_epoch() on a distributed one).
  ChunkSamplerType& chunk_sampler() { return chunk_sampler_; }

  void save(serialize::OutputArchive& archive) const override {
    std::lock_guard<std::mutex> lock(chunk_index_guard_);
    chunk_sampler_.save(archive);
  }
  void load(serialize::InputArchive& archive) override {
    std::lock_guard<std::mutex> lock(chunk_index_guard_);
    chunk_sampler_.load(archive);
    load_checkpoint_ = true;
  }

 private:
  void preloader() {
    SerialRegionGuard serial;  // See Note [DataLoader workers]
    while (!quit_worker_.load()) {
      try {
        std::vector<size_t> chunk_idx;
        {
          std::lock_guard<std::mutex> lock(chunk_index_guard_);
          auto next = chunk_sampler_.next(options_.cross_chunk_shuffle_count());
          if (!next) break;
          chunk_idx.assign(next->begin(), next->end());
        }
        UnwrappedBatchType data = chunk_reader_.read_chunk(chunk_idx[0]);
        for (size_t i = 1; i < chunk_idx.size(); ++i) {
          auto more = chunk_reader_.read_chunk(chunk_idx[i]);
          std::move(more.begin(), more.end(), std::back_inserter(data));
        }
        if (preprocessing_policy_) preprocessing_policy_(data);
        if (!data.empty()) batch_buffer_->add_chunk_data(std::move(data));
      } catch (...) {
        batch_buffer_->add_chunk_data(std::current_exception());
      }
    }
    if (--running_preloaders_ == 0) batch_buffer_->stop();  // the epoch's data is all queued
  }

  void stop_workers() {
    if (batch_buffer_) batch_buffer_->stop();
    quit_worker_ = true;
    for (auto& t : preload_threads_) t.join();
    preload_threads_.clear();
  }

  ChunkReader chunk_reader_;
  ChunkSamplerType chunk_sampler_;
  ExampleSamplerType example_sampler_;
  std::shared_ptr<detail::BatchDataBuffer<UnwrappedBatchType, ExampleSamplerType>> batch_buffer_;
  std::vector<std::thread> preload_threads_;
  const ChunkDatasetOptions options_;
  // Runs on each loaded chunk (or group of chunks) before it is split into batches.
  std::function<void(UnwrappedBatchType&)> preprocessing_policy_;
  std::atomic<bool> quit_worker_{false};
  std::atomic<size_t> running_preloaders_{0};
  mutable std::mutex chunk_index_guard_;
  bool load_checkpoint_ = false;
};

}  // namespace datasets
}  // namespace data
}  // namespace ember
