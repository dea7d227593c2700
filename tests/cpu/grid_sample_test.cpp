// src/cpu/grid_sample.cpp: the grid_sampler_2d/3d kernels (forward parallel over output points,
// backward over the batch, each gradient written only when asked for), against naive sampling,
// the adjoint identity and finite differences, in double.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

double unnorm(double c, int64_t size, bool align) {
  return align ? (c + 1) / 2 * double(size - 1) : ((c + 1) * double(size) - 1) / 2;
}

// Bilinear (mode 0) or nearest (mode 1) sampling of one [H, W] plane with zeros (0) or border (1)
// padding, written out.
double sample2d(const double* p, int64_t H, int64_t W, double gx, double gy, int mode, int pad,
                bool align) {
  double x = unnorm(gx, W, align), y = unnorm(gy, H, align);
  if (pad == 1) x = std::clamp(x, 0.0, double(W - 1)), y = std::clamp(y, 0.0, double(H - 1));
  auto at = [&](int64_t r, int64_t c) {
    return r < 0 || r >= H || c < 0 || c >= W ? 0.0 : p[r * W + c];
  };
  if (mode == 1) return at(int64_t(std::nearbyint(y)), int64_t(std::nearbyint(x)));
  int64_t x0 = int64_t(std::floor(x)), y0 = int64_t(std::floor(y));
  double tx = x - double(x0), ty = y - double(y0);
  return at(y0, x0) * (1 - tx) * (1 - ty) + at(y0, x0 + 1) * tx * (1 - ty) +
         at(y0 + 1, x0) * (1 - tx) * ty + at(y0 + 1, x0 + 1) * tx * ty;
}

// Forward against the naive sampler: bilinear and nearest, zeros and border padding, both
// corner conventions, one channel or many, grids spilling past [-1, 1], float and double, and
// enough points to split over threads (the same bits at 1 and 4 threads).
TEST(CpuGridSample, Forward2dMatchesNaiveSampling) {
  manual_seed(4);
  for (auto [C, Ho, Wo] : std::vector<std::array<int64_t, 3>>{{1, 3, 5}, {3, 7, 4}, {2, 30, 40}}) {
    for (ScalarType dt : {kFloat, kDouble}) {
      const int64_t N = 2, H = 5, W = 6;
      Tensor x = randn({N, C, H, W}, dt), grid = (rand({N, Ho, Wo, 2}, dt) * 2.4 - 1.2);
      std::vector<double> xv = values(x), gv = values(grid);
      for (int mode : {0, 1}) {
        for (int pad : {0, 1}) {
          for (bool align : {false, true}) {
            std::vector<double> want(N * C * Ho * Wo);
            for (int64_t n = 0; n < N; ++n)
              for (int64_t c = 0; c < C; ++c)
                for (int64_t o = 0; o < Ho * Wo; ++o) {
                  const double* g = gv.data() + (n * Ho * Wo + o) * 2;
                  want[(n * C + c) * Ho * Wo + o] =
                      sample2d(xv.data() + (n * C + c) * H * W, H, W, g[0], g[1], mode, pad, align);
                }
            Tensor one;
            for (int nt : {1, 4}) {
              Threads threads(nt);
              Tensor y = grid_sampler_2d(x, grid, mode, pad, align);
              EXPECT_TRUE(matches(y, want, dt == kFloat ? 1e-5 : 1e-12))
                  << "C=" << C << " mode=" << mode << " pad=" << pad << " align=" << align << " "
                  << toString(dt);
              if (one.defined()) {
                EXPECT_TRUE(y.equal(one));
              }
              one = y;
            }
          }
        }
      }
    }
  }
}

