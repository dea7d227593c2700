// The multi-tensor steps of Adam, AdamW and SGD (src/optim/foreach.cpp with the CPU kernel of
// src/cpu/optim.cpp, forced by EMBER_OPTIM_FOREACH=1) against the per-tensor path: same
// parameters and states over several steps, which parameters qualify, checkpoints.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "src/kernels/optim.h"
#include "src/optim/foreach.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {

// Sets EMBER_OPTIM_FOREACH (unsets it for null) for the scope.
class ForeachEnv {
 public:
  explicit ForeachEnv(const char* value) {
    if (const char* old = std::getenv(kName)) old_ = old;
    set(value);
  }
  ~ForeachEnv() { set(old_ ? old_->c_str() : nullptr); }
  ForeachEnv(const ForeachEnv&) = delete;
  ForeachEnv& operator=(const ForeachEnv&) = delete;

 private:
  static constexpr const char* kName = "EMBER_OPTIM_FOREACH";
  static void set(const char* v) {
    if (v)
      ::setenv(kName, v, 1);
    else
      ::unsetenv(kName);
  }
  std::optional<std::string> old_;
};

// Parameters of several shapes (empty, one element, odd sizes, 2-D, 3-D) and dtype dt.
std::vector<Tensor> make_params(ScalarType dt) {
  manual_seed(3);
  std::vector<std::vector<int64_t>> shapes = {{5}, {0}, {1}, {3, 7}, {129}, {2, 2, 3}};
  std::vector<Tensor> ps;
  for (const auto& s : shapes) ps.push_back(randn(s, kDouble).to(dt).requires_grad_(true));
  return ps;
}

// [1, -1, 1, -1, ...] (float64, n elements).
Tensor alternating(int64_t n) { return 1.0 - (arange(n, kLong) % 2).to(kDouble) * 2; }

// Step s's gradients: 0.3 p + a pattern that changes sign, or with `bounded` a pattern alone, of
// magnitude 0.1 to 1 and independent of p; parameter 3 has none at step 0 (its step count then
// lags the others').
void set_grads(std::vector<Tensor>& ps, int s, bool bounded = false) {
  for (size_t i = 0; i < ps.size(); ++i) {
    Tensor& p = ps[i];
    if (i == 3 && s == 0) {
      p.mutable_grad() = Tensor();
      continue;
    }
    Tensor pattern = (arange(p.numel(), kDouble) * 0.7 + (s + 1.3 * static_cast<double>(i))).sin();
    pattern = pattern.view(p.sizes());
    Tensor g = bounded ? alternating(p.numel()).view(p.sizes()) * (0.55 + 0.45 * pattern)
                       : p.detach().to(kDouble) * 0.3 + pattern;
    p.mutable_grad() = g.to(p.dtype());
  }
}

// Counts the calls of the CPU multi-tensor kernels while it lives (it wraps the stubs' entries).
class KernelCalls {
 public:
  KernelCalls() {
    count = 0;
    adam_ = fused_adam_stub.table[0];
    sgd_ = fused_sgd_stub.table[0];
    fused_adam_stub.table[0] = [](TensorList p, TensorList g, TensorList m, TensorList v,
                                  TensorList vmax, const int64_t* steps, const AdamHyper& h) {
      ++count;
      adam_(p, g, m, v, vmax, steps, h);
    };
    fused_sgd_stub.table[0] = [](TensorList p, TensorList g, TensorList b, bool first,
                                 const SgdHyper& h) {
      ++count;
      sgd_(p, g, b, first, h);
    };
  }
  ~KernelCalls() {
    fused_adam_stub.table[0] = adam_;
    fused_sgd_stub.table[0] = sgd_;
  }
  KernelCalls(const KernelCalls&) = delete;
  KernelCalls& operator=(const KernelCalls&) = delete;
  static inline int count = 0;

 private:
  static inline FusedAdamFn adam_ = nullptr;
  static inline FusedSgdFn sgd_ = nullptr;
};

struct Result {
  std::vector<Tensor> params;
  std::vector<Tensor> states;  // every state tensor, in parameter order
  std::vector<int64_t> steps;
  int kernel_calls = 0;
};

