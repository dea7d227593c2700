// The dropout family (src/ops/dropout.cpp): masks of the right granularity and scale, alpha
// dropout keeping mean and variance, identities, gradient = mask * scale, grad_fn names as
// PyTorch 1.13, errors. The RNG stream is not PyTorch's, so checks are statistical.
#include "ember/ops/dropout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "ember/ember.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {
constexpr double kAlphaPrime = 1.7580993408473766;
double alpha_a(double p) { return 1. / std::sqrt((kAlphaPrime * kAlphaPrime * p + 1) * (1 - p)); }

double frac_of(const Tensor& b) { return b.to(kDouble).mean().item<double>(); }

}  // namespace

TEST(Dropout, ElementMaskAndScale) {
  manual_seed(1);
  Tensor x = ones({200, 500});
  Tensor y = dropout(x, 0.3, true);
  Tensor kept = y != 0;
  EXPECT_NEAR(frac_of(kept), 0.7, 0.01);
  EXPECT_TRUE(all_close(y.masked_select(kept), full({kept.sum().item<int64_t>()}, 1 / 0.7)));
  EXPECT_FALSE(y.requires_grad());
}

TEST(Dropout, FeatureMaskZeroesWholeChannels) {
  manual_seed(2);
  Tensor x = ones({64, 64, 3, 5});
  Tensor y = feature_dropout(x, 0.25, true);
  Tensor per_channel = y.flatten(2);  // [64, 64, 15]
  Tensor mn = std::get<0>(per_channel.min(2)), mx = std::get<0>(per_channel.max(2));
  EXPECT_TRUE(mn.equal(mx));  // each channel is constant: all dropped or all kept
  EXPECT_NEAR(frac_of(mn == 0), 0.25, 0.03);
  EXPECT_TRUE(
      all_close(mx.masked_select(mx != 0), full({(mx != 0).sum().item<int64_t>()}, 4. / 3)));
  // 2-D input: one mask entry per (N, C) element, i.e. elementwise.
  Tensor z = feature_dropout(ones({100, 100}), 0.5, true);
  EXPECT_NEAR(frac_of(z == 0), 0.5, 0.03);
}

TEST(Dropout, AlphaKeepsMeanAndVariance) {
  manual_seed(3);
  Tensor x = randn({1000, 1000});
  for (double p : {0.2, 0.5}) {
    Tensor y = alpha_dropout(x, p, true);
    EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.01) << p;
    EXPECT_NEAR(y.std().item<double>(), 1.0, 0.01) << p;
    double a = alpha_a(p), dropped = kAlphaPrime * a * (p - 1);
    Tensor is_dropped = (y - dropped).abs() < 1e-6;
    EXPECT_NEAR(frac_of(is_dropped), p, 0.01);
    Tensor keep = is_dropped.logical_not();
    EXPECT_TRUE(all_close(y.masked_select(keep), x.masked_select(keep) * a + kAlphaPrime * a * p,
                          1e-5, 1e-5));
  }
}

TEST(Dropout, FeatureAlphaChannelsAndMoments) {
  manual_seed(4);
  Tensor x = randn({512, 64, 32});
  double p = 0.3, a = alpha_a(p), dropped = kAlphaPrime * a * (p - 1);
  Tensor y = feature_alpha_dropout(x, p, true);
  EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(y.std().item<double>(), 1.0, 0.02);
  // A dropped channel is constant (kept ones hold 32 different values), at the dropped value.
  Tensor mn = std::get<0>(y.min(2)), mx = std::get<0>(y.max(2));  // [512, 64]
  Tensor is_dropped = mn == mx;
  EXPECT_NEAR(frac_of(is_dropped), p, 0.02);
  EXPECT_LT((mn.masked_select(is_dropped) - dropped).abs().max().item<double>(), 1e-6);
}

TEST(Dropout, Identities) {
  Tensor x = randn({4, 3, 2});
  for (auto f : {&dropout, &feature_dropout, &alpha_dropout, &feature_alpha_dropout}) {
    EXPECT_TRUE(f(x, 0.5, false).is_same(x));  // eval
    EXPECT_TRUE(f(x, 0.0, true).is_same(x));   // p == 0
    Tensor e = empty({0, 3});
    EXPECT_TRUE(f(e, 0.5, true).is_same(e));
    // p == 1 gives zeros (alpha forms included, as PyTorch)
    Tensor z = f(x, 1.0, true);
    EXPECT_EQ(z.sizes(), x.sizes());
    EXPECT_EQ(z.abs().sum().item<double>(), 0.0);
  }
}

