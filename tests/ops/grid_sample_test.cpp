// grid_sampler_2d and affine_grid_generator (src/ops/grid_sample.cpp, src/cpu/grid_sample.cpp)
// against PyTorch 1.13 (grid_sample_golden.inc, tools/gen_grid_sample_golden.py) for every mode x
// padding x align_corners, gradcheck, double backward (an error for grid_sampler_2d, as PyTorch),
// bad shapes.
#include "ember/ops/grid_sample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {
#include "grid_sample_golden.inc"
#include "support/error_of.h"

Tensor mk(std::vector<int64_t> shape, double a, double b, double scale = 1.0) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return arange(n, kDouble).mul(a).add(b).sin().mul(scale).reshape(shape);
}
Tensor vec(const std::vector<double>& v, IntArrayRef shape) {
  return tensor(ArrayRef<double>(v)).reshape(shape);
}

}  // namespace

TEST(GridSampler2d, MatchesPyTorch) {
  for (const auto& c : kGridSampleCases) {
    SCOPED_TRACE("mode " + std::to_string(c.mode) + " padding " + std::to_string(c.padding) +
                 " align " + std::to_string(c.align));
    for (ScalarType dt : {kDouble, kFloat}) {
      Tensor x = mk({2, 3, 4, 5}, 0.37, 0).to(dt).requires_grad_(true);
      Tensor g = mk({2, 3, 4, 2}, 0.91, 0.3, 1.25).to(dt).requires_grad_(true);
      Tensor out = grid_sampler_2d(x, g, c.mode, c.padding, c.align);
      EXPECT_EQ(out.dtype(), dt);
      EXPECT_EQ(out.grad_fn()->name(), "GridSampler2DBackward0");
      double tol = dt == kDouble ? 1e-9 : 1e-4;
      EXPECT_TRUE(all_close(out, vec(c.out, {2, 3, 3, 4}), tol, tol));
      Tensor w = mk({2, 3, 3, 4}, 0.53, 1.1).to(dt);
      auto grads = autograd::grad({(out * w).sum()}, {x, g});
      EXPECT_TRUE(all_close(grads[0], vec(c.gin, {2, 3, 4, 5}), tol, tol));
      EXPECT_TRUE(all_close(grads[1], vec(c.ggrid, {2, 3, 4, 2}), tol * 10, tol * 10));
    }
  }
}

TEST(GridSampler2d, Gradcheck) {
  // Random points away from pixel boundaries and the clipping edges, where the op is smooth.
  manual_seed(0);
  Tensor x = randn({2, 2, 4, 5}, kDouble);
  Tensor g = rand({2, 3, 2, 2}, kDouble) * 1.6 - 0.8;
  for (int64_t mode : {0, 1, 2}) {
    for (int64_t padding : {0, 1, 2}) {
      for (bool align : {false, true}) {
        SCOPED_TRACE(std::to_string(mode) + " " + std::to_string(padding) + " " +
                     std::to_string(align));
        auto f = [=](const variable_list& v) {
          return grid_sampler_2d(v[0], v[1], mode, padding, align);
        };
        EXPECT_TRUE(ember::testing::gradcheck(f, {x, g}));
      }
    }
  }
  // Out-of-range points in zeros padding.
  Tensor far = rand({2, 3, 2, 2}, kDouble) * 3 - 1.5;
  auto f = [](const variable_list& v) { return grid_sampler_2d(v[0], v[1], 0, 0, false); };
  EXPECT_TRUE(ember::testing::gradcheck(f, {x, far}));
}

TEST(GridSampler2d, DoubleBackwardIsAnError) {
  Tensor x = randn({1, 1, 3, 3}, kDouble).requires_grad_(true);
  Tensor g = (rand({1, 2, 2, 2}, kDouble) - 0.5).requires_grad_(true);
  Tensor out = grid_sampler_2d(x, g, 0, 0, false);
  auto gr = autograd::grad({out.sum()}, {x, g}, {}, std::nullopt, true);
  ASSERT_TRUE(gr[1].requires_grad());
  EXPECT_EQ(gr[1].grad_fn()->name(), "NotImplemented");
  EXPECT_NE(error_of([&] {
              autograd::grad({gr[1].sum()}, {g});
            }).find("derivative for grid_sampler_2d_backward is not implemented"),
            std::string::npos);
  // Only the requested gradients are computed.
  auto [gi, gg] = grid_sampler_2d_backward(ones({1, 1, 2, 2}, kDouble), x.detach(), g.detach(), 0,
                                           0, false, {false, true});
  EXPECT_FALSE(gi.defined());
  EXPECT_EQ(gg.sizes(), IntArrayRef({1, 2, 2, 2}));
}

