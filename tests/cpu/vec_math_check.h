#pragma once
// Checks run on one vector-math table (src/cpu/vec_math_{scalar,avx2,avx512}.cpp) by its test:
// accuracy in ulp against std:: math in long double over a moderate sweep, special values, every
// length around the register width (the zero-padded tail), in-place use, exp_shift_sum.
// (tests/cpu/vec_math_test.cpp runs the dense sweeps over every table.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "src/cpu/vec_math.h"

namespace ember::cpu::vec::check {

using LD = long double;

inline const char* fn_name(Fn fn) {
  static const char* names[] = {"exp",     "expm1", "log",  "log1p",     "tanh",
                                "sigmoid", "erf",   "gelu", "gelu_tanh", "silu"};
  return names[static_cast<int>(fn)];
}

inline LD ref(Fn fn, LD x) {
  switch (fn) {
    case Fn::exp:
      return std::exp(x);
    case Fn::expm1:
      return std::expm1(x);
    case Fn::log:
      return std::log(x);
    case Fn::log1p:
      return std::log1p(x);
    case Fn::tanh:
      return std::tanh(x);
    case Fn::sigmoid:
      return 1 / (1 + std::exp(-x));
    case Fn::erf:
      return std::erf(x);
    case Fn::gelu:
      return x / 2 * (1 + std::erf(x / std::sqrt(LD(2))));
    case Fn::gelu_tanh:
      return x / 2 *
             (1 + std::tanh(std::sqrt(2 / LD(3.14159265358979323846264338327950288L)) *
                            (x + LD(0.044715) * x * x * x)));
    case Fn::silu:
      return x / (1 + std::exp(-x));
    case Fn::count:
      break;
  }
  return 0;
}

// The bounds of vec_math_test.cpp, in ulp (float, double).
inline double max_ulp(Fn fn, bool is_float) {
  static const double f[] = {1.5, 2, 1.5, 2, 2.5, 2.5, 2.5, 3, 4, 3};
  static const double d[] = {1.5, 2, 1.5, 2, 2.5, 2.5, 2, 3, 4, 3};
  return (is_float ? f : d)[static_cast<int>(fn)];
}

// |got - want| in ulps of the correctly rounded result (denormal floor included); infinities
// and NaN must match exactly.
template <class T>
double ulp_error(T got, LD want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e30;
  if (std::isinf(want) || std::isnan(got) || std::isinf(got))
    return got == static_cast<T>(want) ? 0 : 1e30;
  T w = static_cast<T>(want);
  int e;
  std::frexp(w == 0 ? std::numeric_limits<T>::min() : w, &e);
  LD ulp = std::ldexp(
      LD(1), std::max(e - std::numeric_limits<T>::digits,
                      std::numeric_limits<T>::min_exponent - std::numeric_limits<T>::digits));
  return static_cast<double>(std::fabs(static_cast<LD>(got) - want) / ulp);
}

// The error allowed the way vec_math_test.cpp allows it: gelu's negative tail (1 + erf cancels)
// in ulps of x/2; silu where e^x is denormal, in units of |x| half-ulps.
template <class T>
double error(Fn fn, T x, T got) {
  LD want = ref(fn, x);
  double e = ulp_error<T>(got, want);
  if ((fn == Fn::gelu || fn == Fn::gelu_tanh) && std::isfinite(want) && x < 0)
    e = std::min(e, ulp_error<T>(static_cast<T>(x / 2 + (got - want)), x / LD(2)));
  if (fn == Fn::silu && x != 0 && std::fabs(want / x) < std::numeric_limits<T>::min())
    e = std::min(e, ulp_error<T>(got, want) / (2 * std::fabs(static_cast<double>(x))));
  return e;
}

template <class T>
void run(const Table& t, Fn fn, const T* x, T* y, int64_t n) {
  if constexpr (sizeof(T) == 4) {
    t.f32[static_cast<int>(fn)](x, y, n);
  } else {
    t.f64[static_cast<int>(fn)](x, y, n);
  }
}

// A few thousand inputs: a linear sweep of [-12, 12], magnitudes 1e-8 .. 1e3 of both signs, the
// exp range up to overflow and underflow, and for the logs the whole positive range.
template <class T>
std::vector<T> sweep(Fn fn) {
  std::vector<T> v;
  for (int i = 0; i <= 2400; ++i) v.push_back(static_cast<T>(-12 + i * 0.01));
  for (T m = T(1e-8); m < T(1000); m *= T(1.05)) v.push_back(m), v.push_back(-m);
  const T lo = sizeof(T) == 4 ? T(-104) : T(-745), hi = sizeof(T) == 4 ? T(88.7) : T(709.7);
  if (fn == Fn::exp || fn == Fn::expm1 || fn == Fn::sigmoid || fn == Fn::silu)
    for (int i = 0; i <= 1000; ++i) v.push_back(lo + (hi - lo) * static_cast<T>(i) / 1000);
  if (fn == Fn::log || fn == Fn::log1p)
    for (T m = std::numeric_limits<T>::denorm_min(); m < std::numeric_limits<T>::max() / 2;
         m = std::max(m * T(1.3), std::nextafter(m, T(1))))
      v.push_back(m);
  return v;
}

template <class T>
void accuracy(const Table& t) {
  for (int f = 0; f < kNumFns; ++f) {
    Fn fn = static_cast<Fn>(f);
    std::vector<T> x = sweep<T>(fn), y(x.size());
    run<T>(t, fn, x.data(), y.data(), static_cast<int64_t>(x.size()));
    double worst = 0;
    T at = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      double e = error<T>(fn, x[i], y[i]);
      if (e > worst) worst = e, at = x[i];
    }
    EXPECT_LE(worst, max_ulp(fn, sizeof(T) == 4))
        << t.name << " " << fn_name(fn) << (sizeof(T) == 4 ? " float" : " double")
        << ": worst at x = " << static_cast<double>(at);
  }
}

