#pragma once
// The data loader's input iterator (libtorch's design): a ValidIterator yields batches until the
// loader is exhausted, then compares equal to the SentinelIterator that end() returns.
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>

#include "ember/core/error.h"

namespace ember {
namespace data {
namespace detail {

template <typename Batch>
struct ValidIterator;
template <typename Batch>
struct SentinelIterator;

template <typename Batch>
struct IteratorImpl {
  virtual ~IteratorImpl() = default;
  virtual void next() = 0;
  virtual Batch& get() = 0;
  virtual bool operator==(const IteratorImpl& other) const = 0;
  virtual bool operator==(const ValidIterator<Batch>& other) const = 0;
  virtual bool operator==(const SentinelIterator<Batch>& other) const = 0;
};

template <typename Batch>
struct ValidIterator : public IteratorImpl<Batch> {
  using BatchProducer = std::function<std::optional<Batch>()>;

  explicit ValidIterator(BatchProducer next_batch) : next_batch_(std::move(next_batch)) {}

  void next() override {
    lazy_initialize();
    EMBER_CHECK(batch_.has_value(), "Attempted to increment iterator past the end");
    batch_ = next_batch_();
  }
  Batch& get() override {
    lazy_initialize();
    EMBER_CHECK(batch_.has_value(), "Attempted to dereference iterator that was past the end");
    return *batch_;
  }
  bool operator==(const IteratorImpl<Batch>& other) const override { return other == *this; }
  bool operator==(const SentinelIterator<Batch>&) const override {
    lazy_initialize();
    return !batch_;
  }
  bool operator==(const ValidIterator<Batch>& other) const override { return &other == this; }

  // The first batch is fetched on first use, not when begin() is called.
  void lazy_initialize() const {
    if (!initialized_) {
      initialized_ = true;
      batch_ = next_batch_();
    }
  }

  BatchProducer next_batch_;
  mutable std::optional<Batch> batch_;
  mutable bool initialized_ = false;
};

template <typename Batch>
struct SentinelIterator : public IteratorImpl<Batch> {
  void next() override {
    EMBER_ERROR("Incrementing the DataLoader's past-the-end iterator is not allowed");
  }
  Batch& get() override {
    EMBER_ERROR("Dereferencing the DataLoader's past-the-end iterator is not allowed");
  }
  bool operator==(const IteratorImpl<Batch>& other) const override { return other == *this; }
  bool operator==(const ValidIterator<Batch>& other) const override { return other == *this; }
  bool operator==(const SentinelIterator<Batch>&) const override { return true; }
};

}  // namespace detail

template <typename Batch>
class Iterator {
 public:
  using difference_type = std::ptrdiff_t;
  using value_type = Batch;
  using pointer = Batch*;
  using reference = Batch&;
  using iterator_category = std::input_iterator_tag;

  explicit Iterator(std::unique_ptr<detail::IteratorImpl<Batch>> impl) : impl_(std::move(impl)) {}

  Iterator& operator++() {
    impl_->next();
    return *this;
  }
  Batch& operator*() { return impl_->get(); }
  Batch* operator->() { return &impl_->get(); }
  bool operator==(const Iterator& other) const { return *impl_ == *other.impl_; }
  bool operator!=(const Iterator& other) const { return !(*this == other); }

 private:
  std::shared_ptr<detail::IteratorImpl<Batch>> impl_;
};

}  // namespace data
}  // namespace ember
