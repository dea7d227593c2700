#pragma once
// Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, Functional.
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/any.h"

namespace ember {
namespace nn {

class SequentialImpl : public Cloneable<SequentialImpl> {
 public:
  SequentialImpl() = default;
  template <class... Modules>
  explicit SequentialImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }
  // Named layers: Sequential({{"fc", Linear(2, 3)}, {"act", ReLU()}}).
  explicit SequentialImpl(std::initializer_list<std::pair<std::string, AnyModule>> named) {
    for (const auto& [name, m] : named) push_back(name, m);
  }
  void reset() override {}
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void pretty_print(std::ostream& os) const override { os << "torch::nn::Sequential"; }

  template <class M>
  void push_back(M&& module) {
    push_back(std::to_string(modules_.size()), std::forward<M>(module));
  }
  template <class M>
  void push_back(std::string name, M&& module) {
    AnyModule any = to_any(std::forward<M>(module));
    register_module(std::move(name), any.ptr());
    modules_.push_back(std::move(any));
  }
  void extend(const SequentialImpl& other) {
    for (const auto& m : other.modules_) push_back(m);
  }

  // Runs the layers in order: the first takes `inputs`, each next one the previous result.
  template <class R = Tensor, class... Inputs>
  R forward(Inputs&&... inputs) {
    EMBER_CHECK(!modules_.empty(), "[Sequential] Cannot call forward() on an empty Sequential");
    AnyValue v = modules_[0].any_forward(std::forward<Inputs>(inputs)...);
    for (size_t i = 1; i < modules_.size(); ++i) v = forward_value(modules_[i], std::move(v));
    if constexpr (std::is_same_v<R, AnyValue>) {
      return v;
    } else {
      auto* p = std::any_cast<R>(&v);
      EMBER_CHECK(p != nullptr, "[Sequential] the last module returned ", v.type().name(),
                  " which is not the requested type");
      return std::move(*p);
    }
  }

  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }
  AnyModule& operator[](size_t i) {
    EMBER_CHECK(i < modules_.size(), "[Sequential] index ", i, " is out of range (size ",
                modules_.size(), ")");
    return modules_[i];
  }
  template <class T>
  T& at(size_t i) {
    auto p = (*this)[i].ptr<T>();
    EMBER_CHECK(p != nullptr, "[Sequential] module ", i, " is not of the requested type");
    return *p;
  }
  std::shared_ptr<Module> ptr(size_t i) { return (*this)[i].ptr(); }
  std::vector<AnyModule>::iterator begin() { return modules_.begin(); }
  std::vector<AnyModule>::iterator end() { return modules_.end(); }

 private:
  static AnyValue forward_value(AnyModule& m, AnyValue v);
  template <class M>
  static AnyModule to_any(M&& m) {
    if constexpr (std::is_same_v<std::decay_t<M>, AnyModule>) {
      return m;
    } else {
      return AnyModule(std::forward<M>(m));
    }
  }
  std::vector<AnyModule> modules_;
};
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  using Impl = SequentialImpl;
  Sequential() : ModuleHolder() {}
  // Sequential({{"fc", Linear(2, 3)}, {"act", ReLU()}})
  Sequential(std::initializer_list<std::pair<std::string, AnyModule>> named)
      : ModuleHolder(std::make_shared<SequentialImpl>(named)) {}
};

class ModuleListImpl : public Cloneable<ModuleListImpl> {
 public:
  ModuleListImpl() = default;
  template <class... Modules>
  explicit ModuleListImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }
  void reset() override {}
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void pretty_print(std::ostream& os) const override { os << "torch::nn::ModuleList"; }
  template <class M>
  void push_back(M&& module) {
    std::shared_ptr<Module> p = to_ptr(std::forward<M>(module));
    register_module(std::to_string(modules_.size()), p);
    modules_.push_back(std::move(p));
  }
  void extend(const ModuleListImpl& other) {
    for (const auto& m : other.modules_) push_back(m);
  }
  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }
  std::shared_ptr<Module> operator[](size_t i) const { return ptr(i); }
  std::shared_ptr<Module> ptr(size_t i) const {
    EMBER_CHECK(i < modules_.size(), "[ModuleList] index ", i, " is out of range (size ",
                modules_.size(), ")");
    return modules_[i];
  }
  template <class T>
  std::shared_ptr<T> ptr(size_t i) const {
    return std::dynamic_pointer_cast<T>(ptr(i));
  }
  template <class T>
  T& at(size_t i) {
    auto p = ptr<T>(i);
    EMBER_CHECK(p != nullptr, "[ModuleList] module ", i, " is not of the requested type");
    return *p;
  }
  std::vector<std::shared_ptr<Module>>::iterator begin() { return modules_.begin(); }
  std::vector<std::shared_ptr<Module>>::iterator end() { return modules_.end(); }

 private:
  template <class M>
  static std::shared_ptr<Module> to_ptr(M&& m) {
    using D = std::decay_t<M>;
    if constexpr (std::is_convertible_v<D, std::shared_ptr<Module>>) {
      return m;
    } else {
      return m.ptr();
    }
  }
  std::vector<std::shared_ptr<Module>> modules_;
};
TORCH_MODULE(ModuleList);

