// src/ops/attention.cpp: scaled_dot_product_attention (the composite: scale, causal / bool /
// additive masks, dropout) and _scaled_dot_product_fused_attention (Note [Fused attention]; its
// CPU kernel is src/cpu/attention.cpp): values against the composite formula and naive loops,
// log-sum-exp, gradients (double-precision gradcheck, double backward), layouts and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <mutex>
#include <vector>

#include "ember/ember.h"
#include "src/kernels/philox.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

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
  for (double p : {-0.1, 1.0, 1.5}) {
    EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q, q, q, false, std::nullopt, p),
                     "[_scaled_dot_product_fused_attention] dropout_p must be in [0, 1)");
  }
}

// The dropout factors keep / (1 - p) [B, H, L, S] of a CPU call made right after manual_seed(seed)
// (Note [Attention dropout]: the call's Philox seed is the CPU generator's next 64-bit draw).
Tensor cpu_dropout_factors(uint64_t seed, int64_t B, int64_t H, int64_t L, int64_t S, double p) {
  manual_seed(seed);
  AttentionDropout d;
  d.p = p;
  {
    std::lock_guard<std::mutex> lock(default_generator().mutex());
    d.seed = default_generator().get()->random64();
  }
  Tensor z = empty({B, H, L, S}, kDouble);
  attention_dropout_factors(z.data_ptr<double>(), B * H, L, S, d);
  return z;
}

TEST(FusedAttention, DropoutMatchesCompositeWithItsMask) {
  for (bool causal : {false, true}) {
    for (double p : {0.25, 0.6}) {
      manual_seed(20);
      Tensor q = randn({2, 3, 19, 5}, kDouble), k = randn({2, 3, 23, 5}, kDouble);
      Tensor v = randn({2, 3, 23, 4}, kDouble);
      const Tensor z = cpu_dropout_factors(77, 2, 3, 19, 23, p);
      manual_seed(77);
      auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, causal, 0.6, p);
      Tensor scores = matmul(q, k.transpose(-2, -1)) * 0.6;
      if (causal) {
        Tensor keep = ones({19, 23}, TensorOptions(kBool)).tril();
        scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
      }
      Tensor want = matmul(softmax(scores, -1) * z, v);
      EXPECT_TRUE(all_close(out, want, 1e-10, 1e-12)) << causal << " " << p;
      // The log-sum-exp is that of the weights before dropout.
      EXPECT_TRUE(all_close(lse, scores.logsumexp(-1), 1e-10, 1e-12));
      // The kept fraction is about 1 - p (2 * 3 * 19 * 23 = 2622 draws).
      const double kept = z.gt(0).to(kDouble).mean().item<double>();
      EXPECT_NEAR(kept, 1 - p, 5 * std::sqrt(p * (1 - p) / 2622.0));
      // The same seed, the same output; the generator moved on, so the next call differs.
      manual_seed(77);
      Tensor again = std::get<0>(_scaled_dot_product_fused_attention(q, k, v, causal, 0.6, p));
      EXPECT_TRUE(again.equal(out));
      Tensor next = std::get<0>(_scaled_dot_product_fused_attention(q, k, v, causal, 0.6, p));
      EXPECT_FALSE(next.equal(out));
      // float32 and bfloat16 draw the same mask.
      manual_seed(77);
      Tensor f = std::get<0>(_scaled_dot_product_fused_attention(q.to(kFloat), k.to(kFloat),
                                                                 v.to(kFloat), causal, 0.6, p));
      EXPECT_TRUE(all_close(f.to(kDouble), want, 1e-4, 1e-5));
      manual_seed(77);
      Tensor b = std::get<0>(_scaled_dot_product_fused_attention(q.to(kBFloat16), k.to(kBFloat16),
                                                                 v.to(kBFloat16), causal, 0.6, p));
      EXPECT_TRUE(all_close(b.to(kDouble), want, 5e-2, 5e-2));
    }
  }
}

