#include "ember/optim/asgd.h"

#include <algorithm>
#include <cmath>

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

ASGDOptions::ASGDOptions(double lr) : lr_(lr) {}

ASGD::ASGD(std::vector<OptimizerParamGroup> param_groups, ASGDOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<ASGDOptions>(defaults)) {
  EMBER_CHECK(defaults.lr() >= 0, "[ASGD] Invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "[ASGD] Invalid weight_decay value: ", defaults.weight_decay());
}

Tensor ASGD::step(LossClosure closure) {
  Tensor loss = detail::eval_closure(closure);
  NoGradGuard ng;
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const ASGDOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto* s = state_of<ASGDParamState>(p);
      if (!s) {
        s = &init_state<ASGDParamState>(p);
        s->eta(detail::round_scalar(o.lr()));
        s->mu(1);
        s->ax(zeros_like(p));
      }
      s->step(s->step() + 1);
      const double step = static_cast<double>(s->step());
      Tensor grad = o.maximize() ? -p.grad() : p.grad();
      if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
      p.mul_(1 - o.lambd() * s->eta());
      p.add_(grad, -s->eta());
      if (s->mu() != 1) {
        s->ax().add_(p.sub(s->ax()).mul(s->mu()));
      } else {
        s->ax().copy_(p);
      }
      s->eta(detail::round_scalar(o.lr() / std::pow(1 + o.lambd() * o.lr() * step, o.alpha())));
      s->mu(detail::round_scalar(1 / std::max(1.0, step - o.t0())));
    }
  }
  return loss;
}

void ASGDParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("eta", eta());
  a.write("mu", mu());
  a.write("ax", ax(), true);
}
void ASGDParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  double e = 0, m = 1;
  a.read("step", s);
  a.read("eta", e);
  a.read("mu", m);
  step(s);
  eta(e);
  mu(m);
  Tensor t;
  a.read("ax", t, true);
  ax(t);
}

}  // namespace optim
}  // namespace ember
