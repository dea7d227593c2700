#include "ember/autograd/function_node.h"

#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"

namespace ember {
namespace autograd {

variable_list FunctionNode::apply(variable_list&& grads) {
  bool any = false;
  for (const auto& g : grads) any |= g.defined();
  if (!any) return variable_list(num_outputs());
  // Formulas see zeros for outputs that received no gradient.
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) {
      const auto& m = input_metadata(i);
      grads[i] = zeros(m.shape, TensorOptions().dtype(m.dtype).device(m.device));
    }
  }
  variable_list out = run_formula(grads);
  out.resize(num_outputs());
  for (size_t i = 0; i < out.size(); ++i) {
    if (!needs_input_grad(i)) out[i] = Tensor();
  }
  return out;
}

void FunctionNode::release_variables() {
  for (auto& s : saved_) s.reset_data();
  released_ = true;
}

size_t FunctionNode::save(const Tensor& t, bool is_output) {
  saved_.emplace_back(t, is_output);
  return saved_.size() - 1;
}

Tensor FunctionNode::saved(size_t i) {
  EMBER_CHECK(i < saved_.size(), "[", name_, "] no saved tensor ", i);
  return saved_[i].unpack(shared_from_this());
}

bool any_requires_grad(TensorList ts) {
  if (!GradMode::is_enabled()) return false;
  for (const auto& t : ts)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool compute_requires_grad(std::initializer_list<const Tensor*> ts) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : ts)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

void connect_inputs(FunctionNode& node, const char* name, TensorList inputs) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const auto& t : inputs) {
    edges.push_back(t.defined() && t.requires_grad() ? gradient_edge(t) : Edge());
  }
  node.set_next_edges(std::move(edges));
  if (AnomalyMode::is_enabled()) node.anomaly_info = name;
}

std::shared_ptr<FunctionNode> make_node_impl(const char* name, TensorList inputs, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  connect_inputs(*node, name, inputs);
  return node;
}

Tensor sum_to(const Tensor& grad, IntArrayRef shape) {
  if (grad.sizes() == shape) return grad;
  int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  EMBER_CHECK(lead >= 0, "[sum_to] gradient of shape ", grad.sizes(),
              " cannot be reduced to shape ", shape);
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1 && grad.size(lead + i) != 1) dims.push_back(lead + static_cast<int64_t>(i));
  }
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  if (lead > 0 || r.sizes() != shape) r = r.view(shape);
  return r;
}

// Note [In-place autograd]: with gradients involved, an in-place op runs out of place on a copy
// of self's old value (so formulas can still read it) and self adopts the result's values and
// history. Leaves that require grad refuse, as in PyTorch. On a view, the view's base takes the
// history instead (Note [Views and in-place autograd] in views.cpp).
Tensor& apply_inplace(Tensor& self, bool inputs_require_grad, const char* op,
                      const std::function<Tensor(const Tensor&)>& compute,
                      const std::function<void()>& direct) {
  bool grad = GradMode::is_enabled() && (self.requires_grad() || inputs_require_grad);
  if (!grad) {
    direct();
    self.bump_version();
    return self;
  }
  check_inplace(self, op);
  Tensor r = compute(self.clone());
  EMBER_CHECK(r.sizes() == self.sizes(), "[", op, "] output with shape ", self.sizes(),
              " doesn't match the broadcast shape ", r.sizes());
  EMBER_CHECK(canCast(r.dtype(), self.dtype()), "[", op, "] result type ", toString(r.dtype()),
              " can't be cast to the desired output type ", toString(self.dtype()));
  {
    NoGradGuard ng;
    self.data().copy_(r);
  }
  // self.data().copy_ bumped the shared version counter already.
  if (self.unsafeGetTensorImpl()->is_autograd_view()) {
    // The base takes the history; the view's grad_fn is rebuilt from it when next asked for.
    rebase_view_history(self, r);
    return self;
  }
  auto& m = self.unsafeGetTensorImpl()->ensure_autograd_meta();
  auto* rm = r.unsafeGetTensorImpl()->autograd_meta();
  m.grad_fn = rm->grad_fn;
  m.output_nr = rm->output_nr;
  return self;
}

}  // namespace autograd
}  // namespace ember
