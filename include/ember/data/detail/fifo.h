#pragma once
// Fifo: a first-in first-out list on one std::vector (the data loader's queues; <deque> would
// add ~2k lines to every TU that includes the umbrella header).
#include <cstddef>
#include <utility>
#include <vector>

namespace ember {
namespace data {
namespace detail {

template <typename T>
class Fifo {
 public:
  bool empty() const { return head_ == items_.size(); }
  size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  T& back() { return items_.back(); }

  void push_back(T value) { items_.push_back(std::move(value)); }
  void push_front(T value) {
    if (head_ > 0) {
      items_[--head_] = std::move(value);
    } else {
      items_.insert(items_.begin(), std::move(value));
    }
  }
  T pop_front() {
    T value = std::move(items_[head_++]);
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= 32 && 2 * head_ >= items_.size()) {  // drop the consumed prefix
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
    return value;
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<T> items_;
  size_t head_ = 0;  // items_[0, head_) are consumed
};

}  // namespace detail
}  // namespace data
}  // namespace ember
