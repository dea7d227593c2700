// torch::nn::functional affine_grid / grid_sample (ember/nn/functional/vision.h) onto the
// ATen-level ops of ember/ops/grid_sample.h.
#include "ember/nn/functional/vision.h"

namespace ember {
namespace nn {
namespace functional {

Tensor affine_grid(const Tensor& theta, const IntArrayRef& size, bool align_corners) {
  // libtorch's F::affine_grid refuses empty sizes, which the ATen op accepts.
  for (int64_t s : size) {
    EMBER_CHECK(s > 0, "[affine_grid] Expected non-zero, positive output size. Got ", size);
  }
  return affine_grid_generator(theta, size, align_corners);
}

namespace {
Tensor grid_sample_impl(const Tensor& input, const Tensor& grid, GridSampleFuncOptions::mode_t mode,
                        GridSampleFuncOptions::padding_mode_t padding_mode,
                        std::optional<bool> align_corners) {
  auto mode_code = static_cast<int64_t>(mode.index());  // bilinear 0, nearest 1, bicubic 2
  auto padding_code =
      static_cast<int64_t>(padding_mode.index());  // zeros 0, border 1, reflection 2
  return grid_sampler(input, grid, mode_code, padding_code, align_corners.value_or(false));
}
}  // namespace

Tensor grid_sample(const Tensor& input, const Tensor& grid, const GridSampleFuncOptions& options) {
  return grid_sample_impl(input, grid, options.mode(), options.padding_mode(),
                          options.align_corners());
}

}  // namespace functional
}  // namespace nn
}  // namespace ember
