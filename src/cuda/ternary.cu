// CUDA where, clamp, lerp, addcmul and addcdiv (src/kernels/ternary.h), with the CPU kernels'
// semantics (src/cpu/ternary.cpp). Each kernel is a functor over one element; see loops.cuh.
#include <cmath>

#include "src/cuda/loops.cuh"
#include "src/kernels/int_math.h"

namespace ember::cuda {
namespace {

// PyTorch's two-sided formula: exact at weight 0 and 1.
template <class M>
__device__ __forceinline__ M lerp(M a, M b, M w) {
  return (w < M(0) ? -w : w) < M(0.5) ? a + w * (b - a) : b - (b - a) * (M(1) - w);
}

// Three inputs: where, clamp_scalar, clamp_tensor, lerp_tensor, addcmul, addcdiv.
template <class T>
struct Ternary3 {
  TernaryOp op;
  opmath_t<T> value;
  __device__ T operator()(T x_, T y_, T z_) const {
    using M = opmath_t<T>;
    M x = M(x_), y = M(y_), z = M(z_);
    switch (op) {
      case TernaryOp::where:
        return x != M(0) ? y_ : z_;
      case TernaryOp::clamp_scalar: {  // NaN input stays NaN, a NaN bound is ignored
        M r = x < y ? y : x;
        return T(z < r ? z : r);
      }
      case TernaryOp::clamp_tensor: {  // a NaN bound gives NaN
        if (is_nan(y)) return y_;
        if (is_nan(z)) return z_;
        M r = x < y ? y : x;
        return T(z < r ? z : r);
      }
      case TernaryOp::addcmul:
        if constexpr (std::is_integral_v<M>) {
          return wrap_add(x_, wrap_mul(static_cast<T>(value), wrap_mul(y_, z_)));
        } else {
          return T(x + value * y * z);
        }
      default:
        break;
    }
    if constexpr (std::is_integral_v<M>) {
      return x_;  // lerp and addcdiv see floating dtypes only (checked on the host)
    } else {
      if (op == TernaryOp::lerp_tensor) return T(lerp(x, y, z));
      return T(x + value * y / z);  // addcdiv
    }
  }
};

// Two inputs: clamp_min_scalar, clamp_max_scalar, lerp_scalar.
template <class T>
struct Ternary2 {
  TernaryOp op;
  opmath_t<T> value;
  __device__ T operator()(T x_, T y_) const {
    using M = opmath_t<T>;
    M x = M(x_), y = M(y_);
    switch (op) {
      case TernaryOp::clamp_min_scalar:
        return x < y ? y_ : x_;
      case TernaryOp::clamp_max_scalar:
        return y < x ? y_ : x_;
      default:
        if constexpr (std::is_integral_v<M>) {
          return x_;
        } else {
          return T(lerp(x, y, value));
        }
    }
  }
};

// where on bool reads its branches as bytes (any nonzero byte is true), as the CPU kernel.
struct WhereBool {
  __device__ bool operator()(uint8_t c, uint8_t a, uint8_t b) const { return c ? a != 0 : b != 0; }
};

}  // namespace

void launch_ternary(const ElementwiseArgs& a, TernaryOp op, ScalarType dt, double value_f,
                    int64_t value_i) {
  bool floating_only =
      op == TernaryOp::lerp_scalar || op == TernaryOp::lerp_tensor || op == TernaryOp::addcdiv;
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        using M = opmath_t<T>;
        if constexpr (std::is_same_v<T, bool>) {
          EMBER_CHECK(op == TernaryOp::where, "[", a.op, "] \"", a.op,
                      "\" not implemented for 'Bool'");
          launch_elementwise(a, WhereBool{});
        } else {
          M v = is_floating_v<T> ? static_cast<M>(value_f) : static_cast<M>(value_i);
          if (op == TernaryOp::clamp_min_scalar || op == TernaryOp::clamp_max_scalar ||
              op == TernaryOp::lerp_scalar) {
            launch_elementwise(a, Ternary2<T>{op, v});
          } else {
            launch_elementwise(a, Ternary3<T>{op, v});
          }
        }
      },
      floating_only);
}

}  // namespace ember::cuda
