// ASGD against torch.optim.ASGD (PyTorch 1.13), 10 steps of tests/optim/problem.h; parameters
// and the averaged parameters (state 'ax').
#include "ember/optim/asgd.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::ASGD;
using optim::ASGDOptions;

namespace {
// p1, p2, then ax of p1 and of p2.
std::vector<double> run_with_ax(const ASGDOptions& o) {
  auto ps = make_params();
  ASGD opt(ps, o);
  train(opt, ps, 10);
  std::vector<Tensor> all = ps;
  for (const auto& p : ps)
    all.push_back(
        static_cast<optim::ASGDParamState&>(*opt.state().at(p.unsafeGetTensorImpl())).ax());
  return values(all);
}
}  // namespace

TEST(ASGD, MatchesPyTorch) {
  // lr=0.01 (t0 = 1e6: ax follows the parameters)
  EXPECT_TRUE(close(
      run_with_ax(ASGDOptions(0.01)),
      {0.9813650792638792, -1.361007124111452, 2.0633765505579267, 0.7784830528516153,
       0.18934280395949482, -0.047287556346244056, 0.30308644900398696, 0.09739286725527466,
       0.9813650792638792, -1.361007124111452, 2.0633765505579267, 0.7784830528516153,
       0.18934280395949482, -0.047287556346244056, 0.30308644900398696, 0.09739286725527466}));
  // lr=0.02, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1 (averaging from step 4)
  EXPECT_TRUE(
      close(run_with_ax(ASGDOptions(0.02).lambd(0.01).alpha(0.5).t0(3).weight_decay(0.1)),
            {0.9466431620425703, -0.8647030266457558, 1.5534875082367703, 0.8930404295328322,
             0.2934542355043913, 0.054475071479970764, -0.3885599771142613, 0.2208187613528722,
             0.95856684677593, -1.0902714979438086, 1.7649096750964857, 0.8440639602338473,
             0.2367301508555762, 0.01681755289124329, -0.4647779365370113, 0.300191669983463}));
  // lr=0.001, t0=0, maximize=True
  EXPECT_TRUE(
      close(run_with_ax(ASGDOptions(0.001).t0(0).maximize(true)),
            {1.002013459716037, -2.0775411444219793, 3.139909868181271, 0.4587609573191641,
             0.41088244436481713, -0.8791114149315549, 44990261.32321083, -21650.082721142415,
             1.0012052841283423, -2.0462238428163233, 3.0827831551670215, 0.4755464324309364,
             0.3600027233085279, -0.8031244640835222, 4999039.217031279, -2408.371726736015}));
}

TEST(ASGD, ParamGroups) {
  // groups [{'t0': 2}, {'lambd': 0.1}] over defaults lr=0.01
  EXPECT_TRUE(close(
      run_groups<ASGD>(ASGDOptions(0.01), ASGDOptions(0.01).t0(2), ASGDOptions(0.01).lambd(0.1)),
      {0.9813650792638792, -1.361007124111452, 2.0633765505579267, 0.7784830528516153,
       0.18839169904117672, -0.0472696887287703, 0.2987943700008543, 0.09568532377968336}));
}

TEST(ASGD, Resume) {
  EXPECT_TRUE(resumes<ASGD>(ASGDOptions(0.02).lambd(0.01).alpha(0.5).t0(3).weight_decay(0.1)));
}

TEST(ASGD, BadOptions) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { ASGD(ps, ASGDOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(
      throws([&] { ASGD(ps, ASGDOptions().weight_decay(-1)); }, "Invalid weight_decay value: -1"));
}

TEST(ASGD, DefaultDtypeDouble) {
  // PyTorch keeps eta and mu in 0-dim tensors of the default dtype; with float64 they are exact.
  set_default_dtype(kDouble);
  auto got = run_with_ax(ASGDOptions(0.02).lambd(0.01).alpha(0.5).t0(3).weight_decay(0.1));
  set_default_dtype(kFloat);
  // torch.set_default_dtype(torch.float64); ASGD(lr=0.02, lambd=0.01, alpha=0.5, t0=3,
  // weight_decay=0.1)
  EXPECT_TRUE(close(
      got, {0.9466431625239972, -0.8647030354299793, 1.553487515643094, 0.8930404279643122,
            0.2934542329317841, 0.05447506993166255, -0.3885597919726494, 0.220818604542258,
            0.9585668470282187, -1.0902715025632834, 1.764909679046865, 0.8440639593614083,
            0.2367301492256098, 0.01681755214159815, -0.4647777540611131, 0.3001915143982375}));
}

TEST(ASGD, Float32AndMissingGradients) {
  EXPECT_TRUE(float_and_missing_grad<ASGD>(ASGDOptions(0.02).lambd(0.01).t0(3).weight_decay(0.1)));
}