Result collect(optim::Optimizer& opt, const std::vector<Tensor>& ps) {
  Result r;
  for (const Tensor& p : ps) {
    r.params.push_back(p.detach().clone());
    auto it = opt.state().find(p.unsafeGetTensorImpl());
    if (it == opt.state().end()) continue;
    if (auto* a = dynamic_cast<optim::AdamParamState*>(it->second.get())) {
      r.steps.push_back(a->step());
      r.states.push_back(a->exp_avg());
      r.states.push_back(a->exp_avg_sq());
      if (a->max_exp_avg_sq().defined()) r.states.push_back(a->max_exp_avg_sq());
    } else if (auto* s = dynamic_cast<optim::SGDParamState*>(it->second.get())) {
      if (s->momentum_buffer().defined()) r.states.push_back(s->momentum_buffer());
    }
  }
  return r;
}

// `steps` steps of Opt over make_params(dt) with EMBER_OPTIM_FOREACH = foreach.
template <class Opt, class Options>
Result run(ScalarType dt, const Options& o, const char* foreach, int steps = 6,
           bool bounded_grads = false) {
  ForeachEnv env(foreach);
  KernelCalls calls;
  auto ps = make_params(dt);
  Opt opt(ps, o);
  for (int s = 0; s < steps; ++s) {
    set_grads(ps, s, bounded_grads);
    opt.step();
  }
  Result r = collect(opt, ps);
  r.kernel_calls = KernelCalls::count;
  return r;
}

::testing::AssertionResult same(const Result& a, const Result& b, double rtol, double atol) {
  if (a.params.size() != b.params.size() || a.states.size() != b.states.size() ||
      a.steps != b.steps)
    return ::testing::AssertionFailure() << "different numbers of params, states or steps";
  for (size_t i = 0; i < a.params.size(); ++i) {
    auto r = all_close(a.params[i].to(kDouble), b.params[i].to(kDouble), rtol, atol);
    if (!r) return r << " (param " << i << ")";
  }
  for (size_t i = 0; i < a.states.size(); ++i) {
    if (a.states[i].dtype() != b.states[i].dtype() || a.states[i].device() != b.states[i].device())
      return ::testing::AssertionFailure() << "state " << i << " has another dtype or device";
    auto r = all_close(a.states[i].to(kDouble), b.states[i].to(kDouble), rtol, atol);
    if (!r) return r << " (state " << i << ")";
  }
  return ::testing::AssertionSuccess();
}

double rtol_of(ScalarType dt) { return dt == kDouble ? 1e-12 : 2e-5; }
double atol_of(ScalarType dt) { return dt == kDouble ? 1e-14 : 1e-6; }

using optim::Adam;
using optim::AdamOptions;
using optim::AdamW;
using optim::AdamWOptions;
using optim::SGD;
using optim::SGDOptions;

}  // namespace

TEST(OptimForeach, AdamMatchesPerTensorPath) {
  std::vector<AdamOptions> cases = {
      AdamOptions(1e-2),
      AdamOptions(1e-2).weight_decay(0.1),
      AdamOptions(1e-2).amsgrad(true),
      AdamOptions(1e-2).maximize(true),
      AdamOptions(3e-2)
          .betas({0.8, 0.99})
          .eps(1e-6)
          .weight_decay(0.05)
          .amsgrad(true)
          .maximize(true),
  };
  for (ScalarType dt : {kFloat, kDouble})
    for (size_t c = 0; c < cases.size(); ++c) {
      Result fused = run<Adam>(dt, cases[c], "1");
      Result ref = run<Adam>(dt, cases[c], "0");
      EXPECT_TRUE(same(fused, ref, rtol_of(dt), atol_of(dt))) << toString(dt) << " case " << c;
      EXPECT_EQ(fused.steps, (std::vector<int64_t>{6, 6, 6, 5, 6, 6}));
      EXPECT_EQ(fused.kernel_calls, 6);  // one per step: one group, one dtype
      EXPECT_EQ(ref.kernel_calls, 0);
    }
}

TEST(OptimForeach, AdamWMatchesPerTensorPath) {
  std::vector<AdamWOptions> cases = {
      AdamWOptions(1e-2),
      AdamWOptions(1e-2).weight_decay(0.3).amsgrad(true),
      AdamWOptions(1e-2).weight_decay(0).maximize(true),
      AdamWOptions(2e-2).betas({0.85, 0.95}).weight_decay(0.2).amsgrad(true).maximize(true),
  };
  for (ScalarType dt : {kFloat, kDouble})
    for (size_t c = 0; c < cases.size(); ++c) {
      Result fused = run<AdamW>(dt, cases[c], "1");
      Result ref = run<AdamW>(dt, cases[c], "0");
      EXPECT_TRUE(same(fused, ref, rtol_of(dt), atol_of(dt))) << toString(dt) << " case " << c;
      EXPECT_EQ(fused.kernel_calls, 6);
    }
}

