// RMSprop against torch.optim.RMSprop (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/rmsprop.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::RMSprop;
using optim::RMSpropOptions;

TEST(RMSprop, MatchesPyTorch) {
  // lr=0.01
  EXPECT_TRUE(
      close(run<RMSprop>(RMSpropOptions(0.01)),
            {0.868830291552658, -1.5208998116153118, 2.5284573005197384, 0.8744864062271988,
             0.12105904394581013, -0.28642339749567175, 1.1124448943472878, 0.3168303802702071}));
  // lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True
  EXPECT_TRUE(close(
      run<RMSprop>(
          RMSpropOptions(0.01).alpha(0.9).eps(1e-6).weight_decay(0.1).momentum(0.5).centered(true)),
      {0.8064210056554009, -1.6080841066658258, 2.612047145348359, 0.8302734426206125,
       0.10202320659389062, -0.34835098309986456, 1.1637055461690793, 0.254875397035832}));
  // lr=0.005, momentum=0.9
  EXPECT_TRUE(
      close(run<RMSprop>(RMSpropOptions(0.005).momentum(0.9)),
            {0.9192358363655714, -0.8872446420973877, 1.91221070015082, 1.2432886271829646,
             -0.09476894707969553, 0.19429637081155843, 0.6434831810779496, 0.8068158597644162}));
  // lr=0.01, centered=True, maximize=True
  EXPECT_TRUE(
      close(run<RMSprop>(RMSpropOptions(0.01).centered(true).maximize(true)),
            {1.693007359762638, -2.5486116872461344, 3.553091749514619, -0.09442055670312138,
             1.019060519298939, -1.3200039101364711, 2.123940035263923, -0.69412570906004}));
}

TEST(RMSprop, ParamGroups) {
  // groups [{'centered': True}, {'momentum': 0.7, 'lr': 0.002}] over defaults lr=0.01
  EXPECT_TRUE(
      close(run_groups<RMSprop>(RMSpropOptions(0.01), RMSpropOptions(0.01).centered(true),
                                RMSpropOptions(0.002).momentum(0.7)),
            {0.8688302369597951, -1.5106850381995445, 2.5186789626358808, 0.8787616789662896,
             0.10417919434665764, -0.44263393752347924, 1.2477916001414362, 0.15954170848765814}));
}

TEST(RMSprop, Resume) {
  EXPECT_TRUE(resumes<RMSprop>(RMSpropOptions(0.01).momentum(0.5).centered(true)));
  EXPECT_TRUE(resumes<RMSprop>(RMSpropOptions(0.01)));
}

TEST(RMSprop, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { RMSprop(ps, RMSpropOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { RMSprop(ps, RMSpropOptions().eps(-1)); }, "Invalid epsilon value: -1"));
  EXPECT_TRUE(
      throws([&] { RMSprop(ps, RMSpropOptions().momentum(-1)); }, "Invalid momentum value: -1"));
  EXPECT_TRUE(throws([&] { RMSprop(ps, RMSpropOptions().weight_decay(-1)); },
                     "Invalid weight_decay value: -1"));
  EXPECT_TRUE(throws([&] { RMSprop(ps, RMSpropOptions().alpha(-1)); }, "Invalid alpha value: -1"));
}

TEST(RMSprop, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<RMSprop>(RMSpropOptions(0.01).momentum(0.5).centered(true)));
}