// 3-D trilinear as the product of 1-D weights over the eight corners, zeros padding.
TEST(CpuGridSample, Forward3dMatchesNaiveTrilinear) {
  const int64_t N = 2, C = 3, D = 4, H = 3, W = 5, P = 11;
  Tensor x = randn({N, C, D, H, W}, kDouble), grid = rand({N, 1, 1, P, 3}, kDouble) * 2.2 - 1.1;
  std::vector<double> xv = values(x), gv = values(grid);
  for (bool align : {false, true}) {
    std::vector<double> want(N * C * P);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t p = 0; p < P; ++p) {
        const double* g = gv.data() + (n * P + p) * 3;
        double u[3] = {unnorm(g[0], W, align), unnorm(g[1], H, align), unnorm(g[2], D, align)};
        int64_t size[3] = {W, H, D};
        for (int64_t c = 0; c < C; ++c) {
          double s = 0;
          for (int corner = 0; corner < 8; ++corner) {
            int64_t i[3];
            double wgt = 1;
            bool inside = true;
            for (int a = 0; a < 3; ++a) {
              int64_t lo = int64_t(std::floor(u[a]));
              i[a] = lo + ((corner >> a) & 1);
              wgt *= (corner >> a) & 1 ? u[a] - double(lo) : 1 - (u[a] - double(lo));
              inside = inside && i[a] >= 0 && i[a] < size[a];
            }
            if (inside) s += wgt * xv[(((n * C + c) * D + i[2]) * H + i[1]) * W + i[0]];
          }
          want[(n * C + c) * P + p] = s;
        }
      }
    EXPECT_TRUE(matches(grid_sampler_3d(x, grid, 0, 0, align), want, 1e-12)) << align;
  }
}

// Backward, every mode and padding, 2-D and 3-D: grad_input is the forward's adjoint
// (<g, sample(x)> = <grad_input, x>), grad_grid the central difference of <g, sample(x)>; each
// gradient is computed only when asked for, the same either way; the same bits at 1 and 4 threads.
TEST(CpuGridSample, BackwardAdjointAndFiniteDifferences) {
  manual_seed(6);
  for (int dims : {2, 3}) {
    for (int mode : {0, 1, 2}) {
      if (dims == 3 && mode == 2) continue;  // no bicubic in 3-D
      for (int pad : {0, 1, 2}) {
        for (bool align : {false, true}) {
          std::vector<int64_t> xs = {3, 2, 4, 5}, gs = {3, 4, 3, 2};
          if (dims == 3) xs = {3, 2, 3, 4, 5}, gs = {3, 2, 3, 2, 3};
          Tensor x = randn(xs, kDouble), grid = rand(gs, kDouble) * 2.4 - 1.2;
          auto fwd = [&](const Tensor& g) {
            return dims == 2 ? grid_sampler_2d(x, g, mode, pad, align)
                             : grid_sampler_3d(x, g, mode, pad, align);
          };
          auto bwd = [&](const Tensor& go, std::array<bool, 2> mask) {
            return dims == 2 ? grid_sampler_2d_backward(go, x, grid, mode, pad, align, mask)
                             : grid_sampler_3d_backward(go, x, grid, mode, pad, align, mask);
          };
          Tensor go = randn(fwd(grid).sizes(), kDouble);
          std::string at = std::to_string(dims) + "d mode=" + std::to_string(mode) +
                           " pad=" + std::to_string(pad) + " align=" + std::to_string(align);
          Tensor gi, gg;
          {
            Threads threads(4);
            std::tie(gi, gg) = bwd(go, {true, true});
          }
          {
            Threads threads(1);
            auto [gi1, gg1] = bwd(go, {true, true});
            EXPECT_TRUE(gi1.equal(gi) && gg1.equal(gg)) << at;
          }
          EXPECT_NEAR((go * fwd(grid)).sum().item<double>(), (gi * x).sum().item<double>(), 1e-10)
              << at;
          auto [gi_only, none] = bwd(go, {true, false});
          auto [none2, gg_only] = bwd(go, {false, true});
          EXPECT_FALSE(none.defined());
          EXPECT_FALSE(none2.defined());
          EXPECT_TRUE(gi_only.equal(gi) && gg_only.equal(gg)) << at;
          // Central differences of <go, sample(x)> for a few grid entries.
          std::vector<double> ggv = values(gg);
          for (int64_t k = 0; k < grid.numel(); k += 5) {
            const double eps = 1e-6;
            Tensor gp = grid.clone(), gm = grid.clone();
            gp.view({-1}).select(0, k).add_(eps);
            gm.view({-1}).select(0, k).sub_(eps);
            double fd =
                ((go * fwd(gp)).sum().item<double>() - (go * fwd(gm)).sum().item<double>()) /
                (2 * eps);
            EXPECT_NEAR(ggv[k], mode == 1 ? 0.0 : fd, 1e-5 * (1 + std::fabs(fd))) << at << " " << k;
          }
        }
      }
    }
  }
}

}  // namespace
