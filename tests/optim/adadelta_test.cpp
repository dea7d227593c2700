// Adadelta against torch.optim.Adadelta (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/adadelta.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::Adadelta;
using optim::AdadeltaOptions;

TEST(Adadelta, MatchesPyTorch) {
  // defaults (lr=1, rho=0.9, eps=1e-6)
  EXPECT_TRUE(
      close(run<Adadelta>(AdadeltaOptions()),
            {0.9690195026912071, -1.9664489541929346, 2.9664918525983386, 0.5330360460829384,
             0.2684690470836218, -0.66693687493559, 1.4670614965343258, -0.06683642533283415}));
  // lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1
  EXPECT_TRUE(
      close(run<Adadelta>(AdadeltaOptions(0.5).rho(0.8).eps(1e-4).weight_decay(0.1)),
            {0.8978209431517836, -1.8742247388773854, 2.874772319089038, 0.6185599272521273,
             0.19963749998281666, -0.5802392815401045, 1.3820503674457272, 0.020725614654836775}));
  // maximize=True
  EXPECT_TRUE(
      close(run<Adadelta>(AdadeltaOptions().maximize(true)),
            {1.0365387014116698, -2.033954308300306, 3.0339967561654757, 0.46553612172060066,
             0.3360807477107032, -0.734474964423021, 1.534586652637986, -0.13434913019076644}));
}

TEST(Adadelta, ParamGroups) {
  // groups [{'rho': 0.5}, {'lr': 0.3}]
  EXPECT_TRUE(close(
      run_groups<Adadelta>(AdadeltaOptions(), AdadeltaOptions().rho(0.5), AdadeltaOptions(0.3)),
      {0.9797427070248081, -1.9791649149288106, 2.979174204671198, 0.5207229011831894,
       0.2900779123141897, -0.6899375803170986, 1.4899484344884268, -0.0899277881950764}));
}

TEST(Adadelta, Resume) {
  EXPECT_TRUE(resumes<Adadelta>(AdadeltaOptions(0.5).rho(0.8).weight_decay(0.1)));
}

TEST(Adadelta, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { Adadelta(ps, AdadeltaOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { Adadelta(ps, AdadeltaOptions().rho(1.5)); }, "Invalid rho value: 1.5"));
  EXPECT_TRUE(
      throws([&] { Adadelta(ps, AdadeltaOptions().eps(-1)); }, "Invalid epsilon value: -1"));
  EXPECT_TRUE(throws([&] { Adadelta(ps, AdadeltaOptions().weight_decay(-1)); },
                     "Invalid weight_decay value: -1"));
}

TEST(Adadelta, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<Adadelta>(AdadeltaOptions(0.5).rho(0.8).weight_decay(0.1)));
}