// attn_mask inside the fused op: bool and float masks of every broadcast shape give the
// composite's numbers (scaled_dot_product_attention on the CPU), values, log-sum-exp and gradients.
TEST(FusedAttention, MaskMatchesComposite) {
  manual_seed(22);
  const int64_t B = 2, H = 3, L = 6, S = 9;
  Tensor q = randn({B, H, L, 4}, kDouble).requires_grad_();
  Tensor k = randn({B, H, S, 4}, kDouble).requires_grad_();
  Tensor v = randn({B, H, S, 5}, kDouble).requires_grad_();
  Tensor g = randn({B, H, L, 5}, kDouble);
  std::vector<Tensor> masks = {
      randn({L, S}, kDouble),              // float, shared
      randn({B, 1, 1, S}, kDouble),        // float, per key
      randn({B, H, L, S}, kFloat),         // float32 with double inputs
      randn({1, H, L, 1}, kDouble),        // broadcast over keys
      rand({B, 1, L, S}).gt(0.3),          // bool
      ones({L, S}, TensorOptions(kBool)),  // all true
      randn({S, L}, kDouble).t(),          // non-contiguous
  };
  for (const Tensor& m : masks) {
    auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, false, 0.7, 0.0, m);
    Tensor want = scaled_dot_product_attention(q, k, v, m, 0.0, false, 0.7);
    EXPECT_TRUE(all_close(out, want, 1e-10, 1e-12)) << m.sizes();
    Tensor scores = matmul(q, k.transpose(-2, -1)) * 0.7;
    scores = m.scalar_type() == kBool ? scores.masked_fill(m.logical_not(), -kInfinity)
                                      : scores + m.to(kDouble);
    Tensor hidden = scores.isneginf().all(-1);
    Tensor want_lse = scores.logsumexp(-1).masked_fill(hidden, kInfinity);
    EXPECT_TRUE(
        all_close(lse.masked_fill(hidden, 0.0), want_lse.masked_fill(hidden, 0.0), 1e-10, 1e-12))
        << m.sizes();
    auto gf = autograd::grad({out}, {q, k, v}, {g});
    auto gc = autograd::grad({want}, {q, k, v}, {g});
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(all_close(gf[i], gc[i], 1e-10, 1e-12)) << i;
  }
}

// A row the mask hides from every key: output 0, log-sum-exp +inf, gradients 0 - in the fused op
// and in the composite (PyTorch 2.5's _safe_softmax), which used to give NaN.
TEST(FusedAttention, FullyMaskedRowsGiveZero) {
  manual_seed(23);
  Tensor q = randn({1, 2, 4, 3}, kDouble).requires_grad_();
  Tensor k = randn({1, 2, 5, 3}, kDouble).requires_grad_();
  Tensor v = randn({1, 2, 5, 2}, kDouble).requires_grad_();
  Tensor m = ones({4, 5}, TensorOptions(kBool));
  m.index_put_({2}, false);
  auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, false, std::nullopt, 0.0, m);
  Tensor comp = scaled_dot_product_attention(q, k, v, m);
  for (const Tensor& o : {out, comp}) {
    EXPECT_TRUE(o.isfinite().all().item<bool>());
    EXPECT_EQ(o.select(2, 2).abs().max().item<double>(), 0.0);
  }
  EXPECT_TRUE(all_close(out, comp, 1e-12, 1e-12));
  EXPECT_TRUE(lse.select(2, 2).isposinf().all().item<bool>());
  EXPECT_TRUE(lse.select(2, 1).isfinite().all().item<bool>());
  for (const Tensor& o : {out, comp}) {
    auto gr = autograd::grad({o.sum()}, {q, k, v});
    for (const Tensor& x : gr) EXPECT_TRUE(x.isfinite().all().item<bool>());
    EXPECT_EQ(gr[0].select(2, 2).abs().max().item<double>(), 0.0);
  }
  // The same through a float mask of -inf.
  Tensor fm = zeros({4, 5}, kDouble).masked_fill(m.logical_not(), -kInfinity);
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v, fm), comp, 1e-12, 1e-12));
}

