#pragma once
// Distributed samplers: each of num_replicas ranks gets a contiguous block of local_sample_count()
// positions of the (shuffled) index list, as libtorch's. With allow_duplicates the list is padded
// by wrapping around so every rank gets ceil(size / num_replicas) samples; without it the tail is
// dropped and every rank gets floor(size / num_replicas).
#include <cstddef>
#include <optional>
#include <vector>

#include "ember/core/error.h"
#include "ember/data/samplers/base.h"

namespace ember {
namespace data {
namespace samplers {

template <typename BatchRequest = std::vector<size_t>>
class DistributedSampler : public Sampler<BatchRequest> {
 public:
  DistributedSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                     bool allow_duplicates = true)
      : size_(size),
        num_replicas_(num_replicas),
        rank_(rank),
        epoch_(0),
        allow_duplicates_(allow_duplicates) {
    check_args();
  }

  // The epoch seeds the shuffle: call before each epoch so ranks agree on a new order.
  void set_epoch(size_t epoch) { epoch_ = epoch; }
  size_t epoch() const { return epoch_; }

 protected:
  size_t local_sample_count() {
    if (allow_duplicates_) return (size_ + num_replicas_ - 1) / num_replicas_;
    return size_ / num_replicas_;
  }
  void check_args() const {
    EMBER_CHECK(num_replicas_ > 0, "[DistributedSampler] num_replicas must be positive, got 0");
    EMBER_CHECK(rank_ < num_replicas_, "[DistributedSampler] rank ", rank_,
                " is out of range for num_replicas ", num_replicas_);
  }

  size_t size_;
  size_t num_replicas_;
  size_t rank_;
  size_t epoch_;
  bool allow_duplicates_;
};

// A shuffle (std::mt19937 seeded with the epoch) shared by all ranks, then this rank's block.
class DistributedRandomSampler : public DistributedSampler<> {
 public:
  DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                           bool allow_duplicates = true);
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
  void save(serialize::OutputArchive& archive) const override;
  void load(serialize::InputArchive& archive) override;
  size_t index() const noexcept;

 private:
  void populate_indices();

  size_t begin_index_ = 0;
  size_t end_index_ = 0;
  size_t sample_index_ = 0;
  std::vector<size_t> all_indices_;
};

class DistributedSequentialSampler : public DistributedSampler<> {
 public:
  DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                               bool allow_duplicates = true);
  void reset(std::optional<size_t> new_size = std::nullopt) override;
  std::optional<std::vector<size_t>> next(size_t batch_size) override;
  void save(serialize::OutputArchive& archive) const override;
  void load(serialize::InputArchive& archive) override;
  size_t index() const noexcept;

 private:
  void populate_indices();

  size_t begin_index_ = 0;
  size_t end_index_ = 0;
  size_t sample_index_ = 0;
  std::vector<size_t> all_indices_;
};

}  // namespace samplers
}  // namespace data
}  // namespace ember