TEST(GridSampler2d, FarAndNonFiniteGrid) {
  Tensor x = (arange(12, kFloat) + 1).reshape({1, 1, 3, 4});
  Tensor g = tensor({1e20f, -1e20f}).reshape({1, 1, 1, 2});
  // Values from PyTorch 1.13 (align_corners=False).
  for (int64_t mode : {0, 1, 2}) {
    EXPECT_EQ(grid_sampler_2d(x, g, mode, 0, false).item<float>(), 0.f) << mode;
    EXPECT_EQ(grid_sampler_2d(x, g, mode, 1, false).item<float>(), 4.f) << mode;
  }
  // NaN and infinities: any value, but no crash and the right shape.
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  Tensor bad = tensor({nan, 0.f, inf, 0.f, -inf, 0.5f, 0.f, nan}).reshape({1, 1, 4, 2});
  for (int64_t mode : {0, 1, 2}) {
    for (int64_t padding : {0, 1, 2}) {
      for (bool align : {false, true}) {
        Tensor xr = x.clone().requires_grad_(true), gr = bad.clone().requires_grad_(true);
        Tensor out = grid_sampler_2d(xr, gr, mode, padding, align);
        EXPECT_EQ(out.sizes(), IntArrayRef({1, 1, 1, 4}));
        out.sum().backward();
      }
    }
  }
}

TEST(GridSampler2d, ShapesAndErrors) {
  Tensor x = randn({2, 3, 4, 5}), g = rand({2, 6, 7, 2}) * 2 - 1;
  EXPECT_EQ(grid_sampler_2d(x, g, 0, 0, false).sizes(), IntArrayRef({2, 3, 6, 7}));
  EXPECT_EQ(grid_sampler(x, g, 1, 2, true).sizes(), IntArrayRef({2, 3, 6, 7}));
  // Non-contiguous input and grid give the same values as contiguous ones.
  Tensor xt = randn({2, 3, 5, 4}).transpose(2, 3),
         gt = (rand({2, 7, 6, 2}) * 2 - 1).transpose(1, 2);
  EXPECT_TRUE(grid_sampler_2d(xt, gt, 0, 1, false)
                  .equal(grid_sampler_2d(xt.contiguous(), gt.contiguous(), 0, 1, false)));
  // Zero-size batch, channels and output grid.
  EXPECT_EQ(grid_sampler_2d(randn({0, 3, 4, 5}), rand({0, 2, 2, 2}), 0, 0, false).sizes(),
            IntArrayRef({0, 3, 2, 2}));
  EXPECT_EQ(grid_sampler_2d(randn({2, 0, 4, 5}), rand({2, 2, 2, 2}), 2, 0, false).sizes(),
            IntArrayRef({2, 0, 2, 2}));
  EXPECT_EQ(grid_sampler_2d(x, rand({2, 0, 3, 2}), 0, 0, false).sizes(), IntArrayRef({2, 3, 0, 3}));
  auto has = [](const std::string& msg, const char* what) {
    return msg.find(what) != std::string::npos;
  };
  EXPECT_TRUE(has(error_of([&] {
                    grid_sampler_2d(x, rand({3, 6, 7, 2}), 0, 0, false);
                  }),
                  "[grid_sampler_2d] expected grid and input to have same batch size"));
  EXPECT_TRUE(has(error_of([&] {
                    grid_sampler_2d(x, rand({2, 6, 7, 3}), 0, 0, false);
                  }),
                  "expected grid to have size 2 in last dimension"));
  EXPECT_TRUE(has(error_of([&] {
                    grid_sampler_2d(randn({3, 4, 5}), rand({3, 6, 2}), 0, 0, false);
                  }),
                  "expected 4D input and grid"));
  EXPECT_TRUE(has(error_of([&] {
                    grid_sampler_2d(randn({2, 3, 0, 5}), g, 0, 0, false);
                  }),
                  "non-empty spatial dimensions"));
  EXPECT_TRUE(has(error_of([&] { grid_sampler_2d(x, g.to(kDouble), 0, 0, false); }), "same dtype"));
  EXPECT_TRUE(has(error_of([&] { grid_sampler_2d(x.to(kLong), g.to(kLong), 0, 0, false); }),
                  "expected float or double"));
  EXPECT_TRUE(has(error_of([&] { grid_sampler_2d(x, g, 3, 0, false); }), "interpolation_mode"));
  EXPECT_TRUE(has(error_of([&] { grid_sampler_2d(x, g, 0, -1, false); }), "padding_mode"));
  EXPECT_EQ(grid_sampler(randn({1, 2, 2, 3, 4}), rand({1, 5, 1, 2, 3}), 1, 1, true).sizes(),
            IntArrayRef({1, 2, 5, 1, 2}));
  EXPECT_TRUE(has(error_of([&] {
                    grid_sampler_3d(randn({1, 1, 2, 2, 2}), rand({1, 2, 2, 2, 3}), 2, 0, false);
                  }),
                  "bicubic interpolation only supports 4D input"));
  EXPECT_TRUE(has(error_of([&] {
                    grid_sampler_3d(randn({1, 1, 2, 2, 2}), rand({1, 2, 2, 2, 2}), 0, 0, false);
                  }),
                  "[grid_sampler_3d] expected grid to have size 3 in last dimension"));
  EXPECT_TRUE(has(error_of([&] { grid_sampler_3d(x, g, 0, 0, false); }), "expected 5D input"));
}

