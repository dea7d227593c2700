// embedding, embedding_bag, embedding_renorm_ against PyTorch 1.13 (values from
// tools/gen_normalization_cases.py), gradcheck and gradgradcheck in float64.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/norm_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gold;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::leaf;
using ember::testing::probe_grads;
using ember::testing::seq;

namespace {
#include "normalization_cases.inc"

Tensor idx() { return tensor({{1, 3, 0}, {3, 5, 1}}); }
Tensor bag_idx() { return tensor({1, 3, 0, 3, 5, 1, 2}); }
Tensor bag_off() { return tensor({0, 2, 2, 5}); }

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Embedding, MatchesPyTorch) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor w = leaf(seq({6, 4}, 1, dt));
    Tensor out = embedding(w, idx());
    EXPECT_EQ(out.sizes(), IntArrayRef({2, 3, 4}));
    EXPECT_EQ(out.dtype(), dt);
    EXPECT_EQ(out.grad_fn()->name(), "EmbeddingBackward0");
    EXPECT_TRUE(all_close(out, gold(golden::emb_out, {2, 3, 4})));
    EXPECT_TRUE(all_close(probe_grads(out, {w})[0], gold(golden::emb_gw, {6, 4}), 1e-5, 1e-6));

    Tensor out2 = embedding(w, idx(), 3, true);
    EXPECT_TRUE(all_close(out2, gold(golden::emb_pad_freq_out, {2, 3, 4})));
    EXPECT_TRUE(
        all_close(probe_grads(out2, {w})[0], gold(golden::emb_pad_freq_gw, {6, 4}), 1e-5, 1e-6));
  }
  // Int indices, 0-dim and empty index tensors, non-contiguous indices.
  Tensor w = seq({6, 4}, 1);
  EXPECT_TRUE(all_close(embedding(w, idx().to(kInt)), embedding(w, idx())));
  EXPECT_EQ(embedding(w, tensor(int64_t{2})).sizes(), IntArrayRef({4}));
  EXPECT_EQ(embedding(w, zeros({0}, kLong)).sizes(), IntArrayRef({0, 4}));
  EXPECT_TRUE(all_close(embedding(w, idx().t()), embedding(w, idx().t().contiguous())));
}

TEST(Embedding, Errors) {
  Tensor w = seq({6, 4}, 1);
  std::string m = message_of([&] { embedding(w, tensor({1, 6})); });
  EXPECT_NE(m.find("index out of range in self"), std::string::npos) << m;
  EXPECT_THROW(embedding(w, tensor({-1})), ember::Error);
  EXPECT_THROW(embedding(w, tensor({1.0})), ember::Error);
  EXPECT_THROW(embedding(ones({6}), tensor({1})), ember::Error);
  EXPECT_THROW(embedding(w, tensor({1}), -1, false, true), ember::Error);
}

TEST(Embedding, GradcheckAndGradgradcheck) {
  for (int64_t pad : {int64_t{-1}, int64_t{3}}) {
    for (bool freq : {false, true}) {
      auto f = [pad, freq](const variable_list& v) { return embedding(v[0], v[1], pad, freq); };
      variable_list in{seq({6, 3}, 1), idx()};
      // padding_idx and scale_grad_by_freq change the gradient on purpose (as PyTorch).
      if (pad < 0 && !freq) {
        EXPECT_TRUE(gradcheck(f, in));
      }
      EXPECT_TRUE(gradgradcheck(f, in));
    }
  }
}

TEST(EmbeddingBag, ModesMatchPyTorch) {
  const std::vector<double>* outs[3] = {&golden::bag_sum_out, &golden::bag_mean_out,
                                        &golden::bag_max_out};
  const std::vector<double>* gws[3] = {&golden::bag_sum_gw, &golden::bag_mean_gw,
                                       &golden::bag_max_gw};
  for (ScalarType dt : {kFloat, kDouble}) {
    for (int64_t mode = 0; mode < 3; ++mode) {
      SCOPED_TRACE(::testing::Message() << "mode " << mode << " " << dt);
      Tensor w = leaf(seq({6, 4}, 1, dt));
      auto [out, offset2bag, bag_size, max_indices] =
          embedding_bag(w, bag_idx(), bag_off(), false, mode);
      EXPECT_EQ(out.grad_fn()->name(), "EmbeddingBagBackward0");
      EXPECT_TRUE(all_close(out, gold(*outs[mode], {4, 4}), 1e-5, 1e-6));
      EXPECT_TRUE(all_close(probe_grads(out, {w})[0], gold(*gws[mode], {6, 4}), 1e-5, 1e-6));
    }
    Tensor w = leaf(seq({6, 4}, 1, dt)), p = leaf(seq({7}, 2, dt));
    Tensor out = std::get<0>(embedding_bag(w, bag_idx(), bag_off(), false, 0, false, p));
    EXPECT_TRUE(all_close(out, gold(golden::bag_psw_out, {4, 4}), 1e-5, 1e-6));
    auto g = probe_grads(out, {w, p});
    EXPECT_TRUE(all_close(g[0], gold(golden::bag_psw_gw, {6, 4}), 1e-5, 1e-6));
    EXPECT_TRUE(all_close(g[1], gold(golden::bag_psw_gp, {7}), 1e-5, 1e-6));

    Tensor w2 = leaf(seq({6, 4}, 1, dt));
    Tensor out2 = std::get<0>(
        embedding_bag(w2, bag_idx(), tensor({0, 2, 2, 7}), false, 1, false, {}, true, 3));
    EXPECT_TRUE(all_close(out2, gold(golden::bag_last_pad_out, {3, 4}), 1e-5, 1e-6));
    EXPECT_TRUE(
        all_close(probe_grads(out2, {w2})[0], gold(golden::bag_last_pad_gw, {6, 4}), 1e-5, 1e-6));
  }
}