TEST(FusedAttention, MaskGradCheckAndErrors) {
  manual_seed(24);
  Tensor bias = randn({2, 1, 5, 4}, kDouble);
  Tensor keep = rand({5, 4}).gt(0.3);
  keep.select(1, 0).fill_(true);  // every row sees key 0
  for (bool use_bool : {false, true}) {
    variable_list in = {randn({2, 2, 5, 3}, kDouble).requires_grad_(),
                        randn({2, 2, 4, 3}, kDouble).requires_grad_(),
                        randn({2, 2, 4, 2}, kDouble).requires_grad_()};
    auto fn = [&](const variable_list& x) {
      return std::get<0>(_scaled_dot_product_fused_attention(x[0], x[1], x[2], false, 0.8, 0.0,
                                                             use_bool ? keep : bias));
    };
    EXPECT_TRUE(ember::testing::gradcheck(fn, in)) << use_bool;
    EXPECT_TRUE(ember::testing::gradgradcheck(fn, in)) << use_bool;
  }
  Tensor q = randn({1, 2, 3, 4});
  EXPECT_ERROR_HAS(
      _scaled_dot_product_fused_attention(q, q, q, false, std::nullopt, 0.0, ones({3, 3}, kLong)),
      "[_scaled_dot_product_fused_attention] attn_mask must be bool or floating point");
  EXPECT_ERROR_HAS(
      _scaled_dot_product_fused_attention(q, q, q, false, std::nullopt, 0.0, ones({4, 3})),
      "attn_mask of shape [4, 3] does not broadcast to the scores' [1, 2, 3, 3]");
  EXPECT_ERROR_HAS(_scaled_dot_product_fused_attention(q, q, q, false, std::nullopt, 0.0,
                                                       ones({3, 3}).requires_grad_()),
                   "attn_mask takes no gradient here");
  // scaled_dot_product_attention computes that gradient (through the composite).
  Tensor b = randn({3, 3}, kDouble).requires_grad_();
  Tensor qd = q.to(kDouble);
  Tensor gb = autograd::grad({scaled_dot_product_attention(qd, qd, qd, b).sum()}, {b})[0];
  EXPECT_TRUE(gb.isfinite().all().item<bool>());
  EXPECT_GT(gb.abs().sum().item<double>(), 0.0);
}

// Gradients with dropout: each evaluation reseeds, so every call draws the same mask.
TEST(FusedAttention, DropoutGradCheckDouble) {
  manual_seed(21);
  for (bool causal : {false, true}) {
    variable_list in = {randn({1, 2, 6, 3}, kDouble).requires_grad_(),
                        randn({1, 2, 7, 3}, kDouble).requires_grad_(),
                        randn({1, 2, 7, 2}, kDouble).requires_grad_()};
    auto fn = [causal](const variable_list& x) {
      manual_seed(5);
      return std::get<0>(_scaled_dot_product_fused_attention(x[0], x[1], x[2], causal, 0.8, 0.3));
    };
    EXPECT_TRUE(ember::testing::gradcheck(fn, in)) << causal;
    EXPECT_TRUE(ember::testing::gradgradcheck(fn, in)) << causal;
    // Against the composite with the same mask.
    Tensor g = randn({1, 2, 6, 2}, kDouble);
    auto fused = autograd::grad({fn(in)}, in, {g});
    const Tensor z = cpu_dropout_factors(5, 1, 2, 6, 7, 0.3);
    Tensor scores = matmul(in[0], in[1].transpose(-2, -1)) * 0.8;
    if (causal) {
      Tensor keep = ones({6, 7}, TensorOptions(kBool)).tril();
      scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
    }
    auto comp = autograd::grad({matmul(softmax(scores, -1) * z, in[2])}, in, {g});
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(all_close(fused[i], comp[i], 1e-10, 1e-12)) << i;
  }
}

}  // namespace

