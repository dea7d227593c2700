// Dropout2d/3d, AlphaDropout, FeatureAlphaDropout modules and F:: forms (src/nn/dropout.cpp):
// libtorch's printing, options and defaults, unbatched inputs as libtorch 1.13, eval identity.
#include "ember/nn/modules/dropout.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"

using namespace ember;
namespace F = ember::nn::functional;

namespace {
std::string str(const nn::Module& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}
double frac_of(const Tensor& b) { return b.to(kDouble).mean().item<double>(); }
// Each slab over the dims from `from` on is constant (wholly dropped or kept).
bool channel_constant(const Tensor& y, int64_t from) {
  Tensor f = y.flatten(from);
  return std::get<0>(f.min(-1)).equal(std::get<0>(f.max(-1)));
}
}  // namespace

TEST(DropoutModules, PrettyPrint) {
  EXPECT_EQ(str(*nn::Dropout2d()), "torch::nn::Dropout2d(p=0.5, inplace=false)");
  EXPECT_EQ(str(*nn::Dropout3d(nn::Dropout3dOptions(0.2).inplace(true))),
            "torch::nn::Dropout3d(p=0.2, inplace=true)");
  EXPECT_EQ(str(*nn::AlphaDropout(0.25)), "torch::nn::AlphaDropout(p=0.25, inplace=false)");
  EXPECT_EQ(str(*nn::FeatureAlphaDropout()),
            "torch::nn::FeatureAlphaDropout(p=0.5, inplace=false)");
  nn::Sequential seq(nn::Dropout2d(0.1), nn::AlphaDropout());
  std::ostringstream os;
  os << *seq;
  EXPECT_NE(os.str().find("(0): torch::nn::Dropout2d(p=0.1, inplace=false)"), std::string::npos)
      << os.str();
}

TEST(DropoutModules, BadProbability) {
  EXPECT_THROW(nn::Dropout2d(1.5), Error);
  EXPECT_THROW(nn::Dropout3d(-0.5), Error);
  EXPECT_THROW(nn::AlphaDropout(2.0), Error);
  EXPECT_THROW(nn::FeatureAlphaDropout(-1.0), Error);
  EXPECT_THROW(F::dropout2d(ones({2, 2, 2, 2}), F::Dropout2dFuncOptions().p(1.1)), Error);
  EXPECT_THROW(F::alpha_dropout(ones({2}), F::AlphaDropoutFuncOptions().p(-0.1)), Error);
  // feature dropout needs a channel dim: 1-D input to dropout2d becomes (1, L), still fine; a
  // 0-dim input is not.
  EXPECT_THROW(F::dropout2d(tensor(1.0)), Error);
}

TEST(DropoutModules, Dropout2dChannels) {
  manual_seed(11);
  nn::Dropout2d d(0.3);
  Tensor y = d(ones({32, 64, 4, 4}));
  EXPECT_TRUE(channel_constant(y, 2));
  EXPECT_NEAR(frac_of(y == 0), 0.3, 0.03);
  EXPECT_TRUE(((y == 0) | ((y - 1 / 0.7).abs() < 1e-6)).all().item<bool>());
  // 3-D input is unbatched (C, H, W) as in libtorch 1.13: one mask entry per channel.
  Tensor u = d(ones({2000, 3, 3}));
  EXPECT_EQ(u.sizes(), IntArrayRef({2000, 3, 3}));
  EXPECT_TRUE(channel_constant(u, 1));
  EXPECT_NEAR(frac_of(u == 0), 0.3, 0.04);
  d->eval();
  Tensor x = randn({2, 3, 4, 4});
  EXPECT_TRUE(d(x).is_same(x));
}

TEST(DropoutModules, Dropout3dChannelsAndInplace) {
  manual_seed(12);
  nn::Dropout3d d(nn::Dropout3dOptions(0.5).inplace(true));
  Tensor x = ones({16, 32, 2, 2, 2});
  Tensor y = d(x);
  EXPECT_TRUE(y.is_same(x));  // in place
  EXPECT_TRUE(channel_constant(x, 2));
  EXPECT_NEAR(frac_of(x == 0), 0.5, 0.05);
  Tensor u = ones({1000, 2, 2, 2});  // unbatched (C, D, H, W)
  d(u);
  EXPECT_EQ(u.sizes(), IntArrayRef({1000, 2, 2, 2}));
  EXPECT_TRUE(channel_constant(u, 1));
  EXPECT_NEAR(frac_of(u == 0), 0.5, 0.05);
  Tensor z = F::dropout3d(ones({4, 4, 2, 2, 2}), F::Dropout3dFuncOptions().training(false));
  EXPECT_TRUE(z.equal(ones({4, 4, 2, 2, 2})));
}

TEST(DropoutModules, AlphaDropoutModules) {
  manual_seed(13);
  nn::AlphaDropout ad(0.2);
  Tensor x = randn({500, 1000});
  Tensor y = ad(x);
  EXPECT_NEAR(y.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(y.std().item<double>(), 1.0, 0.01);
  EXPECT_EQ(y.grad_fn(), nullptr);
  nn::FeatureAlphaDropout fad(nn::FeatureAlphaDropoutOptions(0.2).inplace(true));
  Tensor x2 = randn({256, 128, 16});
  Tensor y2 = fad(x2);
  EXPECT_FALSE(y2.is_same(x2));  // libtorch's forward never works in place
  EXPECT_NEAR(y2.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR(y2.std().item<double>(), 1.0, 0.02);
  ad->eval();
  fad->eval();
  EXPECT_TRUE(ad(x).is_same(x));
  EXPECT_TRUE(fad(x2).is_same(x2));
}

TEST(DropoutModules, FunctionalDefaults) {
  Tensor x = randn({8, 8, 3});
  // libtorch's alpha forms default to training=false; dropout2d/3d to training=true.
  EXPECT_TRUE(F::alpha_dropout(x).is_same(x));
  EXPECT_TRUE(F::feature_alpha_dropout(x).is_same(x));
  EXPECT_FALSE(F::dropout2d(x).equal(x));
  Tensor y = F::feature_alpha_dropout(x, F::FeatureAlphaDropoutFuncOptions().p(1).training(true));
  EXPECT_TRUE(y.equal(zeros({8, 8, 3})));
  Tensor z = x.clone();
  Tensor r = F::alpha_dropout(z, F::AlphaDropoutFuncOptions().p(0.5).training(true).inplace(true));
  EXPECT_TRUE(r.is_same(z));
  EXPECT_FALSE(z.equal(x));
  // Gradient through the module is the mask-multiply's.
  Tensor w = (rand({4, 6, 5}) + 1).requires_grad_(true);
  Tensor o = F::dropout2d(w, F::Dropout2dFuncOptions().p(0.5));
  EXPECT_EQ(o.grad_fn()->name(), "SqueezeBackward1");
  o.sum().backward();
  EXPECT_TRUE(w.grad().equal((o.detach() != 0).to(kFloat) * 2));
}
