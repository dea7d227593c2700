#pragma once
// nn::Module, libtorch's module base: parameters, buffers and submodules registered by name,
// recursive traversal, train/eval, device/dtype moves, gradients, state dicts (as in Python, with
// PyTorch's key names), forward hooks and pretty printing.
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/core/ordered_dict.h"
#include "ember/core/tensor.h"

namespace ember {
namespace nn {

class Module : public std::enable_shared_from_this<Module> {
 public:
  using ModuleApplyFunction = std::function<void(Module&)>;
  using ConstModuleApplyFunction = std::function<void(const Module&)>;
  using NamedModuleApplyFunction = std::function<void(const std::string&, Module&)>;
  using ConstNamedModuleApplyFunction = std::function<void(const std::string&, const Module&)>;
  using ModulePointerApplyFunction = std::function<void(const std::shared_ptr<Module>&)>;
  using NamedModulePointerApplyFunction =
      std::function<void(const std::string&, const std::shared_ptr<Module>&)>;

  explicit Module(std::string name);
  Module();
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) noexcept = default;
  Module& operator=(Module&&) noexcept = default;
  virtual ~Module() = default;

  // The class name (derived from the C++ type, "Impl" stripped), as libtorch.
  const std::string& name() const noexcept;
  // Deep copy (parameters and buffers cloned); only Cloneable modules support it.
  virtual std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const;

  // Call fn on this module, then on every submodule in pre-order (keys are dotted names). The
  // Module& forms work on any module, also inside its constructor; the shared_ptr forms need this
  // module to be owned by a shared_ptr (see Note [Modules not owned by a shared_ptr]).
  void apply(const ModuleApplyFunction& fn);
  void apply(const ConstModuleApplyFunction& fn) const;
  void apply(const NamedModuleApplyFunction& fn, const std::string& name_prefix = std::string());
  void apply(const ConstNamedModuleApplyFunction& fn,
             const std::string& name_prefix = std::string()) const;
  void apply(const ModulePointerApplyFunction& fn) const;
  void apply(const NamedModulePointerApplyFunction& fn,
             const std::string& name_prefix = std::string()) const;

  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  // With include_self, this module must be owned by a shared_ptr (libtorch's error otherwise).
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_modules(
      const std::string& name_prefix = std::string(), bool include_self = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_children() const;

  virtual void train(bool on = true);
  void eval() { train(false); }
  virtual bool is_training() const noexcept { return is_training_; }

  virtual void to(Device device, ScalarType dtype, bool non_blocking = false);
  virtual void to(ScalarType dtype, bool non_blocking = false);
  virtual void to(Device device, bool non_blocking = false);
  virtual void zero_grad(bool set_to_none = true);

  // Parameters and buffers with their dotted names ("features.0.weight", "bn.running_mean").
  OrderedDict<std::string, Tensor> state_dict() const;
  // Copies values into matching tensors. strict: missing and unexpected keys are an error naming
  // them; non-strict: loads what matches. Shapes must match either way.
  struct LoadResult {
    std::vector<std::string> missing_keys;
    std::vector<std::string> unexpected_keys;
  };
  LoadResult load_state_dict(const OrderedDict<std::string, Tensor>& dict, bool strict = true);
  // The state dict to/from a file whose name picks the format (.pt/.pth/.bin as PyTorch writes
  // them, or .safetensors); defined with ember::load_file / save_file in src/serialize/file.cpp.
  void save_to(const std::string& path) const;
  LoadResult load_from(const std::string& path, bool strict = true);

  template <class ModuleType>
  typename ModuleType::ContainedType* as() noexcept {
    return dynamic_cast<typename ModuleType::ContainedType*>(this);
  }
  template <class ModuleType, class = std::enable_if_t<std::is_base_of_v<Module, ModuleType>>,
            class = void>
  ModuleType* as() noexcept {
    return dynamic_cast<ModuleType*>(this);
  }

  virtual void pretty_print(std::ostream& stream) const;
  virtual bool is_serializable() const { return true; }

  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  Tensor& register_buffer(std::string name, Tensor tensor);
  template <class ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name,
                                              std::shared_ptr<ModuleType> module) {
    check_child_name(name);
    EMBER_CHECK(module != nullptr, "[register_module] submodule '", name, "' is empty");
    children_.insert(std::move(name), std::static_pointer_cast<Module>(module));
    return module;
  }
  template <class Holder, class = decltype(std::declval<Holder&>().ptr())>
  auto register_module(std::string name, Holder holder) {
    return register_module(std::move(name), holder.ptr());
  }
  template <class ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name,
                                             std::shared_ptr<ModuleType> module) {
    auto& base = children_[name];
    base = std::static_pointer_cast<Module>(module);
    return module;
  }
  void unregister_module(const std::string& name);

