// CUDA activations and the unary ops with scalar parameters (src/kernels/activation.h,
// round_decimals, nan_to_num), with the CPU kernels' formulas (src/cpu/activation.cpp,
// src/cpu/unary.cpp). One kernel per dtype with the op as a runtime value, as unary.cu.
#include <cmath>

#include "src/cuda/loops.cuh"
#include "src/kernels/activation_math.h"

namespace ember::cuda {
namespace {

template <class M>
__device__ __forceinline__ M hardtanh_value(M x, M lo, M hi) {
  return x < lo ? lo : (x > hi ? hi : x);  // NaN passes through
}

template <class T>
struct ActivationFn {
  ActivationOp op;
  opmath_t<T> a, b, c;
  __device__ T operator()(T x_) const {
    using M = opmath_t<T>;
    M x = static_cast<M>(x_);
    switch (op) {
      case ActivationOp::hardtanh:
        return T(hardtanh_value(x, a, b));
      case ActivationOp::threshold:
        return x <= a ? T(b) : x_;
      default:
        break;
    }
    if constexpr (std::is_integral_v<M>) {
      return x_;  // the other ops see floating dtypes only (checked on the host)
    } else {
      switch (op) {
        case ActivationOp::gelu:
          if (a != M(0)) {
            M inner = M(0.7978845608028654) * (x + M(0.044715) * x * x * x);
            return T(M(0.5) * x * (M(1) + ::tanh(inner)));
          }
          return T(M(0.5) * x * (M(1) + ::erf(x * M(0.7071067811865476))));
        case ActivationOp::silu:
          return T(x / (M(1) + ::exp(-x)));
        case ActivationOp::mish:
          return T(x * ::tanh(::log1p(::exp(x))));
        case ActivationOp::softplus:
          return T(x * a > b ? x : ::log1p(::exp(x * a)) / a);
        case ActivationOp::elu:
          return T(x > M(0) ? x * b : (::exp(x * c) - M(1)) * a * b);
        case ActivationOp::leaky_relu:
          return T(x > M(0) ? x : x * a);
        case ActivationOp::hardsigmoid:
          return T(hardtanh_value(x + M(3), M(0), M(6)) / M(6));
        case ActivationOp::hardswish:
          return T(x * hardtanh_value(x + M(3), M(0), M(6)) / M(6));
        case ActivationOp::logit: {
          if (a >= M(0)) x = x < a ? a : (x > M(1) - a ? M(1) - a : x);
          return T(::log(x / (M(1) - x)));
        }
        case ActivationOp::log_sigmoid:
          return T((x < M(0) ? x : M(0)) - ::log1p(::exp(-::fabs(x))));
        case ActivationOp::softshrink:
          return T(x > a ? x - a : (x < -a ? x + a : M(0)));  // NaN -> 0, as PyTorch
        case ActivationOp::hardshrink:
          return T((x >= -a && x <= a) ? M(0) : x);
        case ActivationOp::round_decimals:  // a: 10^|decimals|, b: 1 when decimals < 0
          return T(b != M(0) ? ::nearbyint(x / a) * a : ::nearbyint(x * a) / a);
        case ActivationOp::nan_to_num:  // a: nan, b: posinf, c: neginf
          return x != x ? T(a) : (::isinf(x) ? (x > M(0) ? T(b) : T(c)) : x_);
        default:
          return x_;
      }
    }
  }
};

// grad * d/dx gelu(x) in the compute type (float for the 16-bit types), as the CPU kernel.
template <class T>
struct GeluBackwardFn {
  bool approx;
  __device__ T operator()(T g_, T x_) const {
    using M = opmath_t<T>;
    return T(static_cast<M>(g_) * gelu_derivative(static_cast<M>(x_), approx));
  }
};

template <class T>
struct PreluFn {
  __device__ T operator()(T x_, T w_) const {
    using M = opmath_t<T>;
    M x = static_cast<M>(x_);
    return T(x > M(0) ? x : static_cast<M>(w_) * x);
  }
};

template <class M>
M param(double v) {
  if constexpr (std::is_integral_v<M>) {
    return static_cast<M>(static_cast<int64_t>(v));
  } else {
    return static_cast<M>(v);
  }
}

}  // namespace

void launch_activation(const ElementwiseArgs& a, ActivationOp op, ScalarType dt, double pa,
                       double pb, double pc) {
  bool numeric = op == ActivationOp::hardtanh || op == ActivationOp::threshold ||
                 op == ActivationOp::nan_to_num;
  if (op == ActivationOp::round_decimals) {  // pa: decimals -> |decimals|, pb: negative?
    int64_t d = static_cast<int64_t>(pa);
    pb = d < 0 ? 1 : 0;
    pa = static_cast<double>(d < 0 ? -d : d);
  }
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        using M = opmath_t<T>;
        if constexpr (std::is_same_v<T, bool>) {
          EMBER_CHECK(op == ActivationOp::nan_to_num, "[", a.op, "] \"", a.op,
                      "\" not implemented for 'Bool'");
          launch_elementwise(a, ActivationFn<uint8_t>{ActivationOp::nan_to_num, 0, 0, 0});
        } else if constexpr (std::is_integral_v<T>) {
          if (op == ActivationOp::nan_to_num) {
            launch_elementwise(a, ActivationFn<T>{ActivationOp::nan_to_num, 0, 0, 0});
          } else {
            launch_elementwise(a, ActivationFn<T>{op, param<M>(pa), param<M>(pb), param<M>(pc)});
          }
        } else {
          M ma = static_cast<M>(pa), mb = static_cast<M>(pb), mc = static_cast<M>(pc);
          if (op == ActivationOp::round_decimals) {
            // The power of ten in the compute type, as the CPU kernel.
            ma = static_cast<M>(std::pow(static_cast<M>(10), static_cast<M>(pa)));
          }
          if (op == ActivationOp::nan_to_num) {
            // The replacement values rounded to T first, as the CPU kernel.
            ma = static_cast<M>(T(ma));
            mb = static_cast<M>(T(mb));
            mc = static_cast<M>(T(mc));
          }
          launch_elementwise(a, ActivationFn<T>{op, ma, mb, mc});
        }
      },
      !numeric);
}

void launch_prelu(const ElementwiseArgs& a, ScalarType dt) {
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) launch_elementwise(a, PreluFn<T>{});
      },
      true);
}

void launch_gelu_backward(const ElementwiseArgs& a, ScalarType dt, bool approx) {
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) launch_elementwise(a, GeluBackwardFn<T>{approx});
      },
      true);
}

}  // namespace ember::cuda
