#pragma once
// Integer arithmetic shared by the CPU and CUDA kernels (host and device functions under nvcc):
// results wrap on overflow like PyTorch's two's complement ones, without signed-overflow UB
// (computed in an unsigned type at least as wide as `unsigned`), and the division family never
// traps on MIN / -1 (callers handle a zero divisor first).
#include <type_traits>

#if defined(__CUDACC__)
#define EMBER_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define EMBER_HOST_DEVICE inline
#endif

namespace ember {

template <class T>
using wide_unsigned_t = std::common_type_t<std::make_unsigned_t<T>, unsigned>;

template <class T>
EMBER_HOST_DEVICE T wrap_add(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T>
EMBER_HOST_DEVICE T wrap_mul(T a, T b) {
  using U = wide_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <class T>
EMBER_HOST_DEVICE T wrapping_neg(T a) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(U(0) - static_cast<U>(a)));
}

// Division family for a nonzero divisor: C's truncation, Python's floor and remainder.
template <class T>
EMBER_HOST_DEVICE T int_trunc_div(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return wrapping_neg(a);
  }
  return static_cast<T>(a / b);
}
template <class T>
EMBER_HOST_DEVICE T int_fmod(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return T(0);
  }
  return static_cast<T>(a % b);
}
template <class T>
EMBER_HOST_DEVICE T int_floor_div(T a, T b) {
  T q = int_trunc_div(a, b);
  if constexpr (std::is_signed_v<T>) {
    T r = int_fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) q = static_cast<T>(q - 1);
  }
  return q;
}
template <class T>
EMBER_HOST_DEVICE T int_remainder(T a, T b) {
  T r = int_fmod(a, b);
  if constexpr (std::is_signed_v<T>) {
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
  }
  return r;
}

// Integer power by squaring; overflow wraps, negative exponents give 0 except for bases 1 and -1.
template <class T>
EMBER_HOST_DEVICE T int_pow(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) {
      if (a == 1) return 1;
      if (a == -1) return b % 2 != 0 ? T(-1) : T(1);
      return 0;
    }
  }
  T result = 1;
  for (auto e = static_cast<std::make_unsigned_t<T>>(b); e; e >>= 1) {
    if (e & 1) result = wrap_mul(result, a);
    a = wrap_mul(a, a);
  }
  return result;
}

}  // namespace ember
