// Adagrad against torch.optim.Adagrad (PyTorch 1.13), 10 steps of tests/optim/problem.h.
#include "ember/optim/adagrad.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::Adagrad;
using optim::AdagradOptions;

TEST(Adagrad, MatchesPyTorch) {
  // lr=0.1
  EXPECT_TRUE(
      close(run<Adagrad>(AdagradOptions(0.1)),
            {0.868830500644206, -1.5251051901505706, 2.532582964552882, 0.8719321303376143,
             0.12062042169261675, -0.289892228586653, 1.1155596628376674, 0.3133839880389757}));
  // lr=0.2, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6
  EXPECT_TRUE(close(
      run<Adagrad>(
          AdagradOptions(0.2).lr_decay(0.05).weight_decay(0.1).initial_accumulator_value(0.3).eps(
              1e-6)),
      {0.8130722616554719, -1.209720951389862, 2.232691612177019, 0.9523973271012873,
       0.1766410718987834, -0.10537426817661612, 0.9652439232300621, 0.5028104749465873}));
  // lr=0.1, maximize=True
  EXPECT_TRUE(
      close(run<Adagrad>(AdagradOptions(0.1).maximize(true)),
            {1.673488061338511, -2.5309866502683485, 3.535300091691698, -0.07541806639379922,
             0.9987449725666746, -1.29994574027442, 2.1036849119321093, -0.6748436993979595}));
}

TEST(Adagrad, ParamGroups) {
  // groups [{}, {'lr': 0.3, 'weight_decay': 0.2}] over defaults lr=0.1
  EXPECT_TRUE(
      close(run_groups<Adagrad>(AdagradOptions(0.1), AdagradOptions(0.1),
                                AdagradOptions(0.3).weight_decay(0.2)),
            {0.868830500644206, -1.5251051901505706, 2.532582964552882, 0.8719321303376143,
             0.31318977519931196, 0.043421596670321624, 0.8635348961458376, 0.646563784089663}));
}

TEST(Adagrad, StateAndResume) {
  auto ps = make_params();
  Adagrad opt(ps, AdagradOptions(0.1).initial_accumulator_value(0.5));
  // The accumulators exist before the first step, as in PyTorch and libtorch.
  auto& s = static_cast<optim::AdagradParamState&>(*opt.state().at(ps[0].unsafeGetTensorImpl()));
  EXPECT_EQ(s.step(), 0);
  EXPECT_TRUE(ember::testing::all_close(s.sum(), full({4}, 0.5, kDouble)));
  EXPECT_TRUE(resumes<Adagrad>(AdagradOptions(0.2).lr_decay(0.05).weight_decay(0.1)));
}

TEST(Adagrad, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { Adagrad(ps, AdagradOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { Adagrad(ps, AdagradOptions().lr_decay(-0.5)); },
                     "Invalid lr_decay value: -0.5"));
  EXPECT_TRUE(throws([&] { Adagrad(ps, AdagradOptions().weight_decay(-1)); },
                     "Invalid weight_decay value: -1"));
  EXPECT_TRUE(throws([&] { Adagrad(ps, AdagradOptions().initial_accumulator_value(-1)); },
                     "Invalid initial_accumulator_value value: -1"));
  EXPECT_TRUE(throws([&] { Adagrad(ps, AdagradOptions().eps(-1)); }, "Invalid epsilon value: -1"));
}

TEST(Adagrad, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<Adagrad>(
      AdagradOptions(0.2).lr_decay(0.05).weight_decay(0.1).maximize(true)));
}
