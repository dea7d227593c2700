#include "ember/nn/modules/rnn.h"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <sstream>

#include "ember/ember.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/ops/rnn.h"

namespace ember {
namespace nn {

namespace {

enum class Mode { kLSTM, kGRU, kTanh, kReLU };

Mode mode_of(const detail::RNNOptionsBase& o) {
  switch (o.mode().index()) {
    case 0:
      return Mode::kLSTM;
    case 1:
      return Mode::kGRU;
    case 2:
      return Mode::kTanh;
    default:
      return Mode::kReLU;
  }
}
int64_t gate_count(Mode m) { return m == Mode::kLSTM ? 4 : m == Mode::kGRU ? 3 : 1; }
const char* mode_name(Mode m) {
  return m == Mode::kLSTM ? "LSTM" : m == Mode::kGRU ? "GRU" : "RNN";
}

std::string sizes_str(IntArrayRef s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

void check_hidden(const Tensor& h, int64_t a, int64_t b, int64_t c, const char* op,
                  const char* what) {
  bool ok = h.dim() == 3 && h.size(0) == a && h.size(1) == b && h.size(2) == c;
  EMBER_CHECK(ok, "[", op, "] Expected ", what, " size (", a, ", ", b, ", ", c, "), got ",
              sizes_str(h.sizes()));
}

// Weights of one layer/direction; xproj already holds x @ w_ih^T + b_ih (+ b_hh unless GRU).
struct DirWeights {
  Tensor w_hh_t, b_hh, w_hr_t;
};

// One recurrence step. h: [b, H_out], c: [b, H] (LSTM only).
void step(Mode m, const Tensor& x, Tensor& h, Tensor& c, const DirWeights& w) {
  switch (m) {
    case Mode::kTanh:
      h = addmm(x, h, w.w_hh_t).tanh();
      return;
    case Mode::kReLU:
      h = addmm(x, h, w.w_hh_t).relu();
      return;
    case Mode::kLSTM:
      std::tie(h, c) = ember::detail::lstm_cell_update(addmm(x, h, w.w_hh_t), c);
      if (w.w_hr_t.defined()) h = h.mm(w.w_hr_t);
      return;
    case Mode::kGRU:
      h = ember::detail::gru_cell_update(
          x, w.b_hh.defined() ? addmm(w.b_hh, h, w.w_hh_t) : h.mm(w.w_hh_t), h);
      return;
  }
}

// Runs one direction over time-major rows; bs[t] rows are live at step t (non-increasing).
// Returns the per-row output [N, H_out] and final (h, c) for the whole batch.
std::tuple<Tensor, Tensor, Tensor> run_direction(Mode m, const Tensor& xproj,
                                                 const std::vector<int64_t>& bs,
                                                 const std::vector<int64_t>& off, bool reverse,
                                                 const Tensor& h0, const Tensor& c0,
                                                 const DirWeights& w) {
  const int64_t T = static_cast<int64_t>(bs.size());
  const bool lstm = m == Mode::kLSTM;
  std::vector<Tensor> outs(static_cast<size_t>(T));
  // One piece per step from one split: its backward is a single cat (not a zero-filled copy of
  // xproj per step).
  std::vector<Tensor> xs = split_with_sizes(xproj, bs, 0);
  Tensor h, c;
  if (!reverse) {
    h = h0;
    if (lstm) c = c0;
    std::vector<Tensor> fh, fc;  // rows that finished, last-finished first
    for (int64_t t = 0; t < T; ++t) {
      int64_t b = bs[static_cast<size_t>(t)];
      if (b < h.size(0)) {
        fh.push_back(h.narrow(0, b, h.size(0) - b));
        h = h.narrow(0, 0, b);
        if (lstm) {
          fc.push_back(c.narrow(0, b, c.size(0) - b));
          c = c.narrow(0, 0, b);
        }
      }
      step(m, xs[static_cast<size_t>(t)], h, c, w);
      outs[static_cast<size_t>(t)] = h;
    }
    if (!fh.empty()) {
      fh.push_back(h);
      std::reverse(fh.begin(), fh.end());
      h = cat(fh, 0);
      if (lstm) {
        fc.push_back(c);
        std::reverse(fc.begin(), fc.end());
        c = cat(fc, 0);
      }
    }
  } else {
    int64_t cur = T > 0 ? bs.back() : h0.size(0);
    h = h0.narrow(0, 0, cur);
    if (lstm) c = c0.narrow(0, 0, cur);
    for (int64_t t = T - 1; t >= 0; --t) {
      int64_t b = bs[static_cast<size_t>(t)];
      if (b > cur) {
        h = cat({h, h0.narrow(0, cur, b - cur)}, 0);
        if (lstm) c = cat({c, c0.narrow(0, cur, b - cur)}, 0);
        cur = b;
      }
      step(m, xs[static_cast<size_t>(t)], h, c, w);
      outs[static_cast<size_t>(t)] = h;
    }
  }
  Tensor out = T > 0 ? cat(outs, 0) : empty({0, h0.size(1)}, xproj.options());
  return {out, h, c};
}

std::vector<int64_t> to_vector(const Tensor& batch_sizes) {
  Tensor b = batch_sizes.to(kLong).contiguous().cpu();
  const int64_t* p = b.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + b.numel());
}

}  // namespace

namespace detail {

void RNNImplBaseCommon::reset_common(Module& self) {
  const auto& o = options_base;
  const Mode m = mode_of(o);
  const char* op = mode_name(m);
  EMBER_CHECK(o.input_size() >= 0 && o.hidden_size() > 0, "[", op,
              "] hidden_size must be greater than zero and input_size non-negative");
  EMBER_CHECK(o.num_layers() > 0, "[", op, "] num_layers must be greater than zero");
  EMBER_CHECK(o.dropout() >= 0 && o.dropout() <= 1, "[", op,
              "] dropout should be a number in range [0, 1] representing the "
              "probability of an element being zeroed");
  EMBER_CHECK(o.proj_size() >= 0, "[", op, "] proj_size should be a positive integer or zero");
  EMBER_CHECK(o.proj_size() < o.hidden_size(), "[", op,
              "] proj_size has to be smaller than hidden_size");
  EMBER_CHECK(o.proj_size() == 0 || m == Mode::kLSTM, "[", op,
              "] proj_size argument is only supported for LSTM, not RNN or GRU");
  const int64_t G = gate_count(m) * o.hidden_size();
  const int64_t H_out = o.proj_size() > 0 ? o.proj_size() : o.hidden_size();
  const int64_t D = o.bidirectional() ? 2 : 1;
  flat_weights_names_.clear();
  flat_weights_.clear();
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    const int64_t in = l == 0 ? o.input_size() : H_out * D;
    for (int64_t d = 0; d < D; ++d) {
      std::string sfx = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      auto add = [&](const std::string& name, std::vector<int64_t> shape) {
        flat_weights_names_.push_back(name + sfx);
        flat_weights_.push_back(self.register_parameter(name + sfx, empty(IntArrayRef(shape))));
      };
      add("weight_ih", {G, in});
      add("weight_hh", {G, H_out});
      if (o.bias()) {
        add("bias_ih", {G});
        add("bias_hh", {G});
      }
      if (o.proj_size() > 0) add("weight_hr", {o.proj_size(), o.hidden_size()});
    }
  }
}

void RNNImplBaseCommon::reset_parameters_common() {
  const double stdv = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
  for (auto& w : flat_weights_) init::uniform_(w, -stdv, stdv);
}

void RNNImplBaseCommon::pretty_print_common(std::ostream& os, const std::string& name) const {
  const auto& o = options_base;
  os << std::boolalpha << name << "(input_size=" << o.input_size()
     << ", hidden_size=" << o.hidden_size() << ", num_layers=" << o.num_layers()
     << ", bias=" << o.bias() << ", batch_first=" << o.batch_first() << ", dropout=" << o.dropout()
     << ", bidirectional=" << o.bidirectional();
  if (o.proj_size() > 0) os << ", proj_size=" << o.proj_size();
  os << ")";
}

std::tuple<Tensor, Tensor, Tensor> RNNImplBaseCommon::run(const Tensor& input,
                                                          const Tensor& batch_sizes,
                                                          const Tensor& hx, const Tensor& cx,
                                                          bool training) {
  const auto& o = options_base;
  const Mode m = mode_of(o);
  const bool packed = batch_sizes.defined();
  const int64_t D = o.bidirectional() ? 2 : 1;
  std::vector<int64_t> bs;
  int64_t T = 0, B = 0;
  Tensor layer_in;
  if (packed) {
    bs = to_vector(batch_sizes);
    layer_in = input;
  } else {
    T = input.size(0);
    B = input.size(1);
    bs.assign(static_cast<size_t>(T), B);
    layer_in = input.reshape({T * B, input.size(2)});
  }
  std::vector<int64_t> off(bs.size());
  for (size_t t = 0, acc = 0; t < bs.size(); ++t) {
    off[t] = static_cast<int64_t>(acc);
    acc += static_cast<size_t>(bs[t]);
  }
  const size_t per = flat_weights_.size() / static_cast<size_t>(o.num_layers() * D);
  std::vector<Tensor> hn, cn;
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t idx = l * D + d;
      const Tensor* w = &flat_weights_[static_cast<size_t>(idx) * per];
      DirWeights dw;
      dw.w_hh_t = w[1].t();
      Tensor xproj;
      if (o.bias()) {
        Tensor b = m == Mode::kGRU ? w[2] : w[2] + w[3];
        if (m == Mode::kGRU) dw.b_hh = w[3];
        xproj = addmm(b, layer_in, w[0].t());
      } else {
        xproj = layer_in.mm(w[0].t());
      }
      if (o.proj_size() > 0) dw.w_hr_t = w[o.bias() ? 4 : 2].t();
      auto [out, h, c] = run_direction(m, xproj, bs, off, d == 1, hx.select(0, idx),
                                       cx.defined() ? cx.select(0, idx) : Tensor(), dw);
      outs.push_back(out);
      hn.push_back(h);
      if (cx.defined()) cn.push_back(c);
    }
    layer_in = D == 2 ? cat(outs, 1) : outs[0];
    if (o.dropout() > 0 && training && l + 1 < o.num_layers())
      layer_in = functional::dropout(layer_in, DropoutFuncOptions().p(o.dropout()).training(true));
  }
  Tensor output = packed ? layer_in : layer_in.view({T, B, layer_in.size(1)});
  return {output, stack(hn, 0), cx.defined() ? stack(cn, 0) : Tensor()};
}

}  // namespace detail

