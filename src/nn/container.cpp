#include "ember/nn/container.h"

namespace ember {
namespace nn {

AnyValue SequentialImpl::forward_value(AnyModule& m, AnyValue v) {
  // Layers after the first take the previous layer's result as their one argument.
  if (auto* t = std::any_cast<Tensor>(&v)) return m.any_forward(*t);
  EMBER_ERROR("[Sequential] only Tensor results can be passed between layers, got ",
              v.type().name());
}

std::shared_ptr<Module> SequentialImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<SequentialImpl>();
  for (const auto& item : named_children()) {
    size_t i = copy->modules_.size();
    AnyModule m = modules_[i].clone(device);
    copy->register_module(item.key(), m.ptr());
    copy->modules_.push_back(std::move(m));
  }
  copy->train(is_training());
  return copy;
}

std::shared_ptr<Module> ModuleListImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleListImpl>();
  for (const auto& m : modules_) copy->push_back(m->clone(device));
  copy->train(is_training());
  return copy;
}

std::shared_ptr<Module> ModuleDictImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleDictImpl>();
  for (const auto& c : children_) copy->insert(c.key(), c.value()->clone(device));
  copy->train(is_training());
  return copy;
}

}  // namespace nn
}  // namespace ember