TEST(GridSampler3d, MatchesPyTorch) {
  for (const auto& c : kGridSample3dCases) {
    SCOPED_TRACE("mode " + std::to_string(c.mode) + " padding " + std::to_string(c.padding) +
                 " align " + std::to_string(c.align));
    for (ScalarType dt : {kDouble, kFloat}) {
      Tensor x = mk({2, 2, 3, 4, 5}, 0.37, 0).to(dt).requires_grad_(true);
      Tensor g = mk({2, 2, 3, 2, 3}, 0.91, 0.3, 1.25).to(dt).requires_grad_(true);
      Tensor out = grid_sampler(x, g, c.mode, c.padding, c.align);
      EXPECT_EQ(out.grad_fn()->name(), "GridSampler3DBackward0");
      double tol = dt == kDouble ? 1e-9 : 1e-4;
      EXPECT_TRUE(all_close(out, vec(c.out, {2, 2, 2, 3, 2}), tol, tol));
      Tensor w = mk({2, 2, 2, 3, 2}, 0.53, 1.1).to(dt);
      auto grads = autograd::grad({(out * w).sum()}, {x, g});
      EXPECT_TRUE(all_close(grads[0], vec(c.gin, {2, 2, 3, 4, 5}), tol, tol));
      EXPECT_TRUE(all_close(grads[1], vec(c.ggrid, {2, 2, 3, 2, 3}), tol * 10, tol * 10));
    }
  }
}

TEST(GridSampler3d, Gradcheck) {
  manual_seed(1);
  Tensor x = randn({1, 2, 3, 4, 3}, kDouble);
  Tensor g = rand({1, 2, 2, 2, 3}, kDouble) * 1.6 - 0.8;
  for (int64_t mode : {0, 1}) {
    for (int64_t padding : {0, 1, 2}) {
      for (bool align : {false, true}) {
        auto f = [=](const variable_list& v) {
          return grid_sampler_3d(v[0], v[1], mode, padding, align);
        };
        EXPECT_TRUE(ember::testing::gradcheck(f, {x, g})) << mode << " " << padding << " " << align;
      }
    }
  }
}

