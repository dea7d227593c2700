// F::affine_grid and F::grid_sample (src/nn/vision.cpp): libtorch's option structs and defaults
// map onto the ATen-level ops, and the spatial transformer pipeline matches PyTorch 1.13.
#include "ember/nn/functional/vision.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
namespace F = ember::nn::functional;

TEST(Vision, GridSampleOptionsMapOntoCodes) {
  manual_seed(0);
  Tensor x = randn({2, 3, 5, 6}), g = rand({2, 4, 3, 2}) * 2.4 - 1.2;
  EXPECT_TRUE(F::grid_sample(x, g).equal(grid_sampler_2d(x, g, 0, 0, false)));
  EXPECT_TRUE(F::grid_sample(x, g, F::GridSampleFuncOptions().mode(kNearest))
                  .equal(grid_sampler_2d(x, g, 1, 0, false)));
  EXPECT_TRUE(
      F::grid_sample(
          x, g,
          F::GridSampleFuncOptions().mode(kBicubic).padding_mode(kReflection).align_corners(true))
          .equal(grid_sampler_2d(x, g, 2, 2, true)));
  EXPECT_TRUE(F::grid_sample(x, g, F::GridSampleFuncOptions().padding_mode(kBorder))
                  .equal(grid_sampler_2d(x, g, 0, 1, false)));
  EXPECT_THROW(F::grid_sample(x, g.narrow(0, 0, 1)), Error);
}

TEST(Vision, SpatialTransformerMatchesPyTorch) {
  // theta rotates by 0.3 rad, scales by 0.8 and shifts by (0.1, -0.2); input arange(16) 4x4.
  double c = std::cos(0.3) * 0.8, s = std::sin(0.3) * 0.8;
  std::vector<double> th{c, -s, 0.1, s, c, -0.2};
  Tensor theta = tensor(ArrayRef<double>(th)).reshape({1, 2, 3}).requires_grad_(true);
  Tensor x = arange(16, kDouble).reshape({1, 1, 4, 4});
  Tensor grid = F::affine_grid(theta, {1, 1, 3, 3}, false);
  Tensor out = F::grid_sample(x, grid, F::GridSampleFuncOptions().align_corners(false));
  // torch.nn.functional, PyTorch 1.13
  EXPECT_TRUE(
      all_close(out.flatten(), tensor({0.7628399074391713, 2.33911920016951, 4.427768116750201,
                                       3.8200881965109716, 6.100000000000001, 8.37991180348903,
                                       7.580968996341463, 9.86088079983049, 12.14079260331952})));
  out.sum().backward();
  EXPECT_TRUE(all_close(theta.grad().flatten(),
                        tensor({-7.134048959084073, 7.75870800487805, 6.361937992682924,
                                3.822420621250112, 4.187723471092691, 65.71841479336096})));
}

TEST(Vision, AffineGridChecks) {
  Tensor theta = randn({1, 2, 3});
  EXPECT_EQ(F::affine_grid(theta, {1, 3, 4, 5}).sizes(), IntArrayRef({1, 4, 5, 2}));
  EXPECT_TRUE(F::affine_grid(theta, {1, 3, 4, 5}, true)
                  .equal(affine_grid_generator(theta, {1, 3, 4, 5}, true)));
  EXPECT_EQ(F::affine_grid(randn({2, 3, 4}), {2, 1, 2, 3, 4}).sizes(),
            IntArrayRef({2, 2, 3, 4, 3}));
  EXPECT_THROW(F::affine_grid(theta, {1, 3, 0, 5}), Error);
  EXPECT_THROW(F::affine_grid(theta, {1, 3, 4, 5, 6}), Error);
  EXPECT_THROW(F::affine_grid(ones({1, 2, 3}, kLong), {1, 3, 4, 5}), Error);
}
