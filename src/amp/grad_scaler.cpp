// GradScaler (PyTorch 1.13's torch.cuda.amp.GradScaler, translated) and its two ops.
#include "ember/amp/grad_scaler.h"

#include <algorithm>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "src/kernels/amp.h"

namespace ember {

namespace {
void check_one_float(const Tensor& t, const char* op, const char* what) {
  EMBER_CHECK(t.defined() && t.numel() == 1, "[", op, "] ", what, " must be a 1-element tensor.");
  EMBER_CHECK(t.dtype() == kFloat, "[", op, "] ", what, " must be a float tensor.");
}
}  // namespace

void _amp_foreach_non_finite_check_and_unscale_(TensorList grads, Tensor& found_inf,
                                                const Tensor& inv_scale) {
  const char* op = "_amp_foreach_non_finite_check_and_unscale_";
  check_one_float(found_inf, op, "found_inf");
  check_one_float(inv_scale, op, "inv_scale");
  EMBER_CHECK(inv_scale.device() == found_inf.device(), "[", op,
              "] found_inf and inv_scale must be on the same device.");
  NoGradGuard no_grad;
  for (const Tensor& g : grads) {
    if (!g.defined()) continue;
    EMBER_CHECK(g.device() == found_inf.device(), "[", op,
                "] scaled_grads, found_inf and inv_scale must be on the same device, got ",
                g.device(), " and ", found_inf.device());
    EMBER_CHECK(g.is_floating_point(), "[", op, "] expected floating-point gradients, got ",
                toString(g.dtype()));
    if (g.device().is_cpu()) {
      float inv = *static_cast<const float*>(inv_scale.data_ptr());
      bool found = false;
      TensorIterator it = TensorIterator::unary_op(g, g, op);
      amp_unscale_stub.get(kCPU)(it, inv, &found);
      if (found) *static_cast<float*>(found_inf.data_ptr()) = 1.f;
      continue;
    }
    // Other devices: the same through device ops, without a host synchronisation.
    Tensor bad = logical_not(isfinite(g)).any().to(kFloat).reshape(found_inf.sizes());
    found_inf.copy_(maximum(found_inf, bad));
    Tensor gm = g;  // a handle: the gradient itself is updated in place
    gm.mul_(inv_scale.to(g.dtype()));
  }
}

Tensor& _amp_update_scale_(Tensor& self, Tensor& growth_tracker, const Tensor& found_inf,
                           double growth_factor, double backoff_factor, int64_t growth_interval) {
  const char* op = "_amp_update_scale_";
  check_one_float(self, op, "current_scale");
  check_one_float(found_inf, op, "found_inf");
  EMBER_CHECK(
      growth_tracker.defined() && growth_tracker.numel() == 1 && growth_tracker.dtype() == kInt,
      "[", op, "] growth_tracker must be a 1-element int tensor.");
  EMBER_CHECK(self.device() == growth_tracker.device() && self.device() == found_inf.device(), "[",
              op, "] current_scale, growth_tracker and found_inf must be on the same device.");
  NoGradGuard no_grad;
  if (self.device().is_cpu()) {
    amp_update_scale_stub.get(kCPU)(self, growth_tracker, found_inf, growth_factor, backoff_factor,
                                    growth_interval);
    return self;
  }
  Tensor inf = found_inf.reshape(self.sizes()) != 0;
  Tensor successful = growth_tracker + 1;
  Tensor grow = logical_and(logical_not(inf), successful == growth_interval);
  Tensor grown = self * growth_factor;
  Tensor new_scale =
      where(inf, self * backoff_factor, where(logical_and(grow, isfinite(grown)), grown, self));
  Tensor new_tracker = where(logical_or(inf, grow), zeros_like(growth_tracker), successful);
  self.copy_(new_scale);
  growth_tracker.copy_(new_tracker);
  return self;
}

namespace amp {

GradScaler::GradScaler(GradScalerOptions o)
    : enabled_(o.enabled()),
      init_scale_(o.init_scale()),
      growth_factor_(o.growth_factor()),
      backoff_factor_(o.backoff_factor()),
      growth_interval_(o.growth_interval()) {
  if (enabled_) {
    EMBER_CHECK(growth_factor_ > 1.0, "[GradScaler] The growth factor must be > 1.0.");
    EMBER_CHECK(backoff_factor_ < 1.0, "[GradScaler] The backoff factor must be < 1.0.");
  }
}

void GradScaler::lazy_init(const Device& device) {
  scale_ = full({1}, init_scale_, TensorOptions().dtype(kFloat).device(device));
  growth_tracker_ = full({1}, init_growth_tracker_, TensorOptions().dtype(kInt).device(device));
}

void GradScaler::check_initialised(const char* fn) const {
  EMBER_CHECK(scale_.defined(), "[GradScaler] Attempted ", fn,
              " but _scale is None.  This may indicate your script did not use "
              "scaler.scale(loss or outputs) earlier in the iteration.");
}

Tensor GradScaler::scale(const Tensor& outputs) {
  if (!enabled_) return outputs;
  if (!scale_.defined()) lazy_init(outputs.device());
  return outputs * scale_.to(outputs.device());
}

std::vector<Tensor> GradScaler::scale(const std::vector<Tensor>& outputs) {
  if (!enabled_) return outputs;
  std::vector<Tensor> res;
  res.reserve(outputs.size());
  for (const Tensor& t : outputs) res.push_back(scale(t));
  return res;
}

void GradScaler::unscale_(optim::Optimizer& optimizer) {
  if (!enabled_) return;
  check_initialised("unscale_");
  OptState& st = per_optimizer_[&optimizer];
  EMBER_CHECK(st.stage != Stage::kUnscaled,
              "[GradScaler] unscale_() has already been called on this optimizer since the last "
              "update().");
  EMBER_CHECK(st.stage != Stage::kStepped, "[GradScaler] unscale_() is being called after step().");
  NoGradGuard no_grad;
  // FP32 division can be imprecise for some scales: invert in double, as PyTorch.
  Tensor inv_scale = scale_.to(kDouble).reciprocal().to(kFloat);
  // Gradients grouped by device and dtype, one found_inf per device.
  std::vector<std::pair<std::pair<Device, ScalarType>, std::vector<Tensor>>> groups;
  for (auto& group : optimizer.param_groups()) {
    for (const Tensor& p : group.params()) {
      const Tensor& g = p.grad();
      if (!g.defined()) continue;
      EMBER_CHECK(g.dtype() != kHalf, "[GradScaler] Attempting to unscale FP16 gradients.");
      auto key = std::make_pair(g.device(), g.dtype());
      auto it =
          std::find_if(groups.begin(), groups.end(), [&](const auto& e) { return e.first == key; });
      if (it == groups.end()) {
        groups.push_back({key, {}});
        it = groups.end() - 1;
      }
      it->second.push_back(g);
    }
  }
  std::vector<Tensor> found;
  std::vector<Device> devices;
  for (auto& [key, grads] : groups) {
    auto d = std::find(devices.begin(), devices.end(), key.first);
    size_t i = static_cast<size_t>(d - devices.begin());
    if (d == devices.end()) {
      devices.push_back(key.first);
      found.push_back(zeros({1}, TensorOptions().dtype(kFloat).device(key.first)));
    }
    Tensor inv = inv_scale.to(key.first);
    _amp_foreach_non_finite_check_and_unscale_(grads, found[i], inv);
  }
  st.found_inf_per_device = std::move(found);
  st.stage = Stage::kUnscaled;
}

Tensor GradScaler::step(optim::Optimizer& optimizer, optim::Optimizer::LossClosure closure) {
  if (!enabled_) return optimizer.step(std::move(closure));
  EMBER_CHECK(!closure,
              "[GradScaler] Closure use is not currently supported if GradScaler is enabled.");
  check_initialised("step");
  OptState& st = per_optimizer_[&optimizer];
  EMBER_CHECK(st.stage != Stage::kStepped,
              "[GradScaler] step() has already been called since the last update().");
  if (st.stage == Stage::kReady) unscale_(optimizer);
  OptState& done = per_optimizer_[&optimizer];
  EMBER_CHECK(!done.found_inf_per_device.empty(),
              "[GradScaler] No inf checks were recorded for this optimizer.");
  double infs = 0;
  for (const Tensor& f : done.found_inf_per_device) infs += f.item<double>();
  Tensor ret;
  if (infs == 0) ret = optimizer.step();
  done.stage = Stage::kStepped;
  return ret;
}

void GradScaler::update(std::optional<double> new_scale) {
  if (!enabled_) return;
  check_initialised("update");
  NoGradGuard no_grad;
  if (new_scale) {
    scale_.fill_(*new_scale);
  } else {
    Tensor combined;
    for (auto& [opt, st] : per_optimizer_) {
      for (const Tensor& f : st.found_inf_per_device) {
        Tensor fi = f.to(scale_.device());
        combined = combined.defined() ? combined + fi : fi.clone();
      }
    }
    EMBER_CHECK(combined.defined(), "[GradScaler] No inf checks were recorded prior to update.");
    _amp_update_scale_(scale_, growth_tracker_, combined, growth_factor_, backoff_factor_,
                       growth_interval_);
  }
  per_optimizer_.clear();
}

void GradScaler::update(const Tensor& new_scale) {
  if (!enabled_) return;
  check_initialised("update");
  EMBER_CHECK(new_scale.defined() && new_scale.dtype() == kFloat && new_scale.numel() == 1 &&
                  !new_scale.requires_grad(),
              "[GradScaler] new_scale should be a float or a 1-element torch.cuda.FloatTensor "
              "with requires_grad=False.");
  NoGradGuard no_grad;
  scale_.copy_(new_scale.reshape(scale_.sizes()));
  per_optimizer_.clear();
}

double GradScaler::get_scale() const {
  if (!enabled_) return 1.0;
  return scale_.defined() ? scale_.item<double>() : init_scale_;
}

int64_t GradScaler::growth_tracker() const {
  return growth_tracker_.defined() ? growth_tracker_.item<int64_t>() : init_growth_tracker_;
}

std::map<std::string, IValue> GradScaler::state_dict() const {
  if (!enabled_) return {};
  return {{"scale", get_scale()},
          {"growth_factor", growth_factor_},
          {"backoff_factor", backoff_factor_},
          {"growth_interval", growth_interval_},
          {"_growth_tracker", growth_tracker()}};
}

void GradScaler::load_state_dict(const std::map<std::string, IValue>& sd) {
  if (!enabled_) return;
  EMBER_CHECK(!sd.empty(),
              "[GradScaler] The source state dict is empty, possibly because it was saved from a "
              "disabled instance of GradScaler.");
  auto get = [&](const char* key) -> const IValue& {
    auto it = sd.find(key);
    EMBER_CHECK(it != sd.end(), "[GradScaler] load_state_dict: missing key '", key, "'");
    return it->second;
  };
  init_scale_ = get("scale").toDouble();
  if (scale_.defined()) scale_.fill_(init_scale_);
  growth_factor_ = get("growth_factor").toDouble();
  backoff_factor_ = get("backoff_factor").toDouble();
  growth_interval_ = get("growth_interval").toInt();
  init_growth_tracker_ = get("_growth_tracker").toInt();
  if (growth_tracker_.defined()) growth_tracker_.fill_(init_growth_tracker_);
}

}  // namespace amp
}  // namespace ember
