#pragma once
// ExpandingArray<D>: D integers given as one value (repeated) or as a list of D, converting to
// IntArrayRef; used by options such as Conv2dOptions(3, 8, /*kernel_size=*/3) or ({3, 5}).
#include <array>
#include <initializer_list>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/error.h"

namespace ember {

template <size_t D, class T = int64_t>
class ExpandingArray {
 public:
  ExpandingArray(std::initializer_list<T> list) : ExpandingArray(ArrayRef<T>(list)) {}
  ExpandingArray(std::vector<T> v) : ExpandingArray(ArrayRef<T>(v)) {}
  ExpandingArray(ArrayRef<T> v) {
    EMBER_CHECK(v.size() == D, "Expected ", D, " values, but instead got ", v.size());
    std::copy(v.begin(), v.end(), values_.begin());
  }
  ExpandingArray(T single) { values_.fill(single); }
  ExpandingArray(const std::array<T, D>& values) : values_(values) {}
  std::array<T, D>& operator*() { return values_; }
  const std::array<T, D>& operator*() const { return values_; }
  std::array<T, D>* operator->() { return &values_; }
  const std::array<T, D>* operator->() const { return &values_; }
  operator ArrayRef<T>() const { return ArrayRef<T>(values_.data(), D); }
  size_t size() const noexcept { return D; }
  T operator[](size_t i) const { return values_[i]; }

 private:
  std::array<T, D> values_;
};

}  // namespace ember
