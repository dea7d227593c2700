// Binary CPU kernels. Each is a lambda over one element of the compute dtype (see Note [Iterator
// dtypes]); 16-bit floats compute in float (opmath_t).
#include <atomic>
#include <cmath>

#include "src/cpu/loops.h"
#include "src/cpu/wrapping.h"
#include "src/kernels/binary.h"

namespace ember {
namespace {

template <class T>
inline bool is_nan(T x) {
  if constexpr (is_float_v<T>) {
    return std::isnan(static_cast<opmath_t<T>>(x));
  } else {
    (void)x;
    return false;
  }
}

void add_kernel(TensorIterator& it, const Scalar& alpha) {
  visit_all_types(it.common_dtype(), "add", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      bool a = alpha.to<bool>();
      cpu::cpu_kernel(it, [a](bool x, bool y) -> bool { return x || (a && y); });
    } else if constexpr (std::is_integral_v<T>) {
      T a = alpha.to<T>();
      cpu::cpu_kernel(it, [a](T x, T y) -> T { return cpu::wrap_add(x, cpu::wrap_mul(a, y)); });
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
    } else if constexpr (std::is_integral_v<T>) {
      cpu::cpu_kernel(it, [](T x, T y) -> T { return cpu::wrap_mul(x, y); });
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

#define EMBER_COMPARE_KERNEL(name, op)                                    \
  void name##_kernel(TensorIterator& it, const Scalar&) {                 \
    visit_all_types(it.common_dtype(), #name, [&]<class T>() {            \
      using M = opmath_t<T>;                                              \
      cpu::cpu_kernel(it, [](T x, T y) -> bool { return M(x) op M(y); }); \
    });                                                                   \
  }
EMBER_COMPARE_KERNEL(eq, ==)
EMBER_COMPARE_KERNEL(ne, !=)
EMBER_COMPARE_KERNEL(lt, <)
EMBER_COMPARE_KERNEL(le, <=)
EMBER_COMPARE_KERNEL(gt, >)
EMBER_COMPARE_KERNEL(ge, >=)

// ---- integer division family: never traps (x / 0 is flagged, INT_MIN / -1 wraps) ----

template <class M>
inline M float_floor_div(M a, M b) {
  if (b == 0) return a / b;  // IEEE result
  M mod = std::fmod(a, b);
  M div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= M(1);
  if (div == 0) return std::copysign(M(0), a / b);
  M fl = std::floor(div);
  if (div - fl > M(0.5)) fl += M(1);
  return fl;
}
template <class M>
inline M float_remainder(M a, M b) {
  M mod = std::fmod(a, b);
  if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
  return mod;
}

// Integer kernel `iop` with a zero-divisor check, float kernel `fop` in opmath.
template <class IntOp, class FloatOp>
void division_kernel(TensorIterator& it, const char* name, IntOp iop, FloatOp fop) {
  visit_numeric_types(it.common_dtype(), name, [&]<class T>() {
    if constexpr (std::is_integral_v<T>) {
      std::atomic<bool> zero{false};
      cpu::cpu_kernel(it, [&zero, iop](T a, T b) -> T {
        if (b == T(0)) {
          zero.store(true, std::memory_order_relaxed);
          return T(0);
        }
        return iop(a, b);
      });
      EMBER_CHECK(!zero.load(), "[", name, "] ZeroDivisionError");
    } else {
      using M = opmath_t<T>;
      cpu::cpu_kernel(it, [fop](T a, T b) -> T { return static_cast<T>(fop(M(a), M(b))); });
    }
  });
}

void div_trunc_kernel(TensorIterator& it, const Scalar&) {
  division_kernel(
      it, "div", [](auto a, auto b) { return int_trunc_div(a, b); },
      [](auto a, auto b) { return std::trunc(a / b); });
}
void div_floor_kernel(TensorIterator& it, const Scalar&) {
  division_kernel(
      it, "floor_divide", [](auto a, auto b) { return int_floor_div(a, b); },
      [](auto a, auto b) { return float_floor_div(a, b); });
}
void remainder_kernel(TensorIterator& it, const Scalar&) {
  division_kernel(
      it, "remainder", [](auto a, auto b) { return int_remainder(a, b); },
      [](auto a, auto b) { return float_remainder(a, b); });
}
void fmod_kernel(TensorIterator& it, const Scalar&) {
  division_kernel(
      it, "fmod", [](auto a, auto b) { return int_fmod(a, b); },
      [](auto a, auto b) { return std::fmod(a, b); });
}

void pow_kernel(TensorIterator& it, const Scalar&) {
  visit_numeric_types(it.common_dtype(), "pow", [&]<class T>() {
    if constexpr (std::is_integral_v<T>) {
      cpu::cpu_kernel(it, [](T a, T b) -> T { return int_pow(a, b); });
    } else {
      using M = opmath_t<T>;
      cpu::cpu_kernel(it, [](T a, T b) -> T { return static_cast<T>(std::pow(M(a), M(b))); });
    }
  });
}

#define EMBER_FLOAT_BINARY_KERNEL(name, expr)                       \
  void name##_kernel(TensorIterator& it, const Scalar&) {           \
    visit_floating_types(it.common_dtype(), #name, [&]<class T>() { \
      using M = opmath_t<T>;                                        \
      cpu::cpu_kernel(it, [](T a_, T b_) -> T {                     \
        M a = M(a_), b = M(b_);                                     \
        return static_cast<T>(expr);                                \
      });                                                           \
    });                                                             \
  }
