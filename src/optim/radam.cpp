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
  const auto& o = defaults;
  auto [b1, b2] = o.betas();
  EMBER_CHECK(o.lr() >= 0, "[RAdam] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.eps() >= 0, "[RAdam] Invalid epsilon value: ", o.eps());
  EMBER_CHECK(b1 >= 0 && b1 < 1, "[RAdam] Invalid beta parameter at index 0: ", b1);
  EMBER_CHECK(b2 >= 0 && b2 < 1, "[RAdam] Invalid beta parameter at index 1: ", b2);
  EMBER_CHECK(o.weight_decay() >= 0, "[RAdam] Invalid weight_decay value: ", o.weight_decay());
}

Tensor RAdam::step(LossClosure closure) {
  Tensor loss = detail::eval_closure(closure);
  NoGradGuard ng;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const RAdamOptions&>(group.options());
    auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto* s = state_of<RAdamParamState>(p);
      if (!s) {
        s = &init_state<RAdamParamState>(p);
        s->exp_avg(zeros_like(p));
        s->exp_avg_sq(zeros_like(p));
      }
      s->step(s->step() + 1);
      const double step = static_cast<double>(s->step());
      double bias_correction1 = 1 - std::pow(beta1, step);
      double bias_correction2 = 1 - std::pow(beta2, step);
      Tensor grad = p.grad();
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      s->exp_avg().mul_(beta1).add_(grad, 1 - beta1);
      s->exp_avg_sq().mul_(beta2).addcmul_(grad, grad, 1 - beta2);
      Tensor corrected = s->exp_avg() / bias_correction1;
      // Length of the approximated simple moving average; rectify once the variance is tractable.
      double rho_inf = 2 / (1 - beta2) - 1;
      double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
      if (rho_t > 5.) {
        double rect = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                ((rho_inf - 4) * (rho_inf - 2) * rho_t));
        // Python evaluates `float / tensor` as tensor.reciprocal() * float.
        Tensor adaptive_lr =
            (1.0 / s->exp_avg_sq().sqrt().add_(o.eps())) * std::sqrt(bias_correction2);
        p.add_(corrected * o.lr() * adaptive_lr * rect, -1.0);
      } else {
        p.add_(corrected * o.lr(), -1.0);
      }
    }
  }
  return loss;
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

}  // namespace optim
}  // namespace ember
