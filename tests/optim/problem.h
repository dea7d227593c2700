#pragma once
// The fixed problem every optimizer test runs, and its checks: values against PyTorch, param
// groups, resuming from a checkpoint, errors. Reference values: tools/gen_optim_golden.py.
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

namespace optim_test {
using namespace ember;

// float64 p1 = [1, -2, 3, 0.5], p2 = [[0.3, -0.7], [1.5, -0.1]].
inline std::vector<Tensor> make_params() {
  return {tensor({1.0, -2.0, 3.0, 0.5}, dtype(kDouble).requires_grad(true)),
          tensor({0.3, -0.7, 1.5, -0.1}, kDouble).view({2, 2}).detach().requires_grad_(true)};
}

// sum(c (p1 - 1)^2) + 0.05 sum(p1^4) + sum((1 - a)^2 + 10 (b - a^2)^2), a, b = p2's columns.
inline Tensor loss_fn(const Tensor& p1, const Tensor& p2) {
  Tensor c = tensor({0.5, 1.0, 2.0, 4.0}, kDouble);
  Tensor a = p2.select(1, 0), b = p2.select(1, 1);
  Tensor d = p1 - 1;
  Tensor r = b - a * a;
  return (c * d * d).sum() + 0.05 * (p1 * p1 * p1 * p1).sum() +
         ((1 - a) * (1 - a) + 10 * r * r).sum();
}

inline std::vector<double> values(const std::vector<Tensor>& ps) {
  std::vector<double> out;
  for (const auto& p : ps) {
    Tensor c = p.detach().contiguous();
    out.insert(out.end(), c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  }
  return out;
}

// p = [1, -2, 3] (float64); loss = sum(p * p * c + p), c = [0.5, 1, 2]; 5 x (zero_grad,
// backward, step) of the optimizer make(params) returns; the parameter after them.
template <class Make>
Tensor run_quadratic(Make make) {
  Tensor p = tensor({1.0, -2.0, 3.0}, dtype(kDouble).requires_grad(true));
  Tensor c = tensor({0.5, 1.0, 2.0}, kDouble);
  auto opt = make(std::vector<Tensor>{p});
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    Tensor loss = (p * p * c + p).sum();
    loss.backward();
    opt.step();
  }
  return p.detach();
}

// One state tensor (get(state)) of every parameter of `ps`, flattened and concatenated; State is
// the optimizer's per-parameter state type.
template <class State, class Get>
std::vector<double> state_of(optim::Optimizer& opt, const std::vector<Tensor>& ps, Get get) {
  std::vector<Tensor> ts;
  for (const auto& p : ps)
    ts.push_back(get(static_cast<const State&>(*opt.state().at(p.unsafeGetTensorImpl()))));
  return values(ts);
}

template <class Opt>
void train(Opt& opt, const std::vector<Tensor>& ps, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    loss_fn(ps[0], ps[1]).backward();
    opt.step();
  }
}

// Runs `steps` steps of Opt over both parameters in one group; returns the parameters' values.
template <class Opt, class Options>
std::vector<double> run(const Options& options, int steps = 10) {
  auto ps = make_params();
  Opt opt(ps, options);
  train(opt, ps, steps);
  return values(ps);
}

// p1 in a group with g1's options, p2 with g2's.
template <class Opt, class Options>
std::vector<double> run_groups(const Options& defaults, const Options& g1, const Options& g2,
                               int steps = 10) {
  auto ps = make_params();
  std::vector<optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<Tensor>{ps[0]}, std::make_unique<Options>(g1));
  groups.emplace_back(std::vector<Tensor>{ps[1]}, std::make_unique<Options>(g2));
  Opt opt(groups, defaults);
  train(opt, ps, steps);
  return values(ps);
}

inline ::testing::AssertionResult close(const std::vector<double>& actual,
                                        const std::vector<double>& expected, double rtol = 1e-9) {
  return ember::testing::all_close(tensor(actual, kDouble), tensor(expected, kDouble), rtol, 1e-12);
}

// Runs expected.size() steps of `opt` over `ps` (make_params()); after step k the parameters
// must equal expected[k] (PyTorch's values after the same step).
template <class Opt>
::testing::AssertionResult steps_follow(Opt& opt, const std::vector<Tensor>& ps,
                                        const std::vector<std::vector<double>>& expected) {
  for (size_t k = 0; k < expected.size(); ++k) {
    opt.zero_grad();
    loss_fn(ps[0], ps[1]).backward();
    opt.step();
    auto r = close(values(ps), expected[k]);
    if (!r) return r << " after step " << k + 1;
  }
  return ::testing::AssertionSuccess();
}

inline std::string tmp_path(const std::string& name) {
  return ::testing::TempDir() + "/ember_optim_" + name + "_" + std::to_string(::getpid());
}

// Saving after `cut` steps and resuming into fresh parameters and a fresh optimizer gives exactly
// the parameters of an uninterrupted run.
template <class Opt, class Options>
::testing::AssertionResult resumes(const Options& options, int steps = 10, int cut = 4) {
  std::vector<double> full = run<Opt>(options, steps);
  auto ps = make_params();
  Opt opt(ps, options);
  train(opt, ps, cut);
  std::string path = tmp_path("resume");
  save(opt, path);
  std::vector<Tensor> fresh;
  for (const auto& p : ps) fresh.push_back(p.detach().clone().requires_grad_(true));
  Opt opt2(fresh, options);
  load(opt2, path);
  std::remove(path.c_str());
  train(opt2, fresh, steps - cut);
  std::vector<double> got = values(fresh);
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != full[i])
      return ::testing::AssertionFailure()
             << "element " << i << ": resumed " << got[i] << " vs uninterrupted " << full[i];
  return ::testing::AssertionSuccess();
}

// float32 parameters follow the float64 run closely; a parameter without a gradient is left
// alone.
template <class Opt, class Options>
::testing::AssertionResult float_and_missing_grad(const Options& options, double rtol = 1e-4) {
  std::vector<double> expected = run<Opt>(options, 10);
  auto ps = make_params();
  std::vector<Tensor> fs;
  for (const auto& p : ps) fs.push_back(p.detach().to(kFloat).requires_grad_(true));
  Tensor idle = ones({3}, requires_grad());
  Opt opt(std::vector<Tensor>{fs[0], fs[1], idle}, options);
  for (int i = 0; i < 10; ++i) {
    opt.zero_grad();
    loss_fn(fs[0].to(kDouble), fs[1].to(kDouble)).backward();
    opt.step();
  }
  if (fs[0].scalar_type() != kFloat || fs[0].grad().scalar_type() != kFloat)
    return ::testing::AssertionFailure() << "dtype changed";
  if (!ember::testing::all_close(idle, ones({3}), 0, 0) || idle.grad().defined())
    return ::testing::AssertionFailure() << "a parameter without gradient changed";
  std::vector<Tensor> back;
  for (const auto& f : fs) back.push_back(f.to(kDouble));
  return close(values(back), expected, rtol);
}

// `fn` throws ember::Error whose message contains `text`.
template <class Fn>
::testing::AssertionResult throws(Fn fn, const std::string& text) {
  try {
    fn();
  } catch (const Error& e) {
    if (std::string(e.what()).find(text) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "message '" << e.what() << "' lacks '" << text << "'";
  }
  return ::testing::AssertionFailure() << "no error";
}

}  // namespace optim_test
