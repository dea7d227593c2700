// src/optim/adam.cpp: Adam and AdamW (PyTorch's single-tensor algorithm: L2 or decoupled weight
// decay, amsgrad, maximize) and their per-parameter state's checkpointing. Reference values:
// PyTorch 1.13 (the torch.optim call above each case; tools/gen_optim_golden.py's problem).
#include "ember/optim/adam.h"

#include <sstream>

#include "ember/optim.h"
#include "ember/serialize.h"
#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::Adam;
using optim::AdamOptions;
using optim::AdamW;
using optim::AdamWOptions;
using State = optim::AdamParamState;

// Moved from optimizer_test.cpp.
TEST(Adam, MatchesPyTorch) {
  using namespace optim;
  // torch.optim.Adam(ps, lr=0.1)
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) { return Adam(ps, AdamOptions(0.1)); }),
      tensor({0.502955782592986, -1.50435816945168, 2.50161679050398}, kDouble), 1e-10, 1e-12));
  // lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) {
        return Adam(
            ps, AdamOptions(0.05).betas(std::make_tuple(0.8, 0.9)).weight_decay(0.1).amsgrad(true));
      }),
      tensor({0.750731782533882, -1.75095372939673, 2.75040380302275}, kDouble), 1e-10, 1e-12));
  // torch.optim.AdamW(ps, lr=0.1)
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) { return AdamW(ps, AdamWOptions(0.1)); }),
      tensor({0.498996853704656, -1.49549004958246, 2.48770032436627}, kDouble), 1e-10, 1e-12));
  // lr=0.05, weight_decay=0.5, amsgrad=True, maximize=True
  EXPECT_TRUE(ember::testing::all_close(
      run_quadratic([](std::vector<Tensor> ps) {
        return AdamW(ps, AdamWOptions(0.05).weight_decay(0.5).amsgrad(true).maximize(true));
      }),
      tensor({1.11914297021745, -1.99999999920501, 2.88092903262473}, kDouble), 1e-10, 1e-12));
}

// Parameters after each step and the state after the last one. With betas=(0.9, 0.5) the second
// moment falls for some elements, so amsgrad's running maximum matters.
TEST(Adam, AmsgradStepByStep) {
  // torch.optim.Adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True), 3 steps
  auto ps = make_params();
  Adam opt(ps, AdamOptions(0.1).betas(std::make_tuple(0.9, 0.5)).amsgrad(true));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.9000000049999998, -1.9000000001315789, 2.900000000074627, 0.5999999997484277,
           0.20000000012376237, -0.600000000063291, 1.4000000000070423, -2.127657772188485e-11},
          {0.8272243775986642, -1.7992167416334996, 2.7990459886802213, 0.7027009550990747,
           0.1139040736170396, -0.4974857900552192, 1.2971227630785107, 0.10222424832798212},
          {0.792161257803351, -1.697176478937408, 2.6965102385999495, 0.7993634928820058,
           0.05188085480043721, -0.3982843967806833, 1.2000127501864877, 0.20191653528286746},
      }));
  // opt.state[p]['exp_avg_sq'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.exp_avg_sq(); }),
            {0.007298206187161941, 42.94986997735551, 128.4413681045674, 7.132154129320581,
             11.411607013207108, 124.27886764172075, 8986.778536569316, 1159.7566497582957}));
  // opt.state[p]['max_exp_avg_sq'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.max_exp_avg_sq(); }),
            {0.020000000000000004, 42.94986997735551, 128.4413681045674, 8.932849376524848,
             32.643199999999986, 144.3300000288758, 11152.756800316412, 1320.5700000321401}));
}

TEST(Adam, WithoutAmsgradStepByStep) {
  // torch.optim.Adam(lr=0.1, betas=(0.9, 0.5)), 3 steps
  auto ps = make_params();
  Adam opt(ps, AdamOptions(0.1).betas(std::make_tuple(0.9, 0.5)));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.9000000049999998, -1.9000000001315789, 2.900000000074627, 0.5999999997484277,
           0.20000000012376237, -0.600000000063291, 1.4000000000070423, -2.127657772188485e-11},
          {0.8020864112357441, -1.7992167416334996, 2.7990459886802213, 0.7027009550990747,
           0.09633655654966149, -0.4974857900552192, 1.2971227630785107, 0.10222424832798212},
          {0.7646496298502572, -1.697176478937408, 2.6965102385999495, 0.8108799241690356,
           -0.005029718251778628, -0.3904856893971376, 1.1889412358852298, 0.20860396681434595},
      }));
}

