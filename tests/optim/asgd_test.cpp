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
  EXPECT_TRUE(
      close(run_with_ax(ASGDOptions(0.01)),
            {0.9813650792615891, -1.3610071240251238, 2.0633765504309394, 0.7784830528748172,
             0.18934280387092856, -0.04728755635118992, 0.3030864126949654, 0.09739285347478051,
             0.9813650792615891, -1.3610071240251238, 2.0633765504309394, 0.7784830528748172,
             0.18934280387092856, -0.04728755635118992, 0.3030864126949654, 0.09739285347478051}));
  // lr=0.02, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1 (averaging from step 4)
  EXPECT_TRUE(
      close(run_with_ax(ASGDOptions(0.02).lambd(0.01).alpha(0.5).t0(3).weight_decay(0.1)),
            {0.9466431625239972, -0.8647030354299793, 1.553487515643094, 0.8930404279643122,
             0.2934542329317841, 0.05447506993166255, -0.3885597919726494, 0.220818604542258,
             0.9585668470282187, -1.0902715025632834, 1.764909679046865, 0.8440639593614083,
             0.2367301492256098, 0.01681755214159815, -0.4647777540611131, 0.3001915143982375}));
  // lr=0.001, t0=0, maximize=True
  EXPECT_TRUE(
      close(run_with_ax(ASGDOptions(0.001).t0(0).maximize(true)),
            {1.0020134597143602, -2.0775411443565472, 3.1399098680604074, 0.45876095735451144,
             0.41088244423747816, -0.8791114147626892, 44990240.88725811, -21650.07599638754,
             1.0012052841141865, -2.0462238422714223, 3.082783154184717, 0.47554643272056385,
             0.3600027225440647, -0.803124462832214, 4999036.909108163, -2408.37096142981}));
}

TEST(ASGD, ParamGroups) {
  // groups [{'t0': 2}, {'lambd': 0.1}] over defaults lr=0.01
  EXPECT_TRUE(close(
      run_groups<ASGD>(ASGDOptions(0.01), ASGDOptions(0.01).t0(2), ASGDOptions(0.01).lambd(0.1)),
      {0.9813650792615891, -1.3610071240251238, 2.0633765504309394, 0.7784830528748172,
       0.1883917004643819, -0.04726968545562806, 0.2987943362448103, 0.09568530963426501}));
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
