// CUDA binary arithmetic and comparisons. Each kernel is a functor over one element; see
// src/cuda/loops.cuh.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

// Integer arithmetic wraps like two's complement (no signed-overflow UB).
template <class T>
__device__ __forceinline__ T wrap_add(T a, T b) {
  using U = std::common_type_t<std::make_unsigned_t<T>, unsigned>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T>
__device__ __forceinline__ T wrap_mul(T a, T b) {
  using U = std::common_type_t<std::make_unsigned_t<T>, unsigned>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

// One arithmetic and one comparison kernel per dtype: the op is a runtime value (see unary.cu).
template <class T>
struct ArithOp {
  BinaryOp op;
  opmath_t<T> alpha;
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
      case BinaryOp::div:
        if constexpr (is_floating_v<T>) {
          return T(M(x) / M(y));
        } else {
          return x;  // integers are promoted to float before a true division
        }
      case BinaryOp::maximum:
      case BinaryOp::minimum: {
        M a = M(x), b = M(y);
        if constexpr (is_floating_v<T>) {
          if (a != a) return x;  // NaN propagates
          if (b != b) return y;
        }
        return ((op == BinaryOp::maximum) ? a > b : a < b) ? x : y;
      }
      default:
        return x;
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
      default:
        return a >= b;
    }
  }
};

}  // namespace

void launch_binary(const ElementwiseArgs& a, BinaryOp op, ScalarType dt, double alpha_f,
                   int64_t alpha_i) {
  bool compare = op == BinaryOp::eq || op == BinaryOp::ne || op == BinaryOp::lt ||
                 op == BinaryOp::le || op == BinaryOp::gt || op == BinaryOp::ge;
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        using M = opmath_t<T>;
        if (compare) {
          launch_elementwise(a, CompareOp<T>{op});
        } else {
          M alpha = is_floating_v<T> ? static_cast<M>(alpha_f) : static_cast<M>(alpha_i);
          launch_elementwise(a, ArithOp<T>{op, alpha});
        }
      },
      op == BinaryOp::div);
}

}  // namespace ember::cuda