TEST(Adam, WeightDecayStepByStep) {
  // torch.optim.Adam(lr=0.05, weight_decay=0.2), 3 steps
  auto ps = make_params();
  Adam opt(ps, AdamOptions(0.05).weight_decay(0.2));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.95000000125, -1.9500000000625, 2.9500000000357143, 0.5499999998709677,
           0.25000000006142503, -0.6500000000313676, 1.4500000000035138, -0.05000000001063379},
          {0.9007045089916014, -1.9000426920148918, 2.900052486279723, 0.5997703581561266,
           0.2012354420699558, -0.6001999901681115, 1.400249317334627, -0.00016272530162199372},
          {0.8528692955818482, -1.8501565105864943, 2.8501934577293073, 0.6491102475130315,
           0.15490251739789954, -0.5507406808286839, 1.3509331091952108, 0.049387852566042785},
      }));
}

TEST(Adam, MaximizeStepByStep) {
  // torch.optim.Adam(lr=0.05, maximize=True), 3 steps
  auto ps = make_params();
  Adam opt(ps, AdamOptions(0.05).maximize(true));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {1.0499999975, -2.0499999999342107, 3.0499999999626866, 0.45000000012578617,
           0.3499999999381188, -0.7499999999683544, 1.5499999999964789, -0.1499999999893617},
          {1.0997336262174875, -2.1000324611980083, 3.1000377764826323, 0.3999324020082098,
           0.3998370667712553, -0.8000677390260098, 1.6000671548196894, -0.2000649742006581},
          {1.1493488768281457, -2.150118896712528, 3.1501377962848354, 0.3497540473761198,
           0.449554711713288, -0.8502475784455901, 1.6502467374773129, -0.25023613376573794},
      }));
}

TEST(Adam, AllOptionsStepByStep) {
  // torch.optim.Adam(lr=0.02, betas=(0.8, 0.6), eps=1e-6, weight_decay=0.1, amsgrad=True,
  // maximize=True), 3 steps
  auto ps = make_params();
  Adam opt(ps, AdamOptions(0.02)
                   .betas(std::make_tuple(0.8, 0.6))
                   .eps(1e-6)
                   .weight_decay(0.1)
                   .amsgrad(true)
                   .maximize(true));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {1.019999800002, -2.0199999972972975, 3.0199999984732826, 0.48000000496894285,
           0.31999999751552827, -0.7199999987285443, 1.519999999859006, -0.11999999957437754},
          {1.0394991217765963, -2.0399835655657186, 3.0399799078379552, 0.4600577250233123,
           0.3397915909759999, -0.7399406399328418, 1.5399302296626525, -0.13995090539624291},
          {1.0584741508226152, -2.0599413429619844, 3.0599284861866787, 0.4402016517602181,
           0.35929391309641723, -0.75979079512312, 1.5597546238127875, -0.15982715261503844},
      }));
  // opt.state[p]['exp_avg'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.exp_avg(); }),
            {-0.06567803046289915, 3.6598091618757658, -6.497616059924499, 2.0541549381347814,
             -4.54633498739864, 8.040397038988202, -73.065242679778, 23.832625049665747}));
  // opt.state[p]['exp_avg_sq'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.exp_avg_sq(); }),
            {0.015776317205573997, 44.282162961440484, 139.7077616291672, 14.093402904415958,
             71.56266965299568, 216.05460866225417, 17887.853066851916, 1893.2648571358052}));
  // opt.state[p]['max_exp_avg_sq'] of both parameters
  EXPECT_TRUE(
      close(state_of<State>(opt, ps, [](const State& s) { return s.max_exp_avg_sq(); }),
            {0.015776317205573997, 44.282162961440484, 139.7077616291672, 14.093402904415958,
             71.56266965299568, 216.05460866225417, 17887.853066851916, 1893.2648571358052}));
}

TEST(AdamW, AmsgradStepByStep) {
  // torch.optim.AdamW(lr=0.05, betas=(0.9, 0.5), weight_decay=0.3, amsgrad=True), 3 steps
  auto ps = make_params();
  AdamW opt(ps,
            AdamWOptions(0.05).betas(std::make_tuple(0.9, 0.5)).weight_decay(0.3).amsgrad(true));
  EXPECT_TRUE(steps_follow(
      opt, ps,
      {
          {0.9350000024999998, -1.9200000000657895, 2.9050000000373135, 0.5424999998742138,
           0.24550000006188116, -0.6395000000316455, 1.4275000000035212, -0.04850000001063829},
          {0.8760977620121174, -1.8408842732663557, 2.810971048419082, 0.5849645583714624,
           0.19141905778202822, -0.579126097602646, 1.3550431917681087, 0.0029958406755749498},
          {0.8310780300135985, -1.762459372758983, 2.7176148298161293, 0.6278435101277903,
           0.1448415117308703, -0.519043887944747, 1.2843167154727804, 0.05432749903081035},
      }));
}

