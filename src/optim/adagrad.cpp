#include "ember/optim/adagrad.h"

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

AdagradOptions::AdagradOptions(double lr) : lr_(lr) {}

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults)) {
  const auto& o = defaults;
  EMBER_CHECK(o.lr() >= 0, "[Adagrad] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.lr_decay() >= 0, "[Adagrad] Invalid lr_decay value: ", o.lr_decay());
  EMBER_CHECK(o.weight_decay() >= 0, "[Adagrad] Invalid weight_decay value: ", o.weight_decay());
  EMBER_CHECK(o.initial_accumulator_value() >= 0,
              "[Adagrad] Invalid initial_accumulator_value value: ", o.initial_accumulator_value());
  EMBER_CHECK(o.eps() >= 0, "[Adagrad] Invalid epsilon value: ", o.eps());
  // Like PyTorch, the accumulators exist from construction on (they are in a checkpoint taken
  // before the first step).
  for (const auto& group : param_groups_) {
    const auto& go = static_cast<const AdagradOptions&>(group.options());
    for (const auto& p : group.params())
      init_state<AdagradParamState>(p).sum(full_like(p, go.initial_accumulator_value()));
  }
}

Tensor Adagrad::step(LossClosure closure) {
  return detail::step_params_with_state<AdagradOptions, AdagradParamState>(
      *this, closure,
      [](const Tensor& p, AdagradParamState& s, const AdagradOptions& o) {  // a group added later
        s.sum(full_like(p, o.initial_accumulator_value()));
      },
      [](Tensor& p, AdagradParamState& s, const AdagradOptions& o) {
        Tensor grad = detail::decayed_grad(p, o.maximize(), o.weight_decay());
        double clr = o.lr() / (1 + static_cast<double>(s.step() - 1) * o.lr_decay());
        s.sum().addcmul_(grad, grad, 1);
        Tensor std = s.sum().sqrt().add_(o.eps());
        p.addcdiv_(grad, std, -clr);
      });
}

void AdagradParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("sum", sum(), true);
}
void AdagradParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor t;
  a.read("sum", t, true);
  sum(t);
}

std::unique_ptr<OptimizerParamState> Adagrad::make_param_state() const {
  return std::make_unique<AdagradParamState>();
}

}  // namespace optim
}  // namespace ember
