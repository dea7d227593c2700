#pragma once
// Float32 convolution forward by implicit GEMM with an AVX-512 micro-kernel (conv_avx512.cpp;
// Note [Implicit-GEMM convolution]). The im2col + BLAS path in conv.cpp stays for double, for
// CPUs without AVX-512 and when EMBER_SIMD picks a narrower ISA.
#include <cstdint>

namespace ember {
namespace cpu {

struct ConvGeom {
  int64_t n, c, h, w;  // input [n, c, h, w]
  int64_t co, kh, kw;  // weight [co, c / groups, kh, kw]
  int64_t ho, wo;      // output [n, co, ho, wo]
  int64_t sh, sw, ph, pw, dh, dw, groups;
};

// Whether the kernels of this header run: built with AVX-512 and the active ISA (see vec_math.h)
// is AVX-512.
bool avx512_kernels_active();

// out = conv(x, w) + bias (bias may be null); contiguous NCHW tensors, parallel on ember's pool.
void conv2d_f32_fast(const float* x, const float* w, const float* bias, float* out,
                     const ConvGeom& g);

// The input gradient of a stride-1 convolution as the forward convolution g of dy (Note [Input
// gradient as a convolution] in conv.cpp): g's weights are the forward's w ([g.c][g.co / groups]
// [kh][kw] per the forward's shape) flipped in both kernel axes and transposed per group; the
// broadcast kernel reads them so while packing, the other kernels from a flipped copy.
void conv2d_input_grad_f32_fast(const float* dy, const float* w, float* gi, const ConvGeom& g);

// dw = the weight gradient of conv2d_f32_fast for grad_out dy ([n, co, ho, wo], contiguous);
// dw is [co, c / groups, kh, kw] (Note [Implicit-GEMM weight gradient]); its previous contents
// are not read.
void conv2d_weight_grad_f32_fast(const float* x, const float* dy, float* dw, const ConvGeom& g);

// max_pool2d, 2x2 window, stride 2, no padding or dilation, on `planes` contiguous [h, w] float
// planes into [ho, wo] values and flat h * w indices (2 * ho <= h, 2 * wo <= w); AVX-512 only.
void max_pool2x2_f32(const float* x, float* y, int64_t* idx, int64_t planes, int64_t h, int64_t w,
                     int64_t ho, int64_t wo);

}  // namespace cpu
}  // namespace ember
