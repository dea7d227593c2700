#pragma once
// digamma, trigamma, Hurwitz zeta and polygamma in double, shared by the CPU kernels
// (src/cpu/unary.cpp) and the CUDA ones (src/cuda/special.cu): reflection for negatives (a step,
// not a recursive call, to keep the device stack flat), recurrence up to x >= 6, then the
// asymptotic series.
#include <math.h>

#include <cstdint>

#include "src/kernels/int_math.h"  // EMBER_HOST_DEVICE

namespace ember {

constexpr double kSpecialPi = 3.14159265358979323846;

EMBER_HOST_DEVICE double digamma_value(double x) {
  if (x == 0) return ::copysign(INFINITY, -x);
  if (::isnan(x) || x == -INFINITY) return NAN;
  double refl = 0;
  bool reflected = false;
  if (x < 0) {
    if (x == ::trunc(x)) return NAN;
    // digamma(x) = digamma(1 - x) - pi / tan(pi x)
    refl = kSpecialPi / ::tan(kSpecialPi * x);
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

EMBER_HOST_DEVICE double trigamma_value(double x) {
  if (::isnan(x)) return x;
  if (x <= 0 && x == ::trunc(x)) return INFINITY;
  double refl = 0;
  bool reflected = false;
  if (x < 0) {
    // trigamma(x) = pi^2 / sin^2(pi x) - trigamma(1 - x)
    double s = ::sin(kSpecialPi * x);
    refl = kSpecialPi * kSpecialPi / (s * s);
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
EMBER_HOST_DEVICE double hurwitz_zeta(double s, double q) {
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
  if (s == 1) return INFINITY;
  if (s < 1) return NAN;
  if (q <= 0) {
    if (q == ::floor(q)) return INFINITY;
    if (s != ::floor(s)) return NAN;
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
EMBER_HOST_DEVICE double polygamma_value(int64_t n, double x) {
  if (n == 0) return digamma_value(x);
  if (n == 1) return trigamma_value(x);
  double sign = n % 2 ? 1.0 : -1.0;
  double nd = static_cast<double>(n);
  return sign * ::exp(::lgamma(nd + 1.0)) * hurwitz_zeta(nd + 1.0, x);
}

}  // namespace ember
