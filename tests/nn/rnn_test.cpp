#include "ember/nn/modules/rnn.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
namespace rnn_utils = ember::nn::utils::rnn;

#include "rnn_golden.inc"

namespace {

// Same deterministic values as det() in tools/gen_rnn_golden.py.
Tensor det(std::vector<int64_t> shape, double k = 0.37) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return (arange(n, kFloat) * k).sin().reshape(shape);
}

struct CaseResult {
  std::map<std::string, Tensor> values;
  std::vector<std::string> names;
};

template <class M, class Hx>
CaseResult finish(M& m, const Tensor& x, const Tensor& out, const Tensor& h, const Tensor& c) {
  Tensor loss = (out * det(out.sizes().vec(), 0.53)).sum() + (h * det(h.sizes().vec(), 0.71)).sum();
  if (c.defined()) loss = loss + (c * det(c.sizes().vec(), 0.29)).sum();
  loss.backward();
  CaseResult r;
  r.values["out"] = out;
  r.values["hn"] = h;
  if (c.defined()) r.values["cn"] = c;
  r.values["grad.input"] = x.grad();
  for (const auto& kv : m->named_parameters()) {
    r.values["grad." + kv.key()] = kv.value().grad();
    r.names.push_back(kv.key());
  }
  return r;
}

// Rebuilds the named case of gen_rnn_golden.py (seed 0 init, deterministic inputs).
template <class M, class Opt>
CaseResult run_case(Opt opt, int64_t T, int64_t B, bool with_hx, std::vector<int64_t> lengths) {
  constexpr bool lstm = std::is_same_v<M, nn::LSTM>;
  manual_seed(0);
  M m(opt);
  const auto& o = m->options_base;
  Tensor x = (o.batch_first() ? det({B, T, o.input_size()}) : det({T, B, o.input_size()}))
                 .requires_grad_(true);
  int64_t L = o.num_layers() * (o.bidirectional() ? 2 : 1);
  int64_t P = o.proj_size() ? o.proj_size() : o.hidden_size();
  Tensor h0, c0;
  if (with_hx) {
    h0 = det({L, B, P}, 0.11);
    c0 = det({L, B, o.hidden_size()}, 0.23);
  }
  Tensor out, h, c;
  if (!lengths.empty()) {
    auto packed = rnn_utils::pack_padded_sequence(x, tensor(lengths), o.batch_first(), false);
    if constexpr (lstm) {
      auto [po, hc] = with_hx ? m->forward_with_packed_input(packed, std::make_tuple(h0, c0))
                              : m->forward_with_packed_input(packed);
      out = std::get<0>(rnn_utils::pad_packed_sequence(po, o.batch_first()));
      std::tie(h, c) = hc;
    } else {
      auto [po, hn] = m->forward_with_packed_input(packed, h0);
      out = std::get<0>(rnn_utils::pad_packed_sequence(po, o.batch_first()));
      h = hn;
    }
  } else {
    if constexpr (lstm) {
      auto [y, hc] = with_hx ? m->forward(x, std::make_tuple(h0, c0)) : m->forward(x);
      out = y;
      std::tie(h, c) = hc;
    } else {
      std::tie(out, h) = m->forward(x, h0);
    }
  }
  return finish<M, int>(m, x, out, h, c);
}

CaseResult run_named(const std::string& name) {
  if (name == "lstm") return run_case<nn::LSTM>(nn::LSTMOptions(3, 4), 5, 2, false, {});
  if (name == "lstm_2l_bi_bf")
    return run_case<nn::LSTM>(
        nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).batch_first(true), 5, 2, true, {});
  if (name == "lstm_proj")
    return run_case<nn::LSTM>(nn::LSTMOptions(3, 4).num_layers(2).proj_size(2), 4, 3, true, {});
  if (name == "gru_2l_bi")
    return run_case<nn::GRU>(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true), 4, 2, true,
                             {});
  if (name == "gru_nobias")
    return run_case<nn::GRU>(nn::GRUOptions(3, 5).bias(false), 3, 2, false, {});
  if (name == "rnn_relu")
    return run_case<nn::RNN>(nn::RNNOptions(3, 4).nonlinearity(kReLU).num_layers(2), 4, 2, true,
                             {});
  if (name == "rnn_tanh_bi")
    return run_case<nn::RNN>(nn::RNNOptions(3, 4).bidirectional(true), 4, 2, false, {});
  if (name == "lstm_packed_bi")
    return run_case<nn::LSTM>(nn::LSTMOptions(3, 4).bidirectional(true), 5, 3, true, {2, 5, 3});
  if (name == "gru_packed")
    return run_case<nn::GRU>(nn::GRUOptions(3, 4).num_layers(2), 5, 3, false, {5, 3, 3});
  ADD_FAILURE() << "unknown case " << name;
  return {};
}

}  // namespace

// Outputs, final states, input and parameter gradients of seeded modules vs PyTorch 1.13.
TEST(RNN, MatchesPyTorch) {
  for (const auto& [name, expected] : kRnnGolden) {
    SCOPED_TRACE(name);
    CaseResult r = run_named(name);
    EXPECT_EQ(r.names, kRnnParamNames.at(name));
    for (const auto& [key, values] : expected) {
      SCOPED_TRACE(key);
      ASSERT_TRUE(r.values.count(key) && r.values[key].defined());
      Tensor got = r.values[key].detach().to(kDouble).flatten();
      ASSERT_EQ(got.numel(), static_cast<int64_t>(values.size()));
      EXPECT_TRUE(all_close(got, tensor(values).to(kDouble), 1e-4, 1e-5));
    }
  }
}
