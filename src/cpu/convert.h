#pragma once
// Value conversion between dtypes without undefined behaviour: float -> integer conversions of
// NaN, infinities and out-of-range values give the wrapped int64 value (or 0 for NaN).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "ember/core/scalar_type.h"

namespace ember {
namespace cpu {

template <class D, class S>
inline D convert(S x) {
  if constexpr (std::is_same_v<D, S>) {
    return x;
  } else if constexpr (std::is_same_v<D, bool>) {
    // Directly, not through float: 1e-50 is true.
    if constexpr (is_reduced_float_v<S>) {
      return static_cast<float>(x) != 0.0f;
    } else {
      return x != S(0);
    }
  } else if constexpr (std::is_integral_v<D> && is_float_v<S>) {
    double v = static_cast<double>(static_cast<opmath_t<S>>(x));
    if (!(v > -9.2e18 && v < 9.2e18)) return static_cast<D>(std::isnan(v) ? 0 : INT64_MIN);
    return static_cast<D>(static_cast<int64_t>(v));
  } else if constexpr (is_reduced_float_v<D>) {
    return D(static_cast<float>(x));
  } else if constexpr (is_reduced_float_v<S>) {
    return static_cast<D>(static_cast<float>(x));
  } else {
    return static_cast<D>(x);
  }
}

}  // namespace cpu
}  // namespace ember
