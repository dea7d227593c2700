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

TEST(RNN, CellsMatchPyTorch) {
  manual_seed(0);
  nn::LSTMCell lc(3, 4);
  auto [h, c] = lc(det({2, 3}), std::make_tuple(det({2, 4}, 0.11), det({2, 4}, 0.23)));
  EXPECT_TRUE(all_close(h.flatten().narrow(0, 0, 4),
                        tensor({0.09674353152513504f, -0.014217866584658623f, 0.10208076238632202f,
                                0.15686091780662537f}),
                        1e-4, 1e-5));
  EXPECT_TRUE(all_close(c.flatten().narrow(0, 0, 4),
                        tensor({0.18347609043121338f, -0.03148208558559418f, 0.24046960473060608f,
                                0.3094899654388428f}),
                        1e-4, 1e-5));
  manual_seed(0);
  nn::GRUCell gc(3, 4);
  EXPECT_TRUE(all_close(gc(det({2, 3}), det({2, 4}, 0.11)).flatten().narrow(0, 0, 4),
                        tensor({0.13639824092388153f, 0.11282972991466522f, -0.21567484736442566f,
                                -0.10550826787948608f}),
                        1e-4, 1e-5));
  manual_seed(0);
  nn::RNNCell rc(3, 4);
  Tensor y = rc(det({3}));  // unbatched input
  EXPECT_EQ(y.sizes(), IntArrayRef({4}));
  EXPECT_TRUE(all_close(y,
                        tensor({-0.6747161149978638f, -0.3238840699195862f, -0.40597227215766907f,
                                -0.15591132640838623f}),
                        1e-4, 1e-5));
  EXPECT_EQ(rc->named_parameters().keys(),
            (std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
  std::ostringstream os;
  os << *nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity(kReLU)) << " "
     << *nn::GRUCell(nn::GRUCellOptions(3, 4).bias(false)) << " " << *lc;
  EXPECT_EQ(os.str(),
            "torch::nn::RNNCell(3, 4, nonlinearity=kReLU) torch::nn::GRUCell(3, 4, bias=false) "
            "torch::nn::LSTMCell(3, 4)");
  EXPECT_THROW(lc(det({2, 5})), Error);
  EXPECT_THROW(gc(det({2, 3}), det({3, 4})), Error);
}

// float64 gradcheck of the composites, through all inputs and weights.
TEST(RNN, Gradcheck) {
  manual_seed(3);
  nn::LSTM lstm(nn::LSTMOptions(2, 3).num_layers(2).bidirectional(true).proj_size(2));
  lstm->to(kDouble);
  auto params = lstm->parameters();
  std::vector<Tensor> inputs{randn({3, 2, 2}, kDouble), randn({4, 2, 2}, kDouble),
                             randn({4, 2, 3}, kDouble)};
  EXPECT_TRUE(ember::testing::gradcheck(
      [&](const variable_list& v) {
        auto [y, hc] = lstm->forward(v[0], std::make_tuple(v[1], v[2]));
        return y.sum() + std::get<0>(hc).pow(2).sum() + std::get<1>(hc).sum();
      },
      inputs));
  nn::GRU gru(nn::GRUOptions(2, 3).bidirectional(true));
  gru->to(kDouble);
  auto p = rnn_utils::pack_padded_sequence(randn({3, 2, 2}, kDouble), tensor({3, 1}));
  EXPECT_TRUE(ember::testing::gradcheck(
      [&](const variable_list& v) {
        auto [y, h] =
            gru->forward_with_packed_input(rnn_utils::PackedSequence(v[0], p.batch_sizes()), v[1]);
        return y.data().sin().sum() + h.sum();
      },
      {p.data(), randn({2, 2, 3}, kDouble)}));
  nn::GRUCell cell(2, 3);
  cell->to(kDouble);
  EXPECT_TRUE(ember::testing::gradcheck([&](const variable_list& v) { return cell(v[0], v[1]); },
                                        {randn({2, 2}, kDouble), randn({2, 3}, kDouble)}));
  EXPECT_TRUE(
      ember::testing::gradgradcheck([&](const variable_list& v) { return cell(v[0], v[1]); },
                                    {randn({2, 2}, kDouble), randn({2, 3}, kDouble)}));
  (void)params;
}

TEST(RNN, ErrorsAndPrinting) {
  nn::LSTM lstm(4, 5);
  try {
    lstm(randn({2, 3, 3}));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("input.size(-1) must be equal to input_size. Expected 4, got 3"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(lstm(randn({2, 4})), Error);  // not 3-D
  try {
    lstm(randn({2, 3, 4}), std::make_tuple(zeros({1, 3, 6}), zeros({1, 3, 5})));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Expected hidden[0] size (1, 3, 5), got [1, 3, 6]"),
              std::string::npos)
        << e.what();
  }
  nn::GRU gru(4, 5);
  EXPECT_THROW(gru(randn({2, 3, 4}), zeros({2, 3, 5})), Error);
  EXPECT_THROW(nn::LSTM(nn::LSTMOptions(3, 4).proj_size(4)), Error);
  EXPECT_THROW(nn::GRU(nn::GRUOptions(3, 4).dropout(1.5)), Error);
  std::ostringstream os;
  os << *nn::LSTM(nn::LSTMOptions(3, 4).num_layers(2).proj_size(2)) << "\n" << *gru;
  EXPECT_EQ(os.str(),
            "torch::nn::LSTM(input_size=3, hidden_size=4, num_layers=2, bias=true, "
            "batch_first=false, dropout=0, bidirectional=false, proj_size=2)\n"
            "torch::nn::GRU(input_size=4, hidden_size=5, num_layers=1, bias=true, "
            "batch_first=false, dropout=0, bidirectional=false)");
}

TEST(RNN, StateDictCloneAndDropout) {
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2).bidirectional(true).dropout(0.5));
  EXPECT_EQ(gru->named_parameters().size(), 16u);
  EXPECT_EQ(gru->named_parameters().keys()[4], "weight_ih_l0_reverse");
  EXPECT_EQ(gru->named_parameters()["weight_ih_l1"].sizes(), IntArrayRef({12, 8}));
  auto copy = std::dynamic_pointer_cast<nn::GRUImpl>(gru->clone());
  ASSERT_TRUE(copy);
  gru->eval();
  copy->eval();
  Tensor x = randn({4, 2, 3});
  EXPECT_TRUE(all_close(std::get<0>(gru(x)), std::get<0>(copy->forward(x)), 0, 0));
  EXPECT_EQ(copy->all_weights().size(), 16u);
  // Dropout between layers acts only in training mode.
  gru->train();
  manual_seed(1);
  Tensor a = std::get<0>(gru(x));
  gru->eval();
  Tensor b = std::get<0>(gru(x));
  EXPECT_FALSE(all_close(a, b, 1e-6, 1e-6));
  EXPECT_TRUE(all_close(b, std::get<0>(gru(x)), 0, 0));
}

