#include "ember/optim/adam.h"

#include <cmath>
#include <tuple>

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/unary.h"
#include "src/optim/common.h"
#include "src/optim/foreach.h"

namespace ember {
namespace optim {

AdamOptions::AdamOptions(double lr) : lr_(lr) {}
AdamWOptions::AdamWOptions(double lr) : lr_(lr) {}

namespace {
// One Adam update of `p` (PyTorch's single-tensor algorithm). `decoupled`: AdamW.
template <class Options>
void adam_update(Tensor& p, AdamParamState& s, const Options& o, bool decoupled) {
  Tensor grad = detail::decayed_grad(p, o.maximize(), decoupled ? 0.0 : o.weight_decay());
  auto [beta1, beta2] = o.betas();
  if (decoupled) p.mul_(1 - o.lr() * o.weight_decay());
  s.exp_avg().mul_(beta1).add_(grad, 1 - beta1);
  s.exp_avg_sq().mul_(beta2).add_(grad * grad, 1 - beta2);
  double bc1 = 1 - std::pow(beta1, static_cast<double>(s.step()));
  double bc2 = 1 - std::pow(beta2, static_cast<double>(s.step()));
  double step_size = o.lr() / bc1;
  double bc2_sqrt = std::sqrt(bc2);
  Tensor denom;
  if (o.amsgrad()) {
    if (!s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(zeros_like(p));
    Tensor& m = s.max_exp_avg_sq();
    const Tensor& v = s.exp_avg_sq();
    m.copy_(maximum(m, v));  // torch.maximum: also right for inf, NaN propagates
    denom = (m.sqrt() / bc2_sqrt).add_(o.eps());
  } else {
    denom = (s.exp_avg_sq().sqrt() / bc2_sqrt).add_(o.eps());
  }
  p.add_(s.exp_avg() / denom, -step_size);
}

template <class Options>
Tensor adam_step(Optimizer& opt, const Optimizer::LossClosure& closure, bool decoupled) {
  return detail::step_params_with_state<Options, AdamParamState>(
      opt, closure, detail::init_moments,
      [decoupled](Tensor& p, AdamParamState& s, const Options& o) {
        adam_update(p, s, o, decoupled);
      },
      [&opt, decoupled](const std::vector<Tensor>& params, const Options& o) {
        AdamHyper h;
        h.lr = o.lr();
        std::tie(h.beta1, h.beta2) = o.betas();
        h.weight_decay = o.weight_decay();
        h.eps = o.eps();
        h.amsgrad = o.amsgrad();
        h.maximize = o.maximize();
        h.decoupled = decoupled;
        return detail::adam_foreach_step(opt, params, h);
      });
}
}  // namespace

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamOptions>(defaults)) {
  detail::check_adam_options(defaults, "Adam");
}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamWOptions>(defaults)) {
  detail::check_adam_options(defaults, "AdamW");
}

Tensor Adam::step(LossClosure closure) { return adam_step<AdamOptions>(*this, closure, false); }
Tensor AdamW::step(LossClosure closure) { return adam_step<AdamWOptions>(*this, closure, true); }

}  // namespace optim
}  // namespace ember

#include "ember/serialize.h"

namespace ember {
namespace optim {

void AdamParamState::serialize(serialize::OutputArchive& a) const {
  a.write("step", step());
  a.write("exp_avg", exp_avg(), true);
  a.write("exp_avg_sq", exp_avg_sq(), true);
  if (max_exp_avg_sq().defined()) a.write("max_exp_avg_sq", max_exp_avg_sq(), true);
}
void AdamParamState::serialize(const serialize::InputArchive& a) {
  int64_t s = 0;
  a.read("step", s);
  step(s);
  Tensor t;
  a.read("exp_avg", t, true);
  exp_avg(t);
  Tensor t2;
  a.read("exp_avg_sq", t2, true);
  exp_avg_sq(t2);
  Tensor t3;
  if (a.try_read("max_exp_avg_sq", t3, true)) max_exp_avg_sq(t3);
}

std::unique_ptr<OptimizerParamState> Adam::make_param_state() const {
  return std::make_unique<AdamParamState>();
}

std::unique_ptr<OptimizerParamState> AdamW::make_param_state() const {
  return std::make_unique<AdamParamState>();
}

}  // namespace optim
}  // namespace ember
