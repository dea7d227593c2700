#include "ember/optim/sgd.h"

#include "ember/ops/binary.h"
#include "src/optim/common.h"
#include "src/optim/foreach.h"

namespace ember {
namespace optim {

SGDOptions::SGDOptions(double lr) : lr_(lr) {}

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults)) {
  EMBER_CHECK(defaults.lr() >= 0, "[SGD] Invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.momentum() >= 0, "[SGD] Invalid momentum value: ", defaults.momentum());
  EMBER_CHECK(defaults.weight_decay() >= 0,
              "[SGD] Invalid weight_decay value: ", defaults.weight_decay());
  EMBER_CHECK(!defaults.nesterov() || (defaults.momentum() > 0 && defaults.dampening() == 0),
              "[SGD] Nesterov momentum requires a momentum and zero dampening");
}

Tensor SGD::step(LossClosure closure) {
  return detail::step_params<SGDOptions>(
      *this, closure,
      [this](Tensor& p, const SGDOptions& o) {
        Tensor d_p = detail::decayed_grad(p, o.maximize(), o.weight_decay());
        if (o.momentum() != 0) {
          auto* st = state_of<SGDParamState>(p);
          Tensor buf;
          if (!st) {
            buf = d_p.clone();
            init_state<SGDParamState>(p).momentum_buffer(buf);
          } else {
            buf = st->momentum_buffer();
            buf.mul_(o.momentum()).add_(d_p, 1 - o.dampening());
          }
          d_p = o.nesterov() ? d_p.add(buf, o.momentum()) : buf;
        }
        p.add_(d_p, -o.lr());
      },
      [this](const std::vector<Tensor>& params, const SGDOptions& o) {
        SgdHyper h;
        h.lr = o.lr();
        h.momentum = o.momentum();
        h.dampening = o.dampening();
        h.weight_decay = o.weight_decay();
        h.nesterov = o.nesterov();
        h.maximize = o.maximize();
        return detail::sgd_foreach_step(*this, params, h);
      });
}

}  // namespace optim
}  // namespace ember

#include "ember/serialize.h"

namespace ember {
namespace optim {

void OptimizerParamState::serialize(serialize::OutputArchive&) const {}
void OptimizerParamState::serialize(const serialize::InputArchive&) {}

void SGDParamState::serialize(serialize::OutputArchive& a) const {
  if (momentum_buffer().defined()) a.write("momentum_buffer", momentum_buffer(), true);
}
void SGDParamState::serialize(const serialize::InputArchive& a) {
  Tensor t;
  if (a.try_read("momentum_buffer", t, true)) momentum_buffer(t);
}

std::unique_ptr<OptimizerParamState> SGD::make_param_state() const {
  return std::make_unique<SGDParamState>();
}

}  // namespace optim
}  // namespace ember