TEST(AffineGridGenerator, MatchesPyTorch) {
  for (const auto& c : kAffineGridCases) {
    SCOPED_TRACE(std::to_string(c.dims) + "D align " + std::to_string(c.align));
    std::vector<int64_t> tshape =
        c.dims == 2 ? std::vector<int64_t>{2, 2, 3} : std::vector<int64_t>{2, 3, 4};
    std::vector<int64_t> size =
        c.dims == 2 ? std::vector<int64_t>{2, 3, 3, 4} : std::vector<int64_t>{2, 3, 2, 3, 4};
    std::vector<int64_t> gshape =
        c.dims == 2 ? std::vector<int64_t>{2, 3, 4, 2} : std::vector<int64_t>{2, 2, 3, 4, 3};
    Tensor th = mk(tshape, 0.7, 0.2).requires_grad_(true);
    Tensor grid = affine_grid_generator(th, size, c.align);
    EXPECT_EQ(grid.grad_fn()->name(), "AffineGridGeneratorBackward0");
    EXPECT_TRUE(all_close(grid, vec(c.grid, gshape), 1e-10, 1e-10));
    Tensor w = mk(gshape, 0.29, 0.5);
    Tensor gt = autograd::grad({(grid * w).sum()}, {th})[0];
    EXPECT_TRUE(all_close(gt, vec(c.gtheta, tshape), 1e-9, 1e-9));
    auto f = [&](const variable_list& v) { return affine_grid_generator(v[0], size, c.align); };
    EXPECT_TRUE(ember::testing::gradcheck(f, {th.detach()}));
    EXPECT_TRUE(ember::testing::gradgradcheck(f, {th.detach()}));
    // float
    Tensor gf = affine_grid_generator(th.detach().to(kFloat), size, c.align);
    EXPECT_EQ(gf.dtype(), kFloat);
    EXPECT_TRUE(all_close(gf, vec(c.grid, gshape), 1e-5, 1e-5));
  }
}

TEST(AffineGridGenerator, SizeOneAndErrors) {
  // A size-1 dimension samples its centre (0), as PyTorch.
  Tensor th = tensor({1.0, 0.0, 0.0, 0.0, 1.0, 0.0}).reshape({1, 2, 3});
  Tensor grid = affine_grid_generator(th, {1, 1, 1, 3}, false);
  EXPECT_TRUE(all_close(grid.flatten(), tensor({-2.0 / 3, 0.0, 0.0, 0.0, 2.0 / 3, 0.0})));
  auto has = [](const std::string& msg, const char* what) {
    return msg.find(what) != std::string::npos;
  };
  EXPECT_TRUE(has(error_of([&] {
                    affine_grid_generator(randn({1, 3, 4}), {1, 1, 2, 2}, false);
                  }),
                  "Expected a batch of 2D affine matrices of shape Nx2x3"));
  EXPECT_TRUE(has(error_of([&] {
                    affine_grid_generator(randn({1, 2, 3}), {1, 1, 2, 2, 2}, false);
                  }),
                  "Expected a batch of 3D affine matrices of shape Nx3x4"));
  EXPECT_TRUE(has(error_of([&] {
                    affine_grid_generator(randn({1, 2, 3}), {1, 2, 2}, false);
                  }),
                  "only supports 4D and 5D sizes"));
  // Empty sizes are fine at ATen level (F::affine_grid refuses them).
  EXPECT_EQ(affine_grid_generator(randn({1, 2, 3}), {1, 1, 0, 2}, false).sizes(),
            IntArrayRef({1, 0, 2, 2}));
  EXPECT_EQ(affine_grid_generator(randn({0, 2, 3}), {0, 1, 2, 2}, false).sizes(),
            IntArrayRef({0, 2, 2, 2}));
  EXPECT_TRUE(has(error_of([&] {
                    affine_grid_generator(randn({1, 2, 3}), {1, 1, -1, 2}, false);
                  }),
                  "negative output size"));
  EXPECT_TRUE(has(error_of([&] {
                    affine_grid_generator(ones({1, 2, 3}, kLong), {1, 1, 2, 2}, false);
                  }),
                  "floating point"));
  EXPECT_TRUE(has(error_of([&] {
                    affine_grid_generator(randn({2, 2, 3}), {3, 1, 2, 2}, false);
                  }),
                  "batch size"));
}
