// LBFGS against torch.optim.LBFGS (PyTorch 1.13) on tests/optim/problem.h: parameters, returned
// losses and the evaluation counters after a few step(closure) calls.
#include "ember/optim/lbfgs.h"

#include "optim/problem.h"

using namespace ember;
using namespace optim_test;
using optim::LBFGS;
using optim::LBFGSOptions;

namespace {
struct Result {
  std::vector<double> params, losses;
  int64_t func_evals = 0, n_iter = 0;
};

void run_steps(LBFGS& opt, const std::vector<Tensor>& ps, int steps, Result& r) {
  auto closure = [&] {
    opt.zero_grad();
    Tensor loss = loss_fn(ps[0], ps[1]);
    loss.backward();
    return loss;
  };
  for (int i = 0; i < steps; ++i) r.losses.push_back(opt.step(closure).item<double>());
  auto& s = static_cast<optim::LBFGSParamState&>(*opt.state().at(ps[0].unsafeGetTensorImpl()));
  r.func_evals = s.func_evals();
  r.n_iter = s.n_iter();
  r.params = values(ps);
}

Result run_lbfgs(const LBFGSOptions& o, int steps) {
  auto ps = make_params();
  LBFGS opt(ps, o);
  Result r;
  run_steps(opt, ps, steps, r);
  return r;
}
}  // namespace

TEST(LBFGS, MatchesPyTorch) {
  // defaults, 1 step
  Result r = run_lbfgs(LBFGSOptions(), 1);
  EXPECT_TRUE(close(r.params,
                    {0.8612394902624646, 0.9199555799684018, 0.9570849518656355, 0.9762760262797144,
                     0.9527617354161162, 0.9073326289998184, 1.008885778119674, 1.0152723347208963},
                    1e-8));
  EXPECT_TRUE(close(r.losses, {85.109125}));
  EXPECT_EQ(r.func_evals, 20);
  EXPECT_EQ(r.n_iter, 20);
  // lr=0.5, max_iter=5, history_size=3, 4 steps (the history drops old pairs)
  r = run_lbfgs(LBFGSOptions(0.5).max_iter(5).history_size(3), 4);
  EXPECT_TRUE(
      close(r.params,
            {0.8703927542947361, 0.9966907176252296, 1.0066996122959946, 0.9799068637366195,
             0.8472545701485035, 0.7078986866845364, 0.8364148783122763, 0.6921574510697877},
            1e-8));
  EXPECT_TRUE(
      close(r.losses, {85.109125, 16.99667845378632, 1.2554521755415005, 0.34453060743568287}));
  EXPECT_EQ(r.func_evals, 20);
  EXPECT_EQ(r.n_iter, 20);
}

TEST(LBFGS, StrongWolfeMatchesPyTorch) {
  // lr=1, max_iter=6, line_search_fn='strong_wolfe', 3 steps
  Result r = run_lbfgs(LBFGSOptions(1).max_iter(6).line_search_fn("strong_wolfe"), 3);
  EXPECT_TRUE(close(r.params,
                    {0.8575141353685244, 0.9608410126142786, 0.9477182703844278, 0.9895422134043852,
                     0.9518901984483188, 0.88977184383274, 0.9957574806273561, 0.9750473846900061},
                    1e-8));
  EXPECT_TRUE(close(r.losses, {85.109125, 2.8668028199639224, 0.6357924901391767}));
  EXPECT_EQ(r.func_evals, 21);
  EXPECT_EQ(r.n_iter, 18);
}

TEST(LBFGS, MaxEvalAndToleranceChange) {
  // max_iter=4, max_eval=3, tolerance_change=1e-3, 2 steps
  Result r = run_lbfgs(LBFGSOptions().max_iter(4).max_eval(3).tolerance_change(1e-3), 2);
  EXPECT_TRUE(
      close(r.params,
            {0.9852584562864711, -1.4711988496387396, 2.1615884450389715, 0.7520375212688358,
             0.1325109278104512, -0.00481332732824391, 0.3993168156105212, 0.3748110478176144},
            1e-8));
  EXPECT_TRUE(close(r.losses, {85.109125, 26.049586763481322}));
  EXPECT_EQ(r.func_evals, 6);
  EXPECT_EQ(r.n_iter, 4);
  // max_eval defaults to max_iter * 5 / 4.
  auto ps = make_params();
  LBFGS opt(ps, LBFGSOptions().max_iter(9));
  EXPECT_EQ(*static_cast<LBFGSOptions&>(opt.param_groups()[0].options()).max_eval(), 11);
}