namespace {

using detail::RNNOptionsBase;

RNNOptionsBase rnn_base(const RNNOptions& o) {
  return RNNOptionsBase(o.nonlinearity().index() == 0
                            ? RNNOptionsBase::rnn_options_base_mode_t(kRNN_TANH)
                            : RNNOptionsBase::rnn_options_base_mode_t(kRNN_RELU),
                        o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}
RNNOptionsBase lstm_base(const LSTMOptions& o) {
  return RNNOptionsBase(kLSTM, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional())
      .proj_size(o.proj_size());
}
RNNOptionsBase gru_base(const GRUOptions& o) {
  return RNNOptionsBase(kGRU, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}

// Checks the input and returns (time-major input, mini_batch). packed: input is [N, in].
std::tuple<Tensor, int64_t> prepare_input(const RNNOptionsBase& o, const Tensor& input,
                                          const Tensor& batch_sizes) {
  const char* op = mode_name(mode_of(o));
  const int64_t expected_dim = batch_sizes.defined() ? 2 : 3;
  EMBER_CHECK(input.defined(), "[", op, "] input is an undefined tensor");
  EMBER_CHECK(input.dim() == expected_dim, "[", op, "] input must have ", expected_dim,
              " dimensions, got ", input.dim());
  EMBER_CHECK(input.size(-1) == o.input_size(), "[", op,
              "] input.size(-1) must be equal to input_size. Expected ", o.input_size(), ", got ",
              input.size(-1));
  EMBER_CHECK(input.is_floating_point(), "[", op, "] expected a floating point input, got ",
              input.scalar_type());
  if (batch_sizes.defined()) {
    auto bs = to_vector(batch_sizes);
    int64_t total = 0;
    for (size_t i = 0; i < bs.size(); ++i) {
      EMBER_CHECK(bs[i] > 0 && (i == 0 || bs[i] <= bs[i - 1]), "[", op,
                  "] batch_sizes must be positive and non-increasing");
      total += bs[i];
    }
    EMBER_CHECK(total == input.size(0), "[", op, "] packed data has ", input.size(0),
                " rows but batch_sizes sum to ", total);
    return {input, bs.empty() ? 0 : bs[0]};
  }
  Tensor x = o.batch_first() ? input.transpose(0, 1) : input;
  return {x, x.size(1)};
}

int64_t h_out(const RNNOptionsBase& o) {
  return o.proj_size() > 0 ? o.proj_size() : o.hidden_size();
}
int64_t num_dirs(const RNNOptionsBase& o) { return o.bidirectional() ? 2 : 1; }

Tensor permute(const Tensor& h, const Tensor& perm) {
  return perm.defined() ? h.index_select(1, perm) : h;
}

}  // namespace

// ---- RNN / GRU (single hidden state) ----

namespace {
template <class Impl>
std::tuple<Tensor, Tensor> single_state_forward(Impl& self, RNNOptionsBase& o, const Tensor& input,
                                                const Tensor& batch_sizes, const Tensor& sorted,
                                                Tensor hx) {
  const char* op = mode_name(mode_of(o));
  auto [x, mb] = prepare_input(o, input, batch_sizes);
  const int64_t L = o.num_layers() * num_dirs(o);
  if (!hx.defined()) {
    hx = zeros({L, mb, h_out(o)}, x.options().requires_grad(false));
  } else {
    hx = permute(hx, sorted);
  }
  check_hidden(hx, L, mb, h_out(o), op, "hidden");
  auto [out, hn, cn] = self.run(x, batch_sizes, hx, Tensor(), self.is_training());
  return {out, hn};
}
}  // namespace

RNNImpl::RNNImpl(const RNNOptions& options) : RNNImplBase(rnn_base(options)), options(options) {
  reset();
}
std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, Tensor hx) {
  auto [out, hn] = single_state_forward(*this, options_base, input, {}, {}, std::move(hx));
  if (options_base.batch_first()) out = out.transpose(0, 1);
  return {out, hn};
}
std::tuple<utils::rnn::PackedSequence, Tensor> RNNImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& p, Tensor hx) {
  auto [out, hn] = single_state_forward(*this, options_base, p.data(), p.batch_sizes(),
                                        p.sorted_indices(), std::move(hx));
  return {
      utils::rnn::PackedSequence(out, p.batch_sizes(), p.sorted_indices(), p.unsorted_indices()),
      permute(hn, p.unsorted_indices())};
}

