#pragma once
// torch::nn::functional affine_grid and grid_sample (libtorch's torch/nn/functional/vision.h):
//   auto grid = F::affine_grid(theta, {N, C, H, W}, /*align_corners=*/false);
//   auto out = F::grid_sample(x, grid, F::GridSampleFuncOptions().align_corners(false));
// 5-D input and grid sample volumes (kBilinear is trilinear there). align_corners defaults to
// false (libtorch warns when it is not given; ember does not).
#include "ember/nn/options/vision.h"
#include "ember/ops/grid_sample.h"

namespace ember {
namespace nn {
namespace functional {

Tensor affine_grid(const Tensor& theta, const IntArrayRef& size, bool align_corners = false);
Tensor grid_sample(const Tensor& input, const Tensor& grid,
                   const GridSampleFuncOptions& options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
