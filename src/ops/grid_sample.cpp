// grid_sampler_2d / grid_sampler_3d (kernels in src/cpu/grid_sample.cpp) and
// affine_grid_generator, a composite of ember ops (ember/ops/grid_sample.h).
#include "ember/ops/grid_sample.h"

#include <vector>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/linalg.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/grid_sample.h"

namespace ember {
namespace {

// dims: 2 (grid_sampler_2d) or 3 (grid_sampler_3d).
void check_grid_sampler(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding,
                        int64_t dims, const char* op) {
  EMBER_CHECK(input.defined() && grid.defined(), "[", op, "] input and grid must be defined");
  EMBER_CHECK(input.device() == grid.device(), "[", op,
              "] expected input and grid to be on same device, but input is on ", input.device(),
              " and grid is on ", grid.device());
  EMBER_CHECK(input.dtype() == grid.dtype(), "[", op,
              "] expected input and grid to have same dtype, but input has ",
              toString(input.dtype()), " and grid has ", toString(grid.dtype()));
  EMBER_CHECK(input.dtype() == kFloat || input.dtype() == kDouble, "[", op,
              "] expected float or double input and grid, got ", toString(input.dtype()));
  EMBER_CHECK(input.dim() == dims + 2 && grid.dim() == dims + 2, "[", op, "] expected ", dims + 2,
              "D input and grid with same number of dimensions, but got input with sizes ",
              input.sizes(), " and grid with sizes ", grid.sizes());
  EMBER_CHECK(input.size(0) == grid.size(0), "[", op,
              "] expected grid and input to have same batch size, but got input with sizes ",
              input.sizes(), " and grid with sizes ", grid.sizes());
  EMBER_CHECK(grid.size(-1) == dims, "[", op, "] expected grid to have size ", dims,
              " in last dimension, but got grid with sizes ", grid.sizes());
  for (int64_t d = 2; d < dims + 2; ++d) {
    EMBER_CHECK(input.size(d) > 0, "[", op,
                "] expected input to have non-empty spatial dimensions, but input has sizes ",
                input.sizes(), " with dimension ", d, " being empty");
  }
  if (dims == 2) {
    EMBER_CHECK(mode >= 0 && mode <= 2, "[", op,
                "] interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic), got ",
                mode);
  } else {
    EMBER_CHECK(mode != 2, "[", op, "] bicubic interpolation only supports 4D input");
    EMBER_CHECK(mode >= 0 && mode <= 1, "[", op,
                "] interpolation_mode must be 0 (trilinear) or 1 (nearest), got ", mode);
  }
  EMBER_CHECK(padding >= 0 && padding <= 2, "[", op,
              "] padding_mode must be 0 (zeros), 1 (border) or 2 (reflection), got ", padding);
}

TensorOptions raw_options(const Tensor& t) {
  return TensorOptions().dtype(t.dtype()).device(t.device());
}

// -1..1 over `steps` points: pixel centres with align_corners, shrunk by (steps - 1) / steps
// without (so that the image edges sit at -1 and 1).
Tensor linspace_from_neg_one(int64_t steps, bool align, const TensorOptions& opts) {
  if (steps <= 1) return zeros({steps}, opts);
  Tensor r = linspace(-1, 1, steps, opts);
  if (!align) r = r * (static_cast<double>(steps - 1) / static_cast<double>(steps));
  return r;
}

// [H * W, 3] rows (x, y, 1), or [D * H * W, 4] rows (x, y, z, 1), x fastest.
Tensor base_grid(IntArrayRef size, bool align, const TensorOptions& opts) {
  if (size.size() == 4) {
    int64_t H = size[2], W = size[3];
    Tensor x = linspace_from_neg_one(W, align, opts).view({1, W}).expand({H, W});
    Tensor y = linspace_from_neg_one(H, align, opts).view({H, 1}).expand({H, W});
    return stack({x, y, ones({H, W}, opts)}, -1).view({H * W, 3});
  }
  int64_t D = size[2], H = size[3], W = size[4];
  Tensor x = linspace_from_neg_one(W, align, opts).view({1, 1, W}).expand({D, H, W});
  Tensor y = linspace_from_neg_one(H, align, opts).view({1, H, 1}).expand({D, H, W});
  Tensor z = linspace_from_neg_one(D, align, opts).view({D, 1, 1}).expand({D, H, W});
  return stack({x, y, z, ones({D, H, W}, opts)}, -1).view({D * H * W, 4});
}

void check_affine(const Tensor& theta, IntArrayRef size, const char* op) {
  EMBER_CHECK(theta.defined(), "[", op, "] theta must be defined");
  EMBER_CHECK(theta.is_floating_point(), "[", op,
              "] Expected theta to have floating point type, but got ", toString(theta.dtype()));
  if (size.size() == 4) {
    EMBER_CHECK(theta.dim() == 3 && theta.size(1) == 2 && theta.size(2) == 3, "[", op,
                "] Expected a batch of 2D affine matrices of shape Nx2x3 for size ", size, ". Got ",
                theta.sizes(), ".");
  } else {
    EMBER_CHECK(size.size() == 5, "[", op,
                "] affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                "respectively. Got size ",
                size);
    EMBER_CHECK(theta.dim() == 3 && theta.size(1) == 3 && theta.size(2) == 4, "[", op,
                "] Expected a batch of 3D affine matrices of shape Nx3x4 for size ", size, ". Got ",
                theta.sizes(), ".");
  }
  for (int64_t s : size) EMBER_CHECK(s >= 0, "[", op, "] negative output size ", size);
  EMBER_CHECK(theta.size(0) == size[0], "[", op, "] theta has batch size ", theta.size(0),
              " but size asks for ", size[0]);
}

std::tuple<Tensor, Tensor> sampler_backward(const Tensor& grad_output, const Tensor& input,
                                            const Tensor& grid, int64_t mode, int64_t padding,
                                            bool align, std::array<bool, 2> output_mask,
                                            int64_t dims) {
  const char* op = dims == 2 ? "grid_sampler_2d_backward" : "grid_sampler_3d_backward";
  check_grid_sampler(input, grid, mode, padding, dims, op);
  EMBER_CHECK(grad_output.defined() && grad_output.dtype() == input.dtype() &&
                  grad_output.device() == input.device(),
              "[", op, "] grad_output must be defined with the input's dtype and device");
  std::vector<int64_t> out_shape{input.size(0), input.size(1)};
  for (int64_t d = 1; d <= dims; ++d) out_shape.push_back(grid.size(d));
  EMBER_CHECK(grad_output.sizes() == IntArrayRef(out_shape), "[", op,
              "] expected grad_output of shape ", IntArrayRef(out_shape), ", got ",
              grad_output.sizes());
  Tensor gi, gg;
  if (output_mask[0]) gi = zeros(input.sizes(), raw_options(input));
  if (output_mask[1]) gg = zeros(grid.sizes(), raw_options(grid));
  if ((gi.defined() || gg.defined()) && grad_output.numel() > 0) {
    Tensor go = grad_output.detach().contiguous();
    Tensor in = input.detach().contiguous(), g = grid.detach().contiguous();
    auto& stub = dims == 2 ? grid_sampler_2d_backward_stub : grid_sampler_3d_backward_stub;
    stub.get(input.device().type())(gi, gg, go, in, g, mode, padding, align);
  }
  // PyTorch 1.13 has no derivative for this backward either: differentiating it is an error.
  if (auto n =
          autograd::make_node("NotImplemented", {grad_output, input, grid},
                              [op](autograd::FunctionNode&, const variable_list&) -> variable_list {
                                EMBER_ERROR("[", op, "] derivative for ", op,
                                            " is not implemented (double backward "
                                            "through grid_sampler)");
                              })) {
    if (gi.defined()) autograd::set_history(gi, n);
    if (gg.defined()) autograd::set_history(gg, n);
  }
  return {gi, gg};
}

Tensor sampler_forward(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding,
                       bool align, int64_t dims) {
  check_grid_sampler(input, grid, mode, padding, dims,
                     dims == 2 ? "grid_sampler_2d" : "grid_sampler_3d");
  Tensor in = input.detach().contiguous(), g = grid.detach().contiguous();
  std::vector<int64_t> out_shape{input.size(0), input.size(1)};
  for (int64_t d = 1; d <= dims; ++d) out_shape.push_back(grid.size(d));
  Tensor out = empty(out_shape, raw_options(input));
  if (out.numel() > 0) {
    auto& stub = dims == 2 ? grid_sampler_2d_stub : grid_sampler_3d_stub;
    stub.get(input.device().type())(out, in, g, mode, padding, align);
  }
  if (auto n = autograd::make_node(
          dims == 2 ? "GridSampler2DBackward0" : "GridSampler3DBackward0", {input, grid},
          [mode, padding, align, dims](autograd::FunctionNode& n, const variable_list& gr) {
            if (!gr[0].defined()) return variable_list{Tensor(), Tensor()};
            auto [gi, gg] = sampler_backward(gr[0], n.saved(0), n.saved(1), mode, padding, align,
                                             {n.needs_input_grad(0), n.needs_input_grad(1)}, dims);
            return variable_list{gi, gg};
          })) {
    autograd::set_history(out, n);
    n->save(input);
    n->save(grid);
  }
  return out;
}

}  // namespace

Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners) {
  return sampler_forward(input, grid, interpolation_mode, padding_mode, align_corners, 2);
}
std::tuple<Tensor, Tensor> grid_sampler_2d_backward(const Tensor& grad_output, const Tensor& input,
                                                    const Tensor& grid, int64_t interpolation_mode,
                                                    int64_t padding_mode, bool align_corners,
                                                    std::array<bool, 2> output_mask) {
  return sampler_backward(grad_output, input, grid, interpolation_mode, padding_mode, align_corners,
                          output_mask, 2);
}
Tensor grid_sampler_3d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners) {
  return sampler_forward(input, grid, interpolation_mode, padding_mode, align_corners, 3);
}
std::tuple<Tensor, Tensor> grid_sampler_3d_backward(const Tensor& grad_output, const Tensor& input,
                                                    const Tensor& grid, int64_t interpolation_mode,
                                                    int64_t padding_mode, bool align_corners,
                                                    std::array<bool, 2> output_mask) {
  return sampler_backward(grad_output, input, grid, interpolation_mode, padding_mode, align_corners,
                          output_mask, 3);
}

