#pragma once
// Finite-difference gradient checks in double precision, shared by every test suite.
//
//   EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].exp(); }, {randn({3})}));
//   EXPECT_TRUE(gradgradcheck(...same...));
//
// The function may return any shape; it is reduced with fixed random weights to a scalar.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>

#include "ember/ember.h"

namespace ember {
namespace testing {

using Fn = std::function<Tensor(const variable_list&)>;

inline Tensor weights_like(const Tensor& t, uint64_t seed) {
  // Deterministic weights in [0.5, 1.5) without touching the global generator.
  Tensor w = empty(t.sizes(), kDouble);
  double* p = w.data_ptr<double>();
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (int64_t i = 0; i < w.numel(); ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = 0.5 + static_cast<double>(s >> 11) / 9007199254740992.0;
  }
  return w;
}

inline Tensor scalarize(const Tensor& out) {
  return (out.to(kDouble) * weights_like(out, static_cast<uint64_t>(out.numel()) + 7)).sum();
}

// Compares autograd's gradient of sum(w * fn(inputs)) with central differences. Inputs are
// converted to double and made to require grad (integer inputs are passed through unchanged).
inline ::testing::AssertionResult gradcheck(const Fn& fn, const variable_list& inputs_in,
                                            double eps = 1e-6, double atol = 1e-5,
                                            double rtol = 1e-3) {
  variable_list inputs;
  for (const auto& t : inputs_in) {
    if (t.is_floating_point()) {
      inputs.push_back(t.detach().to(kDouble).clone(MemoryFormat::Contiguous).requires_grad_(true));
    } else {
      inputs.push_back(t);
    }
  }
  Tensor y = scalarize(fn(inputs));
  variable_list diff;
  for (const auto& t : inputs)
    if (t.requires_grad()) diff.push_back(t);
  if (diff.empty()) return ::testing::AssertionSuccess();
  // y may not depend on the inputs at all (gradgradcheck of a linear op): zero gradient.
  variable_list analytic = y.requires_grad()
                               ? autograd::grad({y}, diff, {}, std::nullopt, false, true)
                               : variable_list(diff.size());
  size_t k = 0;
  for (auto& t : inputs) {
    if (!t.requires_grad()) continue;
    Tensor a = analytic[k].defined() ? analytic[k] : zeros_like(t);
    ++k;
    Tensor flat = t.detach();
    for (int64_t i = 0; i < t.numel(); ++i) {
      double* p = flat.data_ptr<double>();
      // Walk in logical order for non-contiguous inputs (inputs here are contiguous clones).
      double orig = p[i];
      double fp, fm;
      {
        NoGradGuard ng;
        p[i] = orig + eps;
        fp = scalarize(fn(inputs)).item<double>();
        p[i] = orig - eps;
        fm = scalarize(fn(inputs)).item<double>();
        p[i] = orig;
      }
      double num = (fp - fm) / (2 * eps);
      double an = a.reshape({-1}).select(0, i).item<double>();
      if (!(std::fabs(num - an) <= atol + rtol * std::fabs(num))) {
        return ::testing::AssertionFailure()
               << "gradient mismatch for input " << (k - 1) << " element " << i
               << ": numerical " << num << " vs analytical " << an;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// Checks the gradient of the gradient: gradcheck applied to x -> d/dx sum(w * fn(x)).
inline ::testing::AssertionResult gradgradcheck(const Fn& fn, const variable_list& inputs,
                                                double eps = 1e-6, double atol = 1e-4,
                                                double rtol = 1e-3) {
  Fn first = [fn](const variable_list& xs) {
    AutoGradMode enable(true);  // also while gradcheck evaluates finite differences
    Tensor y = scalarize(fn(xs));
    variable_list diff;
    for (const auto& t : xs)
      if (t.requires_grad()) diff.push_back(t);
    variable_list g = autograd::grad({y}, diff, {}, true, true, true);
    Tensor total = zeros({}, kDouble);
    for (size_t i = 0; i < g.size(); ++i) {
      if (g[i].defined()) total = total + scalarize(g[i] * (1.0 + static_cast<double>(i)));
    }
    return total;
  };
  return gradcheck(first, inputs, eps, atol, rtol);
}

// Element-wise closeness with a readable failure message.
inline ::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected,
                                           double rtol = 1e-5, double atol = 1e-6) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure() << "shape " << actual.sizes() << " vs expected "
                                         << expected.sizes();
  }
  Tensor a = actual.detach().to(kDouble).contiguous();
  Tensor e = expected.detach().to(kDouble).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pe = e.data_ptr<double>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    bool both_nan = std::isnan(pa[i]) && std::isnan(pe[i]);
    bool same_inf = std::isinf(pa[i]) && pa[i] == pe[i];
    if (both_nan || same_inf) continue;
    if (!(std::fabs(pa[i] - pe[i]) <= atol + rtol * std::fabs(pe[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << pa[i] << " vs expected "
                                           << pe[i];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace testing
}  // namespace ember
