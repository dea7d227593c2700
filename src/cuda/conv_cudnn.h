#pragma once
// Convolutions and their gradients through cuDNN (Note [cuDNN convolutions] in conv_cudnn.cpp),
// used by conv_kernels.cpp. Contiguous NCHW / NCDHW float, double, half or bfloat16 tensors on one
// device.
#include <cstddef>

#include "ember/core/tensor.h"
#include "src/kernels/conv.h"

namespace ember::cuda {

// out = conv(x, w) + bias with 2 or 3 spatial dims (p.dims). False, with nothing written, where
// cuDNN is not loaded or switched off (at::globalContext().userEnabledCuDNN()) or has no
// algorithm for the problem.
bool cudnn_conv(Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                const ConvNdParams& p);
// grad_input and grad_weight where defined (not the bias's); false as above.
bool cudnn_conv_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                         const ConvNdParams& p, Tensor& grad_input, Tensor& grad_weight);
// Transposed: out [N, Co, out...] (output padding implied by its size) from x [N, Ci, in...] and
// w [Ci, Co / groups, k...], plus bias; its gradients where defined. False as above (the caller
// takes the composite).
bool cudnn_conv_transpose(Tensor& out, const Tensor& x, const Tensor& w, const Tensor& bias,
                          const ConvNdParams& p);
bool cudnn_conv_transpose_backward(const Tensor& grad_out, const Tensor& x, const Tensor& w,
                                   const ConvNdParams& p, Tensor& grad_input, Tensor& grad_weight);
// Problems whose algorithm choice is cached (for tests).
size_t cudnn_conv_cache_size();

}  // namespace ember::cuda
