#include "ember/nn/modules/attention.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

#include "attention_golden.inc"

namespace {

// Same deterministic values as det() in tools/gen_attention_golden.py.
Tensor det(std::vector<int64_t> shape, double k = 0.37) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return (arange(n, kFloat) * k).sin().reshape(shape);
}

Tensor kpm() { return tensor({0, 0, 1, 0, 0, 1, 0, 0}).to(kBool).view({2, 4}); }
Tensor bool_mask() { return tensor({0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0}).to(kBool).view({3, 4}); }

struct Case {
  nn::MultiheadAttentionOptions opt;
  int64_t L, S, N, kdim, vdim;
  Tensor kpm, mask;
  bool avg, batched;
};

Case make_case(const std::string& name) {
  if (name == "self")
    return {nn::MultiheadAttentionOptions(8, 2), 3, 3, 2, 8, 8, {}, {}, true, true};
  if (name == "kv_dims_bias_kv_zero_attn")
    return {
        nn::MultiheadAttentionOptions(8, 4).kdim(5).vdim(6).add_bias_kv(true).add_zero_attn(true),
        3,
        4,
        2,
        5,
        6,
        kpm(),
        det({3, 4}, 0.3),
        false,
        true};
  if (name == "bool_masks_nobias")
    return {nn::MultiheadAttentionOptions(6, 3).bias(false),
            3,
            4,
            2,
            6,
            6,
            kpm(),
            bool_mask(),
            true,
            true};
  return {nn::MultiheadAttentionOptions(4, 2), 2, 3, 1, 4, 4, {}, {}, true, false};
}

}  // namespace

// Seeded init, outputs, attention weights and all gradients vs PyTorch 1.13.
TEST(MultiheadAttention, MatchesPyTorch) {
  for (const auto& [name, expected] : kMhaGolden) {
    SCOPED_TRACE(name);
    Case c = make_case(name);
    manual_seed(0);
    nn::MultiheadAttention m(c.opt);
    const int64_t E = c.opt.embed_dim();
    auto shp = [&](int64_t T, int64_t D) {
      return c.batched ? std::vector<int64_t>{T, c.N, D} : std::vector<int64_t>{T, D};
    };
    Tensor q = det(shp(c.L, E)).requires_grad_(true);
    Tensor k = det(shp(c.S, c.kdim), 0.19).requires_grad_(true);
    Tensor v = det(shp(c.S, c.vdim), 0.41).requires_grad_(true);
    auto [out, w] = m(q, k, v, c.kpm, true, c.mask, c.avg);
    Tensor loss =
        (out * det(out.sizes().vec(), 0.53)).sum() + (w * det(w.sizes().vec(), 0.71)).sum();
    loss.backward();
    std::map<std::string, Tensor> got{{"out", out},
                                      {"weights", w},
                                      {"grad.query", q.grad()},
                                      {"grad.key", k.grad()},
                                      {"grad.value", v.grad()}};
    std::vector<std::string> names;
    for (const auto& kv : m->named_parameters()) {
      names.push_back(kv.key());
      got["param." + kv.key()] = kv.value();
      got["grad." + kv.key()] = kv.value().grad();
    }
    EXPECT_EQ(names, kMhaParamNames.at(name));
    for (const auto& [key, values] : expected) {
      SCOPED_TRACE(key);
      ASSERT_TRUE(got.count(key) && got[key].defined());
      Tensor g = got[key].detach().to(kDouble).flatten();
      ASSERT_EQ(g.numel(), static_cast<int64_t>(values.size()));
      EXPECT_TRUE(all_close(g, tensor(values).to(kDouble), 1e-4, 1e-5));
    }
  }
}

