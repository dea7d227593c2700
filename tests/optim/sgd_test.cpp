// src/optim/sgd.cpp: SGD (momentum, dampening, Nesterov, weight decay, maximize) and its
// per-parameter state's checkpointing. Reference values: PyTorch 1.13 (the torch.optim call above
// each case; tools/gen_optim_golden.py's problem).
#include "ember/optim/sgd.h"

#include "ember/optim.h"
#include "ember/serialize.h"
#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::SGD;
using optim::SGDOptions;
using State = optim::SGDParamState;

namespace {
// The gradient of problem.h's loss at make_params():
// p1, p2 = params(); loss_fn(p1, p2).backward(); p1.grad, p2.grad
const std::vector<double> kGrad0{0.2,   -7.6, 13.4, -3.975, 8.079999999999998, -15.799999999999999,
                                 142.0, -47.0};
}  // namespace

// Moved from optimizer_test.cpp.
TEST(SGD, MatchesPyTorch) {
  using optim::SGD;
  using optim::SGDOptions;
  // torch.optim.SGD(ps, lr=0.1)
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) { return SGD(ps, SGDOptions(0.1)); }),
      tensor({0.18098, -0.99152, 0.00271999999999991}, kDouble), 1e-10, 1e-12));
  // lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) {
        return SGD(ps, SGDOptions(0.1).momentum(0.9).dampening(0.1).weight_decay(0.01));
      }),
      tensor({-0.959074828092302, 0.309981061119897, -2.76002102029012}, kDouble), 1e-10, 1e-12));
  // lr=0.05, momentum=0.8, nesterov=True
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) {
        return SGD(ps, SGDOptions(0.05).momentum(0.8).nesterov(true));
      }),
      tensor({-0.1704934058, -0.5644945328, -1.1125324032}, kDouble), 1e-9, 1e-10));
  // lr=0.01, momentum=0.5, maximize=True
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) {
        return SGD(ps, SGDOptions(0.01).momentum(0.5).maximize(true));
      }),
      tensor({1.1650351402, -2.2533366848, 4.1493235728}, kDouble), 1e-9, 1e-10));
}

TEST(SGD, MomentumStepByStep) {
  // torch.optim.SGD(lr=0.005, momentum=0.9), 3 steps
  auto ps = make_params();
  SGD opt(ps, SGDOptions(0.005).momentum(0.9));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.999, -1.962, 2.933, 0.519875, 0.2596, -0.621, 0.79, 0.135},
          {0.997107997001, -1.890627390872, 2.8088088997629996, 0.5568269933756269, 0.1949026790528,
           -0.481060784, 0.07582220000000009, 0.39541000000000004},
          {0.9944283052590357, -1.7907277742072099, 2.638700893736066, 0.6076380599610527,
           0.12449330056146875, -0.30321070576980413, -0.5517870512363412, 0.5908129006012841},
      }));
  // opt.state[p]['momentum_buffer'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.momentum_buffer(); }),
            {0.5359383483928495, -19.979923332958005, 34.021601205386744, -10.162213317085158,
             14.081875698266252, -35.57001564603918, 125.52185024726825, -39.08058012025681}));
}

TEST(SGD, DampeningStepByStep) {
  // torch.optim.SGD(lr=0.005, momentum=0.9, dampening=0.5), 3 steps
  auto ps = make_params();
  SGD opt(ps, SGDOptions(0.005).momentum(0.9).dampening(0.5));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.999, -1.962, 2.933, 0.519875, 0.2596, -0.621, 0.79, 0.135},
          {0.9976039985005, -1.909213695436, 2.8407544498814996, 0.5472947466878134,
           0.2090713395264, -0.515480392, 0.11341110000000003, 0.37095500000000003},
          {0.9958571725525907, -1.8436803183566255, 2.7278636282146045, 0.5809446577540025,
           0.15585910272333164, -0.3925531839494318, -0.4870247942768765, 0.5654098538801605},
      }));
  // opt.state[p]['momentum_buffer'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.momentum_buffer(); }),
            {0.34936518958185364, -13.106675415874905, 22.57816433337903, -6.729982213237809,
             10.64244736061367, -24.585441610113634, 120.0871788553753, -38.890970776032106}));
}

TEST(SGD, NesterovWeightDecayStepByStep) {
  // torch.optim.SGD(lr=0.005, momentum=0.9, nesterov=True, weight_decay=0.1), 3 steps
  auto ps = make_params();
  SGD opt(ps, SGDOptions(0.005).momentum(0.9).nesterov(true).weight_decay(0.1));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.99715, -1.9259, 2.86985, 0.5372875, 0.22295500000000001, -0.5492349999999999,
           0.1495749999999998, 0.34659500000000004},
          {0.9931309812457333, -1.8233159528171399, 2.695675568981429, 0.5875447811665536,
           0.15391728089143916, -0.37064037966524993, -0.3916882109502044, 0.47505399406875004},
          {0.9881027501000014, -1.6977269155046701, 2.4909250325146766, 0.6469031166118612,
           0.10179251698608485, -0.18878234992131276, -0.9161991808855484, 0.5584412394304479},
      }));
}

