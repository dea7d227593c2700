#pragma once
// Integer arithmetic that wraps on overflow like PyTorch's two's complement results, without
// signed-overflow UB: computed in an unsigned type at least as wide as `unsigned`.
#include <type_traits>

namespace ember {
namespace cpu {

template <class T>
using wide_unsigned_t = std::common_type_t<std::make_unsigned_t<T>, unsigned>;

template <class T>
inline T wrap_add(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T>
inline T wrap_mul(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

}  // namespace cpu
}  // namespace ember
