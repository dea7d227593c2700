#include "ember/optim/radam.h"

#include <cmath>

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

RAdamOptions::RAdamOptions(double lr) : lr_(lr) {}

RAdam::RAdam(std::vector<OptimizerParamGroup> param_groups, RAdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<RAdamOptions>(defaults)) {
  detail::check_adam_options(defaults, "RAdam");
}

Tensor RAdam::step(LossClosure closure) {
  return detail::step_params_with_state<RAdamOptions, RAdamParamState>(
      *this, closure, detail::init_moments,
      [](Tensor& p, RAdamParamState& s, const RAdamOptions& o) {
        auto [beta1, beta2] = o.betas();
        const double step = static_cast<double>(s.step());
        double bias_correction1 = 1 - std::pow(beta1, step);
        double bias_correction2 = 1 - std::pow(beta2, step);
        Tensor grad = detail::decayed_grad(p, /*maximize=*/false, o.weight_decay());
        s.exp_avg().mul_(beta1).add_(grad, 1 - beta1);
        s.exp_avg_sq().mul_(beta2).addcmul_(grad, grad, 1 - beta2);
        Tensor corrected = s.exp_avg() / bias_correction1;
        // Length of the approximated simple moving average; rectify once the variance is
        // tractable.
        double rho_inf = 2 / (1 - beta2) - 1;
        double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
        if (rho_t > 5.) {
          double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                  ((rho_inf - 4) * (rho_inf - 2) * rho_t));
          // Python evaluates `float / tensor` as tensor.reciprocal() * float.
          Tensor adaptive_lr =
              (1.0 / s.exp_avg_sq().sqrt().add_(o.eps())) * std::sqrt(bias_correction2);
          p.add_(corrected * o.lr() * adaptive_lr * rect, -1.0);
        } else {
          p.add_(corrected * o.lr(), -1.0);
        }
      });
}

void RAdamParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("exp_avg", exp_avg(), true);
  a.write("exp_avg_sq", exp_avg_sq(), true);
}
void RAdamParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor m, v;
  a.read("exp_avg", m, true);
  a.read("exp_avg_sq", v, true);
  exp_avg(m);
  exp_avg_sq(v);
}

std::unique_ptr<OptimizerParamState> RAdam::make_param_state() const {
  return std::make_unique<RAdamParamState>();
}

}  // namespace optim
}  // namespace ember
