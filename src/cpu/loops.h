#pragma once
// Elementwise CPU loops over a TensorIterator. A kernel is a lambda over elements:
//   cpu_kernel(it, [](float a, float b) { return a + b; });
// The operand types come from the lambda's signature (see Note [Iterator dtypes]). Runs whose
// operands are all contiguous or broadcast scalars get a plain indexed loop the compiler
// vectorises; everything else walks byte strides.
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ember/iter/tensor_iterator.h"

namespace ember {
namespace cpu {

template <class F>
struct function_traits : function_traits<decltype(&std::decay_t<F>::operator())> {};
template <class C, class R, class... A>
struct function_traits<R (C::*)(A...) const> {
  using result_type = R;
  using args = std::tuple<std::decay_t<A>...>;
  static constexpr size_t arity = sizeof...(A);
};
template <class C, class R, class... A>
struct function_traits<R (C::*)(A...)> : function_traits<R (C::*)(A...) const> {};

template <class T>
inline T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <class F, size_t... I>
inline void basic_loop(char** data, const int64_t* strides, int64_t n, F& f,
                       std::index_sequence<I...>) {
  using traits = function_traits<F>;
  using R = typename traits::result_type;
  using Args = typename traits::args;
  char* out = data[0];
  const int64_t os = strides[0];
  // Fast path: everything contiguous, or inputs broadcast as scalars.
  bool contiguous = os == static_cast<int64_t>(sizeof(R)) &&
                    ((strides[I + 1] == static_cast<int64_t>(sizeof(std::tuple_element_t<I, Args>)) ||
                      strides[I + 1] == 0) && ...);
  if (contiguous) {
    R* o = reinterpret_cast<R*>(out);
    if (((strides[I + 1] != 0) && ...)) {
      std::tuple<const std::tuple_element_t<I, Args>*...> in{
          reinterpret_cast<const std::tuple_element_t<I, Args>*>(data[I + 1])...};
      // Outputs alias inputs only element for element (in-place ops): no loop-carried
      // dependency, so let the vectoriser skip its runtime overlap checks.
#pragma GCC ivdep
      for (int64_t i = 0; i < n; ++i) o[i] = f(std::get<I>(in)[i]...);
    } else {
#pragma GCC ivdep
      for (int64_t i = 0; i < n; ++i) {
        o[i] = f(*reinterpret_cast<const std::tuple_element_t<I, Args>*>(data[I + 1] +
                                                                        i * strides[I + 1])...);
      }
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    R r = f(*reinterpret_cast<const std::tuple_element_t<I, Args>*>(data[I + 1] + i * strides[I + 1])...);
    *reinterpret_cast<R*>(out + i * os) = r;
  }
}

// Runs `f` for every element; f's return value is written to the output.
template <class F>
void cpu_kernel(const TensorIterator& it, F f) {
  using traits = function_traits<F>;
  EMBER_CHECK(static_cast<int>(traits::arity) == it.ninputs(),
              "[cpu_kernel] kernel arity does not match the iterator's inputs");
  it.for_each([&](char** data, const int64_t* strides, int64_t n) {
    basic_loop(data, strides, n, f, std::make_index_sequence<traits::arity>{});
  });
}

// Like cpu_kernel, but serial: for kernels that keep state across elements (random numbers).
template <class F>
void serial_kernel(const TensorIterator& it, F f) {
  using traits = function_traits<F>;
  it.serial_for_each(
      [&](char** data, const int64_t* strides, int64_t n) {
        basic_loop(data, strides, n, f, std::make_index_sequence<traits::arity>{});
      },
      0, it.numel());
}

}  // namespace cpu
}  // namespace ember
