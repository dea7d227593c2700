#include "ember/optim/adam.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/unary.h"

namespace ember {
namespace optim {

AdamOptions::AdamOptions(double lr) : lr_(lr) {}
AdamWOptions::AdamWOptions(double lr) : lr_(lr) {}

namespace {
template <class Options>
void check_options(const Options& o, const char* name) {
  EMBER_CHECK(o.lr() >= 0, "[", name, "] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.eps() >= 0, "[", name, "] Invalid epsilon value: ", o.eps());
  auto [b1, b2] = o.betas();
  EMBER_CHECK(b1 >= 0 && b1 < 1, "[", name, "] Invalid beta parameter at index 0: ", b1);
  EMBER_CHECK(b2 >= 0 && b2 < 1, "[", name, "] Invalid beta parameter at index 1: ", b2);
  EMBER_CHECK(o.weight_decay() >= 0, "[", name, "] Invalid weight_decay value: ", o.weight_decay());
}

// One Adam update of `p` (PyTorch's single-tensor algorithm). `decoupled`: AdamW.
template <class Options>
void adam_update(Tensor& p, AdamParamState& s, const Options& o, bool decoupled) {
  Tensor grad = o.maximize() ? -p.grad() : p.grad();
  auto [beta1, beta2] = o.betas();
  s.step(s.step() + 1);
  if (decoupled) {
    p.mul_(1 - o.lr() * o.weight_decay());
  } else if (o.weight_decay() != 0) {
    grad = grad.add(p, o.weight_decay());
  }
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
void adam_step(std::vector<OptimizerParamGroup>& groups, Optimizer& opt, bool decoupled,
               const std::function<AdamParamState*(const Tensor&)>& get_state) {
  NoGradGuard ng;
  for (auto& group : groups) {
    auto& o = static_cast<Options&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      AdamParamState* s = get_state(p);
      adam_update(p, *s, o, decoupled);
    }
  }
  (void)opt;
}
}  // namespace

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamOptions>(defaults)) {
  check_options(defaults, "Adam");
}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdamWOptions>(defaults)) {
  check_options(defaults, "AdamW");
}

#define EMBER_ADAM_STEP(Class, Options, decoupled)                                \
  Tensor Class::step(LossClosure closure) {                                       \
    Tensor loss;                                                                  \
    if (closure) {                                                                \
      AutoGradMode enable(true);                                                  \
      loss = closure();                                                           \
    }                                                                             \
    adam_step<Options>(param_groups_, *this, decoupled, [this](const Tensor& p) { \
      auto* s = state_of<AdamParamState>(p);                                      \
      if (!s) {                                                                   \
        s = &init_state<AdamParamState>(p);                                       \
        s->exp_avg(zeros_like(p));                                                \
        s->exp_avg_sq(zeros_like(p));                                             \
      }                                                                           \
      return s;                                                                   \
    });                                                                           \
    return loss;                                                                  \
  }
EMBER_ADAM_STEP(Adam, AdamOptions, false)
EMBER_ADAM_STEP(AdamW, AdamWOptions, true)

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

}  // namespace optim
}  // namespace ember
