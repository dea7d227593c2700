#pragma once
// The RNN cells' functional forms at ATen level (at::lstm_cell, at::gru_cell, at::rnn_tanh_cell,
// at::rnn_relu_cell): input [N, input_size], hidden [N, hidden_size], w_ih [gates * hidden,
// input_size], w_hh [gates * hidden, hidden], optional biases [gates * hidden]. Composites of
// ember ops, so gradients of any order come from the composed ops.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

// hx = {h, c}; returns (h', c'). Gates in PyTorch's order: input, forget, cell, output.
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, TensorList hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const std::optional<Tensor>& b_ih = {},
                                     const std::optional<Tensor>& b_hh = {});
// Gates: reset, update, new.
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const std::optional<Tensor>& b_ih = {}, const std::optional<Tensor>& b_hh = {});
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih = {},
                     const std::optional<Tensor>& b_hh = {});
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih = {},
                     const std::optional<Tensor>& b_hh = {});

}  // namespace ember