// NaN, +-inf, +-0, denormals, tiny and huge inputs and the overflow edges: NaN where std:: gives
// NaN, infinities exactly, the sign of zero (but gelu(-0) = +0, as PyTorch), the rest in ulp.
template <class T>
void special_values(const Table& t) {
  using L = std::numeric_limits<T>;
  const T big = sizeof(T) == 4 ? T(88.72) : T(709.78), over = sizeof(T) == 4 ? T(88.73) : T(709.79);
  const std::vector<T> x = {L::quiet_NaN(),
                            L::infinity(),
                            -L::infinity(),
                            T(0),
                            -T(0),
                            L::denorm_min(),
                            -L::denorm_min(),
                            L::min(),
                            -L::min(),
                            T(1e-30),
                            T(-1e-30),
                            big,
                            over,
                            -big,
                            -over,
                            T(-1),
                            T(-2),
                            L::max(),
                            -L::max()};
  for (int f = 0; f < kNumFns; ++f) {
    Fn fn = static_cast<Fn>(f);
    std::vector<T> y(x.size());
    run<T>(t, fn, x.data(), y.data(), static_cast<int64_t>(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      LD want = ref(fn, x[i]);
      std::string at = std::string(t.name) + " " + fn_name(fn) + "(" +
                       std::to_string(static_cast<double>(x[i])) + ")";
      if (std::isnan(want) || std::isinf(want)) {
        EXPECT_TRUE(std::isnan(want) ? std::isnan(y[i]) : y[i] == static_cast<T>(want)) << at;
      } else if (want == 0 && fn != Fn::gelu) {
        EXPECT_TRUE(y[i] == 0 && std::signbit(y[i]) == std::signbit(want)) << at << " = " << y[i];
      } else {
        EXPECT_LE(error<T>(fn, x[i], y[i]), max_ulp(fn, sizeof(T) == 4)) << at << " = " << y[i];
      }
    }
  }
}

// Every length from 0 to past two registers (the unrolled body, one register, the zero-padded
// tail), unaligned starts and in-place calls give the bits of one long call; nothing past n is
// written.
template <class T>
void lengths_and_aliasing(const Table& t) {
  std::vector<T> x0(300);
  for (size_t i = 0; i < x0.size(); ++i) x0[i] = static_cast<T>(std::sin(i * 0.37) * 6 + 0.5);
  for (int f = 0; f < kNumFns; ++f) {
    Fn fn = static_cast<Fn>(f);
    std::vector<T> x = x0;
    if (fn == Fn::log || fn == Fn::log1p)
      for (T& v : x) v = std::fabs(v) + T(0.01);
    std::vector<T> full(x.size());
    run<T>(t, fn, x.data(), full.data(), static_cast<int64_t>(x.size()));
    for (int64_t n = 0; n <= 67; ++n) {
      for (int64_t start : {0, 1, 3}) {
        std::vector<T> y(static_cast<size_t>(n + 8), T(-123.5));
        run<T>(t, fn, x.data() + start, y.data(), n);
        std::vector<T> in(x.begin() + start, x.begin() + start + n);
        run<T>(t, fn, in.data(), in.data(), n);
        // (n == 0: in.data() may be null, which memcmp must not get even for 0 bytes.)
        bool same = n == 0 || (std::memcmp(y.data(), full.data() + start, sizeof(T) * n) == 0 &&
                               std::memcmp(in.data(), full.data() + start, sizeof(T) * n) == 0);
        for (int64_t k = n; k < n + 8; ++k) same = same && y[k] == T(-123.5);
        EXPECT_TRUE(same) << t.name << " " << fn_name(fn) << " n=" << n << " start=" << start;
      }
    }
  }
}

// y = exp(x - shift) with the bits of the table's exp of (x - shift), and their sum; every length
// (the tail pads with the shift, whose exp(0) = 1 must not be counted); in place.
template <class T>
void exp_shift_sum(const Table& t) {
  std::vector<T> x(200);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<T>(std::cos(i * 0.71) * 20);
  const T shift = T(7.25);
  for (int64_t n = 0; n <= 70; n += (n < 40 ? 1 : 10)) {
    std::vector<T> z(x.begin(), x.begin() + n), want(n), y(n);
    for (T& v : z) v -= shift;
    run<T>(t, Fn::exp, z.data(), want.data(), n);
    T s;
    if constexpr (sizeof(T) == 4) {
      s = t.exp_shift_sum_f32(x.data(), y.data(), n, shift);
    } else {
      s = t.exp_shift_sum_f64(x.data(), y.data(), n, shift);
    }
    LD sum = 0;
    for (T v : want) sum += v;
    EXPECT_TRUE(n == 0 || std::memcmp(y.data(), want.data(), sizeof(T) * n) == 0)
        << t.name << " n=" << n;  // (n == 0: no memcmp of possibly null pointers)
    EXPECT_NEAR(static_cast<double>(s), static_cast<double>(sum),
                4 * n * std::numeric_limits<T>::epsilon() * static_cast<double>(sum))
        << t.name << " n=" << n;
    std::vector<T> in(x.begin(), x.begin() + n);
    T s2;
    if constexpr (sizeof(T) == 4) {
      s2 = t.exp_shift_sum_f32(in.data(), in.data(), n, shift);
    } else {
      s2 = t.exp_shift_sum_f64(in.data(), in.data(), n, shift);
    }
    EXPECT_EQ(s2, s);
    EXPECT_TRUE(n == 0 || std::memcmp(in.data(), want.data(), sizeof(T) * n) == 0)
        << t.name << " n=" << n;
  }
}

// The same bits as the scalar table on a sweep: one algorithm, the same IEEE operations in the
// same order (Note [Vector math]).
template <class T>
void same_bits_as(const Table& t, const Table& scalar) {
  for (int f = 0; f < kNumFns; ++f) {
    Fn fn = static_cast<Fn>(f);
    std::vector<T> x = sweep<T>(fn), a(x.size()), b(x.size());
    run<T>(t, fn, x.data(), a.data(), static_cast<int64_t>(x.size()));
    run<T>(scalar, fn, x.data(), b.data(), static_cast<int64_t>(x.size()));
    size_t differ = 0;
    for (size_t i = 0; i < x.size(); ++i) differ += std::memcmp(&a[i], &b[i], sizeof(T)) != 0;
    EXPECT_EQ(differ, 0u) << t.name << " " << fn_name(fn);
  }
}

}  // namespace ember::cpu::vec::check