// CPU autocast's float32 list, CUDA's promote list.
Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners) {
  EMBER_AUTOCAST(fp32, promote, grid_sampler, input, grid, interpolation_mode, padding_mode,
                 align_corners);
  EMBER_CHECK(input.defined() && grid.defined(), "[grid_sampler] input and grid must be defined");
  if (input.dim() == 5) {
    return grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners);
  }
  return grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners);
}

Tensor affine_grid_generator(const Tensor& theta, IntArrayRef size, bool align_corners) {
  check_affine(theta, size, "affine_grid_generator");
  std::vector<int64_t> out_shape(size.begin(), size.end());
  out_shape.erase(out_shape.begin() + 1);                      // drop C
  out_shape.push_back(static_cast<int64_t>(size.size()) - 2);  // 2 or 3 coordinates
  Tensor out;
  {
    NoGradGuard ng;
    Tensor base = base_grid(size, align_corners, raw_options(theta));
    out = matmul(base.unsqueeze(0), theta.detach().transpose(1, 2)).view(out_shape);
  }
  std::vector<int64_t> sz(size.begin(), size.end());
  if (auto n = autograd::make_node(
          "AffineGridGeneratorBackward0", {theta},
          [sz, align_corners](autograd::FunctionNode&, const variable_list& g) {
            return variable_list{affine_grid_generator_backward(g[0], sz, align_corners)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor affine_grid_generator_backward(const Tensor& grad, IntArrayRef size, bool align_corners) {
  const char* op = "affine_grid_generator_backward";
  EMBER_CHECK(size.size() == 4 || size.size() == 5, "[", op, "] expected a 4D or 5D size, got ",
              size);
  EMBER_CHECK(grad.defined() && grad.is_floating_point(), "[", op,
              "] expected a floating point grad");
  int64_t k = static_cast<int64_t>(size.size()) - 2, points = 1;
  for (size_t d = 2; d < size.size(); ++d) points *= size[d];
  EMBER_CHECK(grad.dim() == k + 2 && grad.size(0) == size[0] && grad.size(-1) == k &&
                  grad.numel() == size[0] * points * k,
              "[", op, "] grad of shape ", grad.sizes(), " does not match size ", size);
  Tensor base = base_grid(size, align_corners, raw_options(grad));  // [points, k + 1]
  // theta [N, k, k + 1] = (base^T @ grad)^T per batch element
  return matmul(base.t().unsqueeze(0), grad.reshape({size[0], points, k})).transpose(1, 2);
}

}  // namespace ember