TEST(EmbeddingBag, ErrorsAndGradcheck) {
  Tensor w = seq({6, 4}, 1);
  EXPECT_THROW(embedding_bag(w, bag_idx(), bag_off(), false, 1, false, ones({7}, kDouble)),
               ember::Error);
  EXPECT_THROW(embedding_bag(w, tensor({1, 9}), tensor({0})), ember::Error);
  EXPECT_THROW(embedding_bag(w, bag_idx(), tensor({0, 9})), ember::Error);
  EXPECT_THROW(embedding_bag(w, bag_idx(), tensor({0, 3, 2})), ember::Error);
  EXPECT_THROW(embedding_bag(w, bag_idx(), bag_off(), false, 3), ember::Error);
  for (int64_t mode = 0; mode < 3; ++mode) {
    for (bool freq : {false, true}) {
      if (mode == 2 && freq) continue;
      auto f = [mode, freq](const variable_list& v) {
        return std::get<0>(embedding_bag(v[0], v[1], v[2], freq, mode));
      };
      variable_list in{seq({6, 3}, 1), bag_idx(), bag_off()};
      if (!freq) {
        EXPECT_TRUE(gradcheck(f, in));
      }
      EXPECT_TRUE(gradgradcheck(f, in));
    }
  }
  auto f = [](const variable_list& v) {
    return std::get<0>(embedding_bag(v[0], bag_idx(), bag_off(), false, 0, false, v[1]));
  };
  variable_list in{seq({6, 3}, 1), seq({7}, 2)};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
}

TEST(EmbeddingRenorm, MatchesPyTorch) {
  Tensor w = seq({6, 4}, 1);
  int64_t v0 = w._version();
  embedding_renorm_(w, idx(), 1.5, 2.0);
  EXPECT_GT(w._version(), v0);
  EXPECT_TRUE(all_close(w, gold(golden::emb_renorm_w, {6, 4})));
  Tensor w1 = seq({6, 4}, 1);
  embedding_renorm_(w1, idx(), 1.0, 1.0);
  EXPECT_TRUE(all_close(w1, gold(golden::emb_renorm_w1, {6, 4})));
  EXPECT_THROW(embedding_renorm_(w1, tensor({7}), 1.0, 2.0), ember::Error);
}

namespace {

// embedding_bag's max takes a bag's first value, then only greater ones, as PyTorch 1.13 does:
// with w = [[9, 5], [nan, 7], [1, nan]], the bag [0, 1, 2] gives [9, 7] and [1, 0, 2] gives
// [nan, 7] (F.embedding_bag(..., mode='max')); max_indices name the rows that won.
TEST(EmbeddingBag, MaxNaNRuleAsPyTorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor w = tensor({{9., 5.}, {nan, 7.}, {1., nan}});
  auto a = embedding_bag(w, tensor({0, 1, 2}), tensor({0}), false, 2);
  EXPECT_TRUE(std::get<0>(a).equal(tensor({{9., 7.}})));
  EXPECT_TRUE(std::get<3>(a).equal(tensor({{0, 1}})));
  auto b = embedding_bag(w, tensor({1, 0, 2}), tensor({0}), false, 2);
  Tensor v = std::get<0>(b);
  EXPECT_TRUE(std::isnan(v[0][0].item<double>()));
  EXPECT_EQ(v[0][1].item<double>(), 7.);
  EXPECT_TRUE(std::get<3>(b).equal(tensor({{1, 1}})));
}

}  // namespace
