#pragma once
// Convolution and pooling kernels (NCHW, contiguous float/double tensors prepared by the op).
#include <array>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {

struct Conv2dParams {
  std::array<int64_t, 2> stride, padding, dilation;
  int64_t groups = 1;
};
// out [N, Co, Ho, Wo] = conv(input [N, C, H, W], weight [Co, C/g, kh, kw]) + bias [Co] (optional)
using Conv2dFn = void (*)(Tensor& out, const Tensor& input, const Tensor& weight,
                          const Tensor& bias, const Conv2dParams& p);
// Gradients of conv2d; each output is filled only if defined (preallocated, zeroed by the kernel).
using Conv2dBackwardFn = void (*)(const Tensor& grad_out, const Tensor& input, const Tensor& weight,
                                  const Conv2dParams& p, Tensor& grad_input, Tensor& grad_weight,
                                  Tensor& grad_bias);
EMBER_DECLARE_STUB(conv2d_stub, Conv2dFn);
EMBER_DECLARE_STUB(conv2d_backward_stub, Conv2dBackwardFn);
// A convolution with 2 or 3 spatial dims (the cuDNN entry points below); entries past `dims`
// unused.
struct ConvNdParams {
  int dims = 2;
  std::array<int64_t, 3> stride{1, 1, 1}, padding{0, 0, 0}, dilation{1, 1, 1};
  int64_t groups = 1;
};
inline ConvNdParams to_nd(const Conv2dParams& p) {
  ConvNdParams r;
  for (size_t i = 0; i < 2; ++i) {
    r.stride[i] = p.stride[i];
    r.padding[i] = p.padding[i];
    r.dilation[i] = p.dilation[i];
  }
  r.groups = p.groups;
  return r;
}
// Through cuDNN (CUDA only, no CPU entry; Note [cuDNN transposed convolutions] in
// src/ops/pooling.cpp): conv3d (out [N, Co, Do, Ho, Wo] = conv(input, weight [Co, C/g, k...]) +
// bias) and the transposed convolutions with 2 or 3 spatial dims (out [N, Co, out...] =
// conv_transpose(input [N, Ci, in...], weight [Ci, Co/g, k...]) + bias, the output padding implied
// by out's size); the backward functions write the input and weight gradients where defined.
// False, with nothing written, where cuDNN is not loaded, switched off or refuses the problem
// (the op then takes its composite).
using CudnnConvFn = bool (*)(Tensor& out, const Tensor& input, const Tensor& weight,
                             const Tensor& bias, const ConvNdParams& p);
using CudnnConvBackwardFn = bool (*)(const Tensor& grad_out, const Tensor& input,
                                     const Tensor& weight, const ConvNdParams& p,
                                     Tensor& grad_input, Tensor& grad_weight);
EMBER_DECLARE_STUB(cudnn_conv3d_stub, CudnnConvFn);
EMBER_DECLARE_STUB(cudnn_conv3d_backward_stub, CudnnConvBackwardFn);
EMBER_DECLARE_STUB(cudnn_conv_transpose_stub, CudnnConvFn);
EMBER_DECLARE_STUB(cudnn_conv_transpose_backward_stub, CudnnConvBackwardFn);

struct Pool2dParams {
  std::array<int64_t, 2> kernel, stride, padding, dilation;
  bool count_include_pad = true;
  int64_t divisor = 0;  // 0: none
};
// out/indices [N, C, Ho, Wo]; indices are flat positions h * W + w within each plane.
using MaxPool2dFn = void (*)(Tensor& out, Tensor& indices, const Tensor& input,
                             const Pool2dParams& p);
using MaxPool2dBackwardFn = void (*)(Tensor& grad_input, const Tensor& grad_out,
                                     const Tensor& indices);
using AvgPool2dFn = void (*)(Tensor& out, const Tensor& input, const Pool2dParams& p);
using AvgPool2dBackwardFn = void (*)(Tensor& grad_input, const Tensor& grad_out,
                                     const Pool2dParams& p);
EMBER_DECLARE_STUB(max_pool2d_stub, MaxPool2dFn);
EMBER_DECLARE_STUB(max_pool2d_backward_stub, MaxPool2dBackwardFn);
EMBER_DECLARE_STUB(avg_pool2d_stub, AvgPool2dFn);
EMBER_DECLARE_STUB(avg_pool2d_backward_stub, AvgPool2dBackwardFn);

}  // namespace ember
