#pragma once
// StatelessDataLoader: a sampler produces batch requests (indices) for a stateless dataset; each
// worker thread owns a copy of the dataset.
#include <memory>
#include <optional>
#include <utility>

#include "ember/data/dataloader/base.h"

namespace ember {
namespace data {

template <typename Dataset, typename Sampler>
class StatelessDataLoader : public DataLoaderBase<Dataset, typename Dataset::BatchType,
                                                  typename Sampler::BatchRequestType> {
 public:
  using super =
      DataLoaderBase<Dataset, typename Dataset::BatchType, typename Sampler::BatchRequestType>;
  using typename super::BatchRequestType;

  StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
      : super(std::move(options)), sampler_(std::move(sampler)) {
    for (size_t w = 0; w < this->options_.workers; ++w) {
      this->workers_.emplace_back(
          [shared = this->shared_, dataset]() mutable { super::worker_loop(*shared, dataset); });
    }
    if (this->options_.workers == 0) {
      this->main_thread_dataset_ = std::make_shared<Dataset>(std::move(dataset));
    }
  }

 private:
  void reset() override {
    sampler_.reset();
    super::reset();
  }

  std::optional<BatchRequestType> get_batch_request() override {
    auto indices = sampler_.next(this->options_.batch_size);
    if (!indices || (indices->size() < this->options_.batch_size && this->options_.drop_last)) {
      return std::nullopt;
    }
    EMBER_CHECK(indices->size() > 0, "[DataLoader] the sampler returned an empty batch");
    return indices;
  }

  Sampler sampler_;
};

}  // namespace data
}  // namespace ember
