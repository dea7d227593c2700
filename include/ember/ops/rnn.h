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

namespace detail {
// The gated cells' updates from their gates' pre-activations, shared by the ops above and by
// nn::LSTM / nn::GRU (which project the input of all time steps in one matmul).
// gates = x W_ih^T + b_ih + h W_hh^T + b_hh [N, 4 * hidden]; returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell_update(const Tensor& gates, const Tensor& cx);
// igates = x W_ih^T + b_ih, hgates = h W_hh^T + b_hh [N, 3 * hidden]; returns h'.
Tensor gru_cell_update(const Tensor& igates, const Tensor& hgates, const Tensor& hx);
}  // namespace detail

}  // namespace ember
