// src/cpu/normalization.cpp: the normalization kernels called through their stubs: per-channel
// moments, the channel affine, layer norm's rows (8 lanes + tail), the three fused backwards,
// embedding and embedding_bag, against loops in double.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/kernels/normalization.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();

// Values far from zero (offset) so that a one-pass variance would lose digits.
Tensor data(std::vector<int64_t> shape, ScalarType dt, double offset = 0) {
  return (randn(shape, kDouble) + offset).to(dt);
}

// Moments over [outer, C, inner] (two passes in double), then the affine y = x * scale + shift,
// for one value per channel, long channels split over threads and many short ones; empty
// channels give NaN.
TEST(CpuNormalization, MomentsAndChannelAffine) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble}) {
    for (auto [outer, C, inner] : std::vector<std::array<int64_t, 3>>{
             {1, 1, 1}, {4, 3, 7}, {2, 5, 17}, {1, 2, 40000}, {3, 70, 1}, {0, 2, 3}}) {
      Tensor x = data({outer, C, inner}, dt, 1000);
      Tensor mean = empty({C}, dt), var = empty({C}, dt);
      norm_moments_stub.get(kCPU)(x, outer, C, inner, mean, var);
      std::vector<double> xv = values(x), m(C), v(C);
      for (int64_t c = 0; c < C; ++c) {
        long double s = 0, ss = 0;
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) s += xv[(o * C + c) * inner + i];
        long double mu = s / (outer * inner);
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            long double d = xv[(o * C + c) * inner + i] - mu;
            ss += d * d;
          }
        m[c] = outer * inner > 0 ? double(mu) : kNan;
        v[c] = outer * inner > 0 ? double(ss / (outer * inner)) : kNan;
      }
      std::string at = std::string(toString(dt)) + " " + std::to_string(outer) + "x" +
                       std::to_string(C) + "x" + std::to_string(inner);
      EXPECT_TRUE(matches(mean, m, tol_for(dt))) << at;
      EXPECT_TRUE(matches(var, v, dt == kFloat ? 1e-5 : 1e-12)) << at;
      Tensor scale = data({C}, dt), shift = data({C}, dt), y = empty_like(x);
      channel_affine_stub.get(kCPU)(y, x, outer, C, inner, scale, shift);
      std::vector<double> sc = values(scale), sh = values(shift), want(xv.size());
      for (size_t i = 0; i < xv.size(); ++i) {
        int64_t c = static_cast<int64_t>(i) / inner % C;
        want[i] = xv[i] * sc[c] + sh[c];
      }
      EXPECT_TRUE(matches(y, want, 2 * tol_for(dt))) << at;
    }
  }
}

