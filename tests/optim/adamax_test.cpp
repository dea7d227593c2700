// Adamax against torch.optim.Adamax (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/adamax.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::Adamax;
using optim::AdamaxOptions;

TEST(Adamax, MatchesPyTorch) {
  // lr=0.05
  EXPECT_TRUE(
      close(run<Adamax>(AdamaxOptions(0.05)),
            {0.8263156313804036, -1.5320041999274232, 2.539761327250351, 0.8820099577139877,
             0.05349702462114618, -0.29928194807760533, 1.117530735245977, 0.30819139879462765}));
  // lr=0.02, betas=(0.8, 0.9), eps=1e-4, weight_decay=0.1
  EXPECT_TRUE(close(
      run<Adamax>(AdamaxOptions(0.02).betas(std::make_tuple(0.8, 0.9)).eps(1e-4).weight_decay(0.1)),
      {0.7984560203437293, -1.7961772785627894, 2.795246509272617, 0.7205899342553735,
       0.09865333250999211, -0.4839961419637588, 1.2798329084339704, 0.11428597511227473}));
  // lr=0.05, maximize=True
  EXPECT_TRUE(
      close(run<Adamax>(AdamaxOptions(0.05).maximize(true)),
            {1.3855912295546244, -2.4749631387421984, 3.4715784314378055, 0.05677970276465297,
             0.6778590896698038, -1.1389116397992018, 1.9286516817160766, -0.5471196367423536}));
}

TEST(Adamax, ParamGroups) {
  // groups [{}, {'lr': 0.01, 'betas': (0.5, 0.7)}] over defaults lr=0.05
  EXPECT_TRUE(
      close(run_groups<Adamax>(AdamaxOptions(0.05), AdamaxOptions(0.05),
                               AdamaxOptions(0.01).betas(std::make_tuple(0.5, 0.7))),
            {0.8263156313804036, -1.5320041999274232, 2.539761327250351, 0.8820099577139877,
             0.1930876305506238, -0.5983879652829652, 1.3981034166103425, 0.0013615787992998195}));
}

TEST(Adamax, Resume) { EXPECT_TRUE(resumes<Adamax>(AdamaxOptions(0.02).weight_decay(0.1))); }

TEST(Adamax, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { Adamax(ps, AdamaxOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { Adamax(ps, AdamaxOptions().eps(-1)); }, "Invalid epsilon value: -1"));
  EXPECT_TRUE(throws([&] { Adamax(ps, AdamaxOptions().betas(std::make_tuple(1.0, 0.9))); },
                     "Invalid beta parameter at index 0: 1"));
  EXPECT_TRUE(throws([&] { Adamax(ps, AdamaxOptions().betas(std::make_tuple(0.9, -0.1))); },
                     "Invalid beta parameter at index 1: -0.1"));
  EXPECT_TRUE(throws([&] { Adamax(ps, AdamaxOptions().weight_decay(-1)); },
                     "Invalid weight_decay value: -1"));
}

TEST(Adamax, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<Adamax>(AdamaxOptions(0.02).weight_decay(0.1)));
}
