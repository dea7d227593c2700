#pragma once
// Helpers shared by the src/cpu kernel tests: the lengths that reach a loop's vector body and its
// tail, inputs laid out contiguous or strided, and an element-wise comparison against a
// reference computed in double by the test.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace ember::cpu_test {

// Around 8 and 16 lanes (AVX2 / AVX-512 floats), plus longer runs.
inline const std::vector<int64_t> kSizes = {1, 7, 8, 9, 15, 16, 17, 100, 1000};
// Above the elementwise loops' 32768-element grain: split over the threads.
constexpr int64_t kSplit = 70000;

// Runs with `n` threads for the scope (at least two, so that large inputs are split).
struct Threads {
  int prev;
  explicit Threads(int n) : prev(get_num_threads()) { set_num_threads(n); }
  ~Threads() { set_num_threads(prev); }
};

// n values uniform in [lo, hi) rounded to dt, moved `gap` away from zero (divisors);
// strided: every other element of a longer buffer.
inline Tensor make(int64_t n, ScalarType dt, double lo, double hi, bool strided = false,
                   double gap = 0) {
  Tensor base = rand({strided ? 2 * n : n}, kDouble) * (hi - lo) + lo;
  if (gap > 0) base = base + base.sign() * gap;
  base = base.to(dt);
  return strided ? base.slice(0, 0, 2 * n, 2) : base;
}

inline std::vector<double> values(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

// Relative tolerance for a result rounded to dt (and computed in its opmath type).
inline double tol_for(ScalarType dt) {
  switch (dt) {
    case kDouble:
      return 1e-12;
    case kFloat:
      return 2e-6;
    case kHalf:
      return 2e-3;
    case kBFloat16:
      return 1.6e-2;
    default:
      return 0;
  }
}

// got[i] against want[i] within tol * (1 + |want|); NaN matches NaN, infinities match exactly.
inline ::testing::AssertionResult matches(const Tensor& got, const std::vector<double>& want,
                                          double tol) {
  std::vector<double> g = values(got);
  if (g.size() != want.size())
    return ::testing::AssertionFailure() << g.size() << " values, expected " << want.size();
  for (size_t i = 0; i < g.size(); ++i) {
    double a = g[i], b = want[i];
    bool ok = (std::isnan(a) && std::isnan(b)) || a == b ||
              (std::isfinite(b) && std::fabs(a - b) <= tol * (1 + std::fabs(b)));
    if (!ok)
      return ::testing::AssertionFailure()
             << "element " << i << " of " << g.size() << ": " << a << ", expected " << b;
  }
  return ::testing::AssertionSuccess();
}

// got[i] == want[i] with the sign of zero; NaN matches NaN.
inline ::testing::AssertionResult exactly(const Tensor& got, const std::vector<double>& want) {
  std::vector<double> g = values(got);
  if (g.size() != want.size())
    return ::testing::AssertionFailure() << g.size() << " values, expected " << want.size();
  for (size_t i = 0; i < g.size(); ++i) {
    bool ok = std::isnan(want[i]) ? std::isnan(g[i])
                                  : g[i] == want[i] && std::signbit(g[i]) == std::signbit(want[i]);
    if (!ok)
      return ::testing::AssertionFailure()
             << "element " << i << ": " << g[i] << ", expected " << want[i];
  }
  return ::testing::AssertionSuccess();
}

// The reference applied to every element of the inputs (same number of elements each).
inline std::vector<double> each(const std::function<double(double)>& f, const Tensor& x) {
  std::vector<double> v = values(x);
  for (double& e : v) e = f(e);
  return v;
}
inline std::vector<double> each(const std::function<double(double, double)>& f, const Tensor& x,
                                const Tensor& y) {
  std::vector<double> a = values(x), b = values(y);
  for (size_t i = 0; i < a.size(); ++i) a[i] = f(a[i], b[i]);
  return a;
}

}  // namespace ember::cpu_test