TEST(Dropout, InPlace) {
  manual_seed(5);
  Tensor x = ones({50, 40, 2});
  Tensor& r = feature_dropout_(x, 0.5, true);
  EXPECT_TRUE(r.is_same(x));
  EXPECT_TRUE(((x == 0) | (x == 2)).all().item<bool>());
  EXPECT_TRUE(x.select(2, 0).equal(x.select(2, 1)));
  Tensor y = randn({1000, 100});
  Tensor y0 = y.clone();
  alpha_dropout_(y, 0.4, true);
  double a = alpha_a(0.4);
  Tensor keep = (y - kAlphaPrime * a * (0.4 - 1)).abs() > 1e-6;
  EXPECT_TRUE(all_close(y.masked_select(keep), y0.masked_select(keep) * a + kAlphaPrime * a * 0.4,
                        1e-5, 1e-5));
  Tensor z = ones({10});
  EXPECT_TRUE(dropout_(z, 0.5, false).is_same(z));
  EXPECT_TRUE(z.equal(ones({10})));
  feature_alpha_dropout_(z, 1.0, true);
  EXPECT_TRUE(z.equal(zeros({10})));
  // In place on a leaf that requires grad: autograd's error.
  Tensor leaf = ones({3, 3}).requires_grad_(true);
  EXPECT_THROW(dropout_(leaf, 0.5, true), Error);
}

TEST(Dropout, GradientIsMaskTimesScale) {
  manual_seed(6);
  Tensor x = (rand({30, 20, 4}, kDouble) + 1).requires_grad_(true);
  Tensor w = randn({30, 20, 4}, kDouble);
  for (bool feature : {false, true}) {
    Tensor y = feature ? feature_dropout(x, 0.4, true) : dropout(x, 0.4, true);
    EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");
    Tensor g = autograd::grad({y}, {x}, {w})[0];
    Tensor mask = (y.detach() != 0).to(kDouble) / 0.6;
    EXPECT_TRUE(all_close(g, w * mask));
  }
  for (bool feature : {false, true}) {
    Tensor y = feature ? feature_alpha_dropout(x, 0.4, true) : alpha_dropout(x, 0.4, true);
    EXPECT_EQ(y.grad_fn()->name(), "AddBackward0");
    Tensor g = autograd::grad({y}, {x}, {w})[0];
    double a = alpha_a(0.4);
    Tensor mask = ((y.detach() - kAlphaPrime * a * (0.4 - 1)).abs() > 1e-9).to(kDouble) * a;
    EXPECT_TRUE(all_close(g, w * mask));
  }
  EXPECT_EQ(dropout(x, 1.0, true).grad_fn()->name(), "MulBackward0");
  // With the same seed each call draws the same mask: finite differences agree, twice.
  for (auto f : {&dropout, &feature_dropout, &alpha_dropout, &feature_alpha_dropout}) {
    auto fn = [f](const variable_list& v) {
      manual_seed(7);
      return f(v[0], 0.5, true);
    };
    Tensor in = randn({3, 4, 2}, kDouble);
    EXPECT_TRUE(ember::testing::gradcheck(fn, {in}));
    EXPECT_TRUE(ember::testing::gradgradcheck(fn, {in}));
  }
}

TEST(Dropout, Errors) {
  Tensor x = ones({2, 3});
  EXPECT_NE(error_of([&] {
              dropout(x, 1.5, true);
            }).find("[dropout] dropout probability has to be between 0 and 1, but got 1.5"),
            std::string::npos);
  EXPECT_NE(error_of([&] { alpha_dropout(x, -0.1, false); }).find("[alpha_dropout]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { feature_alpha_dropout_(x, 2, true); }).find("[feature_alpha_dropout_]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              feature_dropout(ones({5}), 0.5, true);
            }).find("[feature_dropout] Feature dropout requires at least 2 dimensions"),
            std::string::npos);
  EXPECT_THROW(feature_alpha_dropout(ones({5}), 0.5, true), Error);
  EXPECT_THROW(dropout(Tensor(), 0.5, true), Error);
}
