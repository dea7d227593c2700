#include "ember/nn/modules/layers.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

// torch.manual_seed(0); torch.nn.Linear(3, 2) etc. (PyTorch 1.13): same initial values.
TEST(Layers, DefaultInitMatchesPyTorch) {
  manual_seed(0);
  nn::Linear l(3, 2);
  EXPECT_TRUE(all_close(l->weight.detach().flatten(),
                        tensor({-0.004322517663240433f, 0.3097158372402191f, -0.4751853346824646f,
                                -0.4248946011066437f, -0.2223689705133438f, 0.15482072532176971f}),
                        1e-6, 1e-7));
  EXPECT_TRUE(all_close(l->bias.detach(), tensor({-0.011439144611358643f, 0.45777493715286255f}),
                        1e-6, 1e-7));
  manual_seed(0);
  nn::Conv2d c(1, 2, 3);
  EXPECT_TRUE(all_close(c->weight.detach().flatten().index({indexing::Slice(0, 4)}),
                        tensor({-0.0024956068955361843f, 0.17881453037261963f,
                                -0.2743483781814575f, -0.24531301856040955f}),
                        1e-6, 1e-7));
  EXPECT_TRUE(all_close(c->bias.detach(), tensor({-0.22598037123680115f, -0.14515428245067596f}),
                        1e-6, 1e-7));
  manual_seed(0);
  Tensor w = empty({3, 4});
  nn::init::xavier_uniform_(w);
  EXPECT_TRUE(all_close(w.flatten().index({indexing::Slice(0, 3)}),
                        tensor({-0.006931448820978403f, 0.4966502785682678f, -0.7619917392730713f}),
                        1e-6, 1e-7));
}

TEST(Layers, DropoutMatchesPyTorchAndRespectsEval) {
  manual_seed(0);
  nn::Dropout d(0.5);
  EXPECT_TRUE(all_close(d(ones({8})), tensor({0.f, 0.f, 2.f, 0.f, 0.f, 0.f, 2.f, 2.f}), 0, 0));
  d->eval();
  EXPECT_TRUE(all_close(d(ones({8})), ones({8}), 0, 0));
  EXPECT_THROW(nn::Dropout(1.5), Error);
}

TEST(Layers, ForwardShapesAndGradients) {
  manual_seed(1);
  nn::Sequential net(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::ReLU(),
                     nn::MaxPool2d(2), nn::Flatten(), nn::Linear(4 * 4 * 4, 10));
  Tensor x = randn({2, 1, 8, 8});
  Tensor y = net->forward(x);
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 10}));
  y.sum().backward();
  for (const auto& p : net->parameters()) EXPECT_TRUE(p.grad().defined());
  EXPECT_EQ(net->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "4.weight", "4.bias"}));
  std::ostringstream os;
  os << *net;
  EXPECT_NE(os.str().find("torch::nn::Linear(in_features=64, out_features=10, bias=true)"),
            std::string::npos) << os.str();
  nn::Linear nobias(nn::LinearOptions(3, 2).bias(false));
  EXPECT_EQ(nobias->parameters().size(), 1u);
  EXPECT_TRUE(ember::testing::gradcheck(
      [](const variable_list& v) { return nn::functional::linear(v[0], v[1], v[2]); },
      {randn({4, 3}, kDouble), randn({2, 3}, kDouble), randn({2}, kDouble)}));
}

TEST(Layers, InitFunctions) {
  manual_seed(0);
  Tensor w = empty({64, 32});
  nn::init::kaiming_normal_(w, 0, kFanIn, kReLU);
  EXPECT_NEAR(w.std().item<float>(), std::sqrt(2.0 / 32), 0.02);
  nn::init::orthogonal_(w);
  EXPECT_TRUE(all_close(w.t().mm(w), eye(32), 1e-4, 1e-4));
  Tensor tn = empty({10000});
  nn::init::trunc_normal_(tn, 0, 1, -1, 1);
  EXPECT_LE(tn.max().item<float>(), 1.0f);
  EXPECT_GE(tn.min().item<float>(), -1.0f);
  Tensor d = empty({2, 2, 3, 3});
  nn::init::dirac_(d);
  EXPECT_EQ(d.sum().item<float>(), 2.0f);
  EXPECT_NEAR(nn::init::calculate_gain(kLeakyReLU, 0.2), std::sqrt(2.0 / 1.04), 1e-12);
  EXPECT_THROW(nn::init::xavier_uniform_(empty({3})), Error);
}
