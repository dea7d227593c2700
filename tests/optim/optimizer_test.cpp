// Optimizer update rules against PyTorch: the same quadratic loss, 5 steps, final parameters.
// Reference values from torch 1.13 (script in the comment of each case; see optref in notes).
#include <gtest/gtest.h>

#include "ember/optim.h"
#include "support/gradcheck.h"

using namespace ember;

namespace {
// p = [1, -2, 3] (float64); loss = sum(p * p * c + p), c = [0.5, 1, 2]; 5 x (zero_grad,
// backward, step).
template <class Make>
Tensor run(Make make) {
  Tensor p = tensor({1.0, -2.0, 3.0}, dtype(kDouble).requires_grad(true));
  Tensor c = tensor({0.5, 1.0, 2.0}, kDouble);
  auto opt = make(std::vector<Tensor>{p});
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    Tensor loss = (p * p * c + p).sum();
    loss.backward();
    opt.step();
  }
  return p.detach();
}
}  // namespace

TEST(SGD, MatchesPyTorch) {
  using optim::SGD;
  using optim::SGDOptions;
  // torch.optim.SGD(ps, lr=0.1)
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) { return SGD(ps, SGDOptions(0.1)); }),
      tensor({0.18098, -0.99152, 0.00271999999999991}, kDouble), 1e-10, 1e-12));
  // lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) {
        return SGD(ps, SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(0.01));
      }),
      tensor({-0.959074828092302, 0.309981061119897, -2.76002102029012}, kDouble), 1e-10, 1e-12));
  // lr=0.05, momentum=0.8, nesterov=True
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) {
        return SGD(ps, SGDOptions(0.05).momentum(0.8).nesterov(true));
      }),
      tensor({-0.1704934058, -0.5644945328, -1.1125324032}, kDouble), 1e-9, 1e-10));
  // lr=0.01, momentum=0.5, maximize=True
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) {
        return SGD(ps, SGDOptions(0.01).momentum(0.5).maximize(true));
      }),
      tensor({1.1650351402, -2.2533366848, 4.1493235728}, kDouble), 1e-9, 1e-10));
}

TEST(Adam, MatchesPyTorch) {
  using namespace optim;
  // torch.optim.Adam(ps, lr=0.1)
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) { return Adam(ps, AdamOptions(0.1)); }),
      tensor({0.502955782592986, -1.50435816945168, 2.50161679050398}, kDouble), 1e-10, 1e-12));
  // lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) {
        return Adam(
            ps, AdamOptions(0.05).betas(std::make_tuple(0.8, 0.9)).weight_decay(0.1).amsgrad(true));
      }),
      tensor({0.750731782533882, -1.75095372939673, 2.75040380302275}, kDouble), 1e-10, 1e-12));
  // torch.optim.AdamW(ps, lr=0.1)
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) { return AdamW(ps, AdamWOptions(0.1)); }),
      tensor({0.498996853704656, -1.49549004958246, 2.48770032436627}, kDouble), 1e-10, 1e-12));
  // lr=0.05, weight_decay=0.5, amsgrad=True, maximize=True
  EXPECT_TRUE(ember::testing::all_close(
      run([](std::vector<Tensor> ps) {
        return AdamW(ps, AdamWOptions(0.05).weight_decay(0.5).amsgrad(true).maximize(true));
      }),
      tensor({1.11914297021745, -1.99999999920501, 2.88092903262473}, kDouble), 1e-10, 1e-12));
}

TEST(Optimizer, ParamGroupsAndErrors) {
  Tensor a = ones({2}, requires_grad()), b = ones({2}, requires_grad());
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{a});
  groups.emplace_back(std::vector<Tensor>{b}, std::make_unique<optim::SGDOptions>(1.0));
  optim::SGD opt(groups, optim::SGDOptions(0.1));
  (a.sum() + b.sum()).backward();
  opt.step();
  EXPECT_FLOAT_EQ(a.sum().item<float>(), 2 * 0.9f);
  EXPECT_FLOAT_EQ(b.sum().item<float>(), 0.0f);
  EXPECT_EQ(opt.size(), 2u);
  EXPECT_THROW(optim::SGD({a}, optim::SGDOptions(-1.0)), Error);
  EXPECT_THROW(optim::SGD({a}, optim::SGDOptions(0.1).nesterov(true)), Error);
  EXPECT_THROW(optim::SGD({a, a}, optim::SGDOptions(0.1)), Error);
  EXPECT_THROW(optim::Adam({a}, optim::AdamOptions(0.1).betas(std::make_tuple(1.0, 0.9))), Error);
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}