class ModuleDictImpl : public Cloneable<ModuleDictImpl> {
 public:
  ModuleDictImpl() = default;
  explicit ModuleDictImpl(
      const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
    for (const auto& [k, m] : modules) insert(k, m);
  }
  void reset() override {}
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
  void pretty_print(std::ostream& os) const override { os << "torch::nn::ModuleDict"; }
  template <class M>
  void insert(const std::string& key, M&& module) {
    std::shared_ptr<Module> p;
    if constexpr (std::is_convertible_v<std::decay_t<M>, std::shared_ptr<Module>>) {
      p = module;
    } else {
      p = module.ptr();
    }
    if (children_.contains(key)) {
      replace_module(key, p);
    } else {
      register_module(key, p);
    }
  }
  std::shared_ptr<Module> operator[](const std::string& key) const { return children_[key]; }
  template <class T>
  std::shared_ptr<T> at(const std::string& key) const {
    return std::dynamic_pointer_cast<T>(children_[key]);
  }
  bool contains(const std::string& key) const { return children_.contains(key); }
  size_t size() const noexcept { return children_.size(); }
  bool empty() const noexcept { return children_.is_empty(); }
  std::vector<std::string> keys() const { return children_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return children_.values(); }
  std::shared_ptr<Module> pop(const std::string& key) {
    auto m = children_[key];
    unregister_module(key);
    return m;
  }
  void clear() { children_.clear(); }
};
TORCH_MODULE(ModuleDict);

class ParameterListImpl : public Cloneable<ParameterListImpl> {
 public:
  ParameterListImpl() = default;
  template <class... Ts>
  explicit ParameterListImpl(Ts&&... params) {
    (append(std::forward<Ts>(params)), ...);
  }
  void reset() override {}
  void pretty_print(std::ostream& os) const override { os << "torch::nn::ParameterList"; }
  void append(const Tensor& p) {
    register_parameter(std::to_string(parameters_.size()), p, p.requires_grad());
  }
  size_t size() const noexcept { return parameters_.size(); }
  bool is_empty() const noexcept { return parameters_.is_empty(); }
  Tensor& operator[](size_t i) { return parameters_[i].value(); }
  Tensor& at(size_t i) { return parameters_[i].value(); }
  auto begin() { return parameters_.begin(); }
  auto end() { return parameters_.end(); }
};
TORCH_MODULE(ParameterList);

class ParameterDictImpl : public Cloneable<ParameterDictImpl> {
 public:
  ParameterDictImpl() = default;
  explicit ParameterDictImpl(const OrderedDict<std::string, Tensor>& params) {
    for (const auto& p : params) insert(p.key(), p.value());
  }
  void reset() override {}
  void pretty_print(std::ostream& os) const override { os << "torch::nn::ParameterDict"; }
  void insert(const std::string& key, const Tensor& p) {
    register_parameter(key, p, p.requires_grad());
  }
  Tensor& operator[](const std::string& key) { return parameters_[key]; }
  Tensor& get(const std::string& key) { return parameters_[key]; }
  bool contains(const std::string& key) const { return parameters_.contains(key); }
  size_t size() const noexcept { return parameters_.size(); }
  bool empty() const noexcept { return parameters_.is_empty(); }
  std::vector<std::string> keys() const { return parameters_.keys(); }
  std::vector<Tensor> values() const { return parameters_.values(); }
  Tensor pop(const std::string& key) {
    Tensor t = parameters_[key];
    parameters_.erase(key);
    return t;
  }
  void clear() { parameters_.clear(); }
};
TORCH_MODULE(ParameterDict);

// Wraps a function as a module (libtorch's Functional): Functional(torch::relu).
class FunctionalImpl : public Cloneable<FunctionalImpl> {
 public:
  using Function = std::function<Tensor(Tensor)>;
  explicit FunctionalImpl(Function fn) : fn_(std::move(fn)) {}
  template <class F, class... Args, class = std::enable_if_t<(sizeof...(Args) > 0)>>
  explicit FunctionalImpl(F f, Args&&... args)
      : fn_([f, args...](Tensor x) { return f(x, args...); }) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override { os << "torch::nn::Functional()"; }
  Tensor forward(Tensor input) { return fn_(std::move(input)); }

 private:
  Function fn_;
};
TORCH_MODULE(Functional);

}  // namespace nn
}  // namespace ember
