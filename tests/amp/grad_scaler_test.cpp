// GradScaler and its ops. PyTorch 1.13's GradScaler only runs with CUDA, so the expected scales
// below follow its documented algorithm (torch/cuda/amp/grad_scaler.py + _amp_update_scale_):
// a step with an inf/NaN gradient is skipped and multiplies the scale by backoff_factor,
// growth_interval clean steps in a row multiply it by growth_factor.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "support/gradcheck.h"

using namespace ember;
using ember::amp::GradScaler;
using ember::amp::GradScalerOptions;
using ember::testing::all_close;

namespace {
Tensor vec(std::vector<double> v, ScalarType dt = kFloat) { return tensor(v).to(dt); }
bool throws_with(const std::function<void()>& f, const std::string& text) {
  try {
    f();
  } catch (const Error& e) {
    if (std::string(e.what()).find(text) != std::string::npos) return true;
    ADD_FAILURE() << e.what();
    return false;
  }
  return false;
}
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(AmpOps, UnscaleAndFindNonFinite) {
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor g1 = vec({2, -4, 8}, dt), g2 = vec({16, 32}, dt);
    Tensor found = zeros({1}), inv = full({1}, 0.25);
    _amp_foreach_non_finite_check_and_unscale_({g1, g2}, found, inv);
    EXPECT_TRUE(all_close(g1.to(kDouble), vec({0.5, -1, 2}, kDouble), 0, 0)) << toString(dt);
    EXPECT_TRUE(all_close(g2.to(kDouble), vec({4, 8}, kDouble), 0, 0));
    EXPECT_EQ(found.item<double>(), 0.0);
    Tensor g3 = vec({1, kInf}, dt), g4 = vec({std::nan(""), 1}, dt);
    _amp_foreach_non_finite_check_and_unscale_({g3}, found, inv);
    EXPECT_EQ(found.item<double>(), 1.0);
    Tensor found2 = zeros({1});
    _amp_foreach_non_finite_check_and_unscale_({g4}, found2, inv);
    EXPECT_EQ(found2.item<double>(), 1.0);
    EXPECT_EQ(g3[0].item<double>(), 0.25);  // still unscaled, as PyTorch
  }
  // Non-contiguous gradients are unscaled in place.
  Tensor base = arange(12, kFloat).reshape({3, 4});
  Tensor g = base.t();
  Tensor found = zeros({1});
  _amp_foreach_non_finite_check_and_unscale_({g}, found, full({1}, 0.5));
  EXPECT_TRUE(all_close(base, arange(12, kFloat).reshape({3, 4}) * 0.5, 0, 0));
  EXPECT_TRUE(throws_with(
      [] {
        Tensor f = zeros({2});
        _amp_foreach_non_finite_check_and_unscale_({zeros({2})}, f, full({1}, 1.0));
      },
      "found_inf must be a 1-element tensor"));
  EXPECT_TRUE(throws_with(
      [] {
        Tensor f = zeros({1});
        _amp_foreach_non_finite_check_and_unscale_({zeros({2}, kLong)}, f, full({1}, 1.0));
      },
      "floating-point"));
}

TEST(AmpOps, UpdateScale) {
  Tensor scale = full({1}, 8.0), tracker = zeros({1}, kInt), ok = zeros({1}), inf = ones({1});
  _amp_update_scale_(scale, tracker, ok, 2.0, 0.5, 3);
  _amp_update_scale_(scale, tracker, ok, 2.0, 0.5, 3);
  EXPECT_EQ(scale.item<double>(), 8.0);
  EXPECT_EQ(tracker.item<int64_t>(), 2);
  _amp_update_scale_(scale, tracker, ok, 2.0, 0.5, 3);
  EXPECT_EQ(scale.item<double>(), 16.0);
  EXPECT_EQ(tracker.item<int64_t>(), 0);
  _amp_update_scale_(scale, tracker, ok, 2.0, 0.5, 3);
  _amp_update_scale_(scale, tracker, inf, 2.0, 0.5, 3);
  EXPECT_EQ(scale.item<double>(), 8.0);
  EXPECT_EQ(tracker.item<int64_t>(), 0);
  // Growth that would overflow float keeps the old scale.
  Tensor big = full({1}, 3e38), t = zeros({1}, kInt);
  _amp_update_scale_(big, t, ok, 2.0, 0.5, 1);
  EXPECT_FLOAT_EQ(big.item<float>(), 3e38f);
  EXPECT_EQ(t.item<int64_t>(), 0);
  EXPECT_TRUE(throws_with(
      [] {
        Tensor s = full({1}, 1.0), tr = zeros({1});
        _amp_update_scale_(s, tr, zeros({1}), 2.0, 0.5, 1);
      },
      "growth_tracker must be a 1-element int tensor"));
}

