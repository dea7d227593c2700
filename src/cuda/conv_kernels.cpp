// conv2d on CUDA through cuDNN where it is loaded (Note [cuDNN convolutions], conv_cudnn.cpp),
// otherwise as im2col (src/cuda/conv.cu) + one batched cuBLAS product per group, its gradients
// (col2im as a gather, so no atomics), and the pooling kernels, registered in the stubs of
// src/kernels/conv.h. The op keeps 16-bit tensors 16-bit on CUDA: cuDNN takes them as they are,
// the im2col path computes them in float.
#include "ember/autograd/grad_mode.h"
#include "ember/cuda/stream.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "src/cuda/conv.h"
#include "src/cuda/conv_cudnn.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/conv.h"

namespace ember::cuda {
namespace {

// The shapes of an NCHW input and its [.., ho, wo] output.
ConvGeometry nchw_geometry(const Tensor& input, int64_t ho, int64_t wo) {
  ConvGeometry g;
  g.n = input.size(0);
  g.c = input.size(1);
  g.h = input.size(2);
  g.w = input.size(3);
  g.ho = ho;
  g.wo = wo;
  return g;
}

ConvGeometry conv_geometry(const Tensor& input, const Tensor& weight, int64_t ho, int64_t wo,
                           const Conv2dParams& p) {
  ConvGeometry g = nchw_geometry(input, ho, wo);
  g.kh = weight.size(2);
  g.kw = weight.size(3);
  g.sh = p.stride[0];
  g.sw = p.stride[1];
  g.ph = p.padding[0];
  g.pw = p.padding[1];
  g.dh = p.dilation[0];
  g.dw = p.dilation[1];
  return g;
}

Tensor im2col(const Tensor& input, const ConvGeometry& g) {
  Tensor cols = make_tensor({g.n, g.c * g.kh * g.kw, g.ho * g.wo}, input.dtype(), input.device());
  launch_im2col(cols.data_ptr(), input.data_ptr(), input.dtype(), g, stream_of(input));
  return cols;
}

bool is_16bit(ScalarType t) { return t == kHalf || t == kBFloat16; }

void conv2d_im2col(Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   const Conv2dParams& p) {
  ConvGeometry g = conv_geometry(input, weight, out.size(2), out.size(3), p);
  if (out.numel() == 0) return;
  int64_t groups = p.groups, co = weight.size(0), cog = co / groups;
  int64_t k = weight.size(1) * g.kh * g.kw;
  Tensor cols = im2col(input, g);
  Tensor w = weight.reshape({groups, cog, k});
  for (int64_t gi = 0; gi < groups; ++gi) {
    Tensor r = matmul(w.select(0, gi), cols.narrow(1, gi * k, k));  // [n, cog, l]
    out.narrow(1, gi * cog, cog).copy_(r.view({g.n, cog, g.ho, g.wo}));
  }
  if (bias.defined()) out.add_(bias.view({1, co, 1, 1}));
}

void conv2d_cuda(Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                 const Conv2dParams& p) {
  CUDAGuard guard(input.device());
  NoGradGuard ng;
  if (cudnn_conv(out, input, weight, bias, to_nd(p))) return;
  if (!is_16bit(input.scalar_type())) {
    conv2d_im2col(out, input, weight, bias, p);
    return;
  }
  Tensor o = make_tensor(out.sizes(), kFloat, out.device());
  conv2d_im2col(o, input.to(kFloat), weight.to(kFloat), bias.defined() ? bias.to(kFloat) : bias, p);
  out.copy_(o);
}

void conv2d_backward_im2col(const Tensor& go_, const Tensor& input, const Tensor& weight,
                            const Conv2dParams& p, Tensor& grad_input, Tensor& grad_weight) {
  ConvGeometry g = conv_geometry(input, weight, go_.size(2), go_.size(3), p);
  int64_t groups = p.groups, co = weight.size(0), cog = co / groups;
  int64_t k = weight.size(1) * g.kh * g.kw, l = g.ho * g.wo;
  Tensor go = go_.view({g.n, co, l});
  Tensor w = weight.reshape({groups, cog, k});
  Tensor cols = grad_weight.defined() ? im2col(input, g) : Tensor();
  Tensor dcols = grad_input.defined()
                     ? make_tensor({g.n, groups * k, l}, input.dtype(), input.device())
                     : Tensor();
  for (int64_t gi = 0; gi < groups; ++gi) {
    Tensor gog = go.narrow(1, gi * cog, cog);  // [n, cog, l]
    if (grad_weight.defined()) {
      Tensor gw = matmul(gog, cols.narrow(1, gi * k, k).transpose(1, 2)).sum(IntArrayRef{0});
      grad_weight.narrow(0, gi * cog, cog).copy_(gw.view({cog, weight.size(1), g.kh, g.kw}));
    }
    if (grad_input.defined())
      dcols.narrow(1, gi * k, k).copy_(matmul(w.select(0, gi).t(), gog));  // [n, k, l]
  }
  if (grad_input.defined())
    launch_col2im(grad_input.data_ptr(), dcols.data_ptr(), input.dtype(), g, stream_of(input));
}

void conv2d_backward_cuda(const Tensor& grad_out, const Tensor& input, const Tensor& weight,
                          const Conv2dParams& p, Tensor& grad_input, Tensor& grad_weight,
                          Tensor& grad_bias) {
  CUDAGuard guard(input.device());
  NoGradGuard ng;
  Tensor go = grad_out.contiguous();
  if (grad_bias.defined()) grad_bias.copy_(go.sum(IntArrayRef{0, 2, 3}));
  if (!grad_weight.defined() && !grad_input.defined()) return;
  if (cudnn_conv_backward(go, input, weight, to_nd(p), grad_input, grad_weight)) return;
  if (!is_16bit(input.scalar_type())) {
    conv2d_backward_im2col(go, input, weight, p, grad_input, grad_weight);
    return;
  }
  Tensor gi =
      grad_input.defined() ? make_tensor(grad_input.sizes(), kFloat, input.device()) : Tensor();
  Tensor gw =
      grad_weight.defined() ? make_tensor(grad_weight.sizes(), kFloat, input.device()) : Tensor();
  conv2d_backward_im2col(go.to(kFloat), input.to(kFloat), weight.to(kFloat), p, gi, gw);
  if (gi.defined()) grad_input.copy_(gi);
  if (gw.defined()) grad_weight.copy_(gw);
}

ConvGeometry pool_geometry(const Tensor& input, int64_t ho, int64_t wo, const Pool2dParams& p) {
  ConvGeometry g = nchw_geometry(input, ho, wo);
  g.kh = p.kernel[0];
  g.kw = p.kernel[1];
  g.sh = p.stride[0];
  g.sw = p.stride[1];
  g.ph = p.padding[0];
  g.pw = p.padding[1];
  g.dh = p.dilation[0];
  g.dw = p.dilation[1];
  g.count_include_pad = p.count_include_pad;
  g.divisor = p.divisor;
  return g;
}

void max_pool2d_cuda(Tensor& out, Tensor& indices, const Tensor& input, const Pool2dParams& p) {
  CUDAGuard guard(input.device());
  ConvGeometry g = pool_geometry(input, out.size(2), out.size(3), p);
  launch_max_pool2d(out.data_ptr(), indices.data_ptr<int64_t>(), input.data_ptr(), input.dtype(),
                    g.n * g.c, g, stream_of(input));
}

void max_pool2d_backward_cuda(Tensor& grad_input, const Tensor& grad_out, const Tensor& indices) {
  CUDAGuard guard(grad_input.device());
  grad_input.zero_();
  Tensor go = grad_out.contiguous(), idx = indices.contiguous();
  int64_t planes = grad_input.size(0) * grad_input.size(1);
  launch_max_pool2d_backward(grad_input.data_ptr(), go.data_ptr(), idx.data_ptr<int64_t>(),
                             grad_input.dtype(), planes, grad_input.size(2) * grad_input.size(3),
                             go.size(2) * go.size(3), stream_of(go));
}

void avg_pool2d_cuda(Tensor& out, const Tensor& input, const Pool2dParams& p) {
  CUDAGuard guard(input.device());
  ConvGeometry g = pool_geometry(input, out.size(2), out.size(3), p);
  launch_avg_pool2d(out.data_ptr(), input.data_ptr(), input.dtype(), g.n * g.c, g,
                    stream_of(input));
}

void avg_pool2d_backward_cuda(Tensor& grad_input, const Tensor& grad_out, const Pool2dParams& p) {
  CUDAGuard guard(grad_input.device());
  grad_input.zero_();
  Tensor go = grad_out.contiguous();
  ConvGeometry g = pool_geometry(grad_input, go.size(2), go.size(3), p);
  launch_avg_pool2d_backward(grad_input.data_ptr(), go.data_ptr(), grad_input.dtype(), g.n * g.c, g,
                             stream_of(go));
}

// conv3d and the transposed convolutions have no cuDNN-free kernel here: the ops take their
// composites when these say no.
template <auto Run>
bool cudnn_forward_cuda(Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const ConvNdParams& p) {
  CUDAGuard guard(input.device());
  return Run(out, input, weight, bias, p);
}

template <auto Run>
bool cudnn_backward_cuda(const Tensor& grad_out, const Tensor& input, const Tensor& weight,
                         const ConvNdParams& p, Tensor& grad_input, Tensor& grad_weight) {
  CUDAGuard guard(input.device());
  return Run(grad_out, input, weight, p, grad_input, grad_weight);
}

}  // namespace

void register_cuda_conv_kernels() {
  reg(conv2d_stub, conv2d_cuda);
  reg(conv2d_backward_stub, conv2d_backward_cuda);
  reg(cudnn_conv3d_stub, cudnn_forward_cuda<cudnn_conv>);
  reg(cudnn_conv3d_backward_stub, cudnn_backward_cuda<cudnn_conv_backward>);
  reg(cudnn_conv_transpose_stub, cudnn_forward_cuda<cudnn_conv_transpose>);
  reg(cudnn_conv_transpose_backward_stub, cudnn_backward_cuda<cudnn_conv_transpose_backward>);
  reg(max_pool2d_stub, max_pool2d_cuda);
  reg(max_pool2d_backward_stub, max_pool2d_backward_cuda);
  reg(avg_pool2d_stub, avg_pool2d_cuda);
  reg(avg_pool2d_backward_stub, avg_pool2d_backward_cuda);
}

}  // namespace ember::cuda
