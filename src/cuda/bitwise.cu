// CUDA bitwise ops and shifts (integral dtypes; bool arrives as bytes with a bool output) and the
// elementwise parts of mse_loss and binary_cross_entropy, with the CPU kernels' semantics
// (src/cpu/binary.cpp, src/cpu/loss.cpp).
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

template <class T>
struct BitwiseFn {
  BitwiseOp op;
  __device__ T operator()(T a, T b) const {
    using U = std::make_unsigned_t<T>;
    using S = std::make_signed_t<T>;
    constexpr int64_t bits = sizeof(T) * 8;
    switch (op) {
      case BitwiseOp::bitwise_and:
        return static_cast<T>(a & b);
      case BitwiseOp::bitwise_or:
        return static_cast<T>(a | b);
      case BitwiseOp::bitwise_xor:
        return static_cast<T>(a ^ b);
      case BitwiseOp::left_shift:
        // Negative shifts and shifts by the bit width or more give 0.
        if (static_cast<int64_t>(static_cast<S>(b)) < 0 || static_cast<int64_t>(b) >= bits)
          return T(0);
        return static_cast<T>(static_cast<U>(static_cast<U>(a) << b));
      default: {
        // ... and the sign fill for right shifts.
        constexpr int64_t max_shift = bits - std::is_signed_v<T>;
        if (static_cast<int64_t>(static_cast<S>(b)) < 0 || static_cast<int64_t>(b) >= max_shift)
          return static_cast<T>(a >> max_shift);
        return static_cast<T>(a >> b);
      }
    }
  }
};

struct BoolBitwiseFn {
  BitwiseOp op;
  __device__ bool operator()(uint8_t a, uint8_t b) const {
    bool x = a != 0, y = b != 0;
    return op == BitwiseOp::bitwise_and  ? (x && y)
           : op == BitwiseOp::bitwise_or ? (x || y)
                                         : x != y;
  }
};

template <class T>
struct NotFn {
  __device__ T operator()(T a) const { return static_cast<T>(~a); }
};
struct BoolNotFn {
  __device__ bool operator()(uint8_t a) const { return a == 0; }
};

template <class T>
struct MseFn {
  __device__ T operator()(T a, T b) const {
    using M = opmath_t<T>;
    M d = M(a) - M(b);
    return static_cast<T>(d * d);
  }
};

template <class T>
struct BceFn {
  int* bad;
  __device__ T operator()(T x_, T t_) const {
    using M = opmath_t<T>;
    M x = M(x_), t = M(t_);
    if (!(x >= M(0) && x <= M(1))) atomicExch(bad, 1);
    // Logs clamped at -100 so that x = 0 or 1 gives a finite loss, as PyTorch.
    M lx = ::log(x), l1x = ::log(M(1) - x);
    lx = lx < M(-100) ? M(-100) : lx;
    l1x = l1x < M(-100) ? M(-100) : l1x;
    return static_cast<T>((t - M(1)) * l1x - t * lx);
  }
};

}  // namespace

void launch_bitwise(const ElementwiseArgs& a, BitwiseOp op, ScalarType dt, bool bool_out) {
  if (bool_out) {
    if (op == BitwiseOp::bitwise_not) {
      launch_elementwise(a, BoolNotFn{});
    } else {
      launch_elementwise(a, BoolBitwiseFn{op});
    }
    return;
  }
  visit_device_types(dt, a.op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (op == BitwiseOp::bitwise_not) {
        launch_elementwise(a, NotFn<T>{});
      } else {
        launch_elementwise(a, BitwiseFn<T>{op});
      }
    } else {
      EMBER_ERROR("[", a.op, "] \"", a.op, "\" not implemented for '", toString(dt), "'");
    }
  });
}

void launch_loss_elementwise(const ElementwiseArgs& a, bool bce, ScalarType dt, int* bad) {
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          if (bce) {
            launch_elementwise(a, BceFn<T>{bad});
          } else {
            launch_elementwise(a, MseFn<T>{});
          }
        }
      },
      true);
}

}  // namespace ember::cuda
