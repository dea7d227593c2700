#pragma once
// Unary kernels through the vector math tables (src/cpu/vec_math.h): contiguous runs go straight
// to the table's function; strided runs and the 16-bit floats pass through a small buffer, so
// every layout gives bit-identical results.
#include <algorithm>
#include <type_traits>

#include "ember/iter/tensor_iterator.h"
#include "src/cpu/loops.h"
#include "src/cpu/vec_math.h"

namespace ember {
namespace cpu {

template <class T>
void vec_unary_kernel(const TensorIterator& it, vec::Fn fn) {
  using M = opmath_t<T>;
  static_assert(std::is_same_v<M, float> || std::is_same_v<M, double>);
  it.for_each([fn](char** data, const int64_t* strides, int64_t n) {
    if constexpr (std::is_same_v<T, M>) {
      if (strides[0] == sizeof(T) && strides[1] == sizeof(T)) {
        vec::map<T>(fn, reinterpret_cast<const T*>(data[1]), reinterpret_cast<T*>(data[0]), n);
        return;
      }
    }
    constexpr int64_t kBuf = 256;
    M buf[kBuf];
    for (int64_t i = 0; i < n; i += kBuf) {
      int64_t m = std::min(kBuf, n - i);
      for (int64_t k = 0; k < m; ++k)
        buf[k] = static_cast<M>(load<T>(data[1] + (i + k) * strides[1]));
      vec::map<M>(fn, buf, buf, m);
      for (int64_t k = 0; k < m; ++k) {
        T v = static_cast<T>(buf[k]);
        std::memcpy(data[0] + (i + k) * strides[0], &v, sizeof(T));
      }
    }
  });
}

}  // namespace cpu
}  // namespace ember
