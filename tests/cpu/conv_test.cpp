// src/cpu/conv.cpp: im2col + GEMM over chunks of images (one image writing its output in place,
// several through a scratch, 1x1 convolutions reading the input in place) against a direct loop
// in double, forward and backward.
#include <gtest/gtest.h>

#include <array>

#include "ember/ember.h"

using namespace ember;

namespace {

struct Case {
  int64_t n, c, h, w, co, kh, kw;
  std::array<int64_t, 2> stride, pad, dil;
  int64_t groups;
};

struct Ref {
  Tensor y, gx, gw, gb;
};

// Direct convolution and its gradients for the output gradient g, in double.
Ref direct(const Case& k, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in,
           const Tensor& g_in) {
  Tensor x = x_in.to(kDouble).contiguous(), w = w_in.to(kDouble).contiguous();
  Tensor b = b_in.to(kDouble).contiguous(), g = g_in.to(kDouble).contiguous();
  int64_t ho = g.size(2), wo = g.size(3), cg = k.c / k.groups, cog = k.co / k.groups;
  Ref r{zeros({k.n, k.co, ho, wo}, kDouble), zeros(x.sizes(), kDouble), zeros(w.sizes(), kDouble),
        zeros({k.co}, kDouble)};
  auto X = x.accessor<double, 4>();
  auto W = w.accessor<double, 4>();
  auto G = g.accessor<double, 4>();
  auto Y = r.y.accessor<double, 4>();
  auto GX = r.gx.accessor<double, 4>();
  auto GW = r.gw.accessor<double, 4>();
  const double* B = b.data_ptr<double>();
  double* GB = r.gb.data_ptr<double>();
  for (int64_t bn = 0; bn < k.n; ++bn)
    for (int64_t o = 0; o < k.co; ++o)
      for (int64_t oh = 0; oh < ho; ++oh)
        for (int64_t ow = 0; ow < wo; ++ow) {
          double acc = B[o], go = G[bn][o][oh][ow];
          GB[o] += go;
          for (int64_t cc = 0; cc < cg; ++cc)
            for (int64_t i = 0; i < k.kh; ++i)
              for (int64_t j = 0; j < k.kw; ++j) {
                int64_t ih = oh * k.stride[0] - k.pad[0] + i * k.dil[0];
                int64_t iw = ow * k.stride[1] - k.pad[1] + j * k.dil[1];
                if (ih < 0 || ih >= k.h || iw < 0 || iw >= k.w) continue;
                int64_t c = o / cog * cg + cc;
                acc += X[bn][c][ih][iw] * W[o][cc][i][j];
                GX[bn][c][ih][iw] += W[o][cc][i][j] * go;
                GW[o][cc][i][j] += X[bn][c][ih][iw] * go;
              }
          Y[bn][o][oh][ow] = acc;
        }
  return r;
}

TEST(CpuConv, ChunkedIm2colMatchesDirect) {
  const Case cases[] = {
      // several images per chunk, a ragged last chunk, groups, stride, dilation
      {20, 32, 14, 14, 8, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {5, 4, 9, 7, 6, 3, 2, {2, 1}, {1, 0}, {1, 2}, 2},
      // one image per chunk (cols over 2 MB): the GEMM writes the output in place
      {2, 64, 40, 40, 4, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      // 1x1, stride 1, no padding: the input is the column matrix
      {3, 6, 5, 5, 4, 1, 1, {1, 1}, {0, 0}, {1, 1}, 2},
      {2, 8, 6, 6, 8, 1, 1, {2, 2}, {0, 0}, {1, 1}, 1},
  };
  for (const Case& k : cases) {
    for (ScalarType dt : {kFloat, kDouble}) {
      Tensor x = randn({k.n, k.c, k.h, k.w}, dt).requires_grad_();
      Tensor w = randn({k.co, k.c / k.groups, k.kh, k.kw}, dt).requires_grad_();
      Tensor b = randn({k.co}, dt).requires_grad_();
      Tensor y = conv2d(x, w, b, k.stride, k.pad, k.dil, k.groups);
      Tensor g = randn(y.sizes(), dt);
      auto grads = autograd::grad({y}, {x, w, b}, {g});
      Ref r = direct(k, x.detach(), w.detach(), b.detach(), g);
      double tol = dt == kFloat ? 2e-3 : 1e-10;
      EXPECT_TRUE(y.detach().to(kDouble).allclose(r.y, tol, tol)) << k.n << " " << k.c;
      EXPECT_TRUE(grads[0].to(kDouble).allclose(r.gx, tol, tol)) << k.n << " " << k.c;
      EXPECT_TRUE(grads[1].to(kDouble).allclose(r.gw, tol * 10, tol * 10)) << k.n << " " << k.c;
      EXPECT_TRUE(grads[2].to(kDouble).allclose(r.gb, tol * 10, tol * 10)) << k.n << " " << k.c;
    }
  }
}

}  // namespace
