#include "ember/optim/nadam.h"

#include <cmath>

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

NAdamOptions::NAdamOptions(double lr) : lr_(lr) {}

NAdam::NAdam(std::vector<OptimizerParamGroup> param_groups, NAdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<NAdamOptions>(defaults)) {
  detail::check_adam_options(defaults, "NAdam");
  EMBER_CHECK(defaults.momentum_decay() >= 0,
              "[NAdam] Invalid momentum_decay value: ", defaults.momentum_decay());
}

Tensor NAdam::step(LossClosure closure) {
  return detail::step_params_with_state<NAdamOptions, NAdamParamState>(
      *this, closure, detail::init_moments,
      [](Tensor& p, NAdamParamState& s, const NAdamOptions& o) {
        auto [beta1, beta2] = o.betas();
        const double step = static_cast<double>(s.step());
        double bias_correction2 = 1 - std::pow(beta2, step);
        Tensor grad = detail::decayed_grad(p, /*maximize=*/false, o.weight_decay());
        // Momentum schedule mu_t and mu_{t+1}; the products are rounded as PyTorch's 0-dim
        // tensors.
        double mu = beta1 * (1. - 0.5 * std::pow(0.96, step * o.momentum_decay()));
        double mu_next = beta1 * (1. - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay()));
        double mu_product, mu_product_next;
        if (detail::scalars_are_float()) {  // float32 tensor times a Python float: float math
          auto mu_f = static_cast<float>(mu), mu_next_f = static_cast<float>(mu_next);
          float mp = static_cast<float>(s.mu_product()) * mu_f;
          mu_product = mp;
          mu_product_next = static_cast<float>(mp * mu_f) * mu_next_f;
        } else {
          mu_product = s.mu_product() * mu;
          mu_product_next = mu_product * mu * mu_next;
        }
        s.mu_product(mu_product);
        s.exp_avg().mul_(beta1).add_(grad, 1 - beta1);
        s.exp_avg_sq().mul_(beta2).addcmul_(grad, grad, 1 - beta2);
        Tensor denom = s.exp_avg_sq().div(bias_correction2).sqrt().add_(o.eps());
        p.addcdiv_(grad, denom, -o.lr() * (1. - mu) / (1. - mu_product));
        p.addcdiv_(s.exp_avg(), denom, -o.lr() * mu_next / (1. - mu_product_next));
      });
}

void NAdamParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("mu_product", mu_product());
  a.write("exp_avg", exp_avg(), true);
  a.write("exp_avg_sq", exp_avg_sq(), true);
}
void NAdamParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  double mp = 1;
  a.read("step", s);
  a.read("mu_product", mp);
  step(s);
  mu_product(mp);
  Tensor m, v;
  a.read("exp_avg", m, true);
  a.read("exp_avg_sq", v, true);
  exp_avg(m);
  exp_avg_sq(v);
}

std::unique_ptr<OptimizerParamState> NAdam::make_param_state() const {
  return std::make_unique<NAdamParamState>();
}

}  // namespace optim
}  // namespace ember
