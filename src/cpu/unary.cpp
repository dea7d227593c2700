// Unary CPU kernels: one line each. `x` is the element in its compute type (float for the 16-bit
// floats, see opmath_t), the expression's value is cast back to the output type.
#include <cmath>
#include <limits>

#include "src/cpu/loops.h"
#include "src/cpu/vec_loops.h"
#include "src/kernels/special_math.h"
#include "src/kernels/unary.h"

namespace ember {
namespace {

// Floating outputs only (integer inputs were promoted by the iterator).
#define EMBER_FLOAT_KERNEL(name, expr)                              \
  void name##_kernel(TensorIterator& it) {                          \
    visit_floating_types(it.common_dtype(), #name, [&]<class T>() { \
      using M = opmath_t<T>;                                        \
      cpu::cpu_kernel(it, [](T x_) -> T {                           \
        M x = static_cast<M>(x_);                                   \
        (void)x;                                                    \
        return static_cast<T>(expr);                                \
      });                                                           \
    });                                                             \
  }                                                                 \
  }                                                                 \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                    \
  namespace {

// Floating outputs through the vector math tables (src/cpu/vec_math.h): the same result for
// every layout and dtype path (the 16-bit floats compute in float).
#define EMBER_VEC_KERNEL(name)                                                                  \
  void name##_kernel(TensorIterator& it) {                                                      \
    visit_floating_types(it.common_dtype(), #name,                                              \
                         [&]<class T>() { cpu::vec_unary_kernel<T>(it, cpu::vec::Fn::name); }); \
  }                                                                                             \
  }                                                                                             \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                                                \
  namespace {

// Every numeric dtype (bool excluded unless the op allows it).
#define EMBER_NUMERIC_KERNEL(name, expr)                           \
  void name##_kernel(TensorIterator& it) {                         \
    visit_numeric_types(it.common_dtype(), #name, [&]<class T>() { \
      using M = opmath_t<T>;                                       \
      cpu::cpu_kernel(it, [](T x_) -> T {                          \
        M x = static_cast<M>(x_);                                  \
        return static_cast<T>(expr);                               \
      });                                                          \
    });                                                            \
  }                                                                \
  }                                                                \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                   \
  namespace {

// Every dtype, bool included (sign of a bool is itself).
#define EMBER_ALL_KERNEL(name, expr)                           \
  void name##_kernel(TensorIterator& it) {                     \
    visit_all_types(it.common_dtype(), #name, [&]<class T>() { \
      using M = opmath_t<T>;                                   \
      cpu::cpu_kernel(it, [](T x_) -> T {                      \
        M x = static_cast<M>(x_);                              \
        return static_cast<T>(expr);                           \
      });                                                      \
    });                                                        \
  }                                                            \
  }                                                            \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);               \
  namespace {

// Bool output for every input dtype; `fexpr` for floats, `iexpr` for integers and bool.
#define EMBER_PREDICATE_KERNEL(name, fexpr, iexpr)             \
  void name##_kernel(TensorIterator& it) {                     \
    visit_all_types(it.common_dtype(), #name, [&]<class T>() { \
      cpu::cpu_kernel(it, [](T x_) -> bool {                   \
        if constexpr (is_float_v<T>) {                         \
          opmath_t<T> x = static_cast<opmath_t<T>>(x_);        \
          return fexpr;                                        \
        } else {                                               \
          T x = x_;                                            \
          (void)x;                                             \
          return iexpr;                                        \
        }                                                      \
      });                                                      \
    });                                                        \
  }                                                            \
  }                                                            \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);               \
  namespace {

template <class M>
inline M abs_value(M x) {
  if constexpr (std::is_unsigned_v<M>) {
    return x;
  } else {
    return x < 0 ? static_cast<M>(-x) : x;
  }
}

// sign: 0 for NaN and +-0, as PyTorch's CPU kernel.
template <class M>
inline M sign_value(M x) {
  if constexpr (std::is_same_v<M, bool>) {
    return x;
  } else if constexpr (std::is_unsigned_v<M>) {
    return static_cast<M>(x > 0);
  } else {
    return static_cast<M>(static_cast<int>(M(0) < x) - static_cast<int>(x < M(0)));
  }
}

// Rounding ops: integers are already whole.
template <class M, class F>
inline M rounded(M x, F f) {
  if constexpr (std::is_integral_v<M>) {
    return x;
  } else {
    return f(x);
  }
}

// Inverse error function: a float approximation (Giles, 2010) refined by two Newton steps in
// double, so float64 is accurate too.
inline double erfinv_value(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1) return std::numeric_limits<double>::infinity();
  if (y == -1) return -std::numeric_limits<double>::infinity();
  if (y == 0) return y;  // keeps -0.0
  double w = -std::log((1.0 - y) * (1.0 + y)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      p = c + p * w;
  }
  double x = p * y;
  for (int i = 0; i < 2; ++i) {
    double err = std::erf(x) - y;
    x -= err / (1.1283791670955126 * std::exp(-x * x));
  }
  return x;
}

inline double lgamma_value(double x) {
  int sign;
  return ::lgamma_r(x, &sign);
}

