// RAdam against torch.optim.RAdam (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/radam.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::RAdam;
using optim::RAdamOptions;

TEST(RAdam, MatchesPyTorch) {
  // lr=0.005 (beta2 = 0.999: the unrectified branch throughout)
  EXPECT_TRUE(
      close(run<RAdam>(RAdamOptions(0.005)),
            {0.9940948119443784, -1.8134569671719485, 2.6804035840958558, 0.5959622104043352,
             0.15273620704987464, -0.3552832070974939, -0.09387486258783011, 0.43155278654719426}));
  // lr=0.02, betas=(0.8, 0.6), eps=1e-4, weight_decay=0.1 (rectified from the second step)
  EXPECT_TRUE(close(
      run<RAdam>(RAdamOptions(0.02).betas(std::make_tuple(0.8, 0.6)).eps(1e-4).weight_decay(0.1)),
      {0.9456322769546666, -0.7499602543576125, 1.2772853265775275, 0.9753291406137147,
       0.16125722228792955, 0.11161205451975226, 1.3371723848083992, 0.5623295548494254}));
}

TEST(RAdam, ParamGroups) {
  // groups [{}, {'betas': (0.8, 0.6), 'lr': 0.01}] over defaults lr=0.005
  EXPECT_TRUE(
      close(run_groups<RAdam>(RAdamOptions(0.005), RAdamOptions(0.005),
                              RAdamOptions(0.01).betas(std::make_tuple(0.8, 0.6))),
            {0.9940948119443784, -1.8134569671719485, 2.6804035840958558, 0.5959622104043352,
             0.10177862270647149, 0.09052774887770071, -0.833789295873923, 1.0935888237318216}));
}

TEST(RAdam, Resume) {
  EXPECT_TRUE(resumes<RAdam>(RAdamOptions(0.02).betas(std::make_tuple(0.8, 0.6))));
}

TEST(RAdam, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { RAdam(ps, RAdamOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { RAdam(ps, RAdamOptions().eps(-1)); }, "Invalid epsilon value: -1"));
  EXPECT_TRUE(throws([&] { RAdam(ps, RAdamOptions().betas(std::make_tuple(-0.1, 0.9))); },
                     "Invalid beta parameter at index 0: -0.1"));
  EXPECT_TRUE(throws([&] { RAdam(ps, RAdamOptions().betas(std::make_tuple(0.9, 1.0))); },
                     "Invalid beta parameter at index 1: 1"));
  EXPECT_TRUE(throws([&] { RAdam(ps, RAdamOptions().weight_decay(-1)); },
                     "Invalid weight_decay value: -1"));
}

TEST(RAdam, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<RAdam>(RAdamOptions(0.02).betas(std::make_tuple(0.8, 0.6))));
}