namespace {
const double kInf = std::numeric_limits<double>::infinity();

// out[b, i] = sum_j softmax_j(s * q[b, i] . k[b, j] + add(b, i, j)) v[b, j] for 3-D q, k, v, by
// loops in double.
Tensor naive_sdpa(const Tensor& q, const Tensor& k, const Tensor& v, double s,
                  const std::function<double(int64_t, int64_t, int64_t)>& add) {
  const int64_t B = q.size(0), L = q.size(1), S = k.size(1), E = q.size(2), Ev = v.size(2);
  Tensor qc = q.to(kDouble).contiguous(), kc = k.to(kDouble).contiguous();
  Tensor vc = v.to(kDouble).contiguous(), out = zeros({B, L, Ev}, kDouble);
  const double *qp = qc.data_ptr<double>(), *kp = kc.data_ptr<double>(),
               *vp = vc.data_ptr<double>();
  double* op = out.data_ptr<double>();
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t i = 0; i < L; ++i) {
      std::vector<double> w(static_cast<size_t>(S));
      double mx = -kInf, total = 0;
      for (int64_t j = 0; j < S; ++j) {
        double d = 0;
        for (int64_t e = 0; e < E; ++e) d += qp[(b * L + i) * E + e] * kp[(b * S + j) * E + e];
        w[j] = d * s + add(b, i, j);
        mx = std::max(mx, w[j]);
      }
      for (int64_t j = 0; j < S; ++j) total += (w[j] = std::exp(w[j] - mx));
      for (int64_t j = 0; j < S; ++j)
        for (int64_t e = 0; e < Ev; ++e)
          op[(b * L + i) * Ev + e] += w[j] / total * vp[(b * S + j) * Ev + e];
    }
  }
  return out;
}
double no_mask(int64_t, int64_t, int64_t) { return 0; }
}  // namespace

TEST(Attention, MatchesNaiveLoops) {
  manual_seed(5);
  Tensor q = randn({2, 4, 3}, kDouble), k = randn({2, 6, 3}, kDouble),
         v = randn({2, 6, 5}, kDouble);
  // Default scale 1/sqrt(E), explicit scale.
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v),
                        naive_sdpa(q, k, v, 1 / std::sqrt(3.0), no_mask), 1e-12, 1e-12));
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v, std::nullopt, 0, false, 0.25),
                        naive_sdpa(q, k, v, 0.25, no_mask), 1e-12, 1e-12));
  // A bool (L, S) mask broadcast over the batch: false hides the key.
  Tensor keep =
      tensor({true, false, true,  true,  false, true, false, true,  true, true, true, false,
              true, true,  false, false, false, true, true,  false, true, true, true, true})
          .reshape({4, 6});
  auto bool_add = [&](int64_t, int64_t i, int64_t j) {
    return keep.select(0, i).select(0, j).item<bool>() ? 0.0 : -kInf;
  };
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v, keep, 0, false, 0.5),
                        naive_sdpa(q, k, v, 0.5, bool_add), 1e-12, 1e-12));
  // An additive (B, L, S) mask.
  Tensor m = (arange(48, kDouble) * 0.7).cos().reshape({2, 4, 6});
  auto float_add = [&](int64_t b, int64_t i, int64_t j) {
    return m.select(0, b).select(0, i).select(0, j).item<double>();
  };
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v, m),
                        naive_sdpa(q, k, v, 1 / std::sqrt(3.0), float_add), 1e-12, 1e-12));
  // Causal, top-left aligned (key j visible to query i when j <= i), for L < S and L > S.
  auto causal = [](int64_t, int64_t i, int64_t j) { return j <= i ? 0.0 : -kInf; };
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v, std::nullopt, 0, true),
                        naive_sdpa(q, k, v, 1 / std::sqrt(3.0), causal), 1e-12, 1e-12));
  Tensor kk = k.narrow(1, 0, 3), vv = v.narrow(1, 0, 3);
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, kk, vv, std::nullopt, 0, true),
                        naive_sdpa(q, kk, vv, 1 / std::sqrt(3.0), causal), 1e-12, 1e-12));
}

