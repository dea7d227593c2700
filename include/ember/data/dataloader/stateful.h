#pragma once
// StatefulDataLoader: the (stateful) dataset decides what goes into each batch and says when the
// epoch is over by returning nullopt; all workers share the one dataset, which must be
// thread-safe when workers > 1.
#include <memory>
#include <optional>
#include <utility>

#include "ember/data/dataloader/base.h"

namespace ember {
namespace data {

template <typename Dataset>
class StatefulDataLoader : public DataLoaderBase<Dataset, typename Dataset::BatchType::value_type,
                                                 typename Dataset::BatchRequestType> {
 public:
  using super = DataLoaderBase<Dataset, typename Dataset::BatchType::value_type,
                               typename Dataset::BatchRequestType>;
  using typename super::BatchRequestType;

  StatefulDataLoader(Dataset dataset, DataLoaderOptions options)
      : super(std::move(options), std::make_unique<Dataset>(std::move(dataset))) {
    for (size_t w = 0; w < this->options_.workers; ++w) {
      this->workers_.emplace_back([shared = this->shared_, ds = this->main_thread_dataset_] {
        super::worker_loop(*shared, *ds);
      });
    }
  }

 private:
  void reset() override {
    this->shared_->shuttle.drain(this->options_.timeout);  // no worker may still be reading
    this->main_thread_dataset_->reset();
    super::reset();
  }

  std::optional<BatchRequestType> get_batch_request() override { return this->options_.batch_size; }
};

}  // namespace data
}  // namespace ember
