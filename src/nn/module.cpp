#include "ember/nn/module.h"

#include <cxxabi.h>

#include <iostream>
#include <typeinfo>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/factory.h"

namespace ember {
namespace nn {

namespace {
std::string demangled_type_name(const Module& m) {
  int status = 0;
  const char* mangled = typeid(m).name();
  char* d = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && d ? d : mangled;
  std::free(d);
  // libtorch's names: "torch::nn::LinearImpl" -> "torch::nn::Linear".
  if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
    name.resize(name.size() - 4);
  return name;
}
std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}
}  // namespace

Module::Module(std::string name) : name_(std::move(name)) {}
Module::Module() = default;

const std::string& Module::name() const noexcept {
  if (!name_) name_ = demangled_type_name(*this);
  return *name_;
}

std::shared_ptr<Module> Module::clone(const std::optional<Device>&) const {
  EMBER_ERROR("[clone] clone() has not been implemented for ", name(),
              ". Subclass torch::nn::Cloneable<", name(),
              "> instead of torch::nn::Module to inherit the ability to clone.");
}

// Note [Modules not owned by a shared_ptr]
// A module's constructor runs before any shared_ptr owns it, and a module may live on the stack;
// shared_from_this() then throws std::bad_weak_ptr. So every walk over the tree (parameters,
// buffers, state_dict, train, to, zero_grad, the Module& forms of apply) visits *this by reference
// and only its children by their shared_ptrs. Only what hands out a shared_ptr to *this itself
// (modules()/named_modules() with include_self, the shared_ptr forms of apply) needs one, and it
// raises libtorch's error instead of bad_weak_ptr.

void Module::apply_to_submodules(const NamedModulePointerApplyFunction& fn,
                                 const std::string& prefix) const {
  for (const auto& c : children_) {
    std::string n = join(prefix, c.key());
    fn(n, c.value());
    c.value()->apply_to_submodules(fn, n);
  }
}

std::shared_ptr<Module> Module::shared_from_this_checked() const {
  std::shared_ptr<const Module> self = weak_from_this().lock();
  EMBER_CHECK(self != nullptr,
              "It looks like you attempted to retrieve your top-level module as a shared_ptr, but "
              "it is not stored in a shared_ptr. Use std::make_shared<",
              name(),
              "> instead of creating your module on the stack, or alternatively do not try to "
              "access your top-level module at all by passing /*include_self=*/false to "
              "modules() or named_modules()");
  // const_pointer_cast: a shared_ptr to a const module, as libtorch does.
  return std::const_pointer_cast<Module>(self);
}

void Module::apply(const ModuleApplyFunction& fn) {
  fn(*this);
  apply_to_submodules([&](const std::string&, const std::shared_ptr<Module>& m) { fn(*m); }, "");
}
void Module::apply(const ConstModuleApplyFunction& fn) const {
  fn(*this);
  apply_to_submodules([&](const std::string&, const std::shared_ptr<Module>& m) { fn(*m); }, "");
}
void Module::apply(const NamedModuleApplyFunction& fn, const std::string& prefix) {
  fn(prefix, *this);
  apply_to_submodules([&](const std::string& n, const std::shared_ptr<Module>& m) { fn(n, *m); },
                      prefix);
}
void Module::apply(const ConstNamedModuleApplyFunction& fn, const std::string& prefix) const {
  fn(prefix, *this);
  apply_to_submodules([&](const std::string& n, const std::shared_ptr<Module>& m) { fn(n, *m); },
                      prefix);
}
void Module::apply(const ModulePointerApplyFunction& fn) const {
  fn(shared_from_this_checked());
  apply_to_submodules([&](const std::string&, const std::shared_ptr<Module>& m) { fn(m); }, "");
}
void Module::apply(const NamedModulePointerApplyFunction& fn, const std::string& prefix) const {
  fn(prefix, shared_from_this_checked());
  apply_to_submodules(fn, prefix);
}

namespace {
// The defined tensors of `dict` under their dotted names below `prefix`, appended to `out`.
void collect(OrderedDict<std::string, Tensor>& out, const std::string& prefix,
             const OrderedDict<std::string, Tensor>& dict, bool detach = false) {
  for (const auto& t : dict)
    if (t.value().defined())
      out.insert(join(prefix, t.key()), detach ? t.value().detach() : t.value());
}
}  // namespace

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<std::string, Tensor> out;
  if (!recurse) {
    collect(out, "", parameters_);
    return out;
  }
  apply([&](const std::string& n, const Module& m) { collect(out, n, m.parameters_); });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  return named_parameters(recurse).values();
}

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<std::string, Tensor> out;
  if (!recurse) {
    collect(out, "", buffers_);
    return out;
  }
  apply([&](const std::string& n, const Module& m) { collect(out, n, m.buffers_); });
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_modules(const std::string& prefix,
                                                                        bool include_self) const {
  OrderedDict<std::string, std::shared_ptr<Module>> out;
  auto add = [&](const std::string& n, const std::shared_ptr<Module>& m) { out.insert(n, m); };
  if (include_self) {
    apply(add, prefix);
  } else {
    apply_to_submodules(add, prefix);
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_children() const {
  return children_;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

void Module::train(bool on) {
  for (auto& c : children_) c.value()->train(on);
  is_training_ = on;
}

void Module::to_impl(std::optional<Device> device, std::optional<ScalarType> dtype) {
  NoGradGuard ng;
  for (auto& c : children_) c.value()->to_impl(device, dtype);
  auto move = [&](Tensor& t, bool floating_only) {
    if (!t.defined()) return;
    TensorOptions o;
    if (device) o = o.device(*device);
    if (dtype && (!floating_only || t.is_floating_point())) o = o.dtype(*dtype);
    Tensor n = t.to(o);
    if (!n.is_same(t)) t.set_data(n);
  };
  for (auto& p : parameters_) {
    move(p.value(), true);
    if (p.value().defined() && p.value().grad().defined()) move(p.value().mutable_grad(), true);
  }
  for (auto& b : buffers_) move(b.value(), true);
}

void Module::to(Device device, ScalarType dtype, bool) { to_impl(device, dtype); }
void Module::to(ScalarType dtype, bool) { to_impl(std::nullopt, dtype); }
void Module::to(Device device, bool) { to_impl(device, std::nullopt); }

void Module::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) {
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

OrderedDict<std::string, Tensor> Module::state_dict() const {
  OrderedDict<std::string, Tensor> out;
  apply([&](const std::string& n, const Module& m) {
    collect(out, n, m.parameters_, /*detach=*/true);
    collect(out, n, m.buffers_, /*detach=*/true);
  });
  return out;
}

Module::LoadResult Module::load_state_dict(const OrderedDict<std::string, Tensor>& dict,
                                           bool strict) {
  LoadResult r;
  auto own = state_dict();
  for (const auto& item : own) {
    if (!dict.contains(item.key())) r.missing_keys.push_back(item.key());
  }
  for (const auto& item : dict) {
    if (!own.contains(item.key())) r.unexpected_keys.push_back(item.key());
  }
  if (strict && (!r.missing_keys.empty() || !r.unexpected_keys.empty())) {
    std::string msg = "Error(s) in loading state_dict for " + name() + ":";
    if (!r.missing_keys.empty()) {
      msg += " Missing key(s) in state_dict:";
      for (const auto& k : r.missing_keys) msg += " \"" + k + "\"";
      msg += ".";
    }
    if (!r.unexpected_keys.empty()) {
      msg += " Unexpected key(s) in state_dict:";
      for (const auto& k : r.unexpected_keys) msg += " \"" + k + "\"";
      msg += ".";
    }
    EMBER_ERROR(msg);
  }
  // Check every shape before writing anything, so a failed load changes nothing.
  for (const auto& item : own) {
    const Tensor* src = dict.find(item.key());
    if (!src) continue;
    EMBER_CHECK(src->sizes() == item.value().sizes(), "Error(s) in loading state_dict for ", name(),
                ": size mismatch for ", item.key(), ": copying a param with shape ", src->sizes(),
                " from checkpoint, the shape in current model is ", item.value().sizes(), ".");
  }
  NoGradGuard ng;
  for (auto& item : own) {
    if (const Tensor* src = dict.find(item.key())) item.value().copy_(*src);
  }
  return r;
}

void Module::pretty_print(std::ostream& stream) const { stream << name(); }

namespace {
void print_module(std::ostream& os, const Module& m, const std::string& indent) {
  m.pretty_print(os);
  auto children = m.named_children();
  if (children.is_empty()) return;
  os << "(\n";
  for (const auto& c : children) {
    os << indent << "  (" << c.key() << "): ";
    print_module(os, *c.value(), indent + "  ");
    os << "\n";
  }
  os << indent << ")";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Module& m) {
  print_module(os, m, "");
  return os;
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  EMBER_CHECK(!name.empty(), "[register_parameter] Parameter name must not be empty");
  EMBER_CHECK(name.find('.') == std::string::npos,
              "[register_parameter] Parameter name must not contain a dot (got '", name, "')");
  if (!tensor.defined()) {
    EMBER_CHECK(!requires_grad, "[register_parameter] An undefined tensor cannot require grad");
  } else {
    tensor.set_requires_grad(requires_grad);
  }
  return parameters_.insert_or_assign(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  EMBER_CHECK(!name.empty(), "[register_buffer] Buffer name must not be empty");
  EMBER_CHECK(name.find('.') == std::string::npos,
              "[register_buffer] Buffer name must not contain a dot (got '", name, "')");
  return buffers_.insert_or_assign(std::move(name), std::move(tensor));
}

void Module::check_child_name(const std::string& name) const {
  EMBER_CHECK(!name.empty(), "[register_module] Submodule name must not be empty");
  EMBER_CHECK(name.find('.') == std::string::npos,
              "[register_module] Submodule name must not contain a dot (got '", name, "')");
}

void Module::unregister_module(const std::string& name) {
  EMBER_CHECK(children_.contains(name), "[unregister_module] No Module with name `", name,
              "` is registered");
  children_.erase(name);
}

void Module::copy_state_into(Module& dst, const std::optional<Device>& device) const {
  auto src_params = named_parameters();
  auto dst_params = dst.named_parameters();
  EMBER_CHECK(src_params.size() == dst_params.size(), "[clone] the clone of ", name(), " has ",
              dst_params.size(), " parameters after reset() but the original has ",
              src_params.size());
  for (auto& p : dst_params) {
    const Tensor* s = src_params.find(p.key());
    EMBER_CHECK(s != nullptr, "[clone] parameter ", p.key(), " missing after reset()");
    Tensor v = device ? s->detach().to(*device, false, true) : s->detach().clone();
    p.value().set_data(v);
    p.value().set_requires_grad(s->requires_grad());
  }
  auto src_bufs = named_buffers();
  for (auto& b : dst.named_buffers()) {
    const Tensor* s = src_bufs.find(b.key());
    EMBER_CHECK(s != nullptr, "[clone] buffer ", b.key(), " missing after reset()");
    b.value().set_data(device ? s->to(*device, false, true) : s->clone());
  }
}

unsigned Module::register_forward_pre_hook(ForwardPreHook hook) {
  static unsigned next = 0;
  pre_hooks_.emplace_back(++next, std::move(hook));
  return next;
}

unsigned Module::register_forward_hook(ForwardHook hook) {
  static unsigned next = 1u << 30;
  post_hooks_.emplace_back(++next, std::move(hook));
  return next;
}

void Module::remove_hook(unsigned id) {
  for (auto it = pre_hooks_.begin(); it != pre_hooks_.end(); ++it)
    if (it->first == id) {
      pre_hooks_.erase(it);
      return;
    }
  for (auto it = post_hooks_.begin(); it != post_hooks_.end(); ++it)
    if (it->first == id) {
      post_hooks_.erase(it);
      return;
    }
  EMBER_ERROR("[remove_hook] no forward hook with id ", id);
}

Tensor Module::run_forward_pre_hooks(const Tensor& input) {
  Tensor x = input;
  for (auto& [id, h] : pre_hooks_) {
    Tensor r = h(*this, x);
    if (r.defined()) x = r;
  }
  return x;
}

Tensor Module::run_forward_hooks(const Tensor& input, const Tensor& output) {
  Tensor y = output;
  for (auto& [id, h] : post_hooks_) {
    Tensor r = h(*this, input, y);
    if (r.defined()) y = r;
  }
  return y;
}

}  // namespace nn
}  // namespace ember