TEST(Attention, LayoutsDtypesAndZeroSize) {
  manual_seed(6);
  // [B, L, H, E] views transposed to [B, H, L, E], and a key/value batch broadcast over queries.
  Tensor x = randn({2, 5, 3, 4}, kDouble);
  Tensor q = x.transpose(1, 2), k = (x * 0.5 - 1).transpose(1, 2), v = x.flip({1}).transpose(1, 2);
  ASSERT_FALSE(q.is_contiguous());
  Tensor out = scaled_dot_product_attention(q, k, v, std::nullopt, 0, true);
  EXPECT_TRUE(all_close(out,
                        scaled_dot_product_attention(q.contiguous(), k.contiguous(), v.contiguous(),
                                                     std::nullopt, 0, true),
                        1e-12, 1e-12));
  Tensor q3 = randn({4, 3, 4}, kDouble), k1 = randn({1, 5, 4}, kDouble),
         v1 = randn({1, 5, 2}, kDouble);
  EXPECT_TRUE(all_close(
      scaled_dot_product_attention(q3, k1, v1),
      naive_sdpa(q3, k1.expand({4, 5, 4}), v1.expand({4, 5, 2}), 1 / std::sqrt(4.0), no_mask),
      1e-12, 1e-12));
  // 2-D inputs.
  Tensor q2 = q3.select(0, 1), k2 = k1.select(0, 0), v2 = v1.select(0, 0);
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q2, k2, v2),
                        naive_sdpa(q2.unsqueeze(0), k1, v1, 0.5, no_mask).squeeze(0), 1e-12,
                        1e-12));
  // Float32 and bfloat16 keep their dtype.
  for (ScalarType dt : {kFloat, kBFloat16}) {
    Tensor r = scaled_dot_product_attention(q3.to(dt), k1.to(dt), v1.to(dt));
    EXPECT_EQ(r.dtype(), dt);
    EXPECT_TRUE(all_close(r.to(kDouble), scaled_dot_product_attention(q3, k1, v1),
                          dt == kFloat ? 1e-5 : 3e-2, dt == kFloat ? 1e-5 : 3e-2));
  }
  // No queries: an empty output; no keys: nothing to attend, zeros.
  EXPECT_EQ(scaled_dot_product_attention(zeros({2, 0, 4}, kDouble), k1, v1).sizes(),
            IntArrayRef({2, 0, 2}));
  Tensor nk =
      scaled_dot_product_attention(q3, zeros({4, 0, 4}, kDouble), zeros({4, 0, 2}, kDouble));
  EXPECT_EQ(nk.sizes(), IntArrayRef({4, 3, 2}));
  EXPECT_TRUE(all_close(nk, zeros({4, 3, 2}, kDouble), 0, 0));
}

TEST(Attention, Dropout) {
  manual_seed(7);
  // One key: every weight is 1, so with dropout each output is 0 or v / (1 - p).
  Tensor q = randn({64, 3}, kDouble), k = randn({1, 3}, kDouble),
         v = tensor({{1.5, -2.0}}, kDouble);
  Tensor out = scaled_dot_product_attention(q, k, v, std::nullopt, 0.5);
  int64_t kept = 0;
  for (int64_t i = 0; i < 64; ++i) {
    Tensor row = out.select(0, i);
    bool zero = all_close(row, zeros({2}, kDouble), 0, 0);
    bool scaled = all_close(row, tensor({3.0, -4.0}, kDouble), 1e-12, 1e-12);
    EXPECT_TRUE(zero || scaled) << i;
    kept += scaled ? 1 : 0;
  }
  EXPECT_GT(kept, 8);
  EXPECT_LT(kept, 56);
  // dropout_p = 1 drops everything.
  EXPECT_TRUE(all_close(scaled_dot_product_attention(q, k, v, std::nullopt, 1.0),
                        zeros({64, 2}, kDouble), 0, 0));
}

TEST(Attention, Gradients) {
  manual_seed(8);
  Tensor q = randn({2, 3, 4}, kDouble), k = randn({2, 5, 4}, kDouble),
         v = randn({2, 5, 2}, kDouble);
  Tensor m = randn({3, 5}, kDouble);
  // Gradients for q, k, v and the additive mask.
  auto with_mask = [](const variable_list& x) {
    return scaled_dot_product_attention(x[0], x[1], x[2], x[3], 0, false, 0.6);
  };
  EXPECT_TRUE(gradcheck(with_mask, {q, k, v, m}));
  EXPECT_TRUE(gradgradcheck(with_mask, {q, k, v, m}));
  Tensor keep = tensor({true, false, true, true, false, true, true, false, false, true, false, true,
                        true, true, true})
                    .reshape({3, 5});
  EXPECT_TRUE(gradcheck(
      [&](const variable_list& x) { return scaled_dot_product_attention(x[0], x[1], x[2], keep); },
      {q, k, v}));
  // Causal with more queries than keys, on transposed inputs.
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        return scaled_dot_product_attention(x[0].transpose(1, 2), x[1], x[2], std::nullopt, 0,
                                            true);
      },
      {randn({2, 4, 6}, kDouble), randn({2, 3, 4}, kDouble), randn({2, 3, 2}, kDouble)}));
}

