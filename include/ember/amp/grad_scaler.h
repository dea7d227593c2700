#pragma once
// Gradient scaling for mixed-precision training: PyTorch's GradScaler (torch.cuda.amp in 1.13)
// translated to C++, for CPU and CUDA tensors alike.
//
//   torch::amp::GradScaler scaler;
//   for (...) {
//     optimizer.zero_grad();
//     Tensor loss;
//     { torch::autocast::AutocastGuard ac(torch::kCPU); loss = loss_fn(model->forward(x), y); }
//     scaler.scale(loss).backward();
//     scaler.step(optimizer);   // unscales the gradients; skips the step if any is inf/NaN
//     scaler.update();          // backs the scale off after a skipped step, grows it after
//   }                           // growth_interval clean steps in a row
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/core/arg.h"
#include "ember/core/ivalue.h"
#include "ember/core/tensor.h"
#include "ember/optim/optimizer.h"

namespace ember {

// Multiplies every gradient in `grads` by inv_scale (a 1-element float tensor) in place and sets
// found_inf (a 1-element float tensor) to 1 if any of them held an inf or NaN.
void _amp_foreach_non_finite_check_and_unscale_(TensorList grads, Tensor& found_inf,
                                                const Tensor& inv_scale);
// One update of the scale (1-element float) and growth_tracker (1-element int): back off and
// reset the tracker if found_inf, otherwise count a clean step and grow the scale after
// growth_interval of them (keeping the old scale if the grown one would be inf). Returns self.
Tensor& _amp_update_scale_(Tensor& self, Tensor& growth_tracker, const Tensor& found_inf,
                           double growth_factor, double backoff_factor, int64_t growth_interval);

namespace amp {

struct GradScalerOptions {
  TORCH_ARG(double, init_scale) = 65536.0;
  TORCH_ARG(double, growth_factor) = 2.0;
  TORCH_ARG(double, backoff_factor) = 0.5;
  TORCH_ARG(int64_t, growth_interval) = 2000;
  TORCH_ARG(bool, enabled) = true;
};

class GradScaler {
 public:
  explicit GradScaler(GradScalerOptions options = {});

  // outputs * scale (the scale lives on the first output's device); unchanged when disabled.
  Tensor scale(const Tensor& outputs);
  std::vector<Tensor> scale(const std::vector<Tensor>& outputs);
  // Divides the optimizer's gradients by the scale, in place, recording infs/NaNs. At most once
  // per optimizer between update()s, and before step().
  void unscale_(optim::Optimizer& optimizer);
  // unscale_ (unless done already) and optimizer.step() unless an inf/NaN was found; returns
  // step's result, undefined when the step was skipped. Closures are refused when enabled.
  Tensor step(optim::Optimizer& optimizer, optim::Optimizer::LossClosure closure = nullptr);
  // Updates the scale from the infs found since the last update, or sets it to new_scale.
  void update(std::optional<double> new_scale = std::nullopt);
  void update(const Tensor& new_scale);

  double get_scale() const;  // 1.0 when disabled
  double get_growth_factor() const { return growth_factor_; }
  void set_growth_factor(double v) { growth_factor_ = v; }
  double get_backoff_factor() const { return backoff_factor_; }
  void set_backoff_factor(double v) { backoff_factor_ = v; }
  int64_t get_growth_interval() const { return growth_interval_; }
  void set_growth_interval(int64_t v) { growth_interval_ = v; }
  bool is_enabled() const { return enabled_; }

  // {"scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"}, as
  // PyTorch's; empty when disabled.
  std::map<std::string, IValue> state_dict() const;
  void load_state_dict(const std::map<std::string, IValue>& state_dict);

 private:
  enum class Stage { kReady, kUnscaled, kStepped };
  struct OptState {
    Stage stage = Stage::kReady;
    std::vector<Tensor> found_inf_per_device;
  };
  void lazy_init(const Device& device);
  void check_initialised(const char* fn) const;
  int64_t growth_tracker() const;

  bool enabled_;
  double init_scale_;
  double growth_factor_;
  double backoff_factor_;
  int64_t growth_interval_;
  int64_t init_growth_tracker_ = 0;
  Tensor scale_;           // float32 [1], created by the first scale()
  Tensor growth_tracker_;  // int32 [1]
  std::unordered_map<const optim::Optimizer*, OptState> per_optimizer_;
};

}  // namespace amp
}  // namespace ember