// Layer norm rows of every length around the 8-lane accumulation, weight and bias each present
// or not, many rows split over threads; then its backward (grad_input, and the column sums for
// the weight and bias in blocks of columns), each output only when defined.
TEST(CpuNormalization, RowNormForwardAndBackward) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble}) {
    for (int64_t N : {1, 7, 8, 9, 15, 16, 17, 100, 300}) {
      const int64_t M = N == 300 ? 130 : 5;
      Tensor x = data({M, N}, dt, 50), w = data({N}, dt), b = data({N}, dt), g = data({M, N}, dt);
      std::vector<double> xv = values(x), wv = values(w), bv = values(b), gv = values(g);
      std::vector<double> mu(M), rs(M), gx(M * N), gw(N), gb(N);
      for (int64_t m = 0; m < M; ++m) {
        long double s = 0, ss = 0;
        for (int64_t n = 0; n < N; ++n) s += xv[m * N + n];
        mu[m] = double(s / N);
        for (int64_t n = 0; n < N; ++n) ss += (xv[m * N + n] - mu[m]) * (xv[m * N + n] - mu[m]);
        rs[m] = 1 / std::sqrt(double(ss / N) + 1e-5);
        double a = 0, c = 0;  // means of w g and of w g xhat
        for (int64_t n = 0; n < N; ++n) {
          double xh = (xv[m * N + n] - mu[m]) * rs[m], wg = wv[n] * gv[m * N + n];
          a += wg / N;
          c += wg * xh / N;
          gw[n] += gv[m * N + n] * xh;
          gb[n] += gv[m * N + n];
        }
        for (int64_t n = 0; n < N; ++n) {
          double xh = (xv[m * N + n] - mu[m]) * rs[m];
          gx[m * N + n] = rs[m] * (wv[n] * gv[m * N + n] - a - xh * c);
        }
      }
      std::string at = std::string(toString(dt)) + " N=" + std::to_string(N);
      double tol = dt == kFloat ? 2e-5 : 1e-10;
      for (int wb = 0; wb < 4; ++wb) {
        Tensor wt = wb & 1 ? w : Tensor(), bt = wb & 2 ? b : Tensor();
        Tensor y = empty_like(x), mean = empty({M}, dt), rstd = empty({M}, dt);
        row_norm_stub.get(kCPU)(y, mean, rstd, x, M, N, wt, bt, 1e-5);
        // y = x * rstd + (-mean * rstd) in T cancels: allow a few ulp of x * rstd (rstd is
        // 1 / sqrt(eps) for a one-element row).
        std::vector<double> yv = values(y);
        for (int64_t i = 0; i < M * N; ++i) {
          int64_t m = i / N, n = i % N;
          double wn = wb & 1 ? wv[n] : 1.0;
          double want = (xv[i] - mu[m]) * rs[m] * wn + (wb & 2 ? bv[n] : 0.0);
          double slack =
              4 * tol_for(dt) * std::fabs(xv[i] * rs[m] * wn) + tol * (1 + std::fabs(want));
          ASSERT_NEAR(yv[i], want, slack) << at << " wb=" << wb << " element " << i;
        }
        EXPECT_TRUE(matches(mean, mu, tol_for(dt))) << at;
        EXPECT_TRUE(matches(rstd, rs, tol)) << at;
      }
      Tensor mean = tensor(mu, kDouble).to(dt), rstd = tensor(rs, kDouble).to(dt);
      Tensor dx = empty_like(x), dw = empty({N}, dt), db = empty({N}, dt), none;
      row_norm_backward_stub.get(kCPU)(g, x, M, N, mean, rstd, w, dx, dw, db);
      EXPECT_TRUE(matches(dx, gx, 10 * tol)) << at;
      EXPECT_TRUE(matches(dw, gw, 10 * tol)) << at;
      EXPECT_TRUE(matches(db, gb, 10 * tol)) << at;
      Tensor dw2 = empty({N}, dt);
      row_norm_backward_stub.get(kCPU)(g, x, M, N, mean, rstd, w, none, dw2, none);
      EXPECT_TRUE(dw2.equal(dw)) << at;
    }
  }
}

// Batch norm's backward over [outer, C, inner] in training (through the batch statistics) and
// eval (a fixed affine map), with and without a weight; group norm's over [N, C, HxW].
TEST(CpuNormalization, ChannelAndGroupNormBackward) {
  Threads threads(4);
  const int64_t outer = 3, C = 6, inner = 11;
  Tensor x = data({outer, C, inner}, kDouble, 5), g = data({outer, C, inner}, kDouble);
  Tensor w = data({C}, kDouble), m = data({C}, kDouble, 5), is = rand({C}, kDouble) + 0.5;
  std::vector<double> xv = values(x), gv = values(g), wv = values(w), mv = values(m),
                      iv = values(is);
  for (bool training : {false, true}) {
    for (bool weighted : {false, true}) {
      std::vector<double> gx(xv.size()), gw(C), gb(C);
      const double n = outer * inner;
      for (int64_t c = 0; c < C; ++c) {
        double sg = 0, sgx = 0;
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            int64_t at = (o * C + c) * inner + i;
            sg += gv[at];
            sgx += gv[at] * (xv[at] - mv[c]);
          }
        gb[c] = sg;
        gw[c] = sgx * iv[c];
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            int64_t at = (o * C + c) * inner + i;
            double d = gv[at];
            if (training) d -= sg / n + (xv[at] - mv[c]) * iv[c] * iv[c] * sgx / n;
            gx[at] = d * iv[c] * (weighted ? wv[c] : 1.0);
          }
      }
      Tensor dx = empty_like(x), dw = empty({C}, kDouble), db = empty({C}, kDouble);
      channel_norm_backward_stub.get(kCPU)(g, x, outer, C, inner, m, is, weighted ? w : Tensor(),
                                           training, dx, dw, db);
      EXPECT_TRUE(matches(dx, gx, 1e-12)) << training << weighted;
      EXPECT_TRUE(matches(dw, gw, 1e-12));
      EXPECT_TRUE(matches(db, gb, 1e-12));
    }
  }
  // Group norm: N = outer images, G = 2 groups of 3 channels, statistics per (image, group).
  const int64_t G = 2, D = C / G;
  Tensor mean = data({outer * G}, kDouble, 5), rstd = rand({outer * G}, kDouble) + 0.5;
  std::vector<double> gm = values(mean), gr = values(rstd), gx(xv.size()), gw(C), gb(C);
  for (int64_t r = 0; r < outer * G; ++r) {
    int64_t nn = r / G, gg = r % G;
    double a = 0, b = 0, cnt = double(D * inner);
    for (int64_t c = gg * D; c < (gg + 1) * D; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t at = (nn * C + c) * inner + i;
        double xh = (xv[at] - gm[r]) * gr[r];
        a += gv[at] * wv[c] / cnt;
        b += gv[at] * wv[c] * xh / cnt;
        gw[c] += gv[at] * xh;
        gb[c] += gv[at];
      }
    for (int64_t c = gg * D; c < (gg + 1) * D; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t at = (nn * C + c) * inner + i;
        gx[at] = gr[r] * (gv[at] * wv[c] - a - (xv[at] - gm[r]) * gr[r] * b);
      }
  }
  Tensor dx = empty_like(x), dw = empty({C}, kDouble), db = empty({C}, kDouble);
  group_norm_backward_stub.get(kCPU)(g, x, outer, C, inner, G, mean, rstd, w, dx, dw, db);
  EXPECT_TRUE(matches(dx, gx, 1e-12));
  EXPECT_TRUE(matches(dw, gw, 1e-12));
  EXPECT_TRUE(matches(db, gb, 1e-12));
}

