#include "ember/optim/adadelta.h"

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

AdadeltaOptions::AdadeltaOptions(double lr) : lr_(lr) {}

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdadeltaOptions>(defaults)) {
  const auto& o = defaults;
  EMBER_CHECK(o.lr() >= 0, "[Adadelta] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.rho() >= 0 && o.rho() <= 1, "[Adadelta] Invalid rho value: ", o.rho());
  EMBER_CHECK(o.eps() >= 0, "[Adadelta] Invalid epsilon value: ", o.eps());
  EMBER_CHECK(o.weight_decay() >= 0, "[Adadelta] Invalid weight_decay value: ", o.weight_decay());
}

Tensor Adadelta::step(LossClosure closure) {
  return detail::step_params_with_state<AdadeltaOptions, AdadeltaParamState>(
      *this, closure,
      [](const Tensor& p, AdadeltaParamState& s, const AdadeltaOptions&) {
        s.square_avg(zeros_like(p));
        s.acc_delta(zeros_like(p));
      },
      [](Tensor& p, AdadeltaParamState& s, const AdadeltaOptions& o) {
        Tensor grad = detail::decayed_grad(p, o.maximize(), o.weight_decay());
        s.square_avg().mul_(o.rho()).addcmul_(grad, grad, 1 - o.rho());
        Tensor std = s.square_avg().add(o.eps()).sqrt_();
        Tensor delta = s.acc_delta().add(o.eps()).sqrt_().div_(std).mul_(grad);
        s.acc_delta().mul_(o.rho()).addcmul_(delta, delta, 1 - o.rho());
        p.add_(delta, -o.lr());
      });
}

void AdadeltaParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("square_avg", square_avg(), true);
  a.write("acc_delta", acc_delta(), true);
}
void AdadeltaParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor t, d;
  a.read("square_avg", t, true);
  a.read("acc_delta", d, true);
  square_avg(t);
  acc_delta(d);
}

std::unique_ptr<OptimizerParamState> Adadelta::make_param_state() const {
  return std::make_unique<AdadeltaParamState>();
}

}  // namespace optim
}  // namespace ember