TEST(LBFGS, Resume) {
  for (const auto& o : {LBFGSOptions(0.5).max_iter(5).history_size(3),
                        LBFGSOptions(1).max_iter(6).line_search_fn("strong_wolfe")}) {
    Result full = run_lbfgs(o, 4);
    auto ps = make_params();
    LBFGS opt(ps, o);
    Result first;
    run_steps(opt, ps, 2, first);
    std::string path = tmp_path("lbfgs");
    save(opt, path);
    std::vector<Tensor> fresh;
    for (const auto& p : ps) fresh.push_back(p.detach().clone().requires_grad_(true));
    LBFGS opt2(fresh, o);
    load(opt2, path);
    std::remove(path.c_str());
    Result second;
    run_steps(opt2, fresh, 2, second);
    EXPECT_EQ(second.params, full.params);
    EXPECT_EQ(second.func_evals, full.func_evals);
    EXPECT_EQ(second.n_iter, full.n_iter);
  }
}

TEST(LBFGS, Errors) {
  auto ps = make_params();
  EXPECT_TRUE(throws([&] { LBFGS(ps, LBFGSOptions(-1)); }, "Invalid learning rate: -1"));
  EXPECT_TRUE(throws([&] { LBFGS(ps, LBFGSOptions().line_search_fn("backtracking")); },
                     "only 'strong_wolfe' is supported"));
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{ps[0]});
  groups.emplace_back(std::vector<Tensor>{ps[1]});
  EXPECT_TRUE(throws([&] { LBFGS(groups, LBFGSOptions()); },
                     "LBFGS doesn't support per-parameter options (parameter groups)"));
  EXPECT_TRUE(
      throws([&] { LBFGS(std::vector<Tensor>{}, LBFGSOptions()); }, "empty parameter list"));
  LBFGS opt(ps, LBFGSOptions());
  EXPECT_TRUE(throws([&] { opt.step(nullptr); }, "needs a closure"));
}

TEST(LBFGS, StopsAtOptimum) {
  // Gradient already below tolerance_grad: one evaluation, parameters unchanged.
  Tensor p = tensor({1.0, 1.0}, dtype(kDouble).requires_grad(true));
  LBFGS opt({p}, LBFGSOptions());
  auto closure = [&] {
    opt.zero_grad();
    Tensor loss = ((p - 1) * (p - 1)).sum();
    loss.backward();
    return loss;
  };
  EXPECT_EQ(opt.step(closure).item<double>(), 0.0);
  EXPECT_EQ(p[0].item<double>(), 1.0);
  auto& s = static_cast<optim::LBFGSParamState&>(*opt.state().at(p.unsafeGetTensorImpl()));
  EXPECT_EQ(s.func_evals(), 1);
  EXPECT_EQ(s.n_iter(), 0);
}

TEST(LBFGS, LoadingAnotherOptimizersCheckpointFails) {
  auto ps = make_params();
  optim::Adam adam(ps, optim::AdamOptions(0.1));
  train(adam, ps, 2);
  std::string path = tmp_path("adam_into_lbfgs");
  save(adam, path);
  LBFGS lbfgs(ps, LBFGSOptions());
  EXPECT_THROW(load(lbfgs, path), Error);
  optim::RMSprop rms(ps, optim::RMSpropOptions());
  optim::SGD sgd(ps, optim::SGDOptions(0.1).momentum(0.9));
  train(sgd, ps, 2);
  save(sgd, path);
  EXPECT_THROW(load(rms, path), Error);
  std::remove(path.c_str());
}
