#pragma once
// grid_sampler_2d kernels over contiguous float/double tensors prepared by src/ops/grid_sample.cpp:
// input [N, C, H, W], grid [N, Ho, Wo, 2] (x, y in [-1, 1]), out [N, C, Ho, Wo]. mode: 0 bilinear,
// 1 nearest, 2 bicubic; padding: 0 zeros, 1 border, 2 reflection (ATen's codes).
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {

using GridSampler2dFn = void (*)(Tensor& out, const Tensor& input, const Tensor& grid, int64_t mode,
                                 int64_t padding, bool align_corners);
// grad_input (zero-filled, [N, C, H, W]) and grad_grid ([N, Ho, Wo, 2]) are written only if
// defined.
using GridSampler2dBackwardFn = void (*)(Tensor& grad_input, Tensor& grad_grid,
                                         const Tensor& grad_out, const Tensor& input,
                                         const Tensor& grid, int64_t mode, int64_t padding,
                                         bool align_corners);
EMBER_DECLARE_STUB(grid_sampler_2d_stub, GridSampler2dFn);
EMBER_DECLARE_STUB(grid_sampler_2d_backward_stub, GridSampler2dBackwardFn);
// grid_sampler_3d: input [N, C, D, H, W], grid [N, Do, Ho, Wo, 3] (x, y, z), out [N, C, Do, Ho,
// Wo]; mode 0 trilinear or 1 nearest. Same signatures.
EMBER_DECLARE_STUB(grid_sampler_3d_stub, GridSampler2dFn);
EMBER_DECLARE_STUB(grid_sampler_3d_backward_stub, GridSampler2dBackwardFn);

}  // namespace ember
