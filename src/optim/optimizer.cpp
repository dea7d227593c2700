#include "ember/optim/optimizer.h"

#include <unordered_set>

#include "ember/autograd/grad_mode.h"

namespace ember {
namespace optim {

Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  for (const auto& g : param_groups) add_param_group(g);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group) {
  OptimizerParamGroup g(group.params());
  g.set_options(group.has_options() ? group.options().clone() : defaults_->clone());
  std::unordered_set<TensorImpl*> seen;
  for (const auto& pg : param_groups_)
    for (const auto& p : pg.params()) seen.insert(p.unsafeGetTensorImpl());
  for (const auto& p : g.params()) {
    EMBER_CHECK(p.defined(), "[optim] parameter group holds an undefined tensor");
    EMBER_CHECK(p.is_leaf(), "[optim] can't optimize a non-leaf Tensor");
    EMBER_CHECK(seen.insert(p.unsafeGetTensorImpl()).second,
                "[optim] some parameters appear in more than one parameter group");
  }
  param_groups_.push_back(std::move(g));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : param_groups_) {
    for (auto& p : g.params()) {
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.mutable_grad() = Tensor();
      } else {
        NoGradGuard ng;
        p.mutable_grad().detach_();
        p.mutable_grad().zero_();
      }
    }
  }
}

std::vector<Tensor>& Optimizer::parameters() noexcept {
  all_params_.clear();
  for (auto& g : param_groups_)
    for (auto& p : g.params()) all_params_.push_back(p);
  return all_params_;
}

const std::vector<Tensor>& Optimizer::parameters() const noexcept {
  all_params_.clear();
  for (const auto& g : param_groups_)
    for (const auto& p : g.params()) all_params_.push_back(p);
  return all_params_;
}

size_t Optimizer::size() const noexcept {
  size_t n = 0;
  for (const auto& g : param_groups_) n += g.params().size();
  return n;
}

}  // namespace optim
}  // namespace ember
