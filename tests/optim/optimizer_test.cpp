// src/optim/optimizer.cpp: the Optimizer base (parameter groups with their own options, zero_grad)
// and the checks shared by every optimizer's constructor.
#include <gtest/gtest.h>

#include "ember/optim.h"
#include "support/gradcheck.h"

using namespace ember;

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
