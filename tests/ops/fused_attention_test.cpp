// _scaled_dot_product_fused_attention (Note [Fused attention]) against the composite formula:
// values, log-sum-exp, gradients (double-precision gradcheck, double backward) and layouts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ember/ember.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {

#define EXPECT_ERROR_HAS(expr, msg)                                       \
  EXPECT_NE(error_of([&] { (void)(expr); }).find(msg), std::string::npos) \
      << error_of([&] { (void)(expr); })

// The composite SDPA result and the log-sum-exp of its scaled, masked scores.
std::tuple<Tensor, Tensor> reference(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                     double s) {
  Tensor scores = matmul(q.to(kDouble), k.to(kDouble).transpose(-2, -1)) * s;
  if (causal) {
    Tensor keep = ones({q.size(-2), k.size(-2)}, TensorOptions(kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  return {matmul(softmax(scores, -1), v.to(kDouble)), scores.logsumexp(-1)};
}

struct Shape {
  int64_t B, H, L, S, E, Ev;
};

TEST(FusedAttention, MatchesCompositeAndLogSumExp) {
  manual_seed(0);
  for (Shape sh : {Shape{2, 3, 5, 7, 4, 6}, Shape{1, 2, 9, 4, 8, 8}, Shape{2, 1, 1, 1, 3, 2},
                   Shape{1, 1, 17, 17, 5, 5}}) {
    for (bool causal : {false, true}) {
      for (ScalarType dt : {kFloat, kDouble}) {
        Tensor q = randn({sh.B, sh.H, sh.L, sh.E}, dt), k = randn({sh.B, sh.H, sh.S, sh.E}, dt);
        Tensor v = randn({sh.B, sh.H, sh.S, sh.Ev}, dt);
        auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, causal, 0.7);
        auto [want, want_lse] = reference(q, k, v, causal, 0.7);
        EXPECT_EQ(out.dtype(), dt);
        EXPECT_EQ(lse.dtype(), dt == kDouble ? kDouble : kFloat);
        EXPECT_EQ(lse.sizes(), IntArrayRef({sh.B, sh.H, sh.L}));
        EXPECT_TRUE(all_close(out.to(kDouble), want, 1e-5, 1e-6)) << sh.L << " " << causal;
        EXPECT_TRUE(all_close(lse.to(kDouble), want_lse, 1e-5, 1e-6));
        // Through the public op (the CPU takes the composite path): same numbers.
        EXPECT_TRUE(all_close(
            scaled_dot_product_attention(q, k, v, std::nullopt, 0.0, causal, 0.7).to(kDouble), want,
            1e-5, 1e-6));
      }
    }
  }
}

TEST(FusedAttention, DefaultScaleThreeDimsAndHalf) {
  manual_seed(1);
  Tensor q = randn({3, 6, 8}), k = randn({3, 5, 8}), v = randn({3, 5, 8});
  auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v);
  auto [want, want_lse] = reference(q, k, v, false, 1 / std::sqrt(8.0));
  EXPECT_EQ(out.sizes(), IntArrayRef({3, 6, 8}));
  EXPECT_EQ(lse.sizes(), IntArrayRef({3, 6}));
  EXPECT_TRUE(all_close(out.to(kDouble), want, 1e-5, 1e-6));
  EXPECT_TRUE(all_close(lse.to(kDouble), want_lse, 1e-5, 1e-6));
  for (ScalarType dt : {kHalf, kBFloat16}) {
    auto [o16, l16] = _scaled_dot_product_fused_attention(q.to(dt), k.to(dt), v.to(dt), true);
    auto [w16, wl16] = reference(q.to(dt), k.to(dt), v.to(dt), true, 1 / std::sqrt(8.0));
    EXPECT_EQ(o16.dtype(), dt);
    EXPECT_EQ(l16.dtype(), kFloat);
    EXPECT_TRUE(all_close(o16.to(kDouble), w16, 2e-2, 2e-2));
    EXPECT_TRUE(all_close(l16.to(kDouble), wl16, 1e-5, 1e-5));
  }
}

// Multi-head code passes transposed [B, L, H, E] views: strided rows in, and the output (and
// the input gradients) come back in that layout, so the transpose back is a free view.
TEST(FusedAttention, TransposedHeadsLayout) {
  manual_seed(2);
  Tensor x = randn({2, 7, 3, 4}, kDouble);  // [B, L, H, E]
  Tensor q = x.transpose(1, 2), k = (x * 0.5).transpose(1, 2), v = (x - 1).transpose(1, 2);
  auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, true, 0.3);
  auto [want, want_lse] = reference(q, k, v, true, 0.3);
  EXPECT_TRUE(all_close(out, want, 1e-10, 1e-12));
  EXPECT_TRUE(out.transpose(1, 2).is_contiguous());
  // Non-contiguous last dimension: copied first.
  Tensor qe = randn({2, 3, 4, 7}, kDouble).transpose(-1, -2);  // [2, 3, 7, 4], stride(-1) != 1
  auto [out2, lse2] = _scaled_dot_product_fused_attention(qe, k, v, false, 0.3);
  EXPECT_TRUE(all_close(out2, std::get<0>(reference(qe, k, v, false, 0.3)), 1e-10, 1e-12));
}

