// nn::init (src/nn/init.cpp) and every layer's default initialisation against PyTorch 1.13: ember's
// generator reproduces PyTorch's mt19937 streams, so after manual_seed(0) each parameter must hold
// PyTorch's very numbers (tools/gen_init_golden.py writes init_golden.inc), not only the same
// distribution.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.h"

using namespace ember;

namespace {
#include "init_golden.inc"

using Params = std::vector<std::pair<std::string, Tensor>>;

template <class M>
Params params_of(const M& m) {
  Params out;
  for (const auto& item : m->named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

Params one(Tensor t) { return {{"tensor", std::move(t)}}; }

// The same list as tools/gen_init_golden.py, with libtorch's API.
std::map<std::string, std::function<Params()>> cases() {
  using namespace nn;
  std::map<std::string, std::function<Params()>> c;
  c["Linear"] = [] { return params_of(Linear(5, 3)); };
  c["Bilinear"] = [] { return params_of(Bilinear(3, 4, 2)); };
  c["Conv1d"] = [] { return params_of(Conv1d(2, 4, 3)); };
  c["Conv2d groups"] = [] { return params_of(Conv2d(Conv2dOptions(4, 6, 3).groups(2))); };
  c["Conv3d"] = [] { return params_of(Conv3d(1, 2, 2)); };
  c["ConvTranspose1d"] = [] { return params_of(ConvTranspose1d(3, 2, 3)); };
  c["ConvTranspose2d"] = [] {
    return params_of(ConvTranspose2d(ConvTranspose2dOptions(2, 4, 2).groups(2)));
  };
  c["ConvTranspose3d"] = [] { return params_of(ConvTranspose3d(2, 1, 2)); };
  c["Embedding"] = [] { return params_of(Embedding(6, 3)); };
  c["Embedding padding_idx"] = [] {
    return params_of(Embedding(EmbeddingOptions(6, 3).padding_idx(2)));
  };
  c["EmbeddingBag"] = [] { return params_of(EmbeddingBag(5, 2)); };
  c["BatchNorm2d"] = [] { return params_of(BatchNorm2d(3)); };
  c["LayerNorm"] = [] { return params_of(LayerNorm(LayerNormOptions({4}))); };
  c["GroupNorm"] = [] { return params_of(GroupNorm(2, 4)); };
  c["PReLU"] = [] { return params_of(PReLU(PReLUOptions().num_parameters(3))); };
  c["RNN"] = [] { return params_of(RNN(RNNOptions(3, 4).num_layers(2))); };
  c["LSTM bidirectional"] = [] { return params_of(LSTM(LSTMOptions(3, 2).bidirectional(true))); };
  c["GRU"] = [] { return params_of(GRU(2, 3)); };
  c["RNNCell"] = [] { return params_of(RNNCell(3, 2)); };
  c["LSTMCell"] = [] { return params_of(LSTMCell(2, 3)); };
  c["GRUCell"] = [] { return params_of(GRUCell(3, 2)); };
  c["MultiheadAttention"] = [] { return params_of(MultiheadAttention(4, 2)); };
  c["TransformerEncoderLayer"] = [] {
    return params_of(
        TransformerEncoderLayer(TransformerEncoderLayerOptions(4, 2).dim_feedforward(8)));
  };
  c["uniform_"] = [] { return one(init::uniform_(empty({3, 4}), -2, 3)); };
  c["normal_"] = [] { return one(init::normal_(empty({3, 4}), 1, 2)); };
  c["trunc_normal_"] = [] { return one(init::trunc_normal_(empty({50}), 0, 1, -1, 1.5)); };
  c["xavier_uniform_"] = [] { return one(init::xavier_uniform_(empty({4, 6}), 2.0)); };
  c["xavier_normal_"] = [] { return one(init::xavier_normal_(empty({3, 2, 2}))); };
  c["kaiming_uniform_"] = [] {
    return one(init::kaiming_uniform_(empty({4, 3, 2}), std::sqrt(5.0)));
  };
  c["kaiming_normal_ fan_out"] = [] {
    return one(init::kaiming_normal_(empty({5, 4}), 0, ember::kFanOut, ember::kReLU));
  };
  c["normal_ 35"] = [] { return one(init::normal_(empty({5, 7}), -1, 0.5)); };
  c["orthogonal_"] = [] { return one(init::orthogonal_(empty({3, 5}), 1.5)); };
  c["orthogonal_ tall"] = [] { return one(init::orthogonal_(empty({6, 2, 2}))); };
  return c;
}
}  // namespace

TEST(Init, DefaultsAndInitFunctionsDrawPyTorchsNumbers) {
  auto all = cases();
  std::map<std::string, Params> made;
  size_t next = 0;  // index of each case's next golden row
  std::map<std::string, size_t> row;
  for (const auto& g : kInitGolden) {
    SCOPED_TRACE(std::string(g.name) + " " + g.param);
    auto it = all.find(g.name);
    ASSERT_NE(it, all.end()) << "case missing in the test";
    if (!made.count(g.name)) {
      manual_seed(0);
      made[g.name] = it->second();
      row[g.name] = 0;
    }
    const Params& ps = made[g.name];
    size_t& i = row[g.name];
    ASSERT_LT(i, ps.size()) << "PyTorch has more parameters";
    EXPECT_EQ(ps[i].first, g.param);
    Tensor v = ps[i].second.detach().to(kDouble).flatten();
    EXPECT_NEAR(v.sum().item<double>(), g.sum, 1e-5 * std::max(1.0, std::fabs(g.sum)));
    for (int64_t j = 0; j < std::min<int64_t>(4, v.numel()); ++j)
      EXPECT_NEAR(v[j].item<double>(), g.first[j], 1e-6) << "element " << j;
    ++i;
    ++next;
  }
  for (const auto& [name, ps] : made)
    EXPECT_EQ(row[name], ps.size()) << name << ": ember has more parameters than PyTorch";
  EXPECT_EQ(made.size(), all.size()) << "a case of the test has no golden rows";
  EXPECT_GT(next, 60u);
}
