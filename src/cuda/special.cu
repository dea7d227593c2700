// CUDA digamma and polygamma, with the CPU kernels' series and recurrences (src/cpu/unary.cpp),
// evaluated in double for every floating dtype as the CPU does. Reflection is a step, not a
// recursive call, to keep the device stack flat.
#include <math_constants.h>

#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr double kPi = 3.14159265358979323846;

__device__ double digamma_value(double x) {
  if (x == 0) return ::copysign(CUDART_INF, -x);
  if (::isnan(x) || x == -CUDART_INF) return CUDART_NAN;
  double refl = 0;
  bool reflected = false;
  if (x < 0) {
    if (x == ::trunc(x)) return CUDART_NAN;
    // digamma(x) = digamma(1 - x) - pi / tan(pi x)
    refl = kPi / ::tan(kPi * x);
    reflected = true;
    x = 1 - x;
  }
  double r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  double z = 1 / (x * x);
  double s = z * (1.0 / 12 - z * (1.0 / 120 - z * (1.0 / 252 - z * (1.0 / 240 - z * (1.0 / 132)))));
  double v = r + ::log(x) - 0.5 / x - s;
  return reflected ? v - refl : v;
}

__device__ double trigamma_value(double x) {
  if (::isnan(x)) return x;
  if (x <= 0 && x == ::trunc(x)) return CUDART_INF;
  double refl = 0;
  bool reflected = false;
  if (x < 0) {
    // trigamma(x) = pi^2 / sin^2(pi x) - trigamma(1 - x)
    double s = ::sin(kPi * x);
    refl = kPi * kPi / (s * s);
    reflected = true;
    x = 1 - x;
  }
  double r = 0;
  while (x < 6) {
    r += 1 / (x * x);
    x += 1;
  }
  double z = 1 / (x * x);
  double v =
      r + 1 / x + z / 2 + z / x * (1.0 / 6 - z * (1.0 / 30 - z * (1.0 / 42 - z * (1.0 / 30))));
  return reflected ? refl - v : v;
}

// Hurwitz zeta(s, q) by Euler-Maclaurin summation (Cephes' algorithm), for polygamma n >= 2.
__device__ double hurwitz_zeta(double s, double q) {
  constexpr double kEps = 1.11022302462515654042e-16;
  const double kA[12] = {12.0,
                         -720.0,
                         30240.0,
                         -1209600.0,
                         47900160.0,
                         -1.8924375803183791606e9,
                         7.47242496e10,
                         -2.950130727918164224e12,
                         1.1646782814350067249e14,
                         -4.5979787224074726105e15,
                         1.8152105401943546773e17,
                         -7.1661652561756670113e18};
  if (s == 1) return CUDART_INF;
  if (s < 1) return CUDART_NAN;
  if (q <= 0) {
    if (q == ::floor(q)) return CUDART_INF;
    if (s != ::floor(s)) return CUDART_NAN;
  }
  double sum = ::pow(q, -s), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9) {
    ++i;
    a += 1;
    b = ::pow(a, -s);
    sum += b;
    if (::fabs(b / sum) < kEps) return sum;
  }
  double w = a;
  sum += b * w / (s - 1) - 0.5 * b;
  double fac = 1, k = 0;
  for (int j = 0; j < 12; ++j) {
    fac *= s + k;
    b /= w;
    double t = fac * b / kA[j];
    sum += t;
    if (::fabs(t / sum) < kEps) break;
    k += 1;
    fac *= s + k;
    b /= w;
    k += 1;
  }
  return sum;
}

// polygamma(n, x): digamma, trigamma, then (-1)^(n+1) n! zeta(n + 1, x).
__device__ double polygamma_value(int64_t n, double x) {
  if (n == 0) return digamma_value(x);
  if (n == 1) return trigamma_value(x);
  double sign = n % 2 ? 1.0 : -1.0;
  double nd = static_cast<double>(n);
  return sign * ::exp(::lgamma(nd + 1.0)) * hurwitz_zeta(nd + 1.0, x);
}

template <class T>
struct PolygammaFn {
  int64_t n;
  __device__ T operator()(T x_) const {
    using M = opmath_t<T>;
    double v = polygamma_value(n, static_cast<double>(static_cast<M>(x_)));
    return T(static_cast<M>(v));  // rounded through the compute type, as the CPU kernel
  }
};

}  // namespace

void launch_polygamma(const ElementwiseArgs& a, int64_t n, ScalarType dt) {
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) launch_elementwise(a, PolygammaFn<T>{n});
      },
      true);
}

}  // namespace ember::cuda
