#pragma once
// Helpers shared by the shape op files (src/ops/shape.cpp, view_ops.cpp, join.cpp).
#include <functional>

#include "ember/autograd/function_node.h"
#include "ember/core/tensor.h"

namespace ember {

// A view of `self` with autograd: `fn` computes the input gradient from the view's gradient.
Tensor make_autograd_view(const Tensor& self, IntArrayRef sizes, IntArrayRef strides,
                          int64_t offset, const char* node, autograd::BackwardFn fn);

// Gradient of a view op: zeros of `input_sizes` with `grad` added at the positions `view_fn`
// picks (accumulating, since unfold/as_strided views may overlap). Differentiable: its own
// backward (node `node`) applies `view_fn` to the incoming gradient.
Tensor view_scatter_backward(const Tensor& grad, IntArrayRef input_sizes, const char* node,
                             std::function<Tensor(const Tensor&)> view_fn);

// select() recording the node `node` (unbind's pieces are selects named UnbindBackward0).
Tensor select_impl(const Tensor& self, int64_t dim, int64_t index, const char* node);

}  // namespace ember
