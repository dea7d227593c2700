// src/cpu/conv_avx512.cpp: the AVX-512 float32 implicit-GEMM convolution forward and the 2x2
// max pool, called through their entry points (src/cpu/conv_fast.h) against direct loops in
// double; skipped where the CPU lacks AVX-512.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/cpu/conv_fast.h"
#include "src/cpu/vec_math.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

#define EMBER_REQUIRE_AVX512()                           \
  if (!cpu::vec::isa_available(cpu::vec::Isa::Avx512)) { \
    GTEST_SKIP() << "this CPU or build has no AVX-512";  \
  }

using P2 = std::array<int64_t, 2>;

cpu::ConvGeom geom(int64_t n, int64_t c, int64_t h, int64_t w, int64_t co, int64_t kh, int64_t kw,
                   P2 s, P2 p, P2 d, int64_t groups) {
  cpu::ConvGeom g{n, c, h, w, co, kh, kw, 0, 0, s[0], s[1], p[0], p[1], d[0], d[1], groups};
  g.ho = (h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1;
  g.wo = (w + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
  return g;
}

// A case: input [n, c, h, w], weight [co, c / groups, kh, kw], stride s, padding p, dilation d.
struct C {
  int64_t n, c, h, w, co, kh, kw;
  P2 s, p, d;
  int64_t groups;
};

// Direct convolution in double: out[b, o, oh, ow] = bias[o] + sum x * w over the group's taps.
std::vector<double> direct(const cpu::ConvGeom& g, const float* x, const float* w,
                           const float* bias) {
  const int64_t cg = g.c / g.groups, cog = g.co / g.groups;
  std::vector<double> out(static_cast<size_t>(g.n * g.co * g.ho * g.wo));
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t o = 0; o < g.co; ++o)
      for (int64_t oh = 0; oh < g.ho; ++oh)
        for (int64_t ow = 0; ow < g.wo; ++ow) {
          double acc = bias ? bias[o] : 0.0;
          for (int64_t cc = 0; cc < cg; ++cc)
            for (int64_t i = 0; i < g.kh; ++i)
              for (int64_t j = 0; j < g.kw; ++j) {
                int64_t ih = oh * g.sh - g.ph + i * g.dh, iw = ow * g.sw - g.pw + j * g.dw;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                int64_t c = o / cog * cg + cc;
                acc += double(x[((b * g.c + c) * g.h + ih) * g.w + iw]) *
                       w[((o * cg + cc) * g.kh + i) * g.kw + j];
              }
          out[static_cast<size_t>(((b * g.co + o) * g.ho + oh) * g.wo + ow)] = acc;
        }
  return out;
}

// Runs the kernel into an output framed by NaN canaries (masked stores must not touch them) at
// 1 and 4 threads: the same bits, and the direct loop's values.
void check(const cpu::ConvGeom& g, bool with_bias) {
  Tensor x = randn({g.n, g.c, g.h, g.w}), w = randn({g.co, g.c / g.groups, g.kh, g.kw});
  Tensor b = randn({g.co});
  const int64_t numel = g.n * g.co * g.ho * g.wo, pad = 64;
  std::vector<double> want = direct(g, x.data_ptr<float>(), w.data_ptr<float>(),
                                    with_bias ? b.data_ptr<float>() : nullptr);
  Tensor first;
  for (int nt : {1, 4}) {
    Threads threads(nt);
    Tensor buf = full({numel + 2 * pad}, std::nanf(""));
    cpu::conv2d_f32_fast(x.data_ptr<float>(), w.data_ptr<float>(),
                         with_bias ? b.data_ptr<float>() : nullptr, buf.data_ptr<float>() + pad, g);
    std::string at = "n=" + std::to_string(g.n) + " c=" + std::to_string(g.c) +
                     " co=" + std::to_string(g.co) + " " + std::to_string(g.h) + "x" +
                     std::to_string(g.w) + " k=" + std::to_string(g.kh) + "x" +
                     std::to_string(g.kw) + " groups=" + std::to_string(g.groups) +
                     " threads=" + std::to_string(nt);
    EXPECT_TRUE(buf.slice(0, 0, pad).isnan().all().item<bool>()) << at;
    EXPECT_TRUE(buf.slice(0, pad + numel).isnan().all().item<bool>()) << at;
    Tensor out = buf.slice(0, pad, pad + numel);
    double k = std::sqrt(static_cast<double>(g.c / g.groups * g.kh * g.kw));
    EXPECT_TRUE(matches(out, want, 2e-6 * k)) << at;
    if (!first.defined()) {
      first = out.clone();
    } else {
      EXPECT_TRUE(out.equal(first)) << at;
    }
  }
}

// Strides (phase planes), padding wider than the kernel's reach, dilation, groups, channel counts
// that are not multiples of the 8-row tile or 16 lanes, batches, K over 512 taps (several K
// blocks), many output channels on few positions (channel ranges sharing a packed block), long
// rows and a single output position.
TEST(CpuConvAvx512, ForwardMatchesDirectLoop) {
  EMBER_REQUIRE_AVX512();
  manual_seed(5);
  const std::vector<C> cases = {
      {1, 1, 1, 1, 1, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1},
      {2, 3, 7, 9, 5, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {3, 6, 11, 13, 9, 3, 2, {2, 3}, {1, 2}, {1, 1}, 3},
      {2, 4, 12, 12, 12, 3, 3, {1, 2}, {0, 4}, {2, 1}, 2},
      {2, 5, 9, 8, 17, 5, 5, {1, 1}, {3, 3}, {2, 2}, 1},
      {1, 70, 6, 5, 7, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {1, 16, 6, 6, 64, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {2, 3, 2, 70, 4, 1, 3, {1, 1}, {0, 1}, {1, 1}, 1},
      {4, 8, 3, 3, 24, 3, 3, {1, 1}, {0, 0}, {1, 1}, 4},
      {3, 2, 15, 17, 1, 7, 7, {3, 3}, {3, 3}, {1, 1}, 1},
  };
  for (const C& k : cases) {
    check(geom(k.n, k.c, k.h, k.w, k.co, k.kh, k.kw, k.s, k.p, k.d, k.groups), true);
  }
  check(geom(2, 8, 10, 10, 8, 3, 3, {2, 2}, {1, 1}, {1, 1}, 1), false);
}

// Note [Broadcast-input convolution]: 64- and 32-channel blocks of output channels and at least
// 256 taps. One and several K blocks, strides, padding, dilation, groups of 64 channels, outputs of
// fewer than 16 positions per image (a 16-position store spans images), single-position images,
// position ranges with a short tail, and batches long enough to give every thread several ranges.
TEST(CpuConvAvx512, BroadcastInputPathMatchesDirectLoop) {
  EMBER_REQUIRE_AVX512();
  manual_seed(6);
  const std::vector<C> cases = {
      {2, 32, 9, 11, 64, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {1, 64, 8, 8, 128, 3, 3, {2, 2}, {1, 1}, {1, 1}, 1},
      {2, 128, 6, 7, 128, 3, 3, {1, 1}, {2, 2}, {2, 2}, 2},
      {3, 30, 5, 5, 64, 3, 3, {1, 1}, {0, 0}, {1, 1}, 1},
      {20, 300, 1, 1, 64, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1},
      {3, 16, 10, 9, 192, 5, 4, {2, 1}, {2, 1}, {1, 2}, 1},
      {9, 32, 14, 14, 64, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      // 32-channel blocks (32 x 12 tiles): the Fashion-MNIST conv2's input gradient, groups.
      {5, 64, 14, 14, 32, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1},
      {2, 96, 9, 10, 96, 3, 3, {2, 1}, {1, 0}, {1, 1}, 3},
      {7, 288, 2, 2, 32, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1},
  };
  for (const C& k : cases) {
    check(geom(k.n, k.c, k.h, k.w, k.co, k.kh, k.kw, k.s, k.p, k.d, k.groups), true);
  }
  check(geom(2, 64, 7, 7, 64, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1), false);
}

// No input channels: the output is the bias (or zero); nothing to do for empty batches.
TEST(CpuConvAvx512, DegenerateShapes) {
  EMBER_REQUIRE_AVX512();
  const P2 s{1, 1}, p{0, 0}, d{1, 1};
  cpu::ConvGeom g = geom(2, 0, 4, 4, 3, 3, 3, s, p, d, 1);
  std::vector<float> bias = {1.5f, -2.f, 0.25f}, out(2 * 3 * 2 * 2, std::nanf(""));
  cpu::conv2d_f32_fast(nullptr, nullptr, bias.data(), out.data(), g);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], bias[i / 4 % 3]) << i;
  cpu::conv2d_f32_fast(nullptr, nullptr, nullptr, out.data(), g);
  for (float v : out) EXPECT_EQ(v, 0.f);
  cpu::ConvGeom empty = geom(0, 2, 4, 4, 3, 3, 3, s, p, d, 1);
  cpu::conv2d_f32_fast(nullptr, nullptr, nullptr, nullptr, empty);  // touches nothing
}

// The 2x2 / stride-2 max pool: 16 outputs per step with a masked tail, odd sizes (the last row
// and column dropped), ties (the first index), -inf and NaN (the last NaN wins), against the
// scalar rule; output canaries stay untouched.
TEST(CpuConvAvx512, MaxPool2x2MatchesScalarRule) {
  EMBER_REQUIRE_AVX512();
  Threads threads(4);
  for (auto [h, w] :
       std::vector<std::pair<int64_t, int64_t>>{{2, 2}, {7, 9}, {4, 33}, {5, 64}, {3, 35}}) {
    const int64_t planes = 6, ho = h / 2, wo = w / 2, n = planes * ho * wo;
    Tensor x = randn({planes, h, w}).round();
    float* px = x.data_ptr<float>();
    for (int64_t i = 0; i < x.numel(); i += 7) px[i] = std::nanf("");
    for (int64_t i = 3; i < x.numel(); i += 11) px[i] = -INFINITY;
    std::vector<float> y(n + 32, 42.f);
    std::vector<int64_t> idx(n + 32, -7);
    cpu::max_pool2x2_f32(px, y.data() + 16, idx.data() + 16, planes, h, w, ho, wo);
    for (int k = 0; k < 16; ++k) {
      EXPECT_EQ(y[k], 42.f);
      EXPECT_EQ(y[n + 16 + k], 42.f);
      EXPECT_EQ(idx[k], -7);
      EXPECT_EQ(idx[n + 16 + k], -7);
    }
    for (int64_t pl = 0; pl < planes; ++pl)
      for (int64_t oh = 0; oh < ho; ++oh)
        for (int64_t ow = 0; ow < wo; ++ow) {
          const float* plane = px + pl * h * w;
          int64_t bi = 2 * oh * w + 2 * ow;
          for (int64_t at : {bi + 1, bi + w, bi + w + 1})
            if (plane[at] > plane[bi] || std::isnan(plane[at])) bi = at;
          int64_t o = 16 + (pl * ho + oh) * wo + ow;
          EXPECT_TRUE(y[o] == plane[bi] || (std::isnan(y[o]) && std::isnan(plane[bi]))) << o;
          EXPECT_EQ(idx[o], bi) << h << "x" << w << " at " << o;
        }
  }
}

}  // namespace

namespace {

// Images whose phase planes exceed the 4 MB batch (one image per batch, three batches), against
// the double im2col path (cheaper than the direct loop at this size).
TEST(CpuConv, ImplicitGemmSeveralImageBatches) {
  manual_seed(11);
  Tensor x = randn({3, 128, 64, 64});
  Tensor w = randn({12, 128, 3, 3}) * 0.05;
  Tensor b = randn({12});
  Tensor y = conv2d(x, w, b, {1, 1}, {1, 1});
  Tensor want = conv2d(x.to(kDouble), w.to(kDouble), b.to(kDouble), {1, 1}, {1, 1});
  EXPECT_TRUE(y.to(kDouble).allclose(want, 1e-4, 1e-4));
  // The weight gradient (Note [Implicit-GEMM weight gradient]) over the same three image chunks
  // against double precision (im2col + GEMM): every chunk's products must be added once.
  Tensor wf = w.clone().requires_grad_(), wd = w.to(kDouble).requires_grad_();
  Tensor g = randn(y.sizes());
  Tensor gw = autograd::grad({conv2d(x, wf, b, {1, 1}, {1, 1})}, {wf}, {g})[0];
  Tensor gwd = autograd::grad({conv2d(x.to(kDouble), wd, b.to(kDouble), {1, 1}, {1, 1})}, {wd},
                              {g.to(kDouble)})[0];
  EXPECT_TRUE(gw.to(kDouble).allclose(gwd, 1e-4, 1e-2))
      << (gw.to(kDouble) - gwd).abs().max().item<double>();
}

}  // namespace