GRUImpl::GRUImpl(const GRUOptions& options) : RNNImplBase(gru_base(options)), options(options) {
  reset();
}
std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, Tensor hx) {
  auto [out, hn] = single_state_forward(*this, options_base, input, {}, {}, std::move(hx));
  if (options_base.batch_first()) out = out.transpose(0, 1);
  return {out, hn};
}
std::tuple<utils::rnn::PackedSequence, Tensor> GRUImpl::forward_with_packed_input(
    const utils::rnn::PackedSequence& p, Tensor hx) {
  auto [out, hn] = single_state_forward(*this, options_base, p.data(), p.batch_sizes(),
                                        p.sorted_indices(), std::move(hx));
  return {
      utils::rnn::PackedSequence(out, p.batch_sizes(), p.sorted_indices(), p.unsorted_indices()),
      permute(hn, p.unsorted_indices())};
}

// ---- LSTM ----

namespace {
std::tuple<Tensor, Tensor, Tensor> lstm_forward(LSTMImpl& self, RNNOptionsBase& o,
                                                const Tensor& input, const Tensor& batch_sizes,
                                                const Tensor& sorted,
                                                std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  auto [x, mb] = prepare_input(o, input, batch_sizes);
  const int64_t L = o.num_layers() * num_dirs(o);
  Tensor h, c;
  if (!hx_opt) {
    h = zeros({L, mb, h_out(o)}, x.options().requires_grad(false));
    c = zeros({L, mb, o.hidden_size()}, x.options().requires_grad(false));
  } else {
    h = permute(std::get<0>(*hx_opt), sorted);
    c = permute(std::get<1>(*hx_opt), sorted);
  }
  check_hidden(h, L, mb, h_out(o), "LSTM", "hidden[0]");
  check_hidden(c, L, mb, o.hidden_size(), "LSTM", "hidden[1]");
  return self.run(x, batch_sizes, h, c, self.is_training());
}
}  // namespace