// A training loop whose gradients are inf at steps 2 and 3.
TEST(GradScaler, SkipsInfStepsAndBacksOff) {
  Tensor w = vec({0.5, -0.25}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(0.125));
  GradScaler scaler(GradScalerOptions().growth_interval(2));
  EXPECT_EQ(scaler.get_scale(), 65536.0);
  std::vector<double> scales;
  for (int step = 0; step < 7; ++step) {
    bool bad = step == 2 || step == 3;
    Tensor x = bad ? vec({kInf, 1}) : vec({1, 2});
    opt.zero_grad();
    Tensor loss = (w * x).sum();
    Tensor scaled = scaler.scale(loss);
    EXPECT_EQ(scaled.item<double>(), loss.item<double>() * scaler.get_scale());
    scaled.backward();
    Tensor before = w.detach().clone();
    scaler.step(opt);
    if (bad) {
      EXPECT_TRUE(all_close(w.detach(), before, 0, 0)) << "step " << step << " was not skipped";
    } else {
      EXPECT_TRUE(all_close(w.grad(), vec({1, 2}), 0, 0)) << "step " << step;  // unscaled
    }
    scaler.update();
    scales.push_back(scaler.get_scale());
  }
  // Clean, clean (grow), inf (back off), inf (back off), clean, clean (grow), clean.
  std::vector<double> want = {65536, 131072, 65536, 32768, 32768, 65536, 65536};
  EXPECT_EQ(scales, want);
  // Five applied steps of w -= 0.125 * [1, 2].
  EXPECT_TRUE(all_close(w.detach(), vec({0.5 - 5 * 0.125, -0.25 - 5 * 0.25}), 0, 0));
  auto sd = scaler.state_dict();
  EXPECT_EQ(sd.at("_growth_tracker").toInt(), 1);
}

TEST(GradScaler, UnscaleBeforeClippingThenStep) {
  Tensor w = vec({1, 1}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(1.0));
  GradScaler scaler(GradScalerOptions().init_scale(8.0));
  scaler.scale((w * vec({3, 4})).sum()).backward();
  EXPECT_TRUE(all_close(w.grad(), vec({24, 32}), 0, 0));
  scaler.unscale_(opt);
  EXPECT_TRUE(all_close(w.grad(), vec({3, 4}), 0, 0));
  EXPECT_TRUE(throws_with([&] { scaler.unscale_(opt); }, "unscale_() has already been called"));
  scaler.step(opt);  // does not unscale again
  EXPECT_TRUE(all_close(w.detach(), vec({-2, -3}), 0, 0));
  EXPECT_TRUE(throws_with([&] { scaler.step(opt); }, "step() has already been called"));
  EXPECT_TRUE(
      throws_with([&] { scaler.unscale_(opt); }, "unscale_() is being called after step()"));
  scaler.update();
  EXPECT_EQ(scaler.get_scale(), 8.0);
  scaler.update(4.0);
  EXPECT_EQ(scaler.get_scale(), 4.0);
  scaler.update(full({1}, 2.0));
  EXPECT_EQ(scaler.get_scale(), 2.0);
  EXPECT_TRUE(throws_with([&] { scaler.update(full({1}, 2.0, kDouble)); }, "new_scale should be"));
}

TEST(GradScaler, Errors) {
  Tensor w = vec({1}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(1.0));
  GradScaler scaler;
  EXPECT_TRUE(throws_with([&] { scaler.step(opt); }, "Attempted step but _scale is None"));
  EXPECT_TRUE(throws_with([&] { scaler.update(); }, "Attempted update but _scale is None"));
  scaler.scale(w.sum());  // no backward: no gradients to check
  EXPECT_TRUE(throws_with([&] { scaler.step(opt); }, "No inf checks were recorded"));
  EXPECT_TRUE(throws_with([&] { scaler.step(opt, [] { return Tensor(); }); }, "Closure use"));
  EXPECT_TRUE(throws_with([] { GradScaler(GradScalerOptions().growth_factor(1.0)); },
                          "The growth factor must be > 1.0."));
  EXPECT_TRUE(throws_with([] { GradScaler(GradScalerOptions().backoff_factor(1.0)); },
                          "The backoff factor must be < 1.0."));
  Tensor h = vec({1}, kHalf).requires_grad_();
  optim::SGD opt_h({h}, optim::SGDOptions(1.0));
  scaler.scale(h.to(kFloat).sum()).backward();
  EXPECT_TRUE(
      throws_with([&] { scaler.unscale_(opt_h); }, "Attempting to unscale FP16 gradients."));
  EXPECT_TRUE(throws_with([&] { scaler.load_state_dict({}); }, "The source state dict is empty"));
}

