// CUDA binary arithmetic and comparisons. Each kernel is a functor over one element; see
// src/cuda/loops.cuh.
#include <cmath>

#include "src/cuda/loops.cuh"
#include "src/kernels/int_math.h"

namespace ember::cuda {
namespace {

// Python's floor division and remainder for floats (as torch: exact quotient rounding).
template <class M>
__device__ __forceinline__ M float_floor_div(M a, M b) {
  if (b == 0) return a / b;
  M mod = ::fmod(a, b);
  M div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= M(1);
  if (div == 0) return ::copysign(M(0), a / b);
  M fl = ::floor(div);
  if (div - fl > M(0.5)) fl += M(1);
  return fl;
}
template <class M>
__device__ __forceinline__ M float_remainder(M a, M b) {
  M mod = ::fmod(a, b);
  if (mod != 0 && (b < 0) != (mod < 0)) mod += b;
  return mod;
}

// One arithmetic and one comparison kernel per dtype: the op is a runtime value (see unary.cu).
// Bool arrives here only for add, mul, maximum/minimum, fmax/fmin (the rest are checked on the
// host, as the CPU kernels' dtype dispatch does).
template <class T>
struct ArithOp {
  BinaryOp op;
  opmath_t<T> alpha;
  int* zero_flag;
  __device__ T operator()(T x, T y) const {
    using M = opmath_t<T>;
    switch (op) {
      case BinaryOp::add:
        if constexpr (std::is_same_v<T, bool>) {
          return x || (alpha && y);
        } else if constexpr (std::is_integral_v<T>) {
          return wrap_add(x, wrap_mul(alpha, y));
        } else {
          return T(M(x) + alpha * M(y));
        }
      case BinaryOp::mul:
        if constexpr (std::is_same_v<T, bool>) {
          return x && y;
        } else if constexpr (std::is_integral_v<T>) {
          return wrap_mul(x, y);
        } else {
          return T(M(x) * M(y));
        }
      case BinaryOp::maximum:
      case BinaryOp::minimum:
      case BinaryOp::fmax:
      case BinaryOp::fmin: {
        M a = M(x), b = M(y);
        if (is_nan(a) || is_nan(b)) {
          bool propagate = op == BinaryOp::maximum || op == BinaryOp::minimum;
          return propagate == is_nan(a) ? x : y;
        }
        bool is_max = op == BinaryOp::maximum || op == BinaryOp::fmax;
        return (is_max ? a > b : a < b) ? x : y;
      }
      default:
        break;
    }
    if constexpr (std::is_same_v<T, bool>) {
      return x;
    } else if constexpr (std::is_integral_v<T>) {
      switch (op) {
        case BinaryOp::div_trunc:
        case BinaryOp::div_floor:
        case BinaryOp::remainder:
        case BinaryOp::fmod:
          if (y == T(0)) {
            if (zero_flag) atomicExch(zero_flag, 1);
            return T(0);
          }
          return op == BinaryOp::div_trunc   ? int_trunc_div(x, y)
                 : op == BinaryOp::div_floor ? int_floor_div(x, y)
                 : op == BinaryOp::remainder ? int_remainder(x, y)
                                             : int_fmod(x, y);
        case BinaryOp::pow:
          return int_pow(x, y);
        default:
          return x;  // div and the float-only ops see floating dtypes (the iterator promotes)
      }
    } else {
      M a = M(x), b = M(y);
      switch (op) {
        case BinaryOp::div:
          return T(a / b);
        case BinaryOp::div_trunc:
          return T(::trunc(a / b));
        case BinaryOp::div_floor:
          return T(float_floor_div(a, b));
        case BinaryOp::remainder:
          return T(float_remainder(a, b));
        case BinaryOp::fmod:
          return T(::fmod(a, b));
        case BinaryOp::pow:
          return T(::pow(a, b));
        case BinaryOp::atan2:
          return T(::atan2(a, b));
        case BinaryOp::hypot:
          return T(::hypot(a, b));
        case BinaryOp::copysign:
          return T(::copysign(a, b));
        default:
          return x;
      }
    }
  }
};

template <class T>
struct CompareOp {
  BinaryOp op;
  __device__ bool operator()(T x, T y) const {
    using M = opmath_t<T>;
    M a = M(x), b = M(y);
    switch (op) {
      case BinaryOp::eq:
        return a == b;
      case BinaryOp::ne:
        return a != b;
      case BinaryOp::lt:
        return a < b;
      case BinaryOp::le:
        return a <= b;
      case BinaryOp::gt:
        return a > b;
      case BinaryOp::ge:
        return a >= b;
      case BinaryOp::logical_and:
        return (a != M(0)) && (b != M(0));
      case BinaryOp::logical_or:
        return (a != M(0)) || (b != M(0));
      default:
        return (a != M(0)) != (b != M(0));
    }
  }
};

}  // namespace

void launch_binary(const ElementwiseArgs& a, BinaryOp op, ScalarType dt, double alpha_f,
                   int64_t alpha_i, int* zero_flag) {
  bool compare = op >= BinaryOp::eq;
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        using M = opmath_t<T>;
        if constexpr (std::is_same_v<T, bool>) {
          // Logical ops read bool operands as bytes: any nonzero byte is true (as on the CPU).
          if (compare) {
            launch_elementwise(a, CompareOp<uint8_t>{op});
          } else {
            launch_elementwise(a, ArithOp<T>{op, alpha_i != 0, zero_flag});
          }
        } else if (compare) {
          launch_elementwise(a, CompareOp<T>{op});
        } else {
          M alpha = is_floating_v<T> ? static_cast<M>(alpha_f) : static_cast<M>(alpha_i);
          launch_elementwise(a, ArithOp<T>{op, alpha, zero_flag});
        }
      },
      op == BinaryOp::div || op == BinaryOp::atan2 || op == BinaryOp::hypot ||
          op == BinaryOp::copysign);
}

}  // namespace ember::cuda
