#pragma once
// Scalar: a number of unknown type (bool, integer or floating), as c10::Scalar.
#include <cstdint>
#include <limits>
#include <ostream>
#include <type_traits>

#include "ember/core/scalar_type.h"

namespace ember {

namespace detail {
[[noreturn]] void throw_scalar_overflow(const char* type);
}

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

  // The value as T. Like c10's checked_convert, a value outside T's range raises "value cannot be
  // converted to type int8_t without overflow" (negative integers may wrap into unsigned types;
  // infinities and NaN convert to floating types; bool takes any value).
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) {
      return tag_ == Tag::Double ? v_.d != 0 : v_.i != 0;
    } else if constexpr (std::is_integral_v<T>) {
      using L = std::numeric_limits<T>;
      if (tag_ == Tag::Double) {
        // NaN fails every comparison. A 64-bit max rounds up to 2^63 (2^64) in double: exclusive.
        double d = v_.d;
        bool ok = d >= static_cast<double>(L::lowest());
        if constexpr (L::digits < 53) {
          ok = ok && d <= static_cast<double>(L::max());
        } else {
          ok = ok && d < static_cast<double>(L::max());
        }
        if (!ok) detail::throw_scalar_overflow(type_name<T>());
        return static_cast<T>(d);
      }
      int64_t i = v_.i;
      if constexpr (sizeof(T) < sizeof(int64_t) || !L::is_signed) {
        bool bad = L::is_signed ? (i < static_cast<int64_t>(L::lowest()) ||
                                   i > static_cast<int64_t>(L::max()))
                                : (static_cast<uint64_t>(i) > L::max() &&
                                   (i >= 0 || uint64_t(0) - static_cast<uint64_t>(i) > L::max()));
        if (bad) detail::throw_scalar_overflow(type_name<T>());
      }
      return static_cast<T>(i);
    } else {
      double d = tag_ == Tag::Double ? v_.d : static_cast<double>(v_.i);
      if constexpr (!std::is_same_v<T, double>) {
        // Finite values beyond T's largest overflow; infinities and NaN pass.
        constexpr double max = std::is_same_v<T, Half>       ? 65504.0
                               : std::is_same_v<T, BFloat16> ? 3.3895313892515355e38
                                                             : std::numeric_limits<float>::max();
        if (d < -max || d > max) {
          if (d == d && d - d == 0) detail::throw_scalar_overflow(type_name<T>());
        }
      }
      return static_cast<T>(d);
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
  // c10's names for the types in the overflow message.
  template <class T>
  static constexpr const char* type_name() {
    if constexpr (std::is_same_v<T, int8_t>) return "int8_t";
    if constexpr (std::is_same_v<T, uint8_t>) return "uint8_t";
    if constexpr (std::is_same_v<T, int16_t>) return "int16_t";
    if constexpr (std::is_same_v<T, int32_t>) return "int";
    if constexpr (std::is_same_v<T, int64_t>) return "int64_t";
    if constexpr (std::is_same_v<T, float>) return "float";
    if constexpr (std::is_same_v<T, Half>) return "at::Half";
    if constexpr (std::is_same_v<T, BFloat16>) return "at::BFloat16";
    return "the requested type";
  }
  Tag tag_;
  union {
    double d;
    int64_t i;
  } v_;
};

std::ostream& operator<<(std::ostream& os, const Scalar& s);

}  // namespace ember