TEST(RNN, EmptyInputsDoNotCrash) {
  nn::LSTM lstm(nn::LSTMOptions(4, 5).bidirectional(true));
  auto [y, hc] = lstm(randn({0, 2, 4}));
  EXPECT_EQ(y.sizes(), IntArrayRef({0, 2, 10}));
  EXPECT_EQ(std::get<0>(hc).sizes(), IntArrayRef({2, 2, 5}));
  nn::GRU gru(4, 5);
  auto [y2, h2] = gru(randn({3, 0, 4}));
  EXPECT_EQ(y2.sizes(), IntArrayRef({3, 0, 5}));
  EXPECT_THROW(rnn_utils::pack_padded_sequence(randn({2, 2, 4}), tensor({3L, 1L})), Error);
}

TEST(RNN, AnyModuleUsesDefaultArguments) {
  nn::AnyModule lstm(nn::LSTM(3, 4));
  auto [y, hc] = lstm.forward<std::tuple<Tensor, std::tuple<Tensor, Tensor>>>(randn({2, 1, 3}));
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 1, 4}));
  nn::AnyModule gru(nn::GRU(3, 4));
  EXPECT_EQ(std::get<1>(gru.forward<std::tuple<Tensor, Tensor>>(randn({2, 1, 3}))).sizes(),
            IntArrayRef({1, 1, 4}));
  nn::AnyModule cell(nn::GRUCell(3, 4));
  EXPECT_EQ(cell.forward(randn({2, 3})).sizes(), IntArrayRef({2, 4}));
  nn::AnyModule mha(nn::MultiheadAttention(4, 2));
  Tensor x = randn({2, 1, 4});
  EXPECT_EQ(std::get<1>(mha.forward<std::tuple<Tensor, Tensor>>(x, x, x)).sizes(),
            IntArrayRef({1, 2, 2}));
}
