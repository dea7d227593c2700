// Rprop against torch.optim.Rprop (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/rprop.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::Rprop;
using optim::RpropOptions;

TEST(Rprop, MatchesPyTorch) {
  // lr=0.01
  EXPECT_TRUE(
      close(run<Rprop>(RpropOptions(0.01)),
            {0.8529250560000001, -1.74041317888, 2.74041317888, 0.7595868211199999,
             0.04041317887999998, -0.4404131788800001, 1.24041317888, 0.15958682111999997}));
  // lr=0.05, etas=(0.3, 1.5), step_sizes=(0.01, 0.2)
  EXPECT_TRUE(close(run<Rprop>(RpropOptions(0.05)
                                   .etas(std::make_tuple(0.3, 1.5))
                                   .step_sizes(std::make_tuple(0.01, 0.2))),
                    {0.865859375, -0.3937500000000002, 1.3937499999999998, 0.98325, 0.507578125,
                     0.06425000000000013, 0.8437500000000001, 0.55625}));
  // lr=0.01, maximize=True
  EXPECT_TRUE(close(run<Rprop>(RpropOptions(0.01).maximize(true)),
                    {1.25958682112, -2.25958682112, 3.25958682112, 0.24041317888000002,
                     0.55958682112, -0.9595868211199998, 1.75958682112, -0.35958682111999996}));
}

TEST(Rprop, ParamGroups) {
  // groups [{}, {'lr': 0.03, 'etas': (0.4, 1.1)}] over defaults lr=0.01
  EXPECT_TRUE(
      close(run_groups<Rprop>(RpropOptions(0.01), RpropOptions(0.01),
                              RpropOptions(0.03).etas(std::make_tuple(0.4, 1.1))),
            {0.8529250560000001, -1.74041317888, 2.74041317888, 0.7595868211199999,
             0.13250115720000002, -0.2218772619699997, 1.0218772619699998, 0.3781227380300002}));
}

TEST(Rprop, Resume) {
  EXPECT_TRUE(resumes<Rprop>(
      RpropOptions(0.05).etas(std::make_tuple(0.3, 1.5)).step_sizes(std::make_tuple(0.01, 0.2))));
}

TEST(Rprop, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { Rprop(ps, RpropOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { Rprop(ps, RpropOptions().etas(std::make_tuple(1.5, 1.2))); },
                     "Invalid eta values: 1.5, 1.2"));
  EXPECT_TRUE(throws([&] { Rprop(ps, RpropOptions().etas(std::make_tuple(0.5, 0.9))); },
                     "Invalid eta values: 0.5, 0.9"));
}

TEST(Rprop, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<Rprop>(RpropOptions(0.01)));
}