TEST(Adam, StateCheckpointRoundTrip) {
  for (bool amsgrad : {false, true}) {
    SCOPED_TRACE(amsgrad ? "amsgrad" : "plain");
    auto options = AdamOptions(0.05).betas(std::make_tuple(0.9, 0.5)).amsgrad(amsgrad);
    auto ps = make_params();
    Adam opt(ps, options);
    train(opt, ps, 2);
    // One parameter's state: step, both moments and (amsgrad only) the running maximum.
    const auto& st = static_cast<const State&>(*opt.state().at(ps[1].unsafeGetTensorImpl()));
    EXPECT_EQ(st.step(), 2);
    EXPECT_EQ(st.max_exp_avg_sq().defined(), amsgrad);
    serialize::OutputArchive out;
    st.serialize(out);
    serialize::InputArchive in;
    in.load_from_bytes(out.to_bytes());
    std::vector<std::string> keys{"exp_avg", "exp_avg_sq", "step"};
    if (amsgrad) keys.insert(keys.begin() + 2, "max_exp_avg_sq");
    EXPECT_EQ(in.keys(), keys);
    State back;
    back.serialize(in);
    EXPECT_EQ(back.step(), 2);
    EXPECT_TRUE(ember::testing::all_close(back.exp_avg(), st.exp_avg(), 0, 0));
    EXPECT_TRUE(ember::testing::all_close(back.exp_avg_sq(), st.exp_avg_sq(), 0, 0));
    EXPECT_EQ(back.max_exp_avg_sq().defined(), amsgrad);
    if (amsgrad) {
      EXPECT_TRUE(ember::testing::all_close(back.max_exp_avg_sq(), st.max_exp_avg_sq(), 0, 0));
    }
    // The whole optimizer through an archive: a fresh one continues exactly.
    serialize::OutputArchive all;
    save_state(opt, all);
    std::vector<Tensor> fresh;
    for (const auto& p : ps) fresh.push_back(p.detach().clone().requires_grad_(true));
    Adam opt2(fresh, options);
    serialize::InputArchive all_in;
    all_in.load_from_bytes(all.to_bytes());
    load_state(opt2, all_in);
    train(opt, ps, 3);
    train(opt2, fresh, 3);
    EXPECT_EQ(values(fresh), values(ps));
  }
}

TEST(Adam, Resume) {
  EXPECT_TRUE(resumes<Adam>(AdamOptions(0.05).betas(std::make_tuple(0.9, 0.5)).amsgrad(true)));
  EXPECT_TRUE(resumes<Adam>(AdamOptions(0.02).weight_decay(0.1).maximize(true)));
  EXPECT_TRUE(resumes<AdamW>(AdamWOptions(0.05).weight_decay(0.3).amsgrad(true)));
}

TEST(Adam, FloatParametersAndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<Adam>(AdamOptions(0.05).amsgrad(true).weight_decay(0.1)));
  EXPECT_TRUE(float_and_missing_grad<AdamW>(AdamWOptions(0.05).maximize(true)));
}

TEST(Adam, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { Adam(ps, AdamOptions(-1)); }, "[Adam] Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { Adam(ps, AdamOptions().eps(-1)); }, "[Adam] Invalid epsilon value: -1"));
  EXPECT_TRUE(throws([&] { Adam(ps, AdamOptions().betas(std::make_tuple(1.0, 0.9))); },
                     "[Adam] Invalid beta parameter at index 0: 1"));
  EXPECT_TRUE(throws([&] { Adam(ps, AdamOptions().betas(std::make_tuple(0.9, -0.1))); },
                     "[Adam] Invalid beta parameter at index 1: -0.1"));
  EXPECT_TRUE(throws([&] { Adam(ps, AdamOptions().weight_decay(-1)); },
                     "[Adam] Invalid weight_decay value: -1"));
  EXPECT_TRUE(
      throws([&] { AdamW(ps, AdamWOptions(-0.5)); }, "[AdamW] Invalid learning rate: -0.5"));
}
