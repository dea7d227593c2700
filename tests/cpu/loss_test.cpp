// src/cpu/loss.cpp: the elementwise parts of mse_loss and binary_cross_entropy, and nll_loss's
// forward (per element, or summed with the weights in double).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

bool throws_with(const std::function<void()>& f, const std::string& text) {
  try {
    f();
  } catch (const ember::Error& e) {
    if (std::string(e.what()).find(text) != std::string::npos) return true;
    ADD_FAILURE() << e.what();
    return false;
  }
  return false;
}

// (a - b)^2 and PyTorch's BCE -(t log x + (1 - t) log(1 - x)) with the logs clamped at -100,
// per element, over dtypes, lengths, strided and broadcast targets and a long split input.
TEST(CpuLoss, ElementwiseMseAndBce) {
  Threads threads(4);
  auto bce = [](double x, double t) {
    return -(t * std::max(std::log(x), -100.0) + (1 - t) * std::max(std::log1p(-x), -100.0));
  };
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int64_t n : {int64_t(1), int64_t(9), int64_t(17), int64_t(1000), kSplit}) {
      if (n == kSplit && dt != kFloat) continue;
      for (int layout = 0; layout < 3; ++layout) {
        Tensor x = make(n, dt, 0, 1, layout == 1), t = make(n, dt, 0, 1, layout == 1);
        if (layout == 2) t = make(1, dt, 0, 1).expand({n});
        double tol = 4 * tol_for(dt);
        EXPECT_TRUE(matches(mse_loss(x, t, Reduction::None),
                            each([](double a, double b) { return (a - b) * (a - b); }, x, t), tol))
            << toString(dt) << " " << n << " layout " << layout;
        EXPECT_TRUE(matches(binary_cross_entropy(x, t, {}, Reduction::None), each(bce, x, t), tol))
            << toString(dt) << " " << n << " layout " << layout;
      }
    }
  }
  // log(0) clamps at -100: x = 0 or 1 gives a finite loss; inf in mse stays inf.
  EXPECT_TRUE(matches(binary_cross_entropy(tensor({0.0, 1.0, 0.0, 1.0}),
                                           tensor({1.0, 0.0, 0.0, 1.0}), {}, Reduction::None),
                      {100, 100, 0, 0}, 0));
  EXPECT_TRUE(matches(mse_loss(tensor({kInf, 1.0}), tensor({0.0, kNan}), Reduction::None),
                      {kInf, kNan}, 0));
}

// An input outside [0, 1] (or NaN), anywhere in a long input split over threads, is an error.
TEST(CpuLoss, BceInputOutOfRange) {
  Threads threads(4);
  for (double bad : {-0.5, 1.5, kNan}) {
    Tensor x = make(kSplit, kFloat, 0, 1), t = make(kSplit, kFloat, 0, 1);
    x.select(0, kSplit - 1).fill_(bad);
    EXPECT_TRUE(throws_with([&] { (void)binary_cross_entropy(x, t, {}, Reduction::None); },
                            "[binary_cross_entropy] all elements of input should be between 0 "
                            "and 1"))
        << bad;
  }
}

// nll_loss against a loop: [N, C] and [N, C, K] inputs, with and without class weights, an
// ignored class, every reduction; the per-element form split over threads.
TEST(CpuLoss, NllLossMatchesLoop) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf}) {
    for (auto [N, C, K] :
         std::vector<std::array<int64_t, 3>>{{1, 1, 1}, {7, 5, 1}, {3, 4, 9}, {40000, 3, 1}}) {
      if (N == 40000 && dt != kFloat) continue;
      for (bool weighted : {false, true}) {
        Tensor x = make(N * C * K, dt, -5, 0).view({N, C, K});
        Tensor t = randint(0, C, {N, K});
        if (N > 1) t.view({-1}).slice(0, 0, N * K, 3).fill_(C > 1 ? 1 : -100);
        t.view({-1}).select(0, 0).fill_(-100);  // ignored
        Tensor w = make(C, dt, 0.5, 2);
        std::vector<double> xv = values(x), wv = values(w);
        std::vector<double> per(N * K);
        double sum = 0, tw = 0;
        const int64_t* tp = t.data_ptr<int64_t>();
        for (int64_t i = 0; i < N; ++i)
          for (int64_t k = 0; k < K; ++k) {
            int64_t c = tp[i * K + k];
            if (c == -100) continue;
            double wc = weighted ? wv[c] : 1.0;
            per[i * K + k] = -wc * xv[(i * C + c) * K + k];
            sum += per[i * K + k];
            tw += wc;
          }
        std::optional<Tensor> wt;
        if (weighted) wt = w;
        Tensor xin = K == 1 ? x.view({N, C}) : x, tin = K == 1 ? t.view({N}) : t;
        std::string at = std::string(toString(dt)) + " N=" + std::to_string(N) +
                         " C=" + std::to_string(C) + " K=" + std::to_string(K) +
                         (weighted ? " weighted" : "");
        double tol = tol_for(dt);
        EXPECT_TRUE(matches(nll_loss_nd(xin, tin, wt, Reduction::None), per, tol)) << at;
        EXPECT_TRUE(matches(nll_loss_nd(xin, tin, wt, Reduction::Sum), {sum}, tol)) << at;
        EXPECT_TRUE(matches(nll_loss_nd(xin, tin, wt, Reduction::Mean), {sum / tw}, tol)) << at;
      }
    }
  }
  // Every target ignored: the mean is 0 / 0 (NaN, as PyTorch), the sum 0.
  Tensor x = randn({3, 4}), t = full({3}, -100, kLong);
  EXPECT_TRUE(std::isnan(nll_loss(x, t).item<double>()));
  EXPECT_EQ(nll_loss(x, t, {}, Reduction::Sum).item<double>(), 0.0);
}

// A class index outside [0, C) that is not ignore_index names the target.
TEST(CpuLoss, NllLossTargetOutOfBounds) {
  Tensor x = randn({4, 3});
  for (int64_t bad : {3, -1}) {
    Tensor t = tensor({int64_t(0), int64_t(1), bad, int64_t(2)});
    EXPECT_TRUE(throws_with([&] { (void)nll_loss(x, t); },
                            "[nll_loss] Target " + std::to_string(bad) + " is out of bounds."));
  }
  EXPECT_TRUE(std::isfinite(nll_loss(x, tensor({int64_t(0), int64_t(1), int64_t(-1), int64_t(2)}),
                                     {}, Reduction::Mean, -1)
                                .item<double>()));
}

}  // namespace
