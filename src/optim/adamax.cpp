#include "ember/optim/adamax.h"

#include <cmath>

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

AdamaxOptions::AdamaxOptions(double lr) : lr_(lr) {}

Adamax::Adamax(std::vector<OptimizerParamGroup> param_groups, AdamaxOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamaxOptions>(defaults)) {
  detail::check_adam_options(defaults, "Adamax");
}

Tensor Adamax::step(LossClosure closure) {
  return detail::step_params_with_state<AdamaxOptions, AdamaxParamState>(
      *this, closure,
      [](const Tensor& p, AdamaxParamState& s, const AdamaxOptions&) {
        s.exp_avg(zeros_like(p));
        s.exp_inf(zeros_like(p));
      },
      [](Tensor& p, AdamaxParamState& s, const AdamaxOptions& o) {
        auto [beta1, beta2] = o.betas();
        Tensor grad = detail::decayed_grad(p, o.maximize(), o.weight_decay());
        s.exp_avg().mul_(beta1).add_(grad, 1 - beta1);
        // exp_inf = max(beta2 * exp_inf, |grad| + eps)
        s.exp_inf().mul_(beta2);
        s.exp_inf().copy_(maximum(s.exp_inf(), grad.abs().add_(o.eps())));
        double clr = o.lr() / (1 - std::pow(beta1, static_cast<double>(s.step())));
        p.addcdiv_(s.exp_avg(), s.exp_inf(), -clr);
      });
}

void AdamaxParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("exp_avg", exp_avg(), true);
  a.write("exp_inf", exp_inf(), true);
}
void AdamaxParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor m, u;
  a.read("exp_avg", m, true);
  a.read("exp_inf", u, true);
  exp_avg(m);
  exp_inf(u);
}

std::unique_ptr<OptimizerParamState> Adamax::make_param_state() const {
  return std::make_unique<AdamaxParamState>();
}

}  // namespace optim
}  // namespace ember
