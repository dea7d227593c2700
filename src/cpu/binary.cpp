// Binary CPU kernels.
#include <cmath>

#include "src/cpu/loops.h"
#include "src/kernels/binary.h"

namespace ember {
namespace {

void add_kernel(TensorIterator& it, const Scalar& alpha) {
  visit_all_types(it.common_dtype(), "add", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      bool a = alpha.to<bool>();
      cpu::cpu_kernel(it, [a](bool x, bool y) -> bool { return x || (a && y); });
    } else {
      using M = opmath_t<T>;
      M a = alpha.to<M>();
      if (a == M(1)) {
        cpu::cpu_kernel(it, [](T x, T y) -> T { return static_cast<T>(M(x) + M(y)); });
      } else {
        cpu::cpu_kernel(it, [a](T x, T y) -> T { return static_cast<T>(M(x) + a * M(y)); });
      }
    }
  });
}

void mul_kernel(TensorIterator& it, const Scalar&) {
  visit_all_types(it.common_dtype(), "mul", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      cpu::cpu_kernel(it, [](bool x, bool y) -> bool { return x && y; });
    } else {
      using M = opmath_t<T>;
      cpu::cpu_kernel(it, [](T x, T y) -> T { return static_cast<T>(M(x) * M(y)); });
    }
  });
}

// True division: the iterator already promoted integers to float.
void div_kernel(TensorIterator& it, const Scalar&) {
  visit_floating_types(it.common_dtype(), "div", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T x, T y) -> T { return static_cast<T>(M(x) / M(y)); });
  });
}

#define EMBER_COMPARE_KERNEL(name, op)                                              \
  void name##_kernel(TensorIterator& it, const Scalar&) {                            \
    visit_all_types(it.common_dtype(), #name, [&]<class T>() {                       \
      using M = opmath_t<T>;                                                        \
      cpu::cpu_kernel(it, [](T x, T y) -> bool { return M(x) op M(y); });            \
    });                                                                             \
  }
EMBER_COMPARE_KERNEL(eq, ==)
EMBER_COMPARE_KERNEL(ne, !=)
EMBER_COMPARE_KERNEL(lt, <)
EMBER_COMPARE_KERNEL(le, <=)
EMBER_COMPARE_KERNEL(gt, >)
EMBER_COMPARE_KERNEL(ge, >=)

}  // namespace

#define EMBER_DEFINE_BINARY_STUB(name) EMBER_DEFINE_STUB(name##_stub, name##_kernel);
EMBER_BINARY_STUBS(EMBER_DEFINE_BINARY_STUB)

}  // namespace ember
