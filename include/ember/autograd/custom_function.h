#pragma once
// Custom differentiable functions, libtorch's torch::autograd::Function<T>:
//
//   struct Scale : Function<Scale> {
//     static Tensor forward(AutogradContext* ctx, Tensor x, double k) {
//       ctx->saved_data["k"] = k;
//       return x * k;
//     }
//     static variable_list backward(AutogradContext* ctx, variable_list g) {
//       return {g[0] * ctx->saved_data["k"].toDouble(), Tensor()};
//     }
//   };
//   Tensor y = Scale::apply(x, 2.0);
//
// backward returns one entry per forward argument (undefined for non-tensors).
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/function_node.h"
#include "ember/core/ivalue.h"

namespace ember {
namespace autograd {

struct CustomNode;
namespace detail {
void wire_custom_outputs(const std::shared_ptr<CustomNode>& node, variable_list& outputs,
                         const variable_list& inputs, bool is_executable);
}

class AutogradContext {
 public:
  void save_for_backward(variable_list to_save) { to_save_ = std::move(to_save); }
  variable_list get_saved_variables() const;
  void mark_dirty(const variable_list& inputs);
  void mark_non_differentiable(const variable_list& outputs);
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  bool needs_input_grad(size_t index) const {
    return index < needs_input_grad_.size() && needs_input_grad_[index];
  }
  std::unordered_map<std::string, IValue> saved_data;

 private:
  template <class T>
  friend struct Function;
  friend struct CustomNode;
  friend void detail::wire_custom_outputs(const std::shared_ptr<CustomNode>&, variable_list&,
                                          const variable_list&, bool);
  // Called after forward: saves tensors (outputs as outputs, to avoid cycles).
  void commit_saved(const variable_list& outputs, const std::shared_ptr<Node>& node);
  variable_list to_save_;
  std::vector<SavedVariable> saved_;
  std::unordered_set<TensorImpl*> dirty_;
  std::unordered_set<TensorImpl*> non_differentiable_;
  std::vector<bool> needs_input_grad_;
  std::weak_ptr<Node> node_;
  bool materialize_grads_ = true;
};

struct CustomNode : Node {
  CustomNode(std::string name, variable_list (*backward)(AutogradContext*, variable_list))
      : name_(std::move(name)), backward_(backward) {}
  std::string name() const override { return name_; }
  variable_list apply(variable_list&& grads) override;
  void release_variables() override;
  AutogradContext ctx;
  std::vector<int> arg_to_edge;  // forward argument index -> edge index, -1 for non-tensors

 private:
  std::string name_;
  variable_list (*backward_)(AutogradContext*, variable_list);
};

namespace detail {
inline void collect_tensors(variable_list&, std::vector<int>&) {}
template <class A, class... Rest>
void collect_tensors(variable_list& ts, std::vector<int>& map, const A& a, const Rest&... rest) {
  if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) {
    map.push_back(static_cast<int>(ts.size()));
    ts.push_back(a);
  } else {
    map.push_back(-1);
  }
  collect_tensors(ts, map, rest...);
}
}  // namespace detail

template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    variable_list inputs;
    std::vector<int> map;
    detail::collect_tensors(inputs, map, args...);
    auto node = std::make_shared<CustomNode>(typeid(T).name(), &T::backward);
    node->arg_to_edge = map;
    bool is_executable = any_requires_grad(inputs);
    std::vector<Edge> edges;
    for (const auto& t : inputs)
      edges.push_back(is_executable && t.defined() && t.requires_grad() ? gradient_edge(t) : Edge());
    node->set_next_edges(edges);
    for (int m : map) node->ctx.needs_input_grad_.push_back(m >= 0 && edges[m].is_valid());
    node->ctx.node_ = node;
    using Out = decltype(T::forward(&node->ctx, std::forward<Args>(args)...));
    Out out;
    {
      AutoGradMode guard(false);
      out = T::forward(&node->ctx, std::forward<Args>(args)...);
    }
    variable_list outs;
    if constexpr (std::is_same_v<Out, Tensor>) {
      outs.push_back(out);
    } else {
      outs = out;
    }
    detail::wire_custom_outputs(node, outs, inputs, is_executable);
    if constexpr (std::is_same_v<Out, Tensor>) {
      return outs[0];
    } else {
      return outs;
    }
  }
};

}  // namespace autograd
}  // namespace ember