TEST(SGD, MaximizeWeightDecayStepByStep) {
  // torch.optim.SGD(lr=0.002, weight_decay=0.1, maximize=True), 3 steps
  auto ps = make_params();
  SGD opt(ps, SGDOptions(0.002).weight_decay(0.1).maximize(true));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {1.0002, -2.0148, 3.0262, 0.49195, 0.3161, -0.73146, 1.7837, -0.19398},
          {1.0004006000480032, -2.029727806992717, 3.052889798377891, 0.48377043367283595,
           0.33432509746248, -0.7645688764, 2.26815778170024, -0.32896383160000003},
          {1.0006018020407494, -2.044785597623566, 3.0800836781986045, 0.475459293984323,
           0.35503418673450765, -0.799469648512452, 3.265958355656364, -0.5478381810051742},
      }));
}

TEST(SGD, MaximizeMomentumDampeningStepByStep) {
  // torch.optim.SGD(lr=0.002, momentum=0.5, dampening=0.2, maximize=True), 3 steps
  auto ps = make_params();
  SGD opt(ps, SGDOptions(0.002).momentum(0.5).dampening(0.2).maximize(true));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {1.0004, -2.0152, 3.0268, 0.49205, 0.31616, -0.7315999999999999, 1.784, -0.194},
          {1.0009210241536204, -2.0350674527205785, 3.0620451466908265, 0.4816113621764128,
           0.3388776388577853, -0.7740098286591999, 2.314041875456, -0.349052992},
          {1.001503894866868, -2.0574104288218793, 3.1020520423228093, 0.4697924157458095,
           0.36739834972745306, -0.8236578752376648, 3.42799933597663, -0.6091024573876456},
      }));
  // opt.state[p]['momentum_buffer'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.momentum_buffer(); }),
            {-0.29143535662379666, 11.171488050650462, -20.003447815991468, 5.909473215301663,
             -14.260355434833853, 24.82402328923244, -556.9787302603149, 130.02473269382276}));
}

TEST(SGD, FirstMomentumBufferIsTheUndampenedGradient) {
  // PyTorch starts the buffer as a copy of the first gradient (no dampening); without momentum
  // there is no state at all.
  auto ps = make_params();
  SGD opt(ps, SGDOptions(0.005).momentum(0.9).dampening(0.5));
  train(opt, ps, 1);
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.momentum_buffer(); }), kGrad0));
  const Tensor& buf =
      static_cast<const State&>(*opt.state().at(ps[0].unsafeGetTensorImpl())).momentum_buffer();
  EXPECT_NE(buf.data_ptr(), ps[0].grad().data_ptr());  // a copy, not the gradient itself
  auto qs = make_params();
  SGD plain(qs, SGDOptions(0.005).weight_decay(0.1));
  train(plain, qs, 2);
  EXPECT_TRUE(plain.state().empty());
}

TEST(SGD, StateCheckpointRoundTrip) {
  auto options = SGDOptions(0.005).momentum(0.9).nesterov(true).weight_decay(0.1);
  auto ps = make_params();
  SGD opt(ps, options);
  train(opt, ps, 2);
  const auto& st = static_cast<const State&>(*opt.state().at(ps[0].unsafeGetTensorImpl()));
  serialize::OutputArchive out;
  st.serialize(out);
  serialize::InputArchive in;
  in.load_from_bytes(out.to_bytes());
  EXPECT_EQ(in.keys(), std::vector<std::string>{"momentum_buffer"});
  State back;
  back.serialize(in);
  EXPECT_TRUE(ember::testing::all_close(back.momentum_buffer(), st.momentum_buffer(), 0, 0));
  // A state without a buffer writes nothing and reads back as none.
  serialize::OutputArchive none;
  State().serialize(none);
  serialize::InputArchive none_in;
  none_in.load_from_bytes(none.to_bytes());
  EXPECT_TRUE(none_in.keys().empty());
  State empty;
  empty.serialize(none_in);
  EXPECT_FALSE(empty.momentum_buffer().defined());
  // The whole optimizer through an archive: a fresh one continues exactly.
  serialize::OutputArchive all;
  save_state(opt, all);
  std::vector<Tensor> fresh;
  for (const auto& p : ps) fresh.push_back(p.detach().clone().requires_grad_(true));
  SGD opt2(fresh, options);
  serialize::InputArchive all_in;
  all_in.load_from_bytes(all.to_bytes());
  load_state(opt2, all_in);
  train(opt, ps, 3);
  train(opt2, fresh, 3);
  EXPECT_EQ(values(fresh), values(ps));
}

TEST(SGD, Resume) {
  EXPECT_TRUE(resumes<SGD>(SGDOptions(0.005).momentum(0.9).dampening(0.5)));
  EXPECT_TRUE(resumes<SGD>(SGDOptions(0.002).momentum(0.5).maximize(true).weight_decay(0.1)));
}

TEST(SGD, FloatParametersAndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<SGD>(SGDOptions(0.002).momentum(0.9).nesterov(true)));
}

TEST(SGD, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { SGD(ps, SGDOptions(-1)); }, "[SGD] Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { SGD(ps, SGDOptions(0.1).momentum(-0.5)); },
                     "[SGD] Invalid momentum value: -0.5"));
  EXPECT_TRUE(throws([&] { SGD(ps, SGDOptions(0.1).weight_decay(-1)); },
                     "[SGD] Invalid weight_decay value: -1"));
  // PyTorch: "Nesterov momentum requires a momentum and zero dampening"
  EXPECT_TRUE(throws([&] { SGD(ps, SGDOptions(0.1).nesterov(true)); },
                     "[SGD] Nesterov momentum requires a momentum and zero dampening"));
  EXPECT_TRUE(throws([&] { SGD(ps, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); },
                     "[SGD] Nesterov momentum requires a momentum and zero dampening"));
}
