#pragma once
// CUDA convolution helpers and pooling kernels (src/cuda/conv.cu), over contiguous NCHW float or
// double buffers; conv_kernels.cpp registers them in the stubs of src/kernels/conv.h.
#include <cstdint>

#include "ember/core/scalar_type.h"

struct CUstream_st;

namespace ember::cuda {

// One conv or pool: input [n, c, h, w], output [.., ho, wo], kernel kh x kw with stride,
// padding and dilation; avg pooling's divisor rules.
struct ConvGeometry {
  int64_t n = 0, c = 0, h = 0, w = 0, ho = 0, wo = 0, kh = 1, kw = 1;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool count_include_pad = true;
  int64_t divisor = 0;
};

// cols [n, c*kh*kw, ho*wo] from x; and x = the sum of the cols entries that read each position.
void launch_im2col(void* cols, const void* x, ScalarType dt, const ConvGeometry& g,
                   CUstream_st* stream);
void launch_col2im(void* x, const void* cols, ScalarType dt, const ConvGeometry& g,
                   CUstream_st* stream);
// planes = n * c; indices are flat h * w + w positions within each plane.
void launch_max_pool2d(void* y, int64_t* idx, const void* x, ScalarType dt, int64_t planes,
                       const ConvGeometry& g, CUstream_st* stream);
// gi must be zeroed; atomic adds.
void launch_max_pool2d_backward(void* gi, const void* go, const int64_t* idx, ScalarType dt,
                                int64_t planes, int64_t hw, int64_t ohw, CUstream_st* stream);
void launch_avg_pool2d(void* y, const void* x, ScalarType dt, int64_t planes, const ConvGeometry& g,
                       CUstream_st* stream);
void launch_avg_pool2d_backward(void* gi, const void* go, ScalarType dt, int64_t planes,
                                const ConvGeometry& g, CUstream_st* stream);

}  // namespace ember::cuda
