#include "ember/autograd/custom_function.h"

#include "ember/ops/factory.h"

namespace ember {
namespace autograd {

variable_list AutogradContext::get_saved_variables() const {
  auto node = node_.lock();
  variable_list out;
  for (const auto& s : saved_) out.push_back(s.unpack(node));
  return out;
}

void AutogradContext::mark_dirty(const variable_list& inputs) {
  for (const auto& t : inputs) dirty_.insert(t.unsafeGetTensorImpl());
}

void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
  for (const auto& t : outputs) non_differentiable_.insert(t.unsafeGetTensorImpl());
}

void AutogradContext::commit_saved(const variable_list& outputs,
                                   const std::shared_ptr<Node>& node) {
  for (const auto& t : to_save_) {
    bool is_output = false;
    for (const auto& o : outputs) is_output |= t.defined() && o.is_same(t);
    saved_.emplace_back(t, is_output && node != nullptr);
  }
  to_save_.clear();
}

variable_list CustomNode::apply(variable_list&& grads) {
  if (ctx.materialize_grads_) {
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].defined()) {
        const auto& m = input_metadata(i);
        grads[i] = zeros(m.shape, TensorOptions().dtype(m.dtype).device(m.device));
      }
    }
  }
  variable_list per_arg = backward_(&ctx, std::move(grads));
  EMBER_CHECK(per_arg.size() == arg_to_edge.size(), "function ", name_,
              " returned an incorrect number of gradients (expected ", arg_to_edge.size(),
              ", got ", per_arg.size(), ")");
  variable_list out(num_outputs());
  for (size_t a = 0; a < arg_to_edge.size(); ++a) {
    int e = arg_to_edge[a];
    if (e < 0) {
      EMBER_CHECK(!per_arg[a].defined(), "function ", name_,
                  " returned a gradient different than an undefined tensor for a non-tensor "
                  "input ", a);
      continue;
    }
    out[e] = per_arg[a];
  }
  return out;
}

void CustomNode::release_variables() {
  for (auto& s : ctx.saved_) s.reset_data();
}

namespace detail {

void wire_custom_outputs(const std::shared_ptr<CustomNode>& node, variable_list& outputs,
                         const variable_list& inputs, bool is_executable) {
  auto& ctx = node->ctx;
  for (auto& out : outputs) {
    if (!out.defined()) continue;
    bool is_input = false;
    for (const auto& in : inputs) is_input |= in.is_same(out);
    bool dirty = ctx.dirty_.count(out.unsafeGetTensorImpl()) > 0;
    // An input returned unchanged would get this node as grad_fn: return a view instead.
    if (is_input && !dirty) out = out.detach();
    if (!is_executable || ctx.non_differentiable_.count(out.unsafeGetTensorImpl())) {
      if (!is_executable) continue;
      // Non-differentiable outputs still count as outputs of the node.
      node->add_input_metadata(out);
      continue;
    }
    if (dirty) {
      EMBER_CHECK(!(out.is_leaf() && out.requires_grad()),
                  "a leaf Variable that requires grad has been used in an in-place operation.");
      out.bump_version();
    }
    set_history(out, node);
  }
  ctx.commit_saved(outputs, is_executable ? node : nullptr);
}

}  // namespace detail
}  // namespace autograd
}  // namespace ember
