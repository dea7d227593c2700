// RNN cells' functional forms (ember/ops/rnn.h) as composites of ember ops, with PyTorch's
// checks and messages.
#include "ember/ops/rnn.h"

#include "ember/ops/activation.h"
#include "ember/ops/binary.h"
#include "ember/ops/linalg.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"

namespace ember {

namespace {

Tensor linear_part(const Tensor& x, const Tensor& w, const std::optional<Tensor>& b) {
  if (b && b->defined()) return addmm(*b, x, w.t());
  return mm(x, w.t());
}

void check_cell(const char* op, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                const Tensor& w_hh, int64_t gates) {
  EMBER_CHECK(input.defined() && hx.defined() && w_ih.defined() && w_hh.defined(), "[", op,
              "] input, hidden state and weights must be defined");
  EMBER_CHECK(w_ih.dim() == 2 && w_hh.dim() == 2, "[", op, "] weights must be 2-D, got ",
              w_ih.sizes(), " and ", w_hh.sizes());
  EMBER_CHECK(input.dim() == 2, "[", op, "] Expected input to be 2-D [batch, input_size], got ",
              input.dim(), "-D");
  EMBER_CHECK(input.size(1) == w_ih.size(1), "[", op, "] input has inconsistent input_size: got ",
              input.size(1), " expected ", w_ih.size(1));
  EMBER_CHECK(hx.dim() == 2, "[", op, "] Expected hidden state to be 2-D, got ", hx.dim(), "-D");
  EMBER_CHECK(input.size(0) == hx.size(0), "[", op, "] Input batch size ", input.size(0),
              " doesn't match hidden batch size ", hx.size(0));
  EMBER_CHECK(hx.size(1) == w_hh.size(1), "[", op, "] hidden has inconsistent hidden_size: got ",
              hx.size(1), ", expected ", w_hh.size(1));
  EMBER_CHECK(w_ih.size(0) == gates * hx.size(1) && w_hh.size(0) == gates * hx.size(1), "[", op,
              "] weights must have ", gates, " * hidden_size = ", gates * hx.size(1), " rows, got ",
              w_ih.size(0), " and ", w_hh.size(0));
}

Tensor simple_cell(const char* op, const Tensor& input, const Tensor& hx, const Tensor& w_ih,
                   const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                   const std::optional<Tensor>& b_hh) {
  check_cell(op, input, hx, w_ih, w_hh, 1);
  return linear_part(input, w_ih, b_ih) + linear_part(hx, w_hh, b_hh);
}

}  // namespace

namespace detail {

std::tuple<Tensor, Tensor> lstm_cell_update(const Tensor& gates, const Tensor& cx) {
  auto g = gates.chunk(4, 1);  // input, forget, cell, output
  Tensor c = sigmoid(g[1]) * cx + sigmoid(g[0]) * tanh(g[2]);
  Tensor h = sigmoid(g[3]) * tanh(c);
  return {h, c};
}

Tensor gru_cell_update(const Tensor& igates, const Tensor& hgates, const Tensor& hx) {
  auto xg = igates.chunk(3, 1);  // reset, update, new
  auto hg = hgates.chunk(3, 1);
  Tensor r = sigmoid(xg[0] + hg[0]);
  Tensor z = sigmoid(xg[1] + hg[1]);
  Tensor n = tanh(xg[2] + r * hg[2]);
  return (hx - n) * z + n;
}

}  // namespace detail

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, TensorList hx, const Tensor& w_ih,
                                     const Tensor& w_hh, const std::optional<Tensor>& b_ih,
                                     const std::optional<Tensor>& b_hh) {
  EMBER_AUTOCAST(fallthrough, lower, lstm_cell, input, hx, w_ih, w_hh, b_ih, b_hh);
  EMBER_CHECK(hx.size() == 2, "[lstm_cell] Expected hx to hold two tensors (h, c), got ",
              hx.size());
  check_cell("lstm_cell", input, hx[0], w_ih, w_hh, 4);
  EMBER_CHECK(hx[1].defined() && hx[1].sizes() == hx[0].sizes(),
              "[lstm_cell] cell state must have the hidden state's shape ", hx[0].sizes());
  return detail::lstm_cell_update(linear_part(input, w_ih, b_ih) + linear_part(hx[0], w_hh, b_hh),
                                  hx[1]);
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  EMBER_AUTOCAST(fallthrough, lower, gru_cell, input, hx, w_ih, w_hh, b_ih, b_hh);
  check_cell("gru_cell", input, hx, w_ih, w_hh, 3);
  return detail::gru_cell_update(linear_part(input, w_ih, b_ih), linear_part(hx, w_hh, b_hh), hx);
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  EMBER_AUTOCAST(fallthrough, lower, rnn_tanh_cell, input, hx, w_ih, w_hh, b_ih, b_hh);
  return tanh(simple_cell("rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh));
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const std::optional<Tensor>& b_ih, const std::optional<Tensor>& b_hh) {
  EMBER_AUTOCAST(fallthrough, lower, rnn_relu_cell, input, hx, w_ih, w_hh, b_ih, b_hh);
  return relu(simple_cell("rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh));
}

}  // namespace ember
