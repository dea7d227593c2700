// CUDA unary math. Each kernel is a functor over one element; see src/cuda/loops.cuh.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

template <class M>
__device__ __forceinline__ M sign_of(M x) {
  if constexpr (std::is_same_v<M, bool>) {
    return x;
  } else if constexpr (std::is_unsigned_v<M>) {
    return static_cast<M>(x > 0);
  } else {
    return static_cast<M>(static_cast<int>(M(0) < x) - static_cast<int>(x < M(0)));
  }
}

// One kernel per dtype: the op is a runtime value (uniform across threads, so the switch costs
// little next to the memory traffic) to keep the number of kernels, and nvcc time, small.
template <class T>
struct UnaryFn {
  UnaryOp op;
  __device__ T operator()(T x_) const {
    using M = opmath_t<T>;
    M x = static_cast<M>(x_);
    switch (op) {
      case UnaryOp::neg:
        return T(static_cast<M>(-x));
      case UnaryOp::abs:
        if constexpr (std::is_unsigned_v<M>) {
          return x_;
        } else {
          return T(x < M(0) ? static_cast<M>(-x) : x);
        }
      case UnaryOp::relu:
        if constexpr (std::is_unsigned_v<M>) {
          return x_;
        } else {
          return T(x < M(0) ? M(0) : x);  // NaN propagates
        }
      case UnaryOp::square:
        return T(static_cast<M>(x * x));
      case UnaryOp::sign:
      case UnaryOp::sgn:  // real dtypes: sgn is sign
        return T(sign_of(x));
      default:
        break;
    }
    if constexpr (std::is_integral_v<M>) {
      return x_;  // floor/ceil/round/trunc of integers; float-only ops never get here
    } else {
      M r = x;
      switch (op) {
        case UnaryOp::floor:
          r = ::floor(x);
          break;
        case UnaryOp::ceil:
          r = ::ceil(x);
          break;
        case UnaryOp::round:
          r = ::nearbyint(x);
          break;
        case UnaryOp::trunc:
          r = ::trunc(x);
          break;
        case UnaryOp::exp:
          r = ::exp(x);
          break;
        case UnaryOp::log:
          r = ::log(x);
          break;
        case UnaryOp::sqrt:
          r = ::sqrt(x);
          break;
        case UnaryOp::sin:
          r = ::sin(x);
          break;
        case UnaryOp::cos:
          r = ::cos(x);
          break;
        case UnaryOp::tanh:
          r = ::tanh(x);
          break;
        case UnaryOp::sigmoid:
          r = M(1) / (M(1) + ::exp(-x));
          break;
        case UnaryOp::rsqrt:
          r = M(1) / ::sqrt(x);
          break;
        case UnaryOp::exp2:
          r = ::exp2(x);
          break;
        case UnaryOp::expm1:
          r = ::expm1(x);
          break;
        case UnaryOp::log2:
          r = ::log2(x);
          break;
        case UnaryOp::log10:
          r = ::log10(x);
          break;
        case UnaryOp::log1p:
          r = ::log1p(x);
          break;
        case UnaryOp::tan:
          r = ::tan(x);
          break;
        case UnaryOp::asin:
          r = ::asin(x);
          break;
        case UnaryOp::acos:
          r = ::acos(x);
          break;
        case UnaryOp::atan:
          r = ::atan(x);
          break;
        case UnaryOp::sinh:
          r = ::sinh(x);
          break;
        case UnaryOp::cosh:
          r = ::cosh(x);
          break;
        case UnaryOp::erfinv:
          r = ::erfinv(x);
          break;
        case UnaryOp::lgamma:
          r = ::lgamma(x);
          break;
        case UnaryOp::asinh:
          r = ::asinh(x);
          break;
        case UnaryOp::acosh:
          r = ::acosh(x);
          break;
        case UnaryOp::atanh:
          r = ::atanh(x);
          break;
        case UnaryOp::erf:
          r = ::erf(x);
          break;
        case UnaryOp::erfc:
          r = ::erfc(x);
          break;
        case UnaryOp::reciprocal:
          r = M(1) / x;
          break;
        case UnaryOp::frac:
          r = x - ::trunc(x);
          break;
        default:
          break;
      }
      return T(r);
    }
  }
};

// Tests with a bool result; integers are finite and never NaN. logical_not reads bool as bytes.
template <class T>
struct PredicateFn {
  PredicateOp op;
  __device__ bool operator()(T x_) const {
    using M = opmath_t<T>;
    M x = static_cast<M>(x_);
    if (op == PredicateOp::logical_not) return x == M(0);
    if constexpr (std::is_integral_v<M>) {
      switch (op) {
        case PredicateOp::isfinite:
          return true;
        case PredicateOp::signbit:
          if constexpr (std::is_signed_v<M>) {
            return x < M(0);
          } else {
            return false;
          }
        default:
          return false;
      }
    } else {
      switch (op) {
        case PredicateOp::isnan:
          return ::isnan(x);
        case PredicateOp::isinf:
          return ::isinf(x);
        case PredicateOp::isfinite:
          return ::isfinite(x);
        case PredicateOp::isposinf:
          return ::isinf(x) && x > M(0);
        case PredicateOp::isneginf:
          return ::isinf(x) && x < M(0);
        default:
          return ::signbit(x);
      }
    }
  }
};

// Ops defined for integers too (the others only see floating dtypes: the iterator promotes).
bool integer_ok(UnaryOp op) {
  switch (op) {
    case UnaryOp::neg:
    case UnaryOp::abs:
    case UnaryOp::relu:
    case UnaryOp::square:
    case UnaryOp::floor:
    case UnaryOp::ceil:
    case UnaryOp::round:
    case UnaryOp::trunc:
    case UnaryOp::sign:
    case UnaryOp::sgn:
      return true;
    default:
      return false;
  }
}

}  // namespace

void launch_unary(const ElementwiseArgs& a, UnaryOp op, ScalarType dt) {
  visit_device_types(dt, a.op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    bool ok =
        is_floating_v<T> ||
        (integer_ok(op) && (!std::is_same_v<T, bool> || op == UnaryOp::sign || op == UnaryOp::sgn));
    EMBER_CHECK(ok, "[", a.op, "] not implemented on CUDA for dtype ", toString(dt));
    launch_elementwise(a, UnaryFn<T>{op});
  });
}

void launch_predicate(const ElementwiseArgs& a, PredicateOp op, ScalarType dt) {
  visit_device_types(dt, a.op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      launch_elementwise(a, PredicateFn<uint8_t>{op});
    } else {
      launch_elementwise(a, PredicateFn<T>{op});
    }
  });
}

}  // namespace ember::cuda
