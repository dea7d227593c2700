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
// conv_transpose2d through cuDNN (CUDA only, no CPU entry; Note [cuDNN transposed convolutions]
// in src/ops/pooling.cpp): out [N, Co, Ho, Wo] = conv_transpose(input [N, Ci, H, W], weight [Ci,
// Co/g, kh, kw]) + bias, the output padding implied by out's size; its input and weight
// gradients where defined. False, with nothing written, where cuDNN is not loaded, switched off
// or refuses the problem.
using ConvTranspose2dFn = bool (*)(Tensor& out, const Tensor& input, const Tensor& weight,
                                   const Tensor& bias, const Conv2dParams& p);
using ConvTranspose2dBackwardFn = bool (*)(const Tensor& grad_out, const Tensor& input,
                                           const Tensor& weight, const Conv2dParams& p,
                                           Tensor& grad_input, Tensor& grad_weight);
EMBER_DECLARE_STUB(cudnn_conv_transpose2d_stub, ConvTranspose2dFn);
EMBER_DECLARE_STUB(cudnn_conv_transpose2d_backward_stub, ConvTranspose2dBackwardFn);

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
