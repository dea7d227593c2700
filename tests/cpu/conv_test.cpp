// src/cpu/conv.cpp: im2col + GEMM over chunks of images (one image writing its output in place,
// several through a scratch, 1x1 convolutions reading the input in place) and, where the CPU has
// AVX-512, the float32 implicit-GEMM forward (src/cpu/conv_avx512.cpp) against a direct loop in
// double, forward and backward, at 1 and 2 threads.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "src/cpu/blas.h"
#include "src/cpu/vec_math.h"

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

void check_cases(const std::vector<Case>& cases, const char* what) {
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
      std::string at = std::string(what) + " n=" + std::to_string(k.n) +
                       " c=" + std::to_string(k.c) + " co=" + std::to_string(k.co) + " " +
                       toString(dt) + " threads=" + std::to_string(get_num_threads());
      EXPECT_TRUE(y.detach().to(kDouble).allclose(r.y, tol, tol)) << at;
      EXPECT_TRUE(grads[0].to(kDouble).allclose(r.gx, tol, tol)) << at;
      EXPECT_TRUE(grads[1].to(kDouble).allclose(r.gw, tol * 10, tol * 10)) << at;
      EXPECT_TRUE(grads[2].to(kDouble).allclose(r.gb, tol * 10, tol * 10)) << at;
    }
  }
}

// Runs f on every ISA this machine has (AVX-512: the implicit-GEMM forward for float32) at 1
// and 2 threads.
template <class F>
void on_every_isa(F f) {
  using cpu::vec::Isa;
  Isa prev = cpu::vec::active_isa();
  int threads = get_num_threads();
  for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
    if (!cpu::vec::isa_available(isa)) continue;
    cpu::vec::set_active_isa(isa);
    for (int nt : {1, 2}) {
      set_num_threads(nt);
      f(isa == Isa::Avx512 ? "avx512" : "avx2");
    }
  }
  set_num_threads(threads);
  cpu::vec::set_active_isa(prev);
}