TEST(GradScaler, StateDictRoundTrip) {
  GradScaler a(
      GradScalerOptions().init_scale(1024).growth_factor(4).backoff_factor(0.25).growth_interval(
          3));
  Tensor w = vec({1}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(1.0));
  a.scale(w.sum()).backward();
  a.step(opt);
  a.update();  // tracker 1
  auto sd = a.state_dict();
  EXPECT_EQ(sd.size(), 5u);
  EXPECT_EQ(sd.at("scale").toDouble(), 1024.0);
  EXPECT_EQ(sd.at("growth_factor").toDouble(), 4.0);
  EXPECT_EQ(sd.at("backoff_factor").toDouble(), 0.25);
  EXPECT_EQ(sd.at("growth_interval").toInt(), 3);
  EXPECT_EQ(sd.at("_growth_tracker").toInt(), 1);

  GradScaler b;  // before its first scale(): the values wait for lazy initialisation
  b.load_state_dict(sd);
  EXPECT_EQ(b.get_scale(), 1024.0);
  EXPECT_EQ(b.get_growth_factor(), 4.0);
  EXPECT_EQ(b.get_backoff_factor(), 0.25);
  EXPECT_EQ(b.get_growth_interval(), 3);
  // Two more clean steps reach growth_interval in both.
  for (GradScaler* s : {&a, &b}) {
    for (int i = 0; i < 2; ++i) {
      opt.zero_grad();
      s->scale(w.sum()).backward();
      s->step(opt);
      s->update();
    }
  }
  EXPECT_EQ(a.get_scale(), 4096.0);
  EXPECT_EQ(b.get_scale(), 4096.0);
  GradScaler c;
  c.scale(w.sum());  // already initialised: load fills the live tensors
  c.load_state_dict(a.state_dict());
  EXPECT_EQ(c.get_scale(), 4096.0);
  EXPECT_EQ(c.state_dict().at("_growth_tracker").toInt(), 0);
}

TEST(GradScaler, DisabledIsANoOp) {
  GradScaler s(GradScalerOptions().enabled(false));
  EXPECT_FALSE(s.is_enabled());
  Tensor w = vec({1, 2}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(1.0));
  Tensor loss = (w * vec({kInf, 1})).sum();
  Tensor scaled = s.scale(loss);
  EXPECT_EQ(scaled.unsafeGetTensorImpl(), loss.unsafeGetTensorImpl());
  scaled.backward();
  s.unscale_(opt);
  s.step(opt);  // steps even with an inf gradient
  EXPECT_TRUE(std::isinf(w[0].item<double>()));
  s.update();
  EXPECT_EQ(s.get_scale(), 1.0);
  EXPECT_TRUE(s.state_dict().empty());
  s.load_state_dict({});  // ignored
}

TEST(GradScaler, WithCpuAutocastTraining) {
  // A bf16-autocast linear regression: the scaler's steps match unscaled SGD.
  Tensor x = arange(8, kFloat).reshape({4, 2}) / 8, y = arange(4, kFloat).reshape({4, 1}) / 4;
  Tensor w1 = zeros({1, 2}).requires_grad_(), w2 = zeros({1, 2}).requires_grad_();
  optim::SGD o1({w1}, optim::SGDOptions(0.5)), o2({w2}, optim::SGDOptions(0.5));
  GradScaler scaler;
  for (int i = 0; i < 3; ++i) {
    o1.zero_grad();
    o2.zero_grad();
    Tensor l1, l2;
    {
      torch::autocast::AutocastGuard ac(torch::kCPU);
      l1 = mse_loss(nn::functional::linear(x, w1), y);
      l2 = mse_loss(nn::functional::linear(x, w2), y);
    }
    EXPECT_EQ(l1.dtype(), kFloat);
    scaler.scale(l1).backward();
    scaler.step(o1);
    scaler.update();
    l2.backward();
    o2.step();
    EXPECT_TRUE(all_close(w1.detach(), w2.detach(), 1e-6, 1e-6)) << "step " << i;
  }
}
