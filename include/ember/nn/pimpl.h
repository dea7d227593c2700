#pragma once
// ModuleHolder and TORCH_MODULE: the shared-pointer wrappers libtorch users write modules with
// (`struct NetImpl : Module {...}; TORCH_MODULE(Net);`, then `Net net; net->fc; net(x)`).
#include <memory>
#include <type_traits>
#include <utility>

#include "ember/nn/module.h"

namespace ember {
namespace nn {

template <class Contained>
class ModuleHolder {
 protected:
  // Always empty or a Contained. Held as std::shared_ptr<Module> so that a program doesn't
  // instantiate std::shared_ptr<XImpl> for each of the ~130 built-in holders it never touches
  // (about a sixth of <torch/torch.h>'s compile time); ptr() hands out the typed pointer.
  std::shared_ptr<Module> impl_;

 public:
  using ContainedType = Contained;

  // Default-constructs the module; modules without a default constructor must start as nullptr.
  ModuleHolder() : impl_(default_construct()) {}
  ModuleHolder(std::nullptr_t) : impl_(nullptr) {}
  template <class Head, class... Tail,
            class = std::enable_if_t<!(std::is_same_v<std::decay_t<Head>, ModuleHolder> &&
                                       sizeof...(Tail) == 0)>>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(new Contained(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}
  ModuleHolder(std::shared_ptr<Contained> module) : impl_(std::move(module)) {}

  explicit operator bool() const noexcept { return !is_empty(); }
  Contained* operator->() { return get(); }
  const Contained* operator->() const { return get(); }
  Contained& operator*() { return *get(); }
  const Contained& operator*() const { return *get(); }
  std::shared_ptr<Contained> ptr() const {
    EMBER_CHECK(!is_empty(), "Accessing empty ModuleHolder");
    return std::static_pointer_cast<Contained>(impl_);
  }
  Contained* get() {
    EMBER_CHECK(!is_empty(), "Accessing empty ModuleHolder");
    return static_cast<Contained*>(impl_.get());
  }
  const Contained* get() const {
    EMBER_CHECK(!is_empty(), "Accessing empty ModuleHolder");
    return static_cast<const Contained*>(impl_.get());
  }
  bool is_empty() const noexcept { return impl_ == nullptr; }

  // Calls forward(); single-tensor forwards also run the module's forward hooks.
  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    Contained* m = get();
    if constexpr (sizeof...(Args) == 1 && (std::is_convertible_v<Args, const Tensor&> && ...) &&
                  std::is_same_v<decltype(m->forward(std::forward<Args>(args)...)), Tensor>) {
      if (m->has_forward_hooks()) {
        Tensor x = m->run_forward_pre_hooks(args...);
        Tensor y = m->forward(x);
        return m->run_forward_hooks(x, y);
      }
    }
    return m->forward(std::forward<Args>(args)...);
  }
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

 private:
  static std::shared_ptr<Module> default_construct() {
    if constexpr (std::is_default_constructible_v<Contained>) {
      return std::shared_ptr<Module>(new Contained());
    } else {
      static_assert(std::is_default_constructible_v<Contained>,
                    "You are trying to default construct a module which has no default "
                    "constructor. Use = nullptr to give it the empty state (e.g. `Linear linear = "
                    "nullptr;` instead of `Linear linear;`).");
      return nullptr;
    }
  }
};

template <class C>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<C>& m) {
  return os << *m;
}

}  // namespace nn
}  // namespace ember

#define TORCH_MODULE_IMPL(Name, ImplType)                                \
  class Name : public ::ember::nn::ModuleHolder<ImplType> { /* NOLINT */ \
   public:                                                               \
    using ::ember::nn::ModuleHolder<ImplType>::ModuleHolder;             \
    using Impl = ImplType;                                               \
  }
#define TORCH_MODULE(Name) TORCH_MODULE_IMPL(Name, Name##Impl)
