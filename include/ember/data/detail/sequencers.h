#pragma once
// Sequencers decide the order in which worker results reach the caller: NoSequencer as they come,
// OrderedSequencer by sequence number (DataLoaderOptions::enforce_ordering).
#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

#include "ember/core/error.h"

namespace ember {
namespace data {
namespace detail {
namespace sequencers {

template <typename Result>
struct Sequencer {
  using ResultProducer = std::function<std::optional<Result>()>;
  virtual ~Sequencer() = default;
  virtual std::optional<Result> next(ResultProducer next_result) = 0;
};

template <typename Result>
struct NoSequencer final : public Sequencer<Result> {
  using typename Sequencer<Result>::ResultProducer;
  std::optional<Result> next(ResultProducer next_result) override { return next_result(); }
};

// Buffers early results in a ring of max_jobs slots: result s + max_jobs cannot be scheduled
// before result s has been returned, so slots never collide.
template <typename Result>
struct OrderedSequencer : public Sequencer<Result> {
  using typename Sequencer<Result>::ResultProducer;

  explicit OrderedSequencer(size_t max_jobs) : buffer_(max_jobs == 0 ? 1 : max_jobs) {}

  std::optional<Result> next(ResultProducer next_result) override {
    if (auto& slot = buffer(next_sequence_number_)) {
      auto result = std::move(slot);
      slot.reset();
      ++next_sequence_number_;
      return result;
    }
    while (true) {
      auto result = next_result();
      if (!result) break;
      if (result->sequence_number == next_sequence_number_) {
        ++next_sequence_number_;
        return result;
      }
      auto& slot = buffer(result->sequence_number);
      EMBER_CHECK(!slot.has_value(), "[DataLoader] internal error: two results for slot ",
                  result->sequence_number % buffer_.size());
      slot = std::move(result);
    }
    return std::nullopt;
  }

  std::optional<Result>& buffer(size_t index) { return buffer_[index % buffer_.size()]; }

  size_t next_sequence_number_ = 0;
  std::vector<std::optional<Result>> buffer_;
};

}  // namespace sequencers
}  // namespace detail
}  // namespace data
}  // namespace ember
