// Tensor's autograd methods.
#include "ember/autograd/engine.h"
#include "ember/autograd/function_node.h"

namespace ember {

using autograd::AutogradMeta;

bool Tensor::requires_grad() const {
  auto* m = impl()->autograd_meta();
  if (impl()->is_autograd_view()) {
    // As PyTorch's DifferentiableViewMeta: without rebuilding the history, a view requires grad
    // when it has history or its base requires grad.
    if (m && (m->requires_grad || m->grad_fn)) return true;
    auto* bm = impl()->view_base()->autograd_meta();
    return bm && (bm->requires_grad || bm->grad_fn);
  }
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::requires_grad_(bool r) const {
  auto* m = impl()->autograd_meta();
  if (!r && !m) return self();
  EMBER_CHECK(!r || isFloatingType(dtype()),
              "[requires_grad_] only Tensors of floating point dtype can require gradients");
  auto& meta = impl()->ensure_autograd_meta();
  EMBER_CHECK(!meta.grad_fn || r,
              "[requires_grad_] you can only change requires_grad flags of leaf variables. If "
              "you want to use a computed variable in a subgraph that doesn't require "
              "differentiation use var_no_grad = var.detach().");
  meta.requires_grad = r;
  return self();
}

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  auto* m = impl()->autograd_meta();
  return m ? m->grad : undefined;
}

Tensor& Tensor::mutable_grad() { return impl()->ensure_autograd_meta().grad; }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined()) {
    EMBER_CHECK(g.sizes() == sizes(),
                "[grad] assigned grad has data of a different size: ", g.sizes(), " vs ", sizes());
    EMBER_CHECK(g.dtype() == dtype(), "[grad] assigned grad has data of a different type");
  }
  impl()->ensure_autograd_meta().grad = g;
}

bool Tensor::is_leaf() const {
  if (impl()->is_autograd_view()) return !grad_fn();
  auto* m = impl()->autograd_meta();
  return !m || !m->grad_fn;
}

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  if (impl()->is_autograd_view()) return autograd::view_grad_fn(impl());
  auto* m = impl()->autograd_meta();
  return m ? m->grad_fn : none;
}

uint32_t Tensor::output_nr() const {
  if (impl()->is_autograd_view()) grad_fn();  // refresh a stale view history first
  auto* m = impl()->autograd_meta();
  return m ? m->output_nr : 0;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      std::optional<std::vector<Tensor>> inputs) const {
  autograd::backward({*this}, gradient.defined() ? variable_list{gradient} : variable_list{},
                     retain_graph, create_graph, inputs.value_or(variable_list{}));
}

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(),
              "[retain_grad] can't retain_grad on Tensor that has "
              "requires_grad=False");
  if (is_leaf()) return;  // also refreshes a stale view history
  auto& m = impl()->ensure_autograd_meta();
  if (m.retains_grad) return;
  m.retains_grad = true;
  m.grad_fn->set_retain_grad_hook(m.output_nr, &m);
}

bool Tensor::retains_grad() const {
  auto* m = impl()->autograd_meta();
  return m && (m->retains_grad);
}

unsigned Tensor::register_hook_impl(std::function<Tensor(const Tensor&)> hook) const {
  EMBER_CHECK(requires_grad(),
              "[register_hook] cannot register a hook on a tensor that doesn't "
              "require gradient");
  grad_fn();  // refreshes a stale view history
  auto& m = impl()->ensure_autograd_meta();
  if (m.grad_fn) return m.grad_fn->add_pre_hook(m.output_nr, std::move(hook));
  // Leaf: a pre-hook on an accumulator would die with the graph, so keep it on the tensor.
  static std::atomic<unsigned> next{1u << 30};
  unsigned id = next.fetch_add(1);
  m.leaf_hooks.emplace_back(id, std::move(hook));
  return id;
}

void Tensor::remove_hook(unsigned pos) const {
  auto* m = impl()->autograd_meta();
  EMBER_CHECK(m, "[remove_hook] invalid hook handle ", pos);
  if (m->grad_fn && m->grad_fn->remove_pre_hook(pos)) return;
  for (auto it = m->leaf_hooks.begin(); it != m->leaf_hooks.end(); ++it) {
    if (it->first == pos) {
      m->leaf_hooks.erase(it);
      return;
    }
  }
  EMBER_ERROR("[remove_hook] invalid hook handle ", pos);
}

Tensor Tensor::detach() const {
  // Shares storage and version counter, no history.
  return Tensor(
      make_intrusive<TensorImpl>(storage(), dtype(), sizes(), strides(), storage_offset()));
}

Tensor& Tensor::detach_() const {
  EMBER_CHECK(!is_view() || is_leaf(),
              "[detach_] Can't detach views in-place. Use detach() "
              "instead.");
  impl()->clear_autograd_meta();
  return self();
}

bool Tensor::is_view() const { return static_cast<bool>(impl()->view_base()); }

const Tensor& Tensor::_base() const {
  // Materialised lazily in a thread-local slot: TensorImpl stores the base's impl only.
  thread_local Tensor base;
  base = impl()->view_base() ? Tensor(impl()->view_base()) : Tensor();
  return base;
}

Tensor Tensor::data() const { return detach(); }

void Tensor::set_data(const Tensor& new_data) const {
  EMBER_CHECK(new_data.defined(), "[set_data] new data is undefined");
  impl()->set_storage(new_data.storage());
  impl()->set_dtype(new_data.dtype());
  impl()->set_sizes_and_strides(new_data.sizes(), new_data.strides(), new_data.storage_offset());
}

}  // namespace ember