  // Forward hooks for single-tensor forwards, run by ModuleHolder::operator() (as Python's
  // register_forward_pre_hook / register_forward_hook): a hook returning a defined tensor
  // replaces the input (pre) or the output (post).
  using ForwardPreHook = std::function<Tensor(Module&, const Tensor& input)>;
  using ForwardHook = std::function<Tensor(Module&, const Tensor& input, const Tensor& output)>;
  unsigned register_forward_pre_hook(ForwardPreHook hook);
  unsigned register_forward_hook(ForwardHook hook);
  void remove_hook(unsigned id);
  Tensor run_forward_pre_hooks(const Tensor& input);
  Tensor run_forward_hooks(const Tensor& input, const Tensor& output);
  bool has_forward_hooks() const { return !pre_hooks_.empty() || !post_hooks_.empty(); }

 protected:
  OrderedDict<std::string, Tensor> parameters_{"Parameter"};
  OrderedDict<std::string, Tensor> buffers_{"Buffer"};
  OrderedDict<std::string, std::shared_ptr<Module>> children_{"Submodule"};

 private:
  void check_child_name(const std::string& name) const;
  // Calls fn(dotted name, child) for every submodule below this one, in pre-order.
  void apply_to_submodules(const NamedModulePointerApplyFunction& fn,
                           const std::string& name_prefix) const;
  // shared_from_this(), or libtorch's error when this module is not owned by a shared_ptr.
  std::shared_ptr<Module> shared_from_this_checked() const;

 protected:
  // Deep-copies this module's parameters and buffers (recursively, by name) into `dst`.
  void copy_state_into(Module& dst, const std::optional<Device>& device) const;

 private:
  void to_impl(std::optional<Device> device, std::optional<ScalarType> dtype);
  mutable std::optional<std::string> name_;
  bool is_training_ = true;
  std::vector<std::pair<unsigned, ForwardPreHook>> pre_hooks_;
  std::vector<std::pair<unsigned, ForwardHook>> post_hooks_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// Base for modules that support clone(): Derived must be copy-constructible and implement reset(),
// which (re)creates and registers its parameters.
template <class Derived>
class Cloneable : public Module {
 public:
  using Module::Module;
  virtual void reset() = 0;
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
};

// Out of the class so that the explicit instantiations of the built-in modules
// (ember/nn/instances.h) keep programs from instantiating it again.
template <class Derived>
std::shared_ptr<Module> Cloneable<Derived>::clone(const std::optional<Device>& device) const {
  NoGradGuard no_grad;
  const auto& self = static_cast<const Derived&>(*this);
  auto copy = std::make_shared<Derived>(self);
  copy->parameters_.clear();
  copy->buffers_.clear();
  copy->children_.clear();
  copy->reset();
  // reset() rebuilt the same tree of submodules: copy every value into it by name, so that the
  // copy's member handles (e.g. a `Linear fc` field) stay the registered children.
  copy_state_into(*copy, device);
  return copy;
}

}  // namespace nn
}  // namespace ember