TEST(MultiheadAttention, BatchFirstNoWeightsAndErrors) {
  manual_seed(0);
  nn::MultiheadAttention a(nn::MultiheadAttentionOptions(8, 2));
  manual_seed(0);
  nn::MultiheadAttention b(nn::MultiheadAttentionOptions(8, 2).batch_first(true));
  Tensor x = randn({3, 2, 8});
  auto [ya, wa] = a(x, x, x);
  auto [yb, wb] = b(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1), Tensor(), false);
  EXPECT_TRUE(all_close(ya, yb.transpose(0, 1), 1e-6, 1e-6));
  EXPECT_FALSE(wb.defined());
  EXPECT_EQ(wa.sizes(), IntArrayRef({2, 3, 3}));
  EXPECT_THROW(nn::MultiheadAttention(7, 2), Error);
  EXPECT_THROW(a(randn({3, 2, 6}), x, x), Error);                       // wrong embed dim
  EXPECT_THROW(a(x, x, x, Tensor(), true, ones({2, 3}), true), Error);  // bad 2-D mask
  EXPECT_THROW(a(x, x, x, zeros({2, 4}, kBool)), Error);                // bad key_padding_mask
  std::ostringstream os;
  os << *a;
  EXPECT_NE(
      os.str().find("(out_proj): torch::nn::Linear(in_features=8, out_features=8, bias=true)"),
      std::string::npos)
      << os.str();
  // Dropout acts in training mode only.
  nn::MultiheadAttention d(nn::MultiheadAttentionOptions(8, 2).dropout(0.5));
  d->eval();
  auto [y1, w1] = d(x, x, x);
  auto [y2, w2] = d(x, x, x);
  EXPECT_TRUE(all_close(y1, y2, 0, 0));
}

TEST(MultiheadAttention, Gradcheck) {
  manual_seed(2);
  nn::MultiheadAttention m(nn::MultiheadAttentionOptions(4, 2).kdim(3).add_bias_kv(true));
  m->to(kDouble);
  Tensor kp = tensor({0, 1, 0, 0}).to(kBool).view({2, 2});
  EXPECT_TRUE(ember::testing::gradcheck(
      [&](const variable_list& v) {
        auto [y, w] = m(v[0], v[1], v[2], kp);
        return y.sum() + w.pow(2).sum();
      },
      {randn({2, 2, 4}, kDouble), randn({2, 2, 3}, kDouble), randn({2, 2, 4}, kDouble)}));
}

TEST(ScaledDotProductAttention, MatchesPyTorchSemantics) {
  Tensor q = det({2, 3, 4}), k = det({2, 5, 4}, 0.19), v = det({2, 5, 3}, 0.41);
  auto check = [](const Tensor& got, const char* name) {
    EXPECT_TRUE(
        all_close(got.to(kDouble).flatten(), tensor(kSdpaGolden.at(name)).to(kDouble), 1e-5, 1e-6))
        << name;
  };
  check(scaled_dot_product_attention(q, k, v), "plain");
  check(
      scaled_dot_product_attention(q, k.narrow(1, 0, 3), v.narrow(1, 0, 3), std::nullopt, 0, true),
      "causal");
  check(scaled_dot_product_attention(q, k, v, det({3, 5}, 0.9) > 0), "bool_mask");
  check(scaled_dot_product_attention(q, k, v, det({3, 5}, 0.9), 0, false, 0.3), "float_mask_scale");
  EXPECT_THROW(scaled_dot_product_attention(q, k, v, det({3, 5}), 0, true), Error);
  EXPECT_THROW(scaled_dot_product_attention(q, k.narrow(2, 0, 3), v), Error);
  // dropout_p = 1 zeroes every weight.
  EXPECT_TRUE(
      all_close(scaled_dot_product_attention(q, k, v, std::nullopt, 1.0), zeros({2, 3, 3}), 0, 0));
  EXPECT_TRUE(ember::testing::gradcheck(
      [](const variable_list& t) { return scaled_dot_product_attention(t[0], t[1], t[2], t[3]); },
      {randn({2, 3, 4}, kDouble), randn({2, 5, 4}, kDouble), randn({2, 5, 3}, kDouble),
       randn({3, 5}, kDouble)}));
  EXPECT_TRUE(ember::testing::gradgradcheck(
      [](const variable_list& t) {
        return scaled_dot_product_attention(t[0], t[1], t[2], std::nullopt, 0, true);
      },
      {randn({1, 3, 2}, kDouble), randn({1, 3, 2}, kDouble), randn({1, 3, 2}, kDouble)}));
}
