#pragma once
// Spatial transformer ops at ATen level: grid_sampler_2d (sample input [N, C, H, W] at the grid
// [N, Ho, Wo, 2] of (x, y) in [-1, 1]) and grid_sampler_3d with their backwards, the
// grid_sampler dispatcher, and
// affine_grid_generator (the sampling grid of a batch of affine matrices). Codes as ATen:
// interpolation_mode 0 bilinear, 1 nearest, 2 bicubic; padding_mode 0 zeros, 1 border,
// 2 reflection.
#include <array>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners);
// Gradients w.r.t. input and grid (each only if output_mask says so, else undefined). Not itself
// differentiable (as PyTorch 1.13): double backward through it raises an error.
std::tuple<Tensor, Tensor> grid_sampler_2d_backward(const Tensor& grad_output, const Tensor& input,
                                                    const Tensor& grid, int64_t interpolation_mode,
                                                    int64_t padding_mode, bool align_corners,
                                                    std::array<bool, 2> output_mask);
// Volumetric: input [N, C, D, H, W], grid [N, Do, Ho, Wo, 3] of (x, y, z); interpolation_mode 0
// (trilinear) or 1 (nearest).
Tensor grid_sampler_3d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners);
std::tuple<Tensor, Tensor> grid_sampler_3d_backward(const Tensor& grad_output, const Tensor& input,
                                                    const Tensor& grid, int64_t interpolation_mode,
                                                    int64_t padding_mode, bool align_corners,
                                                    std::array<bool, 2> output_mask);
// 4-D input: grid_sampler_2d; 5-D: grid_sampler_3d.
Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners);

// theta [N, 2, 3] and size {N, C, H, W} -> grid [N, H, W, 2]; theta [N, 3, 4] and size
// {N, C, D, H, W} -> grid [N, D, H, W, 3]. Differentiable w.r.t. theta (twice).
Tensor affine_grid_generator(const Tensor& theta, IntArrayRef size, bool align_corners);
Tensor affine_grid_generator_backward(const Tensor& grad, IntArrayRef size, bool align_corners);

}  // namespace ember