TEST(OptimForeach, SgdMatchesPerTensorPath) {
  std::vector<SGDOptions> cases = {
      SGDOptions(0.1),
      SGDOptions(0.1).momentum(0.9),
      SGDOptions(0.1).momentum(0.9).dampening(0.3),
      SGDOptions(0.1).momentum(0.8).nesterov(true),
      SGDOptions(0.05).momentum(0.9).weight_decay(0.01).maximize(true),
      SGDOptions(0.05).weight_decay(0.1).maximize(true),
  };
  for (ScalarType dt : {kFloat, kDouble})
    for (size_t c = 0; c < cases.size(); ++c) {
      Result fused = run<SGD>(dt, cases[c], "1");
      Result ref = run<SGD>(dt, cases[c], "0");
      EXPECT_TRUE(same(fused, ref, rtol_of(dt), atol_of(dt))) << toString(dt) << " case " << c;
      // With momentum, step 1 runs two calls: parameter 3 (no grad at step 0) gets its buffer.
      EXPECT_EQ(fused.kernel_calls, cases[c].momentum() != 0 ? 7 : 6);
    }
}

// The 16-bit dtypes compute in float and round once per element; close to float32's steps
// (gradients away from 0 and no weight decay: a float16 exp_avg_sq cannot hold tiny values).
TEST(OptimForeach, HalfAndBFloat16FollowFloat) {
  for (ScalarType dt : {kHalf, kBFloat16}) {
    double tol = dt == kHalf ? 1e-2 : 5e-2;
    auto adam = AdamOptions(1e-2).amsgrad(true);
    Result ref = run<Adam>(kFloat, adam, "0", 6, true);
    Result fused = run<Adam>(dt, adam, "1", 6, true);
    for (size_t i = 0; i < ref.params.size(); ++i)
      EXPECT_TRUE(all_close(fused.params[i].to(kFloat), ref.params[i], tol, tol))
          << toString(dt) << " param " << i;
    auto sgd = SGDOptions(0.1).momentum(0.9).nesterov(true);
    Result sref = run<SGD>(kFloat, sgd, "0", 6, true);
    Result sfused = run<SGD>(dt, sgd, "1", 6, true);
    for (size_t i = 0; i < sref.params.size(); ++i)
      EXPECT_TRUE(all_close(sfused.params[i].to(kFloat), sref.params[i], tol, tol))
          << toString(dt) << " param " << i;
  }
}

// Several dtypes in one group: one kernel call per dtype, same numbers.
TEST(OptimForeach, MixedDtypesInOneGroup) {
  auto run_mixed = [](const char* foreach) {
    ForeachEnv env(foreach);
    auto ps = make_params(kFloat);
    ps[1] = ps[1].detach().to(kDouble).requires_grad_(true);
    ps[4] = ps[4].detach().to(kDouble).requires_grad_(true);
    Adam opt(ps, AdamOptions(1e-2).amsgrad(true));
    SGD sgd(ps, SGDOptions(0.1).momentum(0.9));
    for (int s = 0; s < 4; ++s) {
      set_grads(ps, s);
      opt.step();
      sgd.step();
    }
    Result r = collect(opt, ps);
    Result r2 = collect(sgd, ps);
    r.states.insert(r.states.end(), r2.states.begin(), r2.states.end());
    return r;
  };
  EXPECT_TRUE(same(run_mixed("1"), run_mixed("0"), 2e-5, 1e-6));
}