EMBER_FLOAT_BINARY_KERNEL(atan2, std::atan2(a, b))
EMBER_FLOAT_BINARY_KERNEL(hypot, std::hypot(a, b))
EMBER_FLOAT_BINARY_KERNEL(copysign, std::copysign(a, b))

// maximum/minimum propagate NaN; fmax/fmin ignore it. Bool compares as 0/1.
#define EMBER_MINMAX_KERNEL(name, pick, nan_expr)                    \
  void name##_kernel(TensorIterator& it, const Scalar&) {            \
    visit_all_types(it.common_dtype(), #name, [&]<class T>() {       \
      using M = opmath_t<T>;                                         \
      cpu::cpu_kernel(it, [](T a_, T b_) -> T {                      \
        M a = M(a_), b = M(b_);                                      \
        if (is_nan(a) || is_nan(b)) return static_cast<T>(nan_expr); \
        return static_cast<T>(pick);                                 \
      });                                                            \
    });                                                              \
  }
EMBER_MINMAX_KERNEL(maximum, a > b ? a : b, is_nan(a) ? a : b)
EMBER_MINMAX_KERNEL(minimum, a < b ? a : b, is_nan(a) ? a : b)
EMBER_MINMAX_KERNEL(fmax, a > b ? a : b, is_nan(a) ? b : a)
EMBER_MINMAX_KERNEL(fmin, a < b ? a : b, is_nan(a) ? b : a)

// ---- logical and bitwise ----
// Logical ops run on the inputs' own dtype with bool viewed as uint8 (see bool_as_bytes), so any
// nonzero byte is true; the output is bool.
#define EMBER_LOGICAL_KERNEL(name, op)                                                       \
  void name##_kernel(TensorIterator& it, const Scalar&) {                                    \
    visit_numeric_types(it.common_dtype(), #name, [&]<class T>() {                           \
      using M = opmath_t<T>;                                                                 \
      cpu::cpu_kernel(it, [](T a, T b) -> bool { return (M(a) != M(0)) op(M(b) != M(0)); }); \
    });                                                                                      \
  }
EMBER_LOGICAL_KERNEL(logical_and, &&)
EMBER_LOGICAL_KERNEL(logical_or, ||)
EMBER_LOGICAL_KERNEL(logical_xor, !=)

void logical_not_kernel(TensorIterator& it, const Scalar&) {
  visit_numeric_types(it.common_dtype(), "logical_not", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T a) -> bool { return M(a) == M(0); });
  });
}

// Integral dtypes; a bool operation arrives as uint8 bytes with a bool output.
#define EMBER_BITWISE_KERNEL(name, op)                                                       \
  void name##_kernel(TensorIterator& it, const Scalar&) {                                    \
    if (it.output_dtype() == kBool) {                                                        \
      cpu::cpu_kernel(it, [](uint8_t a, uint8_t b) -> bool { return (a != 0) op(b != 0); }); \
      return;                                                                                \
    }                                                                                        \
    visit_integral_types(                                                                    \
        it.common_dtype(), #name,                                                            \
        [&]<class T>() {                                                                     \
          if constexpr (!std::is_same_v<T, bool>)                                            \
            cpu::cpu_kernel(it, [](T a, T b) -> T { return static_cast<T>(a op b); });       \
        },                                                                                   \
        false);                                                                              \
  }
EMBER_BITWISE_KERNEL(bitwise_and, &)
EMBER_BITWISE_KERNEL(bitwise_or, |)
EMBER_BITWISE_KERNEL(bitwise_xor, ^)

void bitwise_not_kernel(TensorIterator& it, const Scalar&) {
  if (it.output_dtype() == kBool) {
    cpu::cpu_kernel(it, [](uint8_t a) -> bool { return a == 0; });
    return;
  }
  visit_integral_types(
      it.common_dtype(), "bitwise_not",
      [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>)
          cpu::cpu_kernel(it, [](T a) -> T { return static_cast<T>(~a); });
      },
      false);
}

// Shifts by a negative amount or by at least the bit width give 0 (left) or the sign fill (right).
void left_shift_kernel(TensorIterator& it, const Scalar&) {
  visit_integral_types(
      it.common_dtype(), "lshift",
      [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>)
          cpu::cpu_kernel(it, [](T a, T b) -> T {
            using U = std::make_unsigned_t<T>;
            constexpr int64_t bits = sizeof(T) * 8;
            if (static_cast<int64_t>(static_cast<std::make_signed_t<T>>(b)) < 0 ||
                static_cast<int64_t>(b) >= bits)
              return T(0);
            return static_cast<T>(static_cast<U>(static_cast<U>(a) << b));
          });
      },
      false);
}
void right_shift_kernel(TensorIterator& it, const Scalar&) {
  visit_integral_types(
      it.common_dtype(), "rshift",
      [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>)
          cpu::cpu_kernel(it, [](T a, T b) -> T {
            constexpr int64_t max_shift = sizeof(T) * 8 - std::is_signed_v<T>;
            if (static_cast<int64_t>(static_cast<std::make_signed_t<T>>(b)) < 0 ||
                static_cast<int64_t>(b) >= max_shift)
              return static_cast<T>(a >> max_shift);
            return static_cast<T>(a >> b);
          });
      },
      false);
}

}  // namespace

#define EMBER_DEFINE_BINARY_STUB(name) EMBER_DEFINE_STUB(name##_stub, name##_kernel);
EMBER_BINARY_STUBS(EMBER_DEFINE_BINARY_STUB)

}  // namespace ember
