// Unary CPU kernels: one line each. `x` is the element in its compute type (float for the 16-bit
// floats, see opmath_t), the expression's value is cast back to the output type.
#include <cmath>

#include "src/cpu/loops.h"
#include "src/kernels/unary.h"

namespace ember {
namespace {

// Floating outputs only (integer inputs were promoted by the iterator).
#define EMBER_FLOAT_KERNEL(name, expr)                                               \
  void name##_kernel(TensorIterator& it) {                                           \
    visit_floating_types(it.common_dtype(), #name, [&]<class T>() {                  \
      using M = opmath_t<T>;                                                         \
      cpu::cpu_kernel(it, [](T x_) -> T {                                            \
        M x = static_cast<M>(x_);                                                    \
        (void)x;                                                                     \
        return static_cast<T>(expr);                                                 \
      });                                                                            \
    });                                                                              \
  }                                                                                  \
  }                                                                                  \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                                     \
  namespace {

// Every numeric dtype (bool excluded unless the op allows it).
#define EMBER_NUMERIC_KERNEL(name, expr)                                             \
  void name##_kernel(TensorIterator& it) {                                           \
    visit_numeric_types(it.common_dtype(), #name, [&]<class T>() {                   \
      using M = opmath_t<T>;                                                         \
      cpu::cpu_kernel(it, [](T x_) -> T {                                            \
        M x = static_cast<M>(x_);                                                    \
        return static_cast<T>(expr);                                                 \
      });                                                                            \
    });                                                                              \
  }                                                                                  \
  }                                                                                  \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                                     \
  namespace {

template <class M>
inline M abs_value(M x) {
  if constexpr (std::is_unsigned_v<M>) {
    return x;
  } else {
    return x < 0 ? static_cast<M>(-x) : x;
  }
}

EMBER_NUMERIC_KERNEL(neg, static_cast<M>(-x))
EMBER_NUMERIC_KERNEL(abs, abs_value(x))
EMBER_NUMERIC_KERNEL(relu, x < M(0) ? M(0) : x)  // NaN propagates, as in PyTorch
EMBER_FLOAT_KERNEL(exp, std::exp(x))
EMBER_FLOAT_KERNEL(log, std::log(x))
EMBER_FLOAT_KERNEL(sqrt, std::sqrt(x))
EMBER_FLOAT_KERNEL(sin, std::sin(x))
EMBER_FLOAT_KERNEL(cos, std::cos(x))
EMBER_FLOAT_KERNEL(tanh, std::tanh(x))
EMBER_FLOAT_KERNEL(sigmoid, M(1) / (M(1) + std::exp(-x)))

void isnan_kernel(TensorIterator& it) {
  visit_all_types(it.common_dtype(), "isnan", [&]<class T>() {
    cpu::cpu_kernel(it, [](T x) -> bool {
      if constexpr (is_float_v<T>) {
        return std::isnan(static_cast<opmath_t<T>>(x));
      } else {
        (void)x;
        return false;
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(isnan_stub, isnan_kernel);

}  // namespace ember