// embedding copies whole rows (any dtype, repeated indices, many rows split over threads);
// embedding_bag sums, averages or takes the max of each bag's rows, skipping padding_idx, with
// per-sample weights; empty bags give zeros (max index -1); a tie keeps the first row.
TEST(CpuNormalization, EmbeddingAndBags) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kInt, kLong}) {
    Tensor weight = (randn({10, 7}) * 10).round().to(dt);
    Tensor idx = randint(0, 10, {20000});
    Tensor out = empty({20000, 7}, dt);
    embedding_stub.get(kCPU)(out, weight, idx);
    std::vector<double> wv = values(weight), want;
    for (int64_t l = 0; l < 20000; ++l)
      for (int64_t d = 0; d < 7; ++d) want.push_back(wv[idx.data_ptr<int64_t>()[l] * 7 + d]);
    EXPECT_TRUE(matches(out, want, 0)) << toString(dt);
  }
  Tensor weight = randn({6, 5}, kDouble);
  weight.select(0, 4).select(0, 2).fill_(weight.select(0, 0).select(0, 2).item<double>());  // a tie
  Tensor indices = tensor(std::vector<int64_t>{0, 2, 2, 3, 4, 1, 5, 3, 1, 0, 4});
  Tensor offsets =
      tensor(std::vector<int64_t>{0, 3, 3, 7, 8, 11});  // bags: [0,3) [] [3,7) [7,8) [8,11)
  Tensor psw = rand({11}, kDouble);
  std::vector<double> wv = values(weight), pv = values(psw);
  const int64_t* ip = indices.data_ptr<int64_t>();
  const int64_t* op = offsets.data_ptr<int64_t>();
  for (int64_t mode : {0, 1, 2}) {
    for (int64_t padding : {-1, 3}) {
      EmbeddingBagParams p;
      p.mode = mode;
      p.padding_idx = padding;
      Tensor out = empty({5, 5}, kDouble), maxi = empty({5, 5}, kLong), bag = empty({5}, kLong);
      Tensor per = mode == 0 ? psw : Tensor();
      embedding_bag_stub.get(kCPU)(out, maxi, bag, weight, indices, offsets, per, p);
      std::vector<double> want(25, 0.0), want_i(25, -1.0), want_n(5, 0.0);
      for (int64_t b = 0; b < 5; ++b) {
        for (int64_t k = op[b]; k < op[b + 1]; ++k) {
          if (ip[k] == padding) continue;
          want_n[b] += 1;
          for (int64_t d = 0; d < 5; ++d) {
            double v = wv[ip[k] * 5 + d], &cur = want[b * 5 + d], &ci = want_i[b * 5 + d];
            if (mode == 2) {
              if (ci < 0 || v > cur) cur = v, ci = double(ip[k]);  // ties: the first row
            } else {
              cur += (mode == 0 ? pv[k] : 1.0) * v;
            }
          }
        }
        if (mode == 1 && want_n[b] > 0)
          for (int64_t d = 0; d < 5; ++d) want[b * 5 + d] /= want_n[b];
      }
      std::string at = "mode " + std::to_string(mode) + " padding " + std::to_string(padding);
      EXPECT_TRUE(matches(out, want, 1e-14)) << at;
      EXPECT_TRUE(matches(bag, want_n, 0)) << at;
      if (mode == 2) {
        EXPECT_TRUE(matches(maxi, want_i, 0)) << at;
      }
    }
  }
}

}  // namespace