// Which groups take the multi-tensor path; a refused group is left untouched.
TEST(OptimForeach, QualifyingGroups) {
  ForeachEnv env("1");
  AdamHyper h;
  h.lr = 1e-3;
  h.beta1 = 0.9;
  h.beta2 = 0.999;
  h.eps = 1e-8;
  SgdHyper sh;
  sh.lr = 0.1;
  sh.momentum = 0.9;
  auto check = [&](std::vector<Tensor> ps, bool expected, const char* what) {
    Adam opt(ps, AdamOptions(1e-3));
    std::vector<Tensor> before;
    for (const Tensor& p : ps) before.push_back(p.detach().clone());
    EXPECT_EQ(optim::detail::adam_foreach_step(opt, ps, h), expected) << what;
    EXPECT_EQ(opt.state().size(), expected ? ps.size() : 0u) << what;
    if (!expected) {
      for (size_t i = 0; i < ps.size(); ++i) EXPECT_TRUE(ps[i].detach().equal(before[i])) << what;
    }
    SGD sgd(ps, SGDOptions(0.1).momentum(0.9));
    EXPECT_EQ(optim::detail::sgd_foreach_step(sgd, ps, sh), expected) << what;
  };
  auto with_grad = [](Tensor p, Tensor g) {
    p.mutable_grad() = g;
    return p;
  };
  auto leaf = [](Tensor t) { return t.detach().requires_grad_(true); };
  Tensor a = leaf(randn({4, 3})), b = leaf(randn({7}));
  check({with_grad(a, randn({4, 3})), with_grad(b, randn({7}))}, true, "plain");
  {
    // The optimizers refuse duplicates, but a group's params() can be edited afterwards.
    Adam opt(std::vector<Tensor>{a, b}, AdamOptions(1e-3));
    EXPECT_FALSE(optim::detail::adam_foreach_step(opt, {a, b, a}, h));
    EXPECT_TRUE(opt.state().empty());
  }
  // A non-contiguous gradient is read through a contiguous copy.
  check({with_grad(leaf(randn({4, 3})), randn({3, 4}).t())}, true, "strided grad");
  check({with_grad(leaf(randn({3, 4}).t()), randn({4, 3}))}, false, "strided param");
  check({with_grad(leaf(randn({4})), randn({4}, kDouble))}, false, "grad of another dtype");
  check({with_grad(leaf(randn({4})), randn({4}).requires_grad_(true))}, false,
        "grad requiring grad");
  check({with_grad(arange(4), arange(4))}, false, "integer param");
  {
    ForeachEnv off("0");
    check({with_grad(leaf(randn({4})), randn({4}))}, false, "EMBER_OPTIM_FOREACH=0");
  }
  {
    ForeachEnv unset(nullptr);
    check({with_grad(leaf(randn({4})), randn({4}))}, true, "CPU without EMBER_OPTIM_FOREACH");
  }
  // A state of another dtype sends the group to the per-tensor path.
  Tensor p = with_grad(leaf(randn({5})), randn({5}));
  Adam opt(std::vector<Tensor>{p}, AdamOptions(1e-3));
  auto st = std::make_unique<optim::AdamParamState>();
  st->exp_avg(zeros({5}, kDouble));
  st->exp_avg_sq(zeros({5}, kDouble));
  opt.set_param_state(p, std::move(st));
  EXPECT_FALSE(optim::detail::adam_foreach_step(opt, {p}, h));
}

// A step changes parameters in place on both paths: backward through a graph that saved one
// before the step is refused.
TEST(OptimForeach, StepsBumpVersions) {
  for (const char* mode : {"0", "1"}) {
    ForeachEnv env(mode);
    Tensor p = randn({4}).requires_grad_(true);
    p.mutable_grad() = randn({4});
    Adam adam(std::vector<Tensor>{p}, AdamOptions(1e-2));
    SGD sgd(std::vector<Tensor>{p}, SGDOptions(0.1).momentum(0.9));
    for (int k = 0; k < 2; ++k) {
      Tensor y = (p * p).sum();  // saves p
      int64_t v = p._version();
      if (k == 0)
        adam.step();
      else
        sgd.step();
      EXPECT_GT(p._version(), v) << mode;
      EXPECT_THROW(y.backward(), Error) << mode << " step " << k;
    }
  }
}

// Training, saving, loading into a fresh optimizer and training on gives the uninterrupted run.
TEST(OptimForeach, CheckpointRoundTrip) {
  ForeachEnv env("1");
  std::string path = ::testing::TempDir() + "/ember_foreach_" + std::to_string(::getpid());
  auto check = [&](auto make) {
    auto ps = make_params(kFloat);
    auto ps2 = make_params(kFloat);
    auto full = make(ps);
    for (int s = 0; s < 6; ++s) {
      set_grads(ps, s);
      full->step();
    }
    auto first = make(ps2);
    for (int s = 0; s < 3; ++s) {
      set_grads(ps2, s);
      first->step();
    }
    save(*first, path);
    auto resumed = make(ps2);
    load(*resumed, path);
    for (int s = 3; s < 6; ++s) {
      set_grads(ps2, s);
      resumed->step();
    }
    EXPECT_TRUE(same(collect(*resumed, ps2), collect(*full, ps), 0, 0));
  };
  check([](std::vector<Tensor>& ps) {
    return std::make_unique<Adam>(ps, AdamOptions(1e-2).amsgrad(true).weight_decay(0.1));
  });
  check([](std::vector<Tensor>& ps) { return std::make_unique<AdamW>(ps, AdamWOptions(1e-2)); });
  check([](std::vector<Tensor>& ps) {
    return std::make_unique<SGD>(ps, SGDOptions(0.1).momentum(0.9).nesterov(true));
  });
  std::remove(path.c_str());
}