TEST(FusedAttention, GradCheckDouble) {
  manual_seed(3);
  for (bool causal : {false, true}) {
    variable_list in = {randn({2, 2, 5, 3}, kDouble).requires_grad_(),
                        randn({2, 2, 4, 3}, kDouble).requires_grad_(),
                        randn({2, 2, 4, 2}, kDouble).requires_grad_()};
    auto fn = [causal](const variable_list& x) {
      return std::get<0>(_scaled_dot_product_fused_attention(x[0], x[1], x[2], causal, 0.8));
    };
    EXPECT_TRUE(ember::testing::gradcheck(fn, in)) << causal;
    EXPECT_TRUE(ember::testing::gradgradcheck(fn, in)) << causal;
  }
}

TEST(FusedAttention, GradientsMatchComposite) {
  manual_seed(4);
  Tensor q = randn({2, 3, 6, 4}).requires_grad_(), k = randn({2, 3, 9, 4}).requires_grad_();
  Tensor v = randn({2, 3, 9, 5}).requires_grad_(), g = randn({2, 3, 6, 5});
  for (bool causal : {false, true}) {
    auto fused = autograd::grad(
        {std::get<0>(_scaled_dot_product_fused_attention(q, k, v, causal, 0.5))}, {q, k, v}, {g});
    auto comp = autograd::grad(
        {scaled_dot_product_attention(q, k, v, std::nullopt, 0.0, causal, 0.5)}, {q, k, v}, {g});
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(all_close(fused[i], comp[i], 1e-4, 1e-5)) << i;
  }
}

TEST(FusedAttention, BadInput) {
  Tensor q = randn({1, 2, 3, 4});
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q, randn({1, 2, 3, 5}), randn({1, 2, 3, 4})),
                   "[_scaled_dot_product_fused_attention] query and key must have the same "
                   "embedding size");
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q, randn({1, 2, 3, 4}), randn({1, 2, 5, 4})),
                   "key and value must have the same sequence length");
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q, randn({1, 3, 3, 4}), randn({1, 3, 3, 4})),
                   "same batch and head sizes");
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(randn({3, 4}), randn({3, 4}), randn({3, 4})),
                   "expects 3-D or 4-D");
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q, randn({1, 2, 0, 4}), randn({1, 2, 0, 4})),
                   "needs at least one key");
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q.to(kLong), randn({1, 2, 3, 4}).to(kLong),
                                                       randn({1, 2, 3, 4}).to(kLong)),
                   "expects floating point inputs");
  EXPECT_ERROR_HAS(
      _scaled_dot_product_fused_attention(q, randn({1, 2, 3, 4}, kDouble), randn({1, 2, 3, 4})),
      "must have the same dtype");
}

}  // namespace
