// Whole training against PyTorch: a small CNN (conv, batch norm, ReLU, max pool, linear, tanh)
// with closed-form parameters and data, trained 20 steps with AdamW, a cosine schedule and
// label-smoothed cross entropy, in float64. Every step's loss, the eval-mode loss afterwards, each
// parameter's sum and BatchNorm's running statistics must match PyTorch 1.13's
// (tools/gen_training_golden.py writes training_golden.inc).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {
#include "training_golden.inc"

nn::Sequential make_model() {
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::BatchNorm2d(4),
                   nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(64, 16), nn::Tanh(),
                   nn::Linear(16, 3));
  m->to(kDouble);
  // Parameter k (named_parameters order), element i: 0.3 sin(0.7 i + k), as the generator.
  NoGradGuard ng;
  int k = 0;
  for (auto& item : m->named_parameters()) {
    Tensor p = item.value();
    std::vector<double> v(static_cast<size_t>(p.numel()));
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.3 * std::sin(0.7 * static_cast<double>(i) + k);
    p.copy_(tensor(v, kDouble).view(p.sizes()));
    ++k;
  }
  return m;
}

std::pair<Tensor, Tensor> make_data() {
  const int64_t n = 12;
  std::vector<double> x(static_cast<size_t>(n * 64));
  for (size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(i);
    x[i] = std::sin(0.37 * d) + 0.1 * std::cos(1.3 * d);
  }
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int64_t>(i % 3);
  return {tensor(x, kDouble).view({n, 1, 8, 8}), tensor(y)};
}

void expect_near_rel(double got, double want, const char* what, size_t i) {
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want))) << what << " " << i;
}
}  // namespace

TEST(Training, SmallCnnMatchesPyTorchStepForStep) {
  nn::Sequential m = make_model();
  auto [x, y] = make_data();
  optim::AdamW opt(m->parameters(), optim::AdamWOptions(0.01).weight_decay(0.1));
  optim::CosineAnnealingLR sched(opt, 20);
  nn::CrossEntropyLoss loss_fn(nn::CrossEntropyLossOptions().label_smoothing(0.1));
  const size_t steps = sizeof(kGoldenLosses) / sizeof(kGoldenLosses[0]);
  for (size_t step = 0; step < steps; ++step) {
    opt.zero_grad();
    Tensor loss = loss_fn(m->forward(x), y);
    loss.backward();
    opt.step();
    sched.step();
    expect_near_rel(loss.item<double>(), kGoldenLosses[step], "loss at step", step);
  }
  m->eval();
  expect_near_rel(loss_fn(m->forward(x), y).item<double>(), kGoldenEvalLoss, "eval loss", 0);
  auto params = m->parameters();
  ASSERT_EQ(params.size(), sizeof(kGoldenParamSums) / sizeof(kGoldenParamSums[0]));
  for (size_t i = 0; i < params.size(); ++i)
    expect_near_rel(params[i].sum().item<double>(), kGoldenParamSums[i], "parameter sum", i);
  auto buffers = m->named_buffers();
  Tensor mean = buffers["1.running_mean"], var = buffers["1.running_var"];
  for (size_t c = 0; c < 4; ++c) {
    expect_near_rel(mean[static_cast<int64_t>(c)].item<double>(), kGoldenRunningMean[c],
                    "running_mean", c);
    expect_near_rel(var[static_cast<int64_t>(c)].item<double>(), kGoldenRunningVar[c],
                    "running_var", c);
  }
}
