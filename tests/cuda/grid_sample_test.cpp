// src/cuda/grid_sample.cu (registered in nn_kernels.cpp): 2-d and 3-d grid samplers, every mode,
// forward and gradients, against the CPU kernels.
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaGridSample, GridSampler2d) {
  EMBER_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (ScalarType dt : {kFloat, kDouble}) {
    double t = dt == kDouble ? 1e-9 : 1e-4;
    Tensor input = randn_as({2, 3, 5, 7}, dt, 16);
    // Points inside and outside [-1, 1], on the corners, and non-finite or huge ones.
    Tensor grid = (randn_as({2, 4, 6, 2}, kDouble, 17) * 0.9).to(dt);
    Tensor special = torch::tensor({-1.0, -1.0, 1.0, 1.0, 1.0, -1.0, nan, 0.2, 0.1, inf, 1e10,
                                    -1e10, -1.7, 2.3, 0.0, 0.0},
                                   torch::kDouble)
                         .view({1, 2, 4, 2})
                         .to(dt);
    grid.narrow(0, 0, 1).narrow(1, 0, 2).narrow(2, 0, 4).copy_(special);
    for (int64_t mode : {0, 1, 2}) {
      for (int64_t padding : {0, 1, 2}) {
        for (bool align : {false, true}) {
          std::string what = std::string(toString(dt)) + " mode " + std::to_string(mode) +
                             " padding " + std::to_string(padding) +
                             (align ? " align_corners" : "");
          expect_same_grads(
              [&](const std::vector<Tensor>& v) {
                return torch::grid_sampler(v[0], v[1], mode, padding, align);
              },
              {input, grid}, t, t, what);
        }
      }
    }
    // Non-contiguous input and grid; a 1x1 input (reflection's degenerate span).
    expect_same_grads(
        [](const std::vector<Tensor>& v) {
          return torch::grid_sampler(v[0].transpose(2, 3), v[1].transpose(1, 2), 0, 2, false);
        },
        {randn_as({2, 2, 6, 4}, dt, 18), (randn_as({2, 3, 5, 2}, kDouble, 19)).to(dt)}, t, t,
        std::string(toString(dt)) + " non-contiguous");
    for (int64_t padding : {0, 1, 2}) {
      for (bool align : {false, true}) {
        expect_same_grads(
            [&](const std::vector<Tensor>& v) {
              return torch::grid_sampler(v[0], v[1], 0, padding, align);
            },
            {randn_as({1, 2, 1, 1}, dt, 20), randn_as({1, 3, 3, 2}, dt, 21)}, t, t,
            std::string(toString(dt)) + " 1x1 input");
      }
    }
  }
}

TEST(CudaGridSample, GridSampler3d) {
  EMBER_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ScalarType dt : {kFloat, kDouble}) {
    double t = dt == kDouble ? 1e-9 : 1e-4;
    Tensor input = randn_as({2, 2, 3, 4, 5}, dt, 22);
    Tensor grid = (randn_as({2, 3, 2, 4, 3}, kDouble, 23) * 0.9).to(dt);
    Tensor special =
        torch::tensor({-1.0, -1.0, -1.0, 1.0, 1.0, 1.0, nan, 0.0, 0.5, 1e10, -2.5, 0.3},
                      torch::kDouble)
            .view({1, 1, 1, 4, 3})
            .to(dt);
    grid.narrow(0, 0, 1).narrow(1, 0, 1).narrow(2, 0, 1).copy_(special);
    for (int64_t mode : {0, 1}) {
      for (int64_t padding : {0, 1, 2}) {
        for (bool align : {false, true}) {
          std::string what = std::string(toString(dt)) + " mode " + std::to_string(mode) +
                             " padding " + std::to_string(padding) +
                             (align ? " align_corners" : "");
          expect_same_grads(
              [&](const std::vector<Tensor>& v) {
                return torch::grid_sampler(v[0], v[1], mode, padding, align);
              },
              {input, grid}, t, t, what);
        }
      }
    }
    expect_same_grads(
        [](const std::vector<Tensor>& v) {
          return torch::grid_sampler(v[0].transpose(2, 4), v[1], 0, 1, true);
        },
        {randn_as({1, 3, 4, 2, 3}, dt, 24), randn_as({1, 2, 2, 2, 3}, dt, 25)}, t, t,
        std::string(toString(dt)) + " non-contiguous");
  }
  // Only the input's gradient, only the grid's gradient.
  Tensor input = randn_as({1, 2, 3, 3, 3}, kFloat, 26),
         grid = randn_as({1, 2, 2, 2, 3}, kFloat, 27);
  Tensor go = randn_as({1, 2, 2, 2, 2}, kFloat, 28);
  for (bool want_input : {false, true}) {
    std::array<bool, 2> mask{want_input, !want_input};
    auto [hi, hg] = torch::grid_sampler_3d_backward(go, input, grid, 0, 0, false, mask);
    auto [di, dg] =
        torch::grid_sampler_3d_backward(dev(go), dev(input), dev(grid), 0, 0, false, mask);
    EXPECT_EQ(di.defined(), want_input);
    EXPECT_EQ(dg.defined(), !want_input);
    if (want_input) {
      EXPECT_TRUE(same(di, hi, 1e-4, 1e-4));
    } else {
      EXPECT_TRUE(same(dg, hg, 1e-4, 1e-4));
    }
  }
}
