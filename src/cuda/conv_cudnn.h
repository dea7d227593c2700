#pragma once
// conv2d and its gradients through cuDNN (Note [cuDNN convolutions] in conv_cudnn.cpp), used by
// conv_kernels.cpp. Contiguous NCHW float, double, half or bfloat16 tensors on one device.
#include <cstddef>

#include "ember/core/tensor.h"
#include "src/kernels/conv.h"

namespace ember::cuda {

// out = conv2d(x, w) + bias. False, with nothing written, where cuDNN is not loaded or switched
// off (at::globalContext().userEnabledCuDNN()) or has no algorithm for the problem.
bool cudnn_conv2d(Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                  const Conv2dParams& p);
// grad_input and grad_weight where defined (not the bias's); false as above.
bool cudnn_conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                           const Conv2dParams& p, Tensor& grad_input, Tensor& grad_weight);
// conv_transpose2d: out [N, Co, Ho, Wo] (output padding implied by its size) from x [N, Ci, H, W]
// and w [Ci, Co / groups, kh, kw], plus bias; its gradients where defined. False as above (the
// caller takes the composite).
bool cudnn_conv_transpose2d(Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                            const Conv2dParams& p);
bool cudnn_conv_transpose2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                                     const Conv2dParams& p, Tensor& grad_input,
                                     Tensor& grad_weight);
// Problems whose algorithm choice is cached (for tests).
size_t cudnn_conv_cache_size();

}  // namespace ember::cuda
