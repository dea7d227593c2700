// Ternary CPU kernels: where, clamp, lerp, addcmul, addcdiv.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "src/cpu/loops.h"
#include "src/cpu/wrapping.h"
#include "src/kernels/ternary.h"

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

// The condition arrives converted to T from its uint8 bytes: nonzero picks `a`.
void where_kernel(TensorIterator& it, const Scalar&) {
  visit_all_types(it.common_dtype(), "where", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      // Bool branches are read as bytes too (any nonzero byte is true).
      cpu::cpu_kernel(it,
                      [](uint8_t c, uint8_t a, uint8_t b) -> bool { return c ? a != 0 : b != 0; });
    } else if (it.input_dtype(0) == kByte) {  // the condition as bytes (keep_dtype)
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        // A bit select: the compiler keeps `c ? a : b` as a branch, which mispredicts on
        // data-dependent masks (ReLU's backward) and does not vectorise.
        using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
        cpu::cpu_kernel(it, [](uint8_t c, T a, T b) -> T {
          U m = U(0) - U(c != 0);
          return std::bit_cast<T>((std::bit_cast<U>(a) & m) | (std::bit_cast<U>(b) & ~m));
        });
      } else {
        cpu::cpu_kernel(it, [](uint8_t c, T a, T b) -> T { return c ? a : b; });
      }
    } else {
      using M = opmath_t<T>;
      cpu::cpu_kernel(it, [](T c, T a, T b) -> T { return M(c) != M(0) ? a : b; });
    }
  });
}

// Scalar bounds behave like std::min(std::max(x, lo), hi): a NaN input stays NaN, a NaN bound is
// ignored, and hi wins when lo > hi.
void clamp_scalar_kernel(TensorIterator& it, const Scalar&) {
  visit_numeric_types(it.common_dtype(), "clamp", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T x_, T lo_, T hi_) -> T {
      M x = M(x_), lo = M(lo_), hi = M(hi_);
      M r = x < lo ? lo : x;
      return static_cast<T>(hi < r ? hi : r);
    });
  });
}
void clamp_min_scalar_kernel(TensorIterator& it, const Scalar&) {
  visit_numeric_types(it.common_dtype(), "clamp_min", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T x, T lo) -> T { return M(x) < M(lo) ? lo : x; });
  });
}
void clamp_max_scalar_kernel(TensorIterator& it, const Scalar&) {
  visit_numeric_types(it.common_dtype(), "clamp_max", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T x, T hi) -> T { return M(hi) < M(x) ? hi : x; });
  });
}
// Tensor bounds: a NaN bound gives NaN.
void clamp_tensor_kernel(TensorIterator& it, const Scalar&) {
  visit_numeric_types(it.common_dtype(), "clamp", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T x_, T lo_, T hi_) -> T {
      M x = M(x_), lo = M(lo_), hi = M(hi_);
      if (is_nan(lo)) return lo_;
      if (is_nan(hi)) return hi_;
      M r = x < lo ? lo : x;
      return static_cast<T>(hi < r ? hi : r);
    });
  });
}

// PyTorch's two-sided formula: exact at weight 0 and 1.
template <class M>
inline M lerp(M a, M b, M w) {
  return std::abs(w) < M(0.5) ? a + w * (b - a) : b - (b - a) * (M(1) - w);
}
void lerp_scalar_kernel(TensorIterator& it, const Scalar& weight) {
  visit_floating_types(it.common_dtype(), "lerp", [&]<class T>() {
    using M = opmath_t<T>;
    M w = weight.to<M>();
    cpu::cpu_kernel(it, [w](T a, T b) -> T { return static_cast<T>(lerp(M(a), M(b), w)); });
  });
}
void lerp_tensor_kernel(TensorIterator& it, const Scalar&) {
  visit_floating_types(it.common_dtype(), "lerp", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T a, T b, T w) -> T { return static_cast<T>(lerp(M(a), M(b), M(w))); });
  });
}

void addcmul_kernel(TensorIterator& it, const Scalar& value) {
  visit_numeric_types(it.common_dtype(), "addcmul", [&]<class T>() {
    using M = opmath_t<T>;
    M v = value.to<M>();
    if constexpr (std::is_integral_v<T>) {
      cpu::cpu_kernel(it, [v](T s, T a, T b) -> T {
        return cpu::wrap_add(s, cpu::wrap_mul(v, cpu::wrap_mul(a, b)));
      });
    } else {
      cpu::cpu_kernel(it,
                      [v](T s, T a, T b) -> T { return static_cast<T>(M(s) + v * M(a) * M(b)); });
    }
  });
}
void addcdiv_kernel(TensorIterator& it, const Scalar& value) {
  visit_floating_types(it.common_dtype(), "addcdiv", [&]<class T>() {
    using M = opmath_t<T>;
    M v = value.to<M>();
    cpu::cpu_kernel(it, [v](T s, T a, T b) -> T { return static_cast<T>(M(s) + v * M(a) / M(b)); });
  });
}

}  // namespace

#define EMBER_DEFINE_TERNARY_STUB(name) EMBER_DEFINE_STUB(name##_stub, name##_kernel);
EMBER_TERNARY_STUBS(EMBER_DEFINE_TERNARY_STUB)

}  // namespace ember
