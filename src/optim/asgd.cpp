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
  return detail::step_params_with_state<ASGDOptions, ASGDParamState>(
      *this, closure,
      [](const Tensor& p, ASGDParamState& s, const ASGDOptions& o) {
        s.eta(detail::round_scalar(o.lr()));
        s.mu(1);
        s.ax(zeros_like(p));
      },
      [](Tensor& p, ASGDParamState& s, const ASGDOptions& o) {
        const double step = static_cast<double>(s.step());
        Tensor grad = detail::decayed_grad(p, o.maximize(), o.weight_decay());
        p.mul_(1 - o.lambd() * s.eta());
        p.add_(grad, -s.eta());
        if (s.mu() != 1) {
          s.ax().add_(p.sub(s.ax()).mul(s.mu()));
        } else {
          s.ax().copy_(p);
        }
        s.eta(detail::round_scalar(o.lr() / std::pow(1 + o.lambd() * o.lr() * step, o.alpha())));
        s.mu(detail::round_scalar(1 / std::max(1.0, step - o.t0())));
      });
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

std::unique_ptr<OptimizerParamState> ASGD::make_param_state() const {
  return std::make_unique<ASGDParamState>();
}

}  // namespace optim
}  // namespace ember
