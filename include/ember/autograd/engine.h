#pragma once
// Backward: the engine that runs the graph, and torch::autograd's free functions.
#include <optional>

#include "ember/autograd/node.h"

namespace ember {
namespace autograd {

// Runs backward from `outputs` seeded with `grad_outputs`. With `inputs` empty, accumulates into
// every reachable leaf's .grad; otherwise, if `accumulate_grad`, only into `inputs`' .grad, else
// returns the gradients of `inputs` (torch.autograd.grad).
variable_list run_backward(const variable_list& outputs, const variable_list& grad_outputs,
                           bool keep_graph, bool create_graph, const variable_list& inputs,
                           bool allow_unused, bool accumulate_grad);

void backward(const variable_list& tensors, const variable_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const variable_list& inputs = {});

variable_list grad(const variable_list& outputs, const variable_list& inputs,
                   const variable_list& grad_outputs = {},
                   std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                   bool allow_unused = false);

}  // namespace autograd
}  // namespace ember
