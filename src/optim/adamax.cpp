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
  const auto& o = defaults;
  auto [b1, b2] = o.betas();
  EMBER_CHECK(o.lr() >= 0, "[Adamax] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.eps() >= 0, "[Adamax] Invalid epsilon value: ", o.eps());
  EMBER_CHECK(b1 >= 0 && b1 < 1, "[Adamax] Invalid beta parameter at index 0: ", b1);
  EMBER_CHECK(b2 >= 0 && b2 < 1, "[Adamax] Invalid beta parameter at index 1: ", b2);
  EMBER_CHECK(o.weight_decay() >= 0, "[Adamax] Invalid weight_decay value: ", o.weight_decay());
}

Tensor Adamax::step(LossClosure closure) {
  Tensor loss = detail::eval_closure(closure);
  NoGradGuard ng;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const AdamaxOptions&>(group.options());
    auto [beta1, beta2] = o.betas();
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto* s = state_of<AdamaxParamState>(p);
      if (!s) {
        s = &init_state<AdamaxParamState>(p);
        s->exp_avg(zeros_like(p));
        s->exp_inf(zeros_like(p));
      }
      s->step(s->step() + 1);
      Tensor grad = o.maximize() ? -p.grad() : p.grad();
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      s->exp_avg().mul_(beta1).add_(grad, 1 - beta1);
      // exp_inf = max(beta2 * exp_inf, |grad| + eps)
      s->exp_inf().mul_(beta2);
      s->exp_inf().copy_(maximum(s->exp_inf(), grad.abs().add_(o.eps())));
      double clr = o.lr() / (1 - std::pow(beta1, static_cast<double>(s->step())));
      p.addcdiv_(s->exp_avg(), s->exp_inf(), -clr);
    }
  }
  return loss;
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

}  // namespace optim
}  // namespace ember