EMBER_NUMERIC_KERNEL(neg, static_cast<M>(-x))
EMBER_NUMERIC_KERNEL(abs, abs_value(x))
EMBER_NUMERIC_KERNEL(relu, x < M(0) ? M(0) : x)  // NaN propagates, as in PyTorch
EMBER_NUMERIC_KERNEL(square, x* x)
EMBER_NUMERIC_KERNEL(floor, rounded(x, [](auto v) { return std::floor(v); }))
EMBER_NUMERIC_KERNEL(ceil, rounded(x, [](auto v) { return std::ceil(v); }))
EMBER_NUMERIC_KERNEL(round, rounded(x, [](auto v) { return std::nearbyint(v); }))
EMBER_NUMERIC_KERNEL(trunc, rounded(x, [](auto v) { return std::trunc(v); }))
EMBER_ALL_KERNEL(sign, sign_value(x))
EMBER_ALL_KERNEL(sgn, sign_value(x))
EMBER_VEC_KERNEL(exp)
EMBER_VEC_KERNEL(log)
EMBER_FLOAT_KERNEL(sqrt, std::sqrt(x))
EMBER_FLOAT_KERNEL(sin, std::sin(x))
EMBER_FLOAT_KERNEL(cos, std::cos(x))
EMBER_VEC_KERNEL(tanh)
EMBER_VEC_KERNEL(sigmoid)
EMBER_FLOAT_KERNEL(rsqrt, M(1) / std::sqrt(x))
EMBER_FLOAT_KERNEL(exp2, std::exp2(x))
EMBER_VEC_KERNEL(expm1)
EMBER_FLOAT_KERNEL(log2, std::log2(x))
EMBER_FLOAT_KERNEL(log10, std::log10(x))
EMBER_VEC_KERNEL(log1p)
EMBER_FLOAT_KERNEL(tan, std::tan(x))
EMBER_FLOAT_KERNEL(asin, std::asin(x))
EMBER_FLOAT_KERNEL(acos, std::acos(x))
EMBER_FLOAT_KERNEL(atan, std::atan(x))
EMBER_FLOAT_KERNEL(sinh, std::sinh(x))
EMBER_FLOAT_KERNEL(cosh, std::cosh(x))
EMBER_FLOAT_KERNEL(asinh, std::asinh(x))
EMBER_FLOAT_KERNEL(acosh, std::acosh(x))
EMBER_FLOAT_KERNEL(atanh, std::atanh(x))
EMBER_VEC_KERNEL(erf)
EMBER_FLOAT_KERNEL(erfc, std::erfc(x))
EMBER_FLOAT_KERNEL(erfinv, static_cast<M>(erfinv_value(x)))
EMBER_FLOAT_KERNEL(frac, x - std::trunc(x))
EMBER_FLOAT_KERNEL(reciprocal, M(1) / x)
EMBER_FLOAT_KERNEL(digamma, static_cast<M>(digamma_value(x)))
EMBER_FLOAT_KERNEL(lgamma, static_cast<M>(lgamma_value(x)))

EMBER_PREDICATE_KERNEL(isnan, std::isnan(x), false)
EMBER_PREDICATE_KERNEL(isinf, std::isinf(x), false)
EMBER_PREDICATE_KERNEL(isfinite, std::isfinite(x), true)
EMBER_PREDICATE_KERNEL(isposinf, x == std::numeric_limits<decltype(x)>::infinity(), false)
EMBER_PREDICATE_KERNEL(isneginf, x == -std::numeric_limits<decltype(x)>::infinity(), false)
// copysign, not std::signbit: GCC 12 fails to compile vectorised signbit (internal compiler error).
EMBER_PREDICATE_KERNEL(signbit, std::copysign(decltype(x)(1), x) < 0,
                       std::is_signed_v<T>&& x < T(0))

// Round half to even at `decimals` places: scale, round, unscale (as PyTorch, which also
// divides by 10^-decimals for negative decimals).
void round_decimals_kernel(TensorIterator& it, double decimals, double, double) {
  visit_floating_types(it.common_dtype(), "round", [&]<class T>() {
    using M = opmath_t<T>;
    int64_t d = static_cast<int64_t>(decimals);
    bool neg = d < 0;
    M ten_pow = static_cast<M>(std::pow(M(10), static_cast<M>(neg ? -d : d)));
    cpu::cpu_kernel(it, [=](T x_) -> T {
      M x = static_cast<M>(x_);
      return static_cast<T>(neg ? std::nearbyint(x / ten_pow) * ten_pow
                                : std::nearbyint(x * ten_pow) / ten_pow);
    });
  });
}

void polygamma_kernel(TensorIterator& it, double n, double, double) {
  visit_floating_types(it.common_dtype(), "polygamma", [&]<class T>() {
    using M = opmath_t<T>;
    int64_t k = static_cast<int64_t>(n);
    cpu::cpu_kernel(it, [k](T x) -> T {
      return static_cast<T>(static_cast<M>(polygamma_value(k, static_cast<double>(x))));
    });
  });
}

void nan_to_num_kernel(TensorIterator& it, double nan, double posinf, double neginf) {
  visit_all_types(it.common_dtype(), "nan_to_num", [&]<class T>() {
    if constexpr (is_float_v<T>) {
      using M = opmath_t<T>;
      T n = static_cast<T>(static_cast<M>(nan)), p = static_cast<T>(static_cast<M>(posinf)),
        q = static_cast<T>(static_cast<M>(neginf));
      cpu::cpu_kernel(it, [=](T x_) -> T {
        M x = static_cast<M>(x_);
        return std::isnan(x) ? n
                             : (x == std::numeric_limits<M>::infinity()    ? p
                                : x == -std::numeric_limits<M>::infinity() ? q
                                                                           : x_);
      });
    } else {
      cpu::cpu_kernel(it, [](T x) -> T { return x; });
    }
  });
}

}  // namespace

EMBER_DEFINE_STUB(round_decimals_stub, round_decimals_kernel);
EMBER_DEFINE_STUB(nan_to_num_stub, nan_to_num_kernel);
EMBER_DEFINE_STUB(polygamma_stub, polygamma_kernel);

}  // namespace ember