LSTMImpl::LSTMImpl(const LSTMOptions& options) : RNNImplBase(lstm_base(options)), options(options) {
  reset();
}
std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(
    const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  auto [out, hn, cn] = lstm_forward(*this, options_base, input, {}, {}, std::move(hx_opt));
  if (options_base.batch_first()) out = out.transpose(0, 1);
  return {out, {hn, cn}};
}
std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>>
LSTMImpl::forward_with_packed_input(const utils::rnn::PackedSequence& p,
                                    std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  auto [out, hn, cn] = lstm_forward(*this, options_base, p.data(), p.batch_sizes(),
                                    p.sorted_indices(), std::move(hx_opt));
  return {
      utils::rnn::PackedSequence(out, p.batch_sizes(), p.sorted_indices(), p.unsorted_indices()),
      {permute(hn, p.unsorted_indices()), permute(cn, p.unsorted_indices())}};
}

// ---- cells ----

namespace detail {

template <class Derived>
void RNNCellImplBase<Derived>::reset() {
  const auto& o = options_base;
  EMBER_CHECK(o.input_size() >= 0 && o.hidden_size() > 0,
              "[RNNCell] hidden_size must be greater than zero and input_size non-negative");
  const int64_t G = o.num_chunks() * o.hidden_size();
  weight_ih = this->register_parameter("weight_ih", empty({G, o.input_size()}));
  weight_hh = this->register_parameter("weight_hh", empty({G, o.hidden_size()}));
  bias_ih = this->register_parameter("bias_ih", o.bias() ? empty({G}) : Tensor(), o.bias());
  bias_hh = this->register_parameter("bias_hh", o.bias() ? empty({G}) : Tensor(), o.bias());
  reset_parameters();
}

template <class Derived>
void RNNCellImplBase<Derived>::reset_parameters() {
  const double stdv = 1.0 / std::sqrt(static_cast<double>(options_base.hidden_size()));
  for (Tensor* p : {&weight_ih, &weight_hh, &bias_ih, &bias_hh})
    if (p->defined()) init::uniform_(*p, -stdv, stdv);
}

template <class Derived>
void RNNCellImplBase<Derived>::pretty_print(std::ostream& os) const {
  const std::string& n = this->name();
  os << "torch::nn::" << n.substr(n.rfind(':') + 1) << "(" << options_base.input_size() << ", "
     << options_base.hidden_size();
  if (!options_base.bias()) os << ", bias=false";
  std::string nl = get_nonlinearity_str();
  if (!nl.empty() && nl != "kTanh") os << ", nonlinearity=" << nl;
  os << ")";
}

template <class Derived>
Tensor RNNCellImplBase<Derived>::check_forward_input(const Tensor& input, const char* cell) const {
  EMBER_CHECK(input.defined(), "[", cell, "] input is an undefined tensor");
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, "[", cell,
              "] Expected input to be 1D or 2D, got ", input.dim(), "D instead");
  EMBER_CHECK(input.size(-1) == options_base.input_size(), "[", cell,
              "] input has inconsistent input_size: got ", input.size(-1), " expected ",
              options_base.input_size());
  return input.dim() == 2 ? input : input.unsqueeze(0);
}

