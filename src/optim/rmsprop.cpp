#include "ember/optim/rmsprop.h"

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

RMSpropOptions::RMSpropOptions(double lr) : lr_(lr) {}

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<RMSpropOptions>(defaults)) {
  const auto& o = defaults;
  EMBER_CHECK(o.lr() >= 0, "[RMSprop] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.eps() >= 0, "[RMSprop] Invalid epsilon value: ", o.eps());
  EMBER_CHECK(o.momentum() >= 0, "[RMSprop] Invalid momentum value: ", o.momentum());
  EMBER_CHECK(o.weight_decay() >= 0, "[RMSprop] Invalid weight_decay value: ", o.weight_decay());
  EMBER_CHECK(o.alpha() >= 0, "[RMSprop] Invalid alpha value: ", o.alpha());
}

Tensor RMSprop::step(LossClosure closure) {
  return detail::step_params_with_state<RMSpropOptions, RMSpropParamState>(
      *this, closure,
      [](const Tensor& p, RMSpropParamState& s, const RMSpropOptions& o) {
        s.square_avg(zeros_like(p));
        if (o.momentum() > 0) s.momentum_buffer(zeros_like(p));
        if (o.centered()) s.grad_avg(zeros_like(p));
      },
      [](Tensor& p, RMSpropParamState& s, const RMSpropOptions& o) {
        Tensor grad = detail::decayed_grad(p, o.maximize(), o.weight_decay());
        s.square_avg().mul_(o.alpha()).addcmul_(grad, grad, 1 - o.alpha());
        Tensor avg;
        if (o.centered()) {
          // Options may change between steps (a group edited by hand): create buffers on demand.
          if (!s.grad_avg().defined()) s.grad_avg(zeros_like(p));
          s.grad_avg().mul_(o.alpha()).add_(grad, 1 - o.alpha());
          avg = s.square_avg().addcmul(s.grad_avg(), s.grad_avg(), -1).sqrt_();
        } else {
          avg = s.square_avg().sqrt();
        }
        avg.add_(o.eps());
        if (o.momentum() > 0) {
          if (!s.momentum_buffer().defined()) s.momentum_buffer(zeros_like(p));
          s.momentum_buffer().mul_(o.momentum()).addcdiv_(grad, avg);
          p.add_(s.momentum_buffer(), -o.lr());
        } else {
          p.addcdiv_(grad, avg, -o.lr());
        }
      });
}

void RMSpropParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("square_avg", square_avg(), true);
  if (momentum_buffer().defined()) a.write("momentum_buffer", momentum_buffer(), true);
  if (grad_avg().defined()) a.write("grad_avg", grad_avg(), true);
}
void RMSpropParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor t, m, g;
  a.read("square_avg", t, true);
  square_avg(t);
  if (a.try_read("momentum_buffer", m, true)) momentum_buffer(m);
  if (a.try_read("grad_avg", g, true)) grad_avg(g);
}

std::unique_ptr<OptimizerParamState> RMSprop::make_param_state() const {
  return std::make_unique<RMSpropParamState>();
}

}  // namespace optim
}  // namespace ember