TEST(Attention, ErrorsNameTheOp) {
  Tensor q = zeros({2, 3, 4}), k = zeros({2, 5, 4}), v = zeros({2, 5, 2});
  auto expect_error = [](const std::function<void()>& f, const std::string& part) {
    std::string e = error_of(f);
    EXPECT_NE(e.find("[scaled_dot_product_attention] " + part), std::string::npos) << e;
  };
  expect_error([&] { scaled_dot_product_attention(zeros({4}), k, v); },
               "query, key and value must have at least 2 dimensions, got 1, 3 and 3");
  // A mask that would grow the weights instead of broadcasting to them.
  expect_error(
      [&] {
        scaled_dot_product_attention(q, k, v, ones({3, 2, 3, 5}, kBool));
      },
      "attn_mask of shape [3, 2, 3, 5] does not broadcast to the attention weights' "
      "[2, 3, 5]");
  expect_error(
      [&] {
        scaled_dot_product_attention(q, zeros({2, 5, 3}), v);
      },
      "query and key must have the same embedding size, got 4 and 3");
  expect_error(
      [&] {
        scaled_dot_product_attention(q, k, zeros({2, 4, 2}));
      },
      "key and value must have the same sequence length, got 5 and 4");
  expect_error([&] { scaled_dot_product_attention(q, k, v, std::nullopt, 1.5); },
               "dropout_p must be in [0, 1], got 1.5");
  expect_error(
      [&] {
        scaled_dot_product_attention(q, k, v, zeros({3, 5}), 0, true);
      },
      "Explicit attn_mask should not be set when is_causal=True");
  expect_error([&] { scaled_dot_product_attention(q, Tensor(), v); },
               "query, key and value must be defined");
}

TEST(FusedAttention, NoQueriesAndReducedPrecisionGradients) {
  manual_seed(9);
  // L = 0: empty output and log-sum-exp; the key and value gradients are zero.
  Tensor k = randn({1, 2, 3, 4}, kDouble).requires_grad_(),
         v = randn({1, 2, 3, 5}, kDouble).requires_grad_();
  Tensor q = zeros({1, 2, 0, 4}, kDouble).requires_grad_();
  auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v);
  EXPECT_EQ(out.sizes(), IntArrayRef({1, 2, 0, 5}));
  EXPECT_EQ(lse.sizes(), IntArrayRef({1, 2, 0}));
  auto g = autograd::grad({out.sum()}, {q, k, v}, {}, std::nullopt, false, true);
  EXPECT_EQ(g[0].sizes(), IntArrayRef({1, 2, 0, 4}));
  EXPECT_TRUE(all_close(g[1], zeros({1, 2, 3, 4}, kDouble), 0, 0));
  EXPECT_TRUE(all_close(g[2], zeros({1, 2, 3, 5}, kDouble), 0, 0));
  // bfloat16 inputs compute in float on the CPU; the gradients come back in bfloat16.
  Tensor qb = randn({1, 2, 4, 4}).to(kBFloat16).requires_grad_();
  Tensor kb = randn({1, 2, 3, 4}).to(kBFloat16).requires_grad_();
  Tensor vb = randn({1, 2, 3, 5}).to(kBFloat16).requires_grad_();
  Tensor ob = std::get<0>(_scaled_dot_product_fused_attention(qb, kb, vb, true));
  auto gb = autograd::grad({ob.to(kFloat).sum()}, {qb, kb, vb});
  auto gf = autograd::grad({std::get<0>(_scaled_dot_product_fused_attention(
                                            qb.to(kFloat), kb.to(kFloat), vb.to(kFloat), true))
                                .sum()},
                           {qb, kb, vb});
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(gb[i].dtype(), kBFloat16);
    EXPECT_TRUE(all_close(gb[i].to(kFloat), gf[i].to(kFloat), 5e-2, 5e-2)) << i;
  }
}
