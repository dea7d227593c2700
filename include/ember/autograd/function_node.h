#pragma once
// The node every built-in op records: a name (PyTorch's, e.g. "MulBackward0"), tensors saved for
// backward and the derivative formula as a lambda written with ember ops, so double backward works.
//
//   Tensor exp(const Tensor& self) {
//     Tensor out = ...;                                   // compute without autograd
//     if (auto n = autograd::make_node("ExpBackward0", {self}, [](auto& n, auto& g) {
//           return variable_list{g[0] * n.saved(0)}; })) {
//       autograd::set_history(out, n);
//       n->save(out, /*is_output=*/true);
//     }
//     return out;
//   }
#include <functional>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"

namespace ember {
namespace autograd {

struct FunctionNode;
using BackwardFn = std::function<variable_list(FunctionNode&, const variable_list& grads)>;

struct FunctionNode : Node {
  FunctionNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  variable_list apply(variable_list&& grads) override;
  std::string name() const override { return name_; }
  void release_variables() override;

  // Saves `t` for backward; returns its index for saved().
  size_t save(const Tensor& t, bool is_output = false);
  Tensor saved(size_t i);
  // Does the forward input `i` need a gradient?
  bool needs_input_grad(size_t i) const { return should_compute_output(i); }

 protected:
  // A node that holds its formula itself (make_node's) overrides run_formula.
  explicit FunctionNode(const char* name) : name_(name) {}
  virtual variable_list run_formula(const variable_list& grads) { return fn_(*this, grads); }

 private:
  const char* name_;
  BackwardFn fn_;
  std::vector<SavedVariable> saved_;
  bool released_ = false;
};

// True when grad mode is on and any of `ts` requires grad.
bool any_requires_grad(TensorList ts);
inline bool any_requires_grad(std::initializer_list<Tensor> ts) {
  return any_requires_grad(TensorList(ts));
}
bool compute_requires_grad(std::initializer_list<const Tensor*> ts);

// make_node's node: the formula lambda lives in the node (one allocation per recorded op; a
// std::function of a lambda that captures shapes was a second heap block).
template <class F>
struct LambdaNode final : FunctionNode {
  template <class G>
  LambdaNode(const char* name, G&& f) : FunctionNode(name), f_(std::forward<G>(f)) {}
  variable_list run_formula(const variable_list& grads) override {
    return f_(static_cast<FunctionNode&>(*this), grads);
  }
  F f_;
};

// Gives `node` its edges to `inputs` (and the anomaly-mode name).
void connect_inputs(FunctionNode& node, const char* name, TensorList inputs);
// Creates a node with edges to `inputs`, formula fn.
std::shared_ptr<FunctionNode> make_node_impl(const char* name, TensorList inputs, BackwardFn fn);
// Creates a node with edges to `inputs` if any needs a gradient, else returns nullptr (the
// no-grad path is hot: nothing is made there).
template <class F>
std::shared_ptr<FunctionNode> make_node(const char* name, TensorList inputs, F&& fn) {
  if (!any_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<LambdaNode<std::decay_t<F>>>(name, std::forward<F>(fn));
  connect_inputs(*node, name, inputs);
  return node;
}
template <class F>
std::shared_ptr<FunctionNode> make_node(const char* name, std::initializer_list<Tensor> inputs,
                                        F&& fn) {
  return make_node(name, TensorList(inputs), std::forward<F>(fn));
}

// Reduces a broadcast gradient back to `shape` by summing the expanded dims.
Tensor sum_to(const Tensor& grad, IntArrayRef shape);

// In-place op with autograd: `self` is replaced by `compute(self_copy)` and takes its history.
// Without grad, `direct()` runs the op in place. See Note [In-place autograd].
Tensor& apply_inplace(Tensor& self, bool inputs_require_grad, const char* op,
                      const std::function<Tensor(const Tensor&)>& compute,
                      const std::function<void()>& direct);

// ---- views (Note [Views and in-place autograd] in src/autograd/views.cpp) ----
// Records `view`, just made from `self` by a view op, as a view autograd tracks.
void track_view(const Tensor& view, const Tensor& self);
// Marks `view` as output `i` of an op returning several views (split, chunk, unbind): such views
// refuse in-place ops while autograd records.
void mark_multi_output_view(const Tensor& view, uint32_t i);
// PyTorch's check_inplace: the errors for in-place ops on leaves, views of leaves and views made
// in no-grad mode or by multi-output ops. `op` names the in-place op.
void check_inplace(const Tensor& self, const char* op);
// After an in-place op on the view `self` wrote `result`: the view's base takes a CopySlices
// history (old base outside the view, `result` inside it).
void rebase_view_history(const Tensor& self, const Tensor& result);

}  // namespace autograd
}  // namespace ember
