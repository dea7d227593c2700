// Vector math (src/cpu/vec_math_*.cpp): special values and the largest error in ulp against a
// long double reference over dense sweeps, on every ISA this CPU and build can run.
#include "src/cpu/vec_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cpu/vec_math_check.h"

namespace ember::cpu::vec {
namespace {

using LD = long double;

std::vector<Isa> isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (isa_available(i)) v.push_back(i);
  return v;
}

// The long double reference and the ulp distance are vec_math_check.h's.
using check::ref;
using check::ulp_error;

template <class T>
std::vector<T> sweep(T lo, T hi, int n) {
  std::vector<T> v;
  for (int i = 0; i <= n; ++i) v.push_back(lo + (hi - lo) * static_cast<T>(i) / static_cast<T>(n));
  return v;
}

// Inputs spread over magnitudes: both signs, 2^-30 .. 2^10, plus a linear sweep of the core.
template <class T>
std::vector<T> inputs(Fn fn) {
  std::vector<T> v = sweep<T>(-10, 10, 200000);
  for (T m = T(1e-9); m < T(1000); m *= T(1.0001)) {
    v.push_back(m);
    v.push_back(-m);
  }
  if (fn == Fn::exp || fn == Fn::expm1) {
    auto w = sweep<T>(sizeof(T) == 4 ? -105 : -746, sizeof(T) == 4 ? 89 : 710, 200000);
    v.insert(v.end(), w.begin(), w.end());
  }
  if (fn == Fn::log || fn == Fn::log1p) {
    for (T m = std::numeric_limits<T>::denorm_min(); m < std::numeric_limits<T>::max() / 4;
         m = std::max(m * T(1.01), std::nextafter(m, T(1))))
      v.push_back(m);
    auto w = sweep<T>(T(0.5), T(2), 200000);
    v.insert(v.end(), w.begin(), w.end());
  }
  return v;
}

// gelu = x/2 (1 + erf(x/sqrt 2)) as PyTorch computes it: where 1 + erf cancels (x << 0) the error
// is a few ulp of x/2 rather than of the (tiny) result.
bool absolute_floor(Fn fn) { return fn == Fn::gelu || fn == Fn::gelu_tanh; }

template <class T>
void check_accuracy(Fn fn, const char* name, double max_ulp) {
  std::vector<T> x = inputs<T>(fn);
  std::vector<T> y(x.size());
  for (Isa isa : isas()) {
    const Table* t = table_for(isa);
    if constexpr (sizeof(T) == 4) {
      t->f32[static_cast<int>(fn)](x.data(), y.data(), static_cast<int64_t>(x.size()));
    } else {
      t->f64[static_cast<int>(fn)](x.data(), y.data(), static_cast<int64_t>(x.size()));
    }
    double worst = 0;
    T worst_x = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      LD want = ref(fn, x[i]);
      double e = ulp_error<T>(y[i], want);
      if (absolute_floor(fn) && std::isfinite(want) && x[i] < 0)
        e = std::min(e, ulp_error<T>(static_cast<T>(x[i] / 2 + (y[i] - want)), x[i] / LD(2)));
      // silu's tail where e^x is denormal: x * e^x carries e^x's rounding (half a denormal
      // ulp) times |x|.
      if (fn == Fn::silu && std::fabs(want / x[i]) < std::numeric_limits<T>::min())
        e = std::min(e, ulp_error<T>(y[i], want) / (2 * std::fabs(static_cast<double>(x[i]))));
      if (e > worst) {
        worst = e;
        worst_x = x[i];
      }
    }
    EXPECT_LE(worst, max_ulp) << name << " " << (sizeof(T) == 4 ? "float" : "double") << " on "
                              << t->name << ": worst at x = " << worst_x;
    std::printf("%-10s %-6s %-7s max %.3f ulp at %.9g\n", name, sizeof(T) == 4 ? "float" : "double",
                t->name, worst, static_cast<double>(worst_x));
  }
}

#define EMBER_ACCURACY_TEST(fn, ulp_f, ulp_d)   \
  TEST(VecMath, fn##Accuracy) {                 \
    check_accuracy<float>(Fn::fn, #fn, ulp_f);  \
    check_accuracy<double>(Fn::fn, #fn, ulp_d); \
  }

EMBER_ACCURACY_TEST(exp, 1.5, 1.5)
EMBER_ACCURACY_TEST(expm1, 2, 2)
EMBER_ACCURACY_TEST(log, 1.5, 1.5)
EMBER_ACCURACY_TEST(log1p, 2, 2)
EMBER_ACCURACY_TEST(tanh, 2.5, 2.5)
EMBER_ACCURACY_TEST(sigmoid, 2.5, 2.5)
EMBER_ACCURACY_TEST(erf, 2.5, 2)
EMBER_ACCURACY_TEST(gelu, 3, 3)
EMBER_ACCURACY_TEST(gelu_tanh, 4, 4)
EMBER_ACCURACY_TEST(silu, 3, 3)

}  // namespace
}  // namespace ember::cpu::vec
