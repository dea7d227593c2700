// NAdam against torch.optim.NAdam (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/nadam.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::NAdam;
using optim::NAdamOptions;

TEST(NAdam, MatchesPyTorch) {
  // lr=0.05
  EXPECT_TRUE(
      close(run<NAdam>(NAdamOptions(0.05)),
            {0.8592682355007069, -1.611850705740569, 2.61573561703931, 0.834779278516075,
             0.09194051404354582, -0.3479499867605652, 1.1615710325194775, 0.25478441906014476}));
  // lr=0.02, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1, momentum_decay=0.01
  EXPECT_TRUE(
      close(run<NAdam>(NAdamOptions(0.02)
                           .betas(std::make_tuple(0.8, 0.9))
                           .eps(1e-4)
                           .weight_decay(0.1)
                           .momentum_decay(0.01)),
            {0.8522379375682476, -1.8193282559521478, 2.8199213143149375, 0.6721560075318944,
             0.15346942037335148, -0.525955022104483, 1.3281224977787012, 0.07500321673445436}));
}

TEST(NAdam, ParamGroups) {
  // groups [{}, {'momentum_decay': 0.02}] over defaults lr=0.05
  EXPECT_TRUE(
      close(run_groups<NAdam>(NAdamOptions(0.05), NAdamOptions(0.05),
                              NAdamOptions(0.05).momentum_decay(0.02)),
            {0.8592682355007069, -1.611850705740569, 2.61573561703931, 0.834779278516075,
             0.09177155370689619, -0.3480686488068768, 1.161645575397183, 0.2546624504854856}));
}

TEST(NAdam, Resume) {
  EXPECT_TRUE(resumes<NAdam>(NAdamOptions(0.02).weight_decay(0.1).momentum_decay(0.01)));
}

TEST(NAdam, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { NAdam(ps, NAdamOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { NAdam(ps, NAdamOptions().eps(-1)); }, "Invalid epsilon value: -1"));
  EXPECT_TRUE(throws([&] { NAdam(ps, NAdamOptions().betas(std::make_tuple(1.0, 0.9))); },
                     "Invalid beta parameter at index 0: 1"));
  EXPECT_TRUE(throws([&] { NAdam(ps, NAdamOptions().betas(std::make_tuple(0.9, 1.0))); },
                     "Invalid beta parameter at index 1: 1"));
  EXPECT_TRUE(throws([&] { NAdam(ps, NAdamOptions().weight_decay(-1)); },
                     "Invalid weight_decay value: -1"));
  EXPECT_TRUE(throws([&] { NAdam(ps, NAdamOptions().momentum_decay(-1)); },
                     "Invalid momentum_decay value: -1"));
}

TEST(NAdam, DefaultDtypeDouble) {
  // PyTorch keeps mu_product in a 0-dim tensor of the default dtype; with float64 it is exact.
  set_default_dtype(kDouble);
  auto got = run<NAdam>(NAdamOptions(0.05));
  set_default_dtype(kFloat);
  // torch.set_default_dtype(torch.float64); NAdam(lr=0.05)
  EXPECT_TRUE(close(
      got, {0.8592682354223785, -1.611850706340451, 2.6157356176316187, 0.8347792780630767,
            0.09194051407722718, -0.34794998729274407, 1.161571033015664, 0.254784418532274}));
}

TEST(NAdam, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<NAdam>(NAdamOptions(0.02).weight_decay(0.1)));
}
