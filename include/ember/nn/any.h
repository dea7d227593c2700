#pragma once
// AnyModule: any module with a forward() behind one type, as libtorch's torch::nn::AnyModule, so
// containers like Sequential can hold different layer types. Arguments and results are passed as
// AnyValue (std::any); forward<R>(args...) converts back.
#include <algorithm>
#include <any>
#include <functional>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {

using AnyValue = std::any;

namespace detail {
template <class F>
struct forward_traits;
template <class C, class R, class... A>
struct forward_traits<R (C::*)(A...)> {
  using result = R;
  using args = std::tuple<std::decay_t<A>...>;
  static constexpr size_t arity = sizeof...(A);
};
template <class C, class R, class... A>
struct forward_traits<R (C::*)(A...) const> : forward_traits<R (C::*)(A...)> {};

// Whether M declared FORWARD_HAS_DEFAULT_ARGS (a static _forward_default_args()).
template <class M, class = void>
struct has_forward_default_args : std::false_type {};
template <class M>
struct has_forward_default_args<M, std::void_t<decltype(M::_forward_default_args())>>
    : std::true_type {};

template <class T>
T any_to(AnyValue& v, size_t index) {
  if (auto* p = std::any_cast<T>(&v)) return std::move(*p);
  EMBER_ERROR("[AnyModule] forward() argument ", index, " has the wrong type (expected ",
              typeid(T).name(), ", got ", v.type().name(), ")");
}
}  // namespace detail

class AnyModule {
 public:
  AnyModule() = default;
  template <class M, class = std::enable_if_t<std::is_base_of_v<Module, M>>>
  explicit AnyModule(std::shared_ptr<M> module) {
    set(std::move(module));
  }
  template <class M, class = std::enable_if_t<std::is_base_of_v<Module, M>>>
  explicit AnyModule(M&& module)
      : AnyModule(std::make_shared<std::decay_t<M>>(std::move(module))) {}
  template <class C>
  explicit AnyModule(const ModuleHolder<C>& holder) : AnyModule(holder.ptr()) {}

  // Calls forward with `args`; the result as AnyValue (void forwards give an empty one).
  template <class... Args>
  AnyValue any_forward(Args&&... args) {
    EMBER_CHECK(module_ != nullptr, "[AnyModule] Cannot call forward() on an empty AnyModule");
    std::vector<AnyValue> values;
    values.reserve(sizeof...(Args));
    (values.emplace_back(std::decay_t<Args>(std::forward<Args>(args))), ...);
    return call_(std::move(values));
  }
  template <class R = Tensor, class... Args>
  R forward(Args&&... args) {
    AnyValue r = any_forward(std::forward<Args>(args)...);
    if constexpr (std::is_same_v<R, AnyValue>) {
      return r;
    } else {
      auto* p = std::any_cast<R>(&r);
      EMBER_CHECK(p != nullptr, "[AnyModule] forward() returned ", r.type().name(),
                  " which is not the requested type");
      return std::move(*p);
    }
  }
  std::shared_ptr<Module> ptr() const { return module_; }
  template <class T>
  std::shared_ptr<T> ptr() const {
    return std::dynamic_pointer_cast<T>(module_);
  }
  template <class T, class C = typename T::ContainedType>
  T get() const {
    return T(std::dynamic_pointer_cast<C>(module_));
  }
  bool is_empty() const noexcept { return module_ == nullptr; }
  AnyModule clone(std::optional<Device> device = std::nullopt) const {
    AnyModule c = *this;
    if (module_) c.rebind_(module_->clone(device), c);
    return c;
  }

 private:
  template <class M>
  void set(std::shared_ptr<M> m) {
    using Traits = detail::forward_traits<decltype(&M::forward)>;
    module_ = m;
    call_ = make_call<M, Traits>(m.get(), std::make_index_sequence<Traits::arity>{});
    rebind_ = [](std::shared_ptr<Module> fresh, AnyModule& self) {
      self.set(std::dynamic_pointer_cast<M>(fresh));
    };
  }
  template <class M, class Traits, size_t... I>
  static std::function<AnyValue(std::vector<AnyValue>&&)> make_call(M* m,
                                                                    std::index_sequence<I...>) {
    return [m](std::vector<AnyValue>&& v) -> AnyValue {
      // Trailing arguments the module declared with FORWARD_HAS_DEFAULT_ARGS.
      if constexpr (detail::has_forward_default_args<M>::value) {
        if (v.size() < Traits::arity) {
          auto defaults = M::_forward_default_args();
          for (size_t i = v.size(); i < Traits::arity; ++i) {
            auto it = std::find_if(defaults.begin(), defaults.end(),
                                   [&](const auto& d) { return d.first == i; });
            if (it == defaults.end()) break;
            v.push_back(it->second);
          }
        }
      }
      EMBER_CHECK(v.size() == Traits::arity, "[AnyModule] ", m->name(), "'s forward() expects ",
                  Traits::arity, " argument(s), but received ", v.size(), ".");
      if constexpr (std::is_void_v<typename Traits::result>) {
        m->forward(detail::any_to<std::tuple_element_t<I, typename Traits::args>>(v[I], I)...);
        return AnyValue();
      } else {
        return AnyValue(
            m->forward(detail::any_to<std::tuple_element_t<I, typename Traits::args>>(v[I], I)...));
      }
    };
  }
  std::shared_ptr<Module> module_;
  std::function<AnyValue(std::vector<AnyValue>&&)> call_;
  std::function<void(std::shared_ptr<Module>, AnyModule&)> rebind_;
};

}  // namespace nn
}  // namespace ember

// Declares default values of trailing forward() arguments, as libtorch's macro, so AnyModule and
// Sequential can call forward with fewer arguments: FORWARD_HAS_DEFAULT_ARGS({1, AnyValue(x)}).
#define FORWARD_HAS_DEFAULT_ARGS(...)                                                    \
 public:                                                                                 \
  static std::vector<std::pair<size_t, ::ember::nn::AnyValue>> _forward_default_args() { \
    return {__VA_ARGS__};                                                                \
  }
