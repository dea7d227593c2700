#pragma once
#include <cstddef>
#include <optional>

#include "ember/data/samplers/base.h"
#include "ember/data/samplers/custom_batch_request.h"

namespace ember {
namespace data {
namespace samplers {

// A batch request that is only a number of examples.
struct BatchSize : public CustomBatchRequest {
  explicit BatchSize(size_t size);
  size_t size() const noexcept override;
  operator size_t() const noexcept;
  size_t size_;
};

// For stream datasets: hands out batch sizes until epoch_size examples have been requested.
class StreamSampler : public Sampler<BatchSize> {
 public:
  explicit StreamSampler(size_t epoch_size);
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<BatchSize> next(size_t batch_size) override;
  void save(serialize::OutputArchive& archive) const override;
  void load(serialize::InputArchive& archive) override;

 private:
  size_t examples_retrieved_so_far_ = 0;
  size_t epoch_size_;
};

}  // namespace samplers
}  // namespace data
}  // namespace ember
