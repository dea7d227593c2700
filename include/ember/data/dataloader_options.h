#pragma once
// DataLoaderOptions (what the user sets) and FullDataLoaderOptions (with defaults resolved).
#include <chrono>
#include <cstddef>
#include <optional>

#include "ember/core/arg.h"

namespace ember {
namespace data {

struct DataLoaderOptions {
  DataLoaderOptions() = default;
  /* implicit */ DataLoaderOptions(size_t batch_size) : batch_size_(batch_size) {}

  // Examples per batch.
  TORCH_ARG(size_t, batch_size) = 1;
  // Worker threads; 0 loads synchronously on the calling thread.
  TORCH_ARG(size_t, workers) = 0;
  // Most batches requested ahead of the caller; defaults to 2 * workers.
  TORCH_ARG(std::optional<size_t>, max_jobs);
  // Longest wait for the next batch before an error is raised.
  TORCH_ARG(std::optional<std::chrono::milliseconds>, timeout);
  // Hand out batches in sampler order even when workers finish out of order.
  TORCH_ARG(bool, enforce_ordering) = true;
  // Omit a last batch smaller than batch_size.
  TORCH_ARG(bool, drop_last) = false;
  // Batches in page-locked memory, pinned by the thread that made them (PyTorch's Python
  // DataLoader(pin_memory=True); libtorch's C++ loader has no such option). Without a CUDA
  // device it warns once and is ignored, as PyTorch's.
  TORCH_ARG(bool, pin_memory) = false;
};

struct FullDataLoaderOptions {
  explicit FullDataLoaderOptions(DataLoaderOptions options)
      : batch_size(options.batch_size()),
        workers(options.workers()),
        max_jobs(options.max_jobs().value_or(2 * workers)),
        timeout(options.timeout()),
        enforce_ordering(options.enforce_ordering()),
        drop_last(options.drop_last()),
        pin_memory(options.pin_memory()) {}

  size_t batch_size;
  size_t workers;
  size_t max_jobs;
  std::optional<std::chrono::milliseconds> timeout;
  bool enforce_ordering;
  bool drop_last;
  bool pin_memory;
};

}  // namespace data
}  // namespace ember
