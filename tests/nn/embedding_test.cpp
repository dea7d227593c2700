// Embedding and EmbeddingBag modules, F::embedding / F::embedding_bag / F::one_hot: seeded
// initialisation vs PyTorch 1.13, from_pretrained, printing, max_norm, errors.
#include <gtest/gtest.h>

#include <sstream>

#include "support/norm_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gold;
using ember::testing::leaf;
using ember::testing::probe_grads;
using ember::testing::seq;
namespace F = ember::nn::functional;

namespace {
#include "../ops/normalization_cases.inc"
namespace nn_golden {
#include "normalization_cases.inc"
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}
Tensor idx() { return tensor({{1, 3, 0}, {3, 5, 1}}); }
}  // namespace

TEST(EmbeddingModule, SeededInitMatchesPyTorch) {
  manual_seed(0);
  nn::Embedding e(nn::EmbeddingOptions(5, 3).padding_idx(1));
  EXPECT_TRUE(all_close(e->weight, gold(nn_golden::golden::emb_init_w, {5, 3})));
  manual_seed(0);
  nn::EmbeddingBag b(nn::EmbeddingBagOptions(4, 2).padding_idx(0));
  EXPECT_TRUE(all_close(b->weight, gold(nn_golden::golden::emb_init_bw, {4, 2})));
  EXPECT_EQ(e->named_parameters().size(), 1u);
  EXPECT_EQ(e->named_parameters().begin()->key(), "weight");
}

TEST(EmbeddingModule, ForwardPrintingAndPretrained) {
  nn::Embedding e(10, 3);
  EXPECT_EQ(printed(*e), "torch::nn::Embedding(num_embeddings=10, embedding_dim=3)");
  nn::Embedding e2(
      nn::EmbeddingOptions(10, 3).padding_idx(-1).max_norm(2.0).norm_type(1).scale_grad_by_freq(
          true));
  EXPECT_EQ(printed(*e2),
            "torch::nn::Embedding(num_embeddings=10, embedding_dim=3, padding_idx=9, "
            "max_norm=2, norm_type=1, scale_grad_by_freq=true)");
  EXPECT_TRUE(all_close(e2->weight.select(0, 9), zeros({3})));

  Tensor w = seq({6, 4}, 1, kFloat);
  nn::Embedding pre = nn::Embedding::from_pretrained(w);
  EXPECT_FALSE(pre->weight.requires_grad());
  EXPECT_TRUE(all_close(pre(idx()), gold(golden::emb_out, {2, 3, 4})));
  nn::Embedding tuned = nn::Embedding::from_pretrained(
      seq({6, 4}, 1), nn::EmbeddingFromPretrainedOptions().freeze(false).padding_idx(3));
  EXPECT_TRUE(tuned->weight.requires_grad());
  Tensor y = tuned(idx());
  Tensor g = probe_grads(y, {tuned->weight})[0];
  EXPECT_TRUE(all_close(g.select(0, 3), zeros({4}, kDouble)));  // the padding row
  EXPECT_TRUE(all_close(g.select(0, 0), gold(golden::emb_gw, {6, 4}).select(0, 0)));
  Tensor f = F::embedding(idx(), leaf(seq({6, 4}, 1)),
                          F::EmbeddingFuncOptions().padding_idx(3).scale_grad_by_freq(true));
  EXPECT_TRUE(all_close(f, gold(golden::emb_pad_freq_out, {2, 3, 4})));
  EXPECT_THROW(nn::Embedding::from_pretrained(ones({3})), ember::Error);
  EXPECT_THROW(nn::Embedding(nn::EmbeddingOptions(4, 2).padding_idx(4)), ember::Error);
  EXPECT_THROW(nn::Embedding(nn::EmbeddingOptions(4, 2).padding_idx(-5)), ember::Error);
  EXPECT_THROW(e(tensor({10})), ember::Error);
}

TEST(EmbeddingModule, MaxNormRenormalisesInPlace) {
  Tensor w = seq({6, 4}, 1);
  F::embedding(idx(), w, F::EmbeddingFuncOptions().max_norm(1.5));
  EXPECT_TRUE(all_close(w, gold(golden::emb_renorm_w, {6, 4})));
  nn::Embedding e = nn::Embedding::from_pretrained(
      seq({6, 4}, 1), nn::EmbeddingFromPretrainedOptions().max_norm(1.0).norm_type(1.0));
  e(idx());
  EXPECT_TRUE(all_close(e->weight, gold(golden::emb_renorm_w1, {6, 4})));
}

TEST(EmbeddingBagModule, ForwardAndPrinting) {
  nn::EmbeddingBag b(10, 3);
  EXPECT_EQ(printed(*b), "torch::nn::EmbeddingBag(num_embeddings=10, embedding_dim=3)");
  nn::EmbeddingBag b2(nn::EmbeddingBagOptions(10, 3).mode(kMax).padding_idx(2));
  EXPECT_EQ(printed(*b2),
            "torch::nn::EmbeddingBag(num_embeddings=10, embedding_dim=3, mode=kMax, "
            "padding_idx=2)");
  Tensor w = seq({6, 4}, 1);
  Tensor ix = tensor({1, 3, 0, 3, 5, 1, 2}), off = tensor({0, 2, 2, 5});
  nn::EmbeddingBag sum =
      nn::EmbeddingBag::from_pretrained(w, nn::EmbeddingBagFromPretrainedOptions().mode(kSum));
  EXPECT_TRUE(all_close(sum(ix, off), gold(golden::bag_sum_out, {4, 4})));
  nn::EmbeddingBag mean = nn::EmbeddingBag::from_pretrained(w);
  EXPECT_TRUE(all_close(mean(ix, off), gold(golden::bag_mean_out, {4, 4})));
  Tensor p = seq({7}, 2);
  EXPECT_TRUE(all_close(sum(ix, off, p), gold(golden::bag_psw_out, {4, 4})));
  // 2D input: fixed-length bags.
  Tensor wl = leaf(seq({6, 4}, 1));
  Tensor y =
      F::embedding_bag(idx(), wl, F::EmbeddingBagFuncOptions().mode(kSum).scale_grad_by_freq(true));
  EXPECT_TRUE(all_close(y, gold(golden::bag_2d_freq_out, {2, 4})));
  EXPECT_TRUE(all_close(probe_grads(y, {wl})[0], gold(golden::bag_2d_freq_gw, {6, 4})));
  EXPECT_THROW(F::embedding_bag(idx(), w, F::EmbeddingBagFuncOptions().offsets(off)), ember::Error);
  EXPECT_THROW(F::embedding_bag(ix, w), ember::Error);  // 1D input needs offsets
  EXPECT_THROW(
      F::embedding_bag(
          ix, w, F::EmbeddingBagFuncOptions().offsets(off).mode(kMax).scale_grad_by_freq(true)),
      ember::Error);
}

TEST(OneHot, Functional) {
  Tensor y = F::one_hot(tensor({0, 2}), 3);
  EXPECT_TRUE(all_close(y, tensor({{1, 0, 0}, {0, 0, 1}})));
}
