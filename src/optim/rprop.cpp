#include "ember/optim/rprop.h"

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/ternary.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

namespace {
// sign(x), keeping NaN.
Tensor sign_of(const Tensor& x) { return where(x > 0, 1.0, where(x < 0, -1.0, x)); }
}  // namespace

RpropOptions::RpropOptions(double lr) : lr_(lr) {}

Rprop::Rprop(std::vector<OptimizerParamGroup> param_groups, RpropOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<RpropOptions>(defaults)) {
  auto [etaminus, etaplus] = defaults.etas();
  EMBER_CHECK(defaults.lr() >= 0, "[Rprop] Invalid learning rate: ", defaults.lr());
  EMBER_CHECK(0.0 < etaminus && etaminus < 1.0 && 1.0 < etaplus,
              "[Rprop] Invalid eta values: ", etaminus, ", ", etaplus);
}

Tensor Rprop::step(LossClosure closure) {
  return detail::step_params_with_state<RpropOptions, RpropParamState>(
      *this, closure,
      [](const Tensor& p, RpropParamState& s, const RpropOptions& o) {
        s.prev(zeros_like(p));
        s.step_size(full_like(p.grad(), o.lr()));
      },
      [](Tensor& p, RpropParamState& s, const RpropOptions& o) {
        auto [etaminus, etaplus] = o.etas();
        auto [step_size_min, step_size_max] = o.step_sizes();
        Tensor grad = detail::decayed_grad(p, o.maximize(), /*weight_decay=*/0);
        // Per element: etaplus where the gradient kept its sign, etaminus where it flipped, 1
        // where either is zero (NaN stays NaN, as in PyTorch).
        Tensor prod = grad.mul(s.prev());
        Tensor sign =
            where(prod > 0, etaplus, where(prod < 0, etaminus, where(prod == 0, 1.0, prod)));
        s.step_size().mul_(sign).clamp_(step_size_min, step_size_max);
        // After a sign flip the step is skipped and the next step sees a zero previous gradient.
        Tensor flipped = sign == etaminus;
        grad = where(flipped, 0.0, grad);
        p.addcmul_(sign_of(grad), s.step_size(), -1);
        s.prev().copy_(grad);
      });
}

void RpropParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("prev", prev(), true);
  a.write("step_size", step_size(), true);
}
void RpropParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor pr, ss;
  a.read("prev", pr, true);
  a.read("step_size", ss, true);
  prev(pr);
  step_size(ss);
}

std::unique_ptr<OptimizerParamState> Rprop::make_param_state() const {
  return std::make_unique<RpropParamState>();
}

}  // namespace optim
}  // namespace ember
