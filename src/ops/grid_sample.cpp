// grid_sampler_2d (kernels in src/cpu/grid_sample.cpp) and affine_grid_generator, a composite of
// ember ops (ember/ops/grid_sample.h).
#include "ember/ops/grid_sample.h"

#include <vector>

#include "ember/autograd/function_node.h"
#include "ember/ops/factory.h"
#include "ember/ops/linalg.h"
#include "ember/ops/shape.h"
#include "src/kernels/grid_sample.h"

namespace ember {
namespace {

void check_grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding,
                           const char* op) {
  EMBER_CHECK(input.defined() && grid.defined(), "[", op, "] input and grid must be defined");
  EMBER_CHECK(input.device() == grid.device(), "[", op,
              "] expected input and grid to be on same device, but input is on ", input.device(),
              " and grid is on ", grid.device());
  EMBER_CHECK(input.dtype() == grid.dtype(), "[", op,
              "] expected input and grid to have same dtype, but input has ",
              toString(input.dtype()), " and grid has ", toString(grid.dtype()));
  EMBER_CHECK(input.dtype() == kFloat || input.dtype() == kDouble, "[", op,
              "] expected float or double input and grid, got ", toString(input.dtype()));
  EMBER_CHECK(input.dim() == 4 && grid.dim() == 4, "[", op,
              "] expected 4D input and grid with same number of dimensions, but got input with "
              "sizes ",
              input.sizes(), " and grid with sizes ", grid.sizes());
  EMBER_CHECK(input.size(0) == grid.size(0), "[", op,
              "] expected grid and input to have same batch size, but got input with sizes ",
              input.sizes(), " and grid with sizes ", grid.sizes());
  EMBER_CHECK(grid.size(3) == 2, "[", op,
              "] expected grid to have size 2 in last dimension, but got grid with sizes ",
              grid.sizes());
  for (int64_t d = 2; d < 4; ++d) {
    EMBER_CHECK(input.size(d) > 0, "[", op,
                "] expected input to have non-empty spatial dimensions, but input has sizes ",
                input.sizes(), " with dimension ", d, " being empty");
  }
  EMBER_CHECK(mode >= 0 && mode <= 2, "[", op,
              "] interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic), got ", mode);
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

}  // namespace

Tensor grid_sampler_2d(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                       int64_t padding_mode, bool align_corners) {
  check_grid_sampler_2d(input, grid, interpolation_mode, padding_mode, "grid_sampler_2d");
  Tensor in = input.detach().contiguous(), g = grid.detach().contiguous();
  Tensor out =
      empty({input.size(0), input.size(1), grid.size(1), grid.size(2)}, raw_options(input));
  if (out.numel() > 0) {
    grid_sampler_2d_stub.get(input.device().type())(out, in, g, interpolation_mode, padding_mode,
                                                    align_corners);
  }
  if (auto n = autograd::make_node("GridSampler2DBackward0", {input, grid},
                                   [interpolation_mode, padding_mode, align_corners](
                                       autograd::FunctionNode& n, const variable_list& gr) {
                                     if (!gr[0].defined()) return variable_list{Tensor(), Tensor()};
                                     auto [gi, gg] = grid_sampler_2d_backward(
                                         gr[0], n.saved(0), n.saved(1), interpolation_mode,
                                         padding_mode, align_corners,
                                         {n.needs_input_grad(0), n.needs_input_grad(1)});
                                     return variable_list{gi, gg};
                                   })) {
    autograd::set_history(out, n);
    n->save(input);
    n->save(grid);
  }
  return out;
}

std::tuple<Tensor, Tensor> grid_sampler_2d_backward(const Tensor& grad_output, const Tensor& input,
                                                    const Tensor& grid, int64_t interpolation_mode,
                                                    int64_t padding_mode, bool align_corners,
                                                    std::array<bool, 2> output_mask) {
  const char* op = "grid_sampler_2d_backward";
  check_grid_sampler_2d(input, grid, interpolation_mode, padding_mode, op);
  EMBER_CHECK(grad_output.defined() && grad_output.dtype() == input.dtype() &&
                  grad_output.device() == input.device(),
              "[", op, "] grad_output must be defined with the input's dtype and device");
  std::vector<int64_t> out_shape{input.size(0), input.size(1), grid.size(1), grid.size(2)};
  EMBER_CHECK(grad_output.sizes() == IntArrayRef(out_shape), "[", op,
              "] expected grad_output of shape ", IntArrayRef(out_shape), ", got ",
              grad_output.sizes());
  Tensor gi, gg;
  if (output_mask[0]) gi = zeros(input.sizes(), raw_options(input));
  if (output_mask[1]) gg = zeros(grid.sizes(), raw_options(grid));
  if (gi.defined() || gg.defined()) {
    Tensor go = grad_output.detach().contiguous();
    Tensor in = input.detach().contiguous(), g = grid.detach().contiguous();
    if (go.numel() > 0) {
      grid_sampler_2d_backward_stub.get(input.device().type())(
          gi, gg, go, in, g, interpolation_mode, padding_mode, align_corners);
    }
  }
  // PyTorch 1.13 has no derivative for this backward either: differentiating it is an error.
  if (auto n = autograd::make_node(
          "NotImplemented", {grad_output, input, grid},
          [](autograd::FunctionNode&, const variable_list&) -> variable_list {
            EMBER_ERROR(
                "[grid_sampler_2d_backward] derivative for grid_sampler_2d_backward is "
                "not implemented (double backward through grid_sampler_2d)");
          })) {
    if (gi.defined()) autograd::set_history(gi, n);
    if (gg.defined()) autograd::set_history(gg, n);
  }
  return {gi, gg};
}

Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t interpolation_mode,
                    int64_t padding_mode, bool align_corners) {
  EMBER_CHECK(input.defined() && grid.defined(), "[grid_sampler] input and grid must be defined");
  EMBER_CHECK(input.dim() != 5,
              "[grid_sampler] 5-D (volumetric) input is not supported yet, got "
              "input with sizes ",
              input.sizes());
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
