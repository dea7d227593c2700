#pragma once
// Scalar: a number of unknown type (bool, integer or floating), as c10::Scalar.
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "ember/core/scalar_type.h"

namespace ember {

class Scalar {
 public:
  enum class Tag : uint8_t { Double, Long, Bool };
  Scalar() : Scalar(int64_t(0)) {}
  Scalar(bool v) : tag_(Tag::Bool) { v_.i = v; }
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : tag_(Tag::Long) {
    v_.i = static_cast<int64_t>(v);
  }
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : tag_(Tag::Double) {
    v_.d = static_cast<double>(v);
  }
  Scalar(Half v) : Scalar(static_cast<double>(static_cast<float>(v))) {}
  Scalar(BFloat16 v) : Scalar(static_cast<double>(static_cast<float>(v))) {}

  bool isFloatingPoint() const { return tag_ == Tag::Double; }
  bool isIntegral(bool include_bool) const {
    return tag_ == Tag::Long || (include_bool && tag_ == Tag::Bool);
  }
  bool isBoolean() const { return tag_ == Tag::Bool; }
  bool isComplex() const { return false; }
  Tag tag() const { return tag_; }
  // The dtype a wrapped number of this scalar gets: double, long or bool.
  ScalarType type() const {
    return tag_ == Tag::Double ? kDouble : tag_ == Tag::Long ? kLong : kBool;
  }

  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) {
      return tag_ == Tag::Double ? v_.d != 0 : v_.i != 0;
    } else if constexpr (std::is_integral_v<T>) {
      return tag_ == Tag::Double ? static_cast<T>(static_cast<int64_t>(v_.d)) : static_cast<T>(v_.i);
    } else {
      return tag_ == Tag::Double ? static_cast<T>(v_.d) : static_cast<T>(static_cast<double>(v_.i));
    }
  }
  double toDouble() const { return to<double>(); }
  float toFloat() const { return to<float>(); }
  int64_t toLong() const { return to<int64_t>(); }
  int32_t toInt() const { return to<int32_t>(); }
  bool toBool() const { return to<bool>(); }
  Scalar operator-() const {
    if (tag_ == Tag::Double) return Scalar(-v_.d);
    return Scalar(-v_.i);
  }
  bool equal(double d) const { return tag_ == Tag::Double ? v_.d == d : double(v_.i) == d; }

 private:
  Tag tag_;
  union {
    double d;
    int64_t i;
  } v_;
};

std::ostream& operator<<(std::ostream& os, const Scalar& s);

}  // namespace ember