template <class Derived>
void RNNCellImplBase<Derived>::check_forward_hidden(const Tensor& input, const Tensor& hx,
                                                    const std::string& label,
                                                    const char* cell) const {
  EMBER_CHECK(hx.dim() == 2, "[", cell, "] Expected ", label, " to be 1D or 2D like the input");
  EMBER_CHECK(input.size(0) == hx.size(0), "[", cell, "] Input batch size ", input.size(0),
              " doesn't match hidden", label, " batch size ", hx.size(0));
  EMBER_CHECK(hx.size(1) == options_base.hidden_size(), "[", cell, "] hidden", label,
              " has inconsistent hidden_size: got ", hx.size(1), ", expected ",
              options_base.hidden_size());
}

template class RNNCellImplBase<RNNCellImpl>;
template class RNNCellImplBase<LSTMCellImpl>;
template class RNNCellImplBase<GRUCellImpl>;

}  // namespace detail

RNNCellImpl::RNNCellImpl(const RNNCellOptions& options)
    : RNNCellImplBase(detail::RNNCellOptionsBase(options.input_size(), options.hidden_size(),
                                                 options.bias(), 1)),
      options(options) {
  reset();
}
std::string RNNCellImpl::get_nonlinearity_str() const {
  return options.nonlinearity().index() == 0 ? "kTanh" : "kReLU";
}
Tensor RNNCellImpl::forward(const Tensor& input, Tensor hx) {
  const bool batched = input.defined() && input.dim() == 2;
  Tensor x = check_forward_input(input, "RNNCell");
  Tensor h = !hx.defined() ? zeros({x.size(0), options.hidden_size()}, x.options())
                           : (batched ? hx : hx.unsqueeze(0));
  check_forward_hidden(x, h, "", "RNNCell");
  Tensor out = options.nonlinearity().index() == 0
                   ? rnn_tanh_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh)
                   : rnn_relu_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return batched ? out : out.squeeze(0);
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& options)
    : RNNCellImplBase(detail::RNNCellOptionsBase(options.input_size(), options.hidden_size(),
                                                 options.bias(), 4)),
      options(options) {
  reset();
}
std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  const bool batched = input.defined() && input.dim() == 2;
  Tensor x = check_forward_input(input, "LSTMCell");
  Tensor h, c;
  if (!hx_opt) {
    h = zeros({x.size(0), options.hidden_size()}, x.options());
    c = h;
  } else {
    h = batched ? std::get<0>(*hx_opt) : std::get<0>(*hx_opt).unsqueeze(0);
    c = batched ? std::get<1>(*hx_opt) : std::get<1>(*hx_opt).unsqueeze(0);
  }
  check_forward_hidden(x, h, "[0]", "LSTMCell");
  check_forward_hidden(x, c, "[1]", "LSTMCell");
  std::tie(h, c) = lstm_cell(x, {h, c}, weight_ih, weight_hh, bias_ih, bias_hh);
  if (!batched) return {h.squeeze(0), c.squeeze(0)};
  return {h, c};
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& options)
    : RNNCellImplBase(detail::RNNCellOptionsBase(options.input_size(), options.hidden_size(),
                                                 options.bias(), 3)),
      options(options) {
  reset();
}
Tensor GRUCellImpl::forward(const Tensor& input, Tensor hx) {
  const bool batched = input.defined() && input.dim() == 2;
  Tensor x = check_forward_input(input, "GRUCell");
  Tensor h = !hx.defined() ? zeros({x.size(0), options.hidden_size()}, x.options())
                           : (batched ? hx : hx.unsqueeze(0));
  check_forward_hidden(x, h, "", "GRUCell");
  Tensor out = gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
  return batched ? out : out.squeeze(0);
}

}  // namespace nn
}  // namespace ember
