#pragma once
// Helpers shared by the optimizers' sources (not public).
#include <memory>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/optim/optimizer.h"

namespace ember {
namespace optim {
namespace detail {

// Python's `with torch.enable_grad(): loss = closure()`; an undefined Tensor without a closure.
inline Tensor eval_closure(const Optimizer::LossClosure& closure) {
  if (!closure) return {};
  AutoGradMode enable(true);
  return closure();
}

// PyTorch keeps some optimizer scalars (NAdam's mu_product, ASGD's eta and mu) in 0-dim tensors
// of the default dtype (float32 unless set_default_dtype changed it); rounding the same way keeps
// the updates equal to PyTorch's.
inline bool scalars_are_float() { return get_default_dtype() != kDouble; }
inline double round_scalar(double x) {
  return scalars_are_float() ? static_cast<double>(static_cast<float>(x)) : x;
}

// The checks of the Adam family's options (Adam, AdamW, Adamax, NAdam, RAdam), as PyTorch's.
template <class Options>
void check_adam_options(const Options& o, const char* name) {
  EMBER_CHECK(o.lr() >= 0, "[", name, "] Invalid learning rate: ", o.lr());
  EMBER_CHECK(o.eps() >= 0, "[", name, "] Invalid epsilon value: ", o.eps());
  auto [b1, b2] = o.betas();
  EMBER_CHECK(b1 >= 0 && b1 < 1, "[", name, "] Invalid beta parameter at index 0: ", b1);
  EMBER_CHECK(b2 >= 0 && b2 < 1, "[", name, "] Invalid beta parameter at index 1: ", b2);
  EMBER_CHECK(o.weight_decay() >= 0, "[", name, "] Invalid weight_decay value: ", o.weight_decay());
}

// The skeleton of every optimizer's step(), as PyTorch's `for group in param_groups: for p in
// group['params']: if p.grad is None: continue`: the closure's loss (evaluated with grad enabled),
// then, without grad, update(p, options) for each parameter that has a gradient. A group for
// which group_step(params, options) returns true was updated by it as a whole (see
// Note [Multi-tensor optimizer steps] in src/optim/foreach.h).
template <class Options, class Update, class GroupStep>
Tensor step_params(Optimizer& opt, const Optimizer::LossClosure& closure, Update&& update,
                   GroupStep&& group_step) {
  Tensor loss = eval_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : opt.param_groups()) {
    const auto& o = static_cast<const Options&>(group.options());
    if (group_step(group.params(), o)) continue;
    for (auto& p : group.params())
      if (p.grad().defined()) update(p, o);
  }
  return loss;
}
template <class Options, class Update>
Tensor step_params(Optimizer& opt, const Optimizer::LossClosure& closure, Update&& update) {
  return step_params<Options>(opt, closure, update,
                              [](const std::vector<Tensor>&, const Options&) { return false; });
}

// p's state in `opt`, made by init(state) when p has none yet (kept only if init succeeds).
template <class State, class Init>
State& lazy_state(Optimizer& opt, const Tensor& p, Init&& init) {
  auto& states = opt.state();
  auto it = states.find(p.unsafeGetTensorImpl());
  if (it != states.end()) return static_cast<State&>(*it->second);
  auto s = std::make_unique<State>();
  init(*s);
  State& r = *s;
  states[p.unsafeGetTensorImpl()] = std::move(s);
  return r;
}

// step_params for the optimizers whose State counts steps: the state is made by
// init(p, state, options) on a parameter's first step, its step() advanced, then
// update(p, state, options) runs.
template <class Options, class State, class Init, class Update, class GroupStep>
Tensor step_params_with_state(Optimizer& opt, const Optimizer::LossClosure& closure, Init&& init,
                              Update&& update, GroupStep&& group_step) {
  return step_params<Options>(
      opt, closure,
      [&](Tensor& p, const Options& o) {
        State& s = lazy_state<State>(opt, p, [&](State& fresh) { init(p, fresh, o); });
        s.step(s.step() + 1);
        update(p, s, o);
      },
      group_step);
}
template <class Options, class State, class Init, class Update>
Tensor step_params_with_state(Optimizer& opt, const Optimizer::LossClosure& closure, Init&& init,
                              Update&& update) {
  return step_params_with_state<Options, State>(
      opt, closure, init, update, [](const std::vector<Tensor>&, const Options&) { return false; });
}

// The first state of the Adam family (Adam, AdamW, NAdam, RAdam): zero first and second moments.
inline constexpr auto init_moments = [](const Tensor& p, auto& state, const auto& /*options*/) {
  state.exp_avg(zeros_like(p));
  state.exp_avg_sq(zeros_like(p));
};

// The gradient an update follows: negated under maximize, plus weight_decay * p (L2 penalty).
inline Tensor decayed_grad(const Tensor& p, bool maximize, double weight_decay) {
  Tensor grad = maximize ? -p.grad() : p.grad();
  return weight_decay != 0 ? grad.add(p, weight_decay) : grad;
}

}  // namespace detail
}  // namespace optim
}  // namespace ember