TEST(CpuConv, ChunkedIm2colMatchesDirect) {
  const std::vector<Case> cases = {
      // several images per chunk, a ragged last chunk, groups, stride, dilation
      {20, 32, 14, 14, 8, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {5, 4, 9, 7, 6, 3, 2, {2, 1}, {1, 0}, {1, 2}, 2},
      // one image per chunk (cols over 2 MB): the GEMM writes the output in place
      {2, 64, 40, 40, 4, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      // 1x1, stride 1, no padding: the input is the column matrix
      {3, 6, 5, 5, 4, 1, 1, {1, 1}, {0, 0}, {1, 1}, 2},
      {2, 8, 6, 6, 8, 1, 1, {2, 2}, {0, 0}, {1, 1}, 1},
  };
  on_every_isa([&](const char* isa) { check_cases(cases, isa); });
}

// Shapes aimed at the implicit-GEMM forward's edges: register tiles that span several output
// rows and images (narrow outputs), output channels not a multiple of the 8-row tile, several
// K blocks (K > 512), strides 2 and 3 (phase planes), unequal strides,
// padding wider than the kernel's reach, dilation with stride, groups of fewer than 8 channels,
// a single output position, and a long row.
TEST(CpuConv, ImplicitGemmEdges) {
  const std::vector<Case> cases = {
      {3, 5, 7, 9, 11, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {2, 40, 6, 5, 17, 3, 3, {1, 1}, {2, 2}, {1, 1}, 1},
      {2, 3, 23, 37, 16, 7, 7, {2, 2}, {3, 3}, {1, 1}, 1},
      {2, 4, 17, 20, 9, 3, 2, {3, 2}, {1, 2}, {1, 1}, 1},
      {1, 6, 12, 12, 12, 3, 3, {1, 3}, {0, 4}, {2, 1}, 3},
      {4, 2, 5, 5, 3, 5, 5, {1, 1}, {0, 0}, {1, 1}, 1},
      {1, 2, 3, 300, 8, 1, 3, {1, 1}, {0, 1}, {1, 1}, 1},
      {6, 8, 4, 4, 8, 2, 2, {2, 2}, {0, 0}, {1, 1}, 8},
      // more output channels, many images, K over 512 taps, dilation with stride, 1x1
      {3, 16, 9, 11, 40, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {5, 4, 17, 19, 16, 3, 3, {1, 1}, {0, 1}, {1, 1}, 1},
      {1, 64, 6, 6, 16, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {2, 8, 12, 10, 16, 3, 3, {2, 2}, {1, 1}, {2, 2}, 1},
      {4, 64, 5, 5, 24, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1},
  };
  on_every_isa([&](const char* isa) { check_cases(cases, isa); });
}

// Input gradients that the broadcast-input kernel computes, reading the forward's weights flipped
// and transposed while packing (pack_w_flipped): 64- and 32-channel blocks (groups), one and
// several channel blocks, weights packed per item and up front (more than 384 positions),
// several K blocks, dilation without padding.
TEST(CpuConv, InputGradientFromFlippedPacking) {
  const std::vector<Case> cases = {
      {2, 64, 6, 6, 32, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {16, 64, 6, 6, 32, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {2, 128, 5, 5, 32, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {2, 64, 5, 5, 64, 3, 3, {1, 1}, {1, 1}, {1, 1}, 2},
      {2, 64, 9, 9, 32, 3, 3, {1, 1}, {0, 0}, {2, 2}, 1},
      {2, 64, 4, 4, 128, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
  };
  on_every_isa([&](const char* isa) { check_cases(cases, isa); });
}

}  // namespace

namespace {

// max_pool2d's 2x2 / stride 2 paths (branch-free loop; AVX-512, 16 outputs per step) against a
// direct loop with PyTorch's rule (a value is taken when greater or NaN, so the last NaN wins),
// on odd sizes (the last row and column are dropped), rows of more than 16 outputs, ties, -inf
// and NaNs, in float and double.
TEST(CpuPool, MaxPool2x2MatchesDirect) {
  struct Shape {
    int64_t h, w;
  };
  using cpu::vec::Isa;
  Isa prev = cpu::vec::active_isa();
  for (Isa isa : {Isa::Avx2, Isa::Avx512}) {  // AVX-512: 16 outputs per step
    if (!cpu::vec::isa_available(isa)) continue;
    cpu::vec::set_active_isa(isa);
    for (Shape sh : {Shape{7, 9}, Shape{6, 37}, Shape{5, 32}}) {
      for (ScalarType dt : {kFloat, kDouble}) {
        const int64_t h = sh.h, w = sh.w, ho = h / 2, wo = w / 2, planes = 12;
        Tensor xd = randn({3, 4, h, w}, kDouble).round();  // rounding makes ties common
        double* p = xd.data_ptr<double>();
        for (int64_t i = 0; i < xd.numel(); i += 7) p[i] = std::nan("");
        for (int64_t i = 3; i < xd.numel(); i += 11) p[i] = -INFINITY;
        Tensor x = xd.to(dt);
        auto [y, idx] = max_pool2d_with_indices(x, {2, 2});
        ASSERT_EQ(y.sizes(), IntArrayRef({3, 4, ho, wo}));
        Tensor yd = y.to(kDouble);
        for (int64_t pl = 0; pl < planes; ++pl) {
          const double* plane = p + pl * h * w;
          for (int64_t oh = 0; oh < ho; ++oh) {
            for (int64_t ow = 0; ow < wo; ++ow) {
              double best = -INFINITY;
              int64_t bi = 2 * oh * w + 2 * ow;
              for (int64_t i = 0; i < 2; ++i) {
                for (int64_t j = 0; j < 2; ++j) {
                  int64_t at = (2 * oh + i) * w + 2 * ow + j;
                  if (plane[at] > best || std::isnan(plane[at])) {
                    best = plane[at];
                    bi = at;
                  }
                }
              }
              int64_t o = (pl * ho + oh) * wo + ow;
              double got = yd.data_ptr<double>()[o];
              EXPECT_TRUE(got == best || (std::isnan(got) && std::isnan(best))) << o;
              EXPECT_EQ(idx.data_ptr<int64_t>()[o], bi) << o << " w=" << w;
            }
          }
        }
      }
    }
  }
  cpu::vec::set_active_isa(prev);
}

}  // namespace

namespace {

// The result of conv2d and its gradients does not depend on the thread count (bit for bit):
// the forward's tiles each own their outputs, and every GEMM element gets the same bits
// whatever the split - where OpenBLAS's kernel is split-invariant (its AVX-512 kernels; its
// Haswell-family ones, run on Zen 2/3/5 by OpenBLAS 0.3.21, are not: there the AVX2 path, which
// takes OpenBLAS, agrees to float rounding) (Note [One thread pool]).
TEST(CpuConv, SameBitsAtAnyThreadCount) {
  on_every_isa([&](const char* isa) {
    if (get_num_threads() != 1) return;  // one pass per ISA; the threads are set below
    for (int64_t co : {24, 40}) {
      manual_seed(7);
      Tensor x = randn({6, 16, 15, 13}).requires_grad_();
      Tensor w = randn({co, 16, 3, 3}).requires_grad_();
      Tensor b = randn({co}).requires_grad_();
      std::vector<Tensor> first;
      for (int nt : {1, 2}) {
        set_num_threads(nt);
        Tensor y = conv2d(x, w, b, {1, 1}, {1, 1});
        Tensor g = y.detach().cos();
        auto grads = autograd::grad({y}, {x, w, b}, {g});
        std::vector<Tensor> got = {y.detach(), grads[0], grads[1], grads[2]};
        if (first.empty()) {
          first = got;
        } else {
          const bool bits = cpu::blas_split_invariant() || std::string(isa) == "avx512";
          for (size_t i = 0; i < got.size(); ++i) {
            if (bits) {
              EXPECT_TRUE(got[i].equal(first[i])) << isa << " output " << i << " co=" << co;
            } else {
              EXPECT_TRUE(got[i].allclose(first[i], 1e-4, 1e-4))
                  << isa << " output " << i << " co=" << co;
            }
          }
        }
      }
      set_num_threads(1);
    }
  });
}

}  // namespace

namespace {

// The float32 weight gradient by implicit GEMM (Note [Implicit-GEMM weight gradient]; taken when
// a group has at least 8 taps) against the direct loop in double, with a tolerance that scales
// with the number of products per entry: groups, taps not a multiple of the tile, output
// channels not a multiple of 16, 32 or 64 (zero lanes in the packed grad_out), several tiles
// and several blocks of positions, strides, dilation, several image chunks, and single tiles
// over many positions (the blocks of positions shared between threads).
TEST(CpuConv, ImplicitGemmWeightGradient) {
  const std::vector<Case> cases = {
      {3, 16, 10, 9, 40, 3, 3, {1, 1}, {1, 1}, {1, 1}, 2},   // 72 taps per group, 20 channels
      {2, 5, 11, 13, 7, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},    // 45 taps, 7 channels
      {9, 24, 14, 14, 33, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},  // 216 taps, 1764 positions
      {2, 4, 20, 17, 16, 5, 5, {2, 2}, {2, 1}, {1, 1}, 1},   // 100 taps, stride 2
      {2, 12, 9, 9, 64, 3, 3, {1, 2}, {2, 2}, {2, 1}, 4},    // dilation, unequal strides
      {40, 32, 8, 8, 16, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},   // several image chunks
      {3, 16, 9, 9, 64, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},    // 64 channels: 6 x 64 tiles
      {40, 1, 28, 28, 32, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},  // 9 taps: one tile, shared blocks
      {24, 8, 14, 13, 6, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1},   // 8 taps of 1 x 1, 6 channels
      {30, 4, 12, 12, 16, 3, 3, {2, 2}, {1, 1}, {1, 1}, 4},  // 9 taps per group, 4 groups
      {2, 16, 8, 7, 128, 3, 2, {2, 1}, {1, 0}, {1, 2}, 2},   // two groups of 64, 24 taps
  };
  on_every_isa([&](const char* isa) {
    for (const Case& k : cases) {
      manual_seed(11);
      Tensor x = randn({k.n, k.c, k.h, k.w}).requires_grad_();
      Tensor w = randn({k.co, k.c / k.groups, k.kh, k.kw}).requires_grad_();
      Tensor y = conv2d(x, w, {}, k.stride, k.pad, k.dil, k.groups);
      Tensor g = randn(y.sizes());
      Tensor gw = autograd::grad({y}, {w}, {g})[0];
      Ref r = direct(k, x.detach(), w.detach(), zeros({k.co}), g);
      // Each entry sums n * ho * wo products of unit normals: float's error grows like its sqrt.
      double tol = 1e-6 * std::sqrt(static_cast<double>(g.numel() / k.co)) * 20;
      EXPECT_TRUE(gw.to(kDouble).allclose(r.gw, 1e-5, tol))
          << isa << " threads=" << get_num_threads() << " c=" << k.c << " co=" << k.co
          << " max diff " << (gw.to(kDouble) - r.gw).abs().max().item<double>();
    }
  });
}

}  // namespace
