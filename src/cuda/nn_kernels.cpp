// Registers the CUDA normalization, embedding-bag and nll_loss kernels (src/cuda/nn.cu) and the
// grid samplers (src/cuda/grid_sample.cu) in their stubs.
#include "ember/cuda/stream.h"
#include "ember/ops/factory.h"
#include "src/cuda/elementwise.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/grid_sample.h"
#include "src/kernels/loss.h"
#include "src/kernels/normalization.h"

namespace ember::cuda {
namespace {
using detail::KernelErrorCheck;
using detail::resolve_device;

const void* ptr_or_null(const Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }
void* ptr_or_null(Tensor& t) { return t.defined() ? t.data_ptr() : nullptr; }

void row_norm_cuda(Tensor& y, Tensor& mean, Tensor& rstd, const Tensor& x, int64_t M, int64_t N,
                   const Tensor& weight, const Tensor& bias, double eps) {
  CUDAGuard guard(x.device());
  launch_row_norm(y.data_ptr(), mean.data_ptr(), rstd.data_ptr(), x.data_ptr(), M, N,
                  ptr_or_null(weight), ptr_or_null(bias), eps, x.dtype(), stream_of(x));
}

void row_norm_backward_cuda(const Tensor& grad_out, const Tensor& x, int64_t M, int64_t N,
                            const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                            Tensor& grad_input, Tensor& grad_weight, Tensor& grad_bias) {
  CUDAGuard guard(x.device());
  Tensor gy = grad_out.contiguous();
  launch_row_norm_backward(ptr_or_null(grad_input), ptr_or_null(grad_weight),
                           ptr_or_null(grad_bias), gy.data_ptr(), x.data_ptr(), M, N,
                           mean.data_ptr(), rstd.data_ptr(), ptr_or_null(weight), x.dtype(),
                           stream_of(x));
}

// "[op] Target t is out of bounds." from a record {flag, target} (the CPU kernels' message).
::ember::detail::KernelErrorRaiser target_raiser(const char* op) {
  return [op](const int64_t* e, const std::string& note) {
    EMBER_ERROR("[", op, "] Target ", e[1], " is out of bounds.", note);
  };
}

void nll_loss_cuda(Tensor& out, Tensor& total_weight, const Tensor& input, const Tensor& target,
                   const Tensor& weight, int64_t N, int64_t C, int64_t K, int64_t reduction,
                   int64_t ignore_index) {
  CUDAGuard guard(input.device());
  Tensor t = target.to(input.device()).contiguous();
  KernelErrorCheck err(resolve_device(input.device().index()), stream_of(input), "nll_loss",
                       target_raiser("nll_loss"));
  launch_nll_loss(out.data_ptr(), total_weight.data_ptr(), input.data_ptr(), t.data_ptr<int64_t>(),
                  ptr_or_null(weight), N, C, K, reduction, ignore_index, input.dtype(), err.ptr(),
                  stream_of(input));
  err.launched();
}

// Elements between the rows of a [N, C] tensor whose rows are contiguous (the kernels' layout).
int64_t row_pitch(const Tensor& x, const char* op) {
  const int64_t C = x.size(1);
  if (x.size(0) <= 1) return C;
  EMBER_CHECK((x.stride(1) == 1 || C <= 1) && x.stride(0) >= C, "[", op,
              "] expected rows of contiguous values, got strides ", x.strides());
  return x.stride(0);
}

void cross_entropy_fwd_cuda(Tensor& loss, Tensor& wsum, Tensor& lse, const Tensor& x,
                            const Tensor& target, const Tensor& weight, int64_t ignore_index) {
  CUDAGuard guard(x.device());
  Tensor t = target.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : Tensor();
  KernelErrorCheck err(resolve_device(x.device().index()), stream_of(x), "cross_entropy",
                       target_raiser("cross_entropy"));
  launch_cross_entropy_fwd(loss.data_ptr(), wsum.data_ptr(), lse.data_ptr(), x.data_ptr(),
                           t.data_ptr<int64_t>(), ptr_or_null(w), x.size(0), x.size(1),
                           row_pitch(x, "cross_entropy"), ignore_index, x.dtype(), err.ptr(),
                           stream_of(x));
  err.launched();
}

void cross_entropy_bwd_cuda(Tensor& grad, const Tensor& x, const Tensor& target, const Tensor& lse,
                            const Tensor& scale) {
  CUDAGuard guard(x.device());
  Tensor t = target.contiguous();
  Tensor s = scale.contiguous();
  launch_cross_entropy_bwd(grad.data_ptr(), x.data_ptr(), t.data_ptr<int64_t>(), lse.data_ptr(),
                           s.data_ptr(), x.size(0), x.size(1),
                           row_pitch(x, "cross_entropy_backward"),
                           row_pitch(grad, "cross_entropy_backward"), x.dtype(), stream_of(x));
}

void moments_cuda(const Tensor& x, int64_t outer, int64_t C, int64_t inner, Tensor& mean,
                  Tensor& var) {
  CUDAGuard guard(x.device());
  launch_channel_moments(x.data_ptr(), outer, C, inner, mean.data_ptr(), var.data_ptr(), x.dtype(),
                         stream_of(x));
}

void channel_affine_cuda(Tensor& y, const Tensor& x, int64_t outer, int64_t C, int64_t inner,
                         const Tensor& scale, const Tensor& shift) {
  CUDAGuard guard(x.device());
  launch_channel_affine(y.data_ptr(), x.data_ptr(), outer, C, inner, scale.data_ptr(),
                        shift.data_ptr(), x.dtype(), stream_of(x));
}

void channel_norm_backward_cuda(const Tensor& grad_out, const Tensor& x, int64_t outer, int64_t C,
                                int64_t inner, const Tensor& mean, const Tensor& invstd,
                                const Tensor& weight, bool training, Tensor& grad_input,
                                Tensor& grad_weight, Tensor& grad_bias) {
  CUDAGuard guard(x.device());
  Tensor go = grad_out.contiguous();
  launch_channel_norm_backward(go.data_ptr(), x.data_ptr(), outer, C, inner, mean.data_ptr(),
                               invstd.data_ptr(), ptr_or_null(weight), training,
                               ptr_or_null(grad_input), ptr_or_null(grad_weight),
                               ptr_or_null(grad_bias), x.dtype(), stream_of(x));
}

void group_norm_backward_cuda(const Tensor& grad_out, const Tensor& x, int64_t N, int64_t C,
                              int64_t HxW, int64_t G, const Tensor& mean, const Tensor& rstd,
                              const Tensor& weight, Tensor& grad_input, Tensor& grad_weight,
                              Tensor& grad_bias) {
  CUDAGuard guard(x.device());
  Tensor gy = grad_out.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : weight;
  launch_group_norm_backward(gy.data_ptr(), x.data_ptr(), N, C, HxW, G, mean.data_ptr(),
                             rstd.data_ptr(), ptr_or_null(w), ptr_or_null(grad_input),
                             ptr_or_null(grad_weight), ptr_or_null(grad_bias), x.dtype(),
                             stream_of(x));
}

void embedding_bag_cuda(Tensor& out, Tensor& max_indices, Tensor& bag_size, const Tensor& weight,
                        const Tensor& indices, const Tensor& offsets, const Tensor& psw,
                        const EmbeddingBagParams& p) {
  for (const Tensor* t : std::initializer_list<const Tensor*>{&indices, &offsets, &psw}) {
    EMBER_CHECK(!t->defined() || t->device() == weight.device(),
                "[embedding_bag] Expected all tensors to be on the same device, but found at "
                "least two devices, ",
                weight.device(), " and ", t->device(), "!");
  }
  CUDAGuard guard(weight.device());
  int64_t num = weight.size(0), D = weight.size(1), L = indices.numel(), B = out.size(0);
  KernelErrorCheck err(resolve_device(weight.device().index()), stream_of(weight), "embedding_bag",
                       [num](const int64_t* e, const std::string& note) {
                         EMBER_ERROR("[embedding_bag] index out of range in self: index ", e[1],
                                     " is out of bounds for dimension 0 with size ", num, note);
                       });
  launch_embedding_bag(out.data_ptr(), p.mode == 2 ? max_indices.data_ptr<int64_t>() : nullptr,
                       bag_size.data_ptr<int64_t>(), weight.data_ptr(), num, D,
                       indices.data_ptr<int64_t>(), L, offsets.data_ptr<int64_t>(), B,
                       ptr_or_null(psw), p.mode, p.padding_idx, weight.dtype(), err.ptr(),
                       stream_of(weight));
  err.launched();
}

template <int dims>
GridSamplerGeometry sampler_geometry(const Tensor& input, const Tensor& grid, int64_t mode,
                                     int64_t padding, bool align) {
  GridSamplerGeometry s;
  s.dims = dims;
  s.N = input.size(0);
  s.C = input.size(1);
  for (int d = 0; d < dims; ++d) {
    s.size[d] = input.size(2 + d);
    s.plane *= s.size[d];
    s.points *= grid.size(1 + d);
  }
  s.mode = mode;
  s.padding = padding;
  s.align = align;
  return s;
}

template <int dims>
void grid_sampler_cuda(Tensor& out, const Tensor& input, const Tensor& grid, int64_t mode,
                       int64_t padding, bool align) {
  CUDAGuard guard(input.device());
  Tensor in = input.contiguous(), g = grid.contiguous();
  launch_grid_sample(out.data_ptr(), in.data_ptr(), g.data_ptr(),
                     sampler_geometry<dims>(in, g, mode, padding, align), in.dtype(),
                     stream_of(in));
}

template <int dims>
void grid_sampler_backward_cuda(Tensor& grad_input, Tensor& grad_grid, const Tensor& grad_out,
                                const Tensor& input, const Tensor& grid, int64_t mode,
                                int64_t padding, bool align) {
  CUDAGuard guard(input.device());
  Tensor go = grad_out.contiguous(), in = input.contiguous(), g = grid.contiguous();
  launch_grid_sample_backward(
      ptr_or_null(grad_input), ptr_or_null(grad_grid), go.data_ptr(), in.data_ptr(), g.data_ptr(),
      sampler_geometry<dims>(in, g, mode, padding, align), in.dtype(), stream_of(in));
}

}  // namespace

void register_cuda_nn_kernels() {
  reg(row_norm_stub, row_norm_cuda);
  reg(row_norm_backward_stub, row_norm_backward_cuda);
  reg(nll_loss_stub, nll_loss_cuda);
  reg(cross_entropy_fwd_stub, cross_entropy_fwd_cuda);
  reg(cross_entropy_bwd_stub, cross_entropy_bwd_cuda);
  reg(norm_moments_stub, moments_cuda);
  reg(channel_affine_stub, channel_affine_cuda);
  reg(channel_norm_backward_stub, channel_norm_backward_cuda);
  reg(group_norm_backward_stub, group_norm_backward_cuda);
  reg(embedding_bag_stub, embedding_bag_cuda);
  reg(grid_sampler_2d_stub, grid_sampler_cuda<2>);
  reg(grid_sampler_2d_backward_stub, grid_sampler_backward_cuda<2>);
  reg(grid_sampler_3d_stub, grid_sampler_cuda<3>);
  reg(grid_sampler_3d_backward_stub, grid_sampler_backward_cuda<3>);
}

}  // namespace ember::cuda
