#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/data/samplers/base.h"

namespace ember {

using Dtype = ScalarType;  // libtorch's name for a dtype

namespace data {
namespace samplers {

// A random permutation of 0 ... size - 1, drawn anew (randperm on the default generator, so
// manual_seed makes it reproducible and equal to libtorch's) at construction and every reset().
class RandomSampler : public Sampler<> {
 public:
  // index_dtype is the dtype the permutation is stored in (smaller saves memory).
  explicit RandomSampler(int64_t size, Dtype index_dtype = kLong);
  ~RandomSampler() override;
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
  void save(serialize::OutputArchive& archive) const override;
  void load(serialize::InputArchive& archive) override;
  size_t index() const noexcept;

 private:
  Tensor indices_;
  int64_t index_ = 0;
};

}  // namespace samplers
}  // namespace data
}  // namespace ember
