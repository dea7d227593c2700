// Activation CPU kernels: one line each over an element `x` in its compute type (float for the
// 16-bit floats), with the op's scalar parameters a, b, c (see src/kernels/activation.h).
#include <cmath>

#include "src/cpu/loops.h"
#include "src/cpu/vec_loops.h"
#include "src/kernels/activation.h"
#include "src/kernels/activation_math.h"

namespace ember {
namespace {

// Floating dtypes only; integer inputs raise PyTorch's "not implemented for 'Long'".
#define EMBER_ACT_KERNEL(name, expr)                                                  \
  void name##_kernel(TensorIterator& it, double a_, double b_, double c_) {           \
    visit_floating_types(it.common_dtype(), #name, [&]<class T>() {                   \
      using M = opmath_t<T>;                                                          \
      const M a = static_cast<M>(a_), b = static_cast<M>(b_), c = static_cast<M>(c_); \
      (void)a, (void)b, (void)c;                                                      \
      cpu::cpu_kernel(it, [=](T x_) -> T {                                            \
        M x = static_cast<M>(x_);                                                     \
        return static_cast<T>(expr);                                                  \
      });                                                                             \
    });                                                                               \
  }                                                                                   \
  }                                                                                   \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                                      \
  namespace {

// Scalar parameter in compute type M; integers truncate as Scalar::to<int> (the op checked that
// the value fits).
template <class M>
inline M param(double v) {
  if constexpr (std::is_integral_v<M>) {
    return static_cast<M>(static_cast<int64_t>(v));
  } else {
    return static_cast<M>(v);
  }
}

// Every numeric dtype except bool (clamp-like ops).
#define EMBER_ACT_NUMERIC_KERNEL(name, expr)                                \
  void name##_kernel(TensorIterator& it, double a_, double b_, double c_) { \
    visit_numeric_types(it.common_dtype(), #name, [&]<class T>() {          \
      using M = opmath_t<T>;                                                \
      const M a = param<M>(a_), b = param<M>(b_), c = param<M>(c_);         \
      (void)a, (void)b, (void)c;                                            \
      cpu::cpu_kernel(it, [=](T x_) -> T {                                  \
        M x = static_cast<M>(x_);                                           \
        return static_cast<T>(expr);                                        \
      });                                                                   \
    });                                                                     \
  }                                                                         \
  }                                                                         \
  EMBER_DEFINE_STUB(name##_stub, name##_kernel);                            \
  namespace {

template <class M>
inline M softplus_value(M x, M beta, M threshold) {
  return x * beta > threshold ? x : std::log1p(std::exp(x * beta)) / beta;
}

template <class M>
inline M logit_value(M x, M eps) {
  if (eps >= M(0)) x = x < eps ? eps : (x > M(1) - eps ? M(1) - eps : x);
  return std::log(x / (M(1) - x));
}

template <class M>
inline M hardtanh_value(M x, M lo, M hi) {
  return x < lo ? lo : (x > hi ? hi : x);  // NaN passes through
}

void gelu_kernel(TensorIterator& it, double a, double, double) {
  visit_floating_types(it.common_dtype(), "gelu", [&]<class T>() {
    cpu::vec_unary_kernel<T>(it, a != 0 ? cpu::vec::Fn::gelu_tanh : cpu::vec::Fn::gelu);
  });
}
void silu_kernel(TensorIterator& it, double, double, double) {
  visit_floating_types(it.common_dtype(), "silu",
                       [&]<class T>() { cpu::vec_unary_kernel<T>(it, cpu::vec::Fn::silu); });
}
EMBER_ACT_KERNEL(mish, x* std::tanh(std::log1p(std::exp(x))))
EMBER_ACT_KERNEL(softplus, softplus_value(x, a, b))
EMBER_ACT_KERNEL(elu, x > M(0) ? x * b : (std::exp(x * c) - M(1)) * a * b)
EMBER_ACT_KERNEL(leaky_relu, x > M(0) ? x : x * a)
EMBER_ACT_NUMERIC_KERNEL(hardtanh, hardtanh_value(x, a, b))
EMBER_ACT_KERNEL(hardsigmoid, hardtanh_value(x + M(3), M(0), M(6)) / M(6))
EMBER_ACT_KERNEL(hardswish, x* hardtanh_value(x + M(3), M(0), M(6)) / M(6))
EMBER_ACT_KERNEL(logit, logit_value(x, a))
EMBER_ACT_KERNEL(log_sigmoid, (x < M(0) ? x : M(0)) - std::log1p(std::exp(-std::fabs(x))))
EMBER_ACT_KERNEL(softshrink, x > a ? x - a : (x < -a ? x + a : M(0)))  // NaN -> 0, as PyTorch
EMBER_ACT_KERNEL(hardshrink, (x >= -a && x <= a) ? M(0) : x)
EMBER_ACT_NUMERIC_KERNEL(threshold, x <= a ? b : x)

void prelu_kernel(TensorIterator& it) {
  visit_floating_types(it.common_dtype(), "prelu", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T x_, T w_) -> T {
      M x = static_cast<M>(x_);
      return static_cast<T>(x > M(0) ? x : static_cast<M>(w_) * x);
    });
  });
}

void rrelu_noise_kernel(Tensor& noise, const Tensor& self, double lower, double upper,
                        GeneratorImpl& gen) {
  visit_floating_types(self.scalar_type(), "rrelu", [&]<class T>() {
    using M = opmath_t<T>;
    const T* x = self.data_ptr<T>();
    T* n = noise.data_ptr<T>();
    for (int64_t i = 0; i < self.numel(); ++i) {
      if (static_cast<M>(x[i]) <= M(0)) {
        uint64_t v = gen.random64() & ((uint64_t(1) << 53) - 1);
        double u = static_cast<double>(v) * (1.0 / 9007199254740992.0) * (upper - lower) + lower;
        n[i] = static_cast<T>(static_cast<M>(u));
      } else {
        n[i] = static_cast<T>(M(1));
      }
    }
  });
}

void gelu_backward_kernel(TensorIterator& it, double a, double, double) {
  const bool approx = a != 0;
  visit_floating_types(it.common_dtype(), "gelu_backward", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [=](T g, T x) -> T {
      return static_cast<T>(static_cast<M>(g) * gelu_derivative(static_cast<M>(x), approx));
    });
  });
}

void threshold_backward_kernel(TensorIterator& it, double th, double, double) {
  visit_floating_types(it.common_dtype(), "threshold_backward", [&]<class T>() {
    using M = opmath_t<T>;
    const M t = static_cast<M>(th);
    cpu::cpu_kernel(it, [=](T g, T x) -> T { return static_cast<M>(x) <= t ? T(0) : g; });
  });
}

}  // namespace

EMBER_DEFINE_STUB(threshold_backward_stub, threshold_backward_kernel);
EMBER_DEFINE_STUB(prelu_stub, prelu_kernel);
EMBER_DEFINE_STUB(gelu_stub, gelu_kernel);
EMBER_DEFINE_STUB(gelu_backward_stub, gelu_backward_kernel);

EMBER_DEFINE_STUB(silu_stub, silu_kernel);
EMBER_DEFINE_STUB(rrelu_noise_stub, rrelu_noise_kernel);

}  // namespace ember
