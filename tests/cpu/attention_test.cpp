// src/cpu/attention.cpp: the fused attention kernels (one query row at a time, scores in double)
// forward with its log-sum-exp and the FlashAttention-2 style backward, against a naive loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

struct Dims {
  int64_t B, H, L, S, D, Dv;
};

struct Ref {
  std::vector<double> out, lse, gq, gk, gv;
};

// softmax(scale q k^T (causal: key j <= query i)) v and its gradients for the output gradient g,
// every sum written out in double.
Ref naive(const Dims& d, const Tensor& q_, const Tensor& k_, const Tensor& v_, const Tensor& g_,
          bool causal, double scale) {
  std::vector<double> q = values(q_), k = values(k_), v = values(v_), g = values(g_);
  Ref r{std::vector<double>(d.B * d.H * d.L * d.Dv), std::vector<double>(d.B * d.H * d.L),
        std::vector<double>(q.size()), std::vector<double>(k.size()),
        std::vector<double>(v.size())};
  for (int64_t bh = 0; bh < d.B * d.H; ++bh) {
    const double* Q = q.data() + bh * d.L * d.D;
    const double* K = k.data() + bh * d.S * d.D;
    const double* V = v.data() + bh * d.S * d.Dv;
    const double* G = g.data() + bh * d.L * d.Dv;
    for (int64_t i = 0; i < d.L; ++i) {
      int64_t n = causal ? std::min(d.S, i + 1) : d.S;
      std::vector<double> p(n), dp(n);
      double m = -std::numeric_limits<double>::infinity(), l = 0;
      for (int64_t j = 0; j < n; ++j) {
        p[j] = 0;
        for (int64_t e = 0; e < d.D; ++e) p[j] += Q[i * d.D + e] * K[j * d.D + e];
        p[j] *= scale;
        m = std::max(m, p[j]);
      }
      for (int64_t j = 0; j < n; ++j) l += std::exp(p[j] - m);
      r.lse[bh * d.L + i] = m + std::log(l);
      for (int64_t j = 0; j < n; ++j) p[j] = std::exp(p[j] - m) / l;
      double* O = r.out.data() + (bh * d.L + i) * d.Dv;
      for (int64_t j = 0; j < n; ++j)
        for (int64_t e = 0; e < d.Dv; ++e) O[e] += p[j] * V[j * d.Dv + e];
      // dP_j = g_i . v_j; dS_j = P_j (dP_j - sum_k P_k dP_k)
      double pdp = 0;
      for (int64_t j = 0; j < n; ++j) {
        dp[j] = 0;
        for (int64_t e = 0; e < d.Dv; ++e) dp[j] += G[i * d.Dv + e] * V[j * d.Dv + e];
        pdp += p[j] * dp[j];
      }
      for (int64_t j = 0; j < n; ++j) {
        double ds = p[j] * (dp[j] - pdp) * scale;
        for (int64_t e = 0; e < d.Dv; ++e)
          r.gv[bh * d.S * d.Dv + j * d.Dv + e] += p[j] * G[i * d.Dv + e];
        for (int64_t e = 0; e < d.D; ++e) {
          r.gq[bh * d.L * d.D + i * d.D + e] += ds * K[j * d.D + e];
          r.gk[bh * d.S * d.D + j * d.D + e] += ds * Q[i * d.D + e];
        }
      }
    }
  }
  return r;
}

// [B, H, n, e], or a [B, n, H, e] buffer transposed (heads strided, the last dim contiguous).
Tensor input(const Dims& d, int64_t n, int64_t e, ScalarType dt, bool heads_last) {
  if (heads_last) return randn({d.B, n, d.H, e}, dt).transpose(1, 2).requires_grad_();
  return randn({d.B, d.H, n, e}, dt).requires_grad_();
}

// Forward values and log-sum-exp, and the gradients (through the fused backward: no graph is
// kept), for causal masks with more or fewer queries than keys, one query or key, and enough
// rows for the forward to split over threads; float and double; two layouts.
TEST(CpuAttention, FusedKernelsMatchNaiveLoop) {
  manual_seed(3);
  Threads threads(4);
  for (Dims d : {Dims{2, 3, 5, 7, 4, 6}, Dims{1, 2, 9, 4, 8, 3}, Dims{2, 1, 1, 1, 3, 2},
                 Dims{1, 2, 17, 17, 16, 16}, Dims{2, 2, 40, 33, 8, 5}}) {
    for (bool causal : {false, true}) {
      for (ScalarType dt : {kFloat, kDouble}) {
        for (bool heads_last : {false, true}) {
          Tensor q = input(d, d.L, d.D, dt, heads_last), k = input(d, d.S, d.D, dt, heads_last);
          Tensor v = input(d, d.S, d.Dv, dt, heads_last);
          auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, causal, 0.6);
          Tensor g = randn(out.sizes(), dt);
          auto grads = autograd::grad({out}, {q, k, v}, {g});
          Ref r = naive(d, q, k, v, g, causal, 0.6);
          double tol = dt == kFloat ? 2e-5 : 1e-12;
          std::string at = std::to_string(d.L) + "x" + std::to_string(d.S) +
                           (causal ? " causal " : " ") + toString(dt) +
                           (heads_last ? " heads-last" : "");
          EXPECT_TRUE(matches(out, r.out, tol)) << at;
          EXPECT_TRUE(matches(lse, r.lse, tol)) << at;
          EXPECT_TRUE(matches(grads[0], r.gq, 5 * tol)) << at;
          EXPECT_TRUE(matches(grads[1], r.gk, 5 * tol)) << at;
          EXPECT_TRUE(matches(grads[2], r.gv, 5 * tol)) << at;
        }
      }
    }
  }
}

// Scores of several thousand: the running maximum keeps exp from overflowing (a softmax without
// it would give inf / inf), in the forward and in the backward's exp(s - lse).
TEST(CpuAttention, LargeScoresStayFinite) {
  Dims d{1, 2, 6, 10, 4, 3};
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor q = (randn({1, 2, 6, 4}, dt) * 40).requires_grad_();
    Tensor k = (randn({1, 2, 10, 4}, dt) * 40).requires_grad_();
    Tensor v = randn({1, 2, 10, 3}, dt).requires_grad_();
    auto [out, lse] = _scaled_dot_product_fused_attention(q, k, v, false, 1.0);
    Tensor g = ones(out.sizes(), dt);
    auto grads = autograd::grad({out}, {q, k, v}, {g});
    Ref r = naive(d, q, k, v, g, false, 1.0);
    EXPECT_TRUE(out.isfinite().all().item<bool>());
    EXPECT_TRUE(matches(out, r.out, dt == kFloat ? 1e-4 : 1e-10)) << toString(dt);
    EXPECT_TRUE(matches(lse, r.lse, dt == kFloat ? 1e-5 : 1e-12)) << toString(dt);
    // The backward reads the float log-sum-exp back: an ulp of lse (~1e-4 at scores of ~2000)
    // is a relative error of P.
    EXPECT_TRUE(matches(grads[2], r.gv, dt == kFloat ? 1e-3 : 1e-10)) << toString(dt);
  }
}

}  // namespace
