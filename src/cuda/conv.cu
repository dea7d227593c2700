// CUDA im2col/col2im for conv2d (the matrix products go through cuBLAS, see conv_kernels.cpp) and
// the 2-d pooling kernels, over contiguous NCHW float/double tensors, with the CPU kernels'
// semantics (src/cpu/conv.cpp).
#include <cmath>

#include "src/cuda/conv.h"
#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kConvThreads = 256;

unsigned grid(int64_t n) {
  return static_cast<unsigned>(
      std::min<int64_t>((n + kConvThreads - 1) / kConvThreads, 65535 * 16));
}

#define EMBER_GRID_LOOP(i, n)                                               \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); \
       i += int64_t(blockDim.x) * gridDim.x)

// cols [N, C*kh*kw, Ho*Wo] from x [N, C, H, W]; zero outside the input.
template <class T>
__global__ void im2col_kernel(T* cols, const T* x, ConvGeometry g) {
  int64_t L = g.ho * g.wo, K = g.c * g.kh * g.kw;
  EMBER_GRID_LOOP(idx, g.n * K * L) {
    int64_t l = idx % L, k = (idx / L) % K, n = idx / (L * K);
    int64_t kj = k % g.kw, ki = (k / g.kw) % g.kh, c = k / (g.kw * g.kh);
    int64_t oh = l / g.wo, ow = l % g.wo;
    int64_t ih = oh * g.sh - g.ph + ki * g.dh, iw = ow * g.sw - g.pw + kj * g.dw;
    cols[idx] = (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w)
                    ? x[((n * g.c + c) * g.h + ih) * g.w + iw]
                    : T(0);
  }
}

// x [N, C, H, W] = the sum of every cols entry im2col read from that position (a gather, so no
// atomics: each input element adds its own contributions).
template <class T>
__global__ void col2im_kernel(T* x, const T* cols, ConvGeometry g) {
  int64_t L = g.ho * g.wo, K = g.c * g.kh * g.kw;
  EMBER_GRID_LOOP(idx, g.n * g.c * g.h * g.w) {
    int64_t iw = idx % g.w, ih = (idx / g.w) % g.h, c = (idx / (g.w * g.h)) % g.c;
    int64_t n = idx / (g.w * g.h * g.c);
    T s = 0;
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      int64_t th = ih + g.ph - ki * g.dh;
      if (th < 0 || th % g.sh != 0) continue;
      int64_t oh = th / g.sh;
      if (oh >= g.ho) continue;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        int64_t tw = iw + g.pw - kj * g.dw;
        if (tw < 0 || tw % g.sw != 0) continue;
        int64_t ow = tw / g.sw;
        if (ow >= g.wo) continue;
        int64_t k = (c * g.kh + ki) * g.kw + kj;
        s += cols[(n * K + k) * L + oh * g.wo + ow];
      }
    }
    x[idx] = s;
  }
}

// One thread per output element; planes = N * C.
template <class T>
__global__ void max_pool_kernel(T* y, int64_t* idx, const T* x, int64_t planes, ConvGeometry g) {
  EMBER_GRID_LOOP(o, planes * g.ho * g.wo) {
    int64_t ow = o % g.wo, oh = (o / g.wo) % g.ho, pl = o / (g.wo * g.ho);
    const T* xp = x + pl * g.h * g.w;
    int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    int64_t i0 = h0 >= 0 ? 0 : (-h0 + g.dh - 1) / g.dh;
    int64_t i1 = min(g.kh, g.h - h0 <= 0 ? int64_t(0) : (g.h - h0 + g.dh - 1) / g.dh);
    int64_t j0 = w0 >= 0 ? 0 : (-w0 + g.dw - 1) / g.dw;
    int64_t j1 = min(g.kw, g.w - w0 <= 0 ? int64_t(0) : (g.w - w0 + g.dw - 1) / g.dw);
    T best = -INFINITY;
    int64_t bi = (h0 + i0 * g.dh) * g.w + (w0 + j0 * g.dw);
    for (int64_t i = i0; i < i1; ++i)
      for (int64_t j = j0; j < j1; ++j) {
        int64_t at = (h0 + i * g.dh) * g.w + w0 + j * g.dw;
        T v = xp[at];
        if (v > best || v != v) {  // a NaN is taken, as PyTorch
          best = v;
          bi = at;
        }
      }
    y[o] = best;
    idx[o] = bi;
  }
}

template <class T>
__global__ void max_pool_backward_kernel(T* gi, const T* go, const int64_t* idx, int64_t planes,
                                         int64_t hw, int64_t ohw) {
  EMBER_GRID_LOOP(o, planes * ohw) {
    int64_t i = idx[o];
    if (i >= 0) atomicAdd(gi + (o / ohw) * hw + i, go[o]);
  }
}

// Number of elements averaged for window (oh, ow), PyTorch's rules (as the CPU kernel).
__device__ int64_t avg_divisor(int64_t oh, int64_t ow, const ConvGeometry& g) {
  if (g.divisor) return g.divisor;
  int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
  int64_t he = min(hs + g.kh, g.h + g.ph), we = min(ws + g.kw, g.w + g.pw);
  int64_t pool = (he - hs) * (we - ws);
  if (g.count_include_pad) return pool;
  hs = max(hs, int64_t(0));
  ws = max(ws, int64_t(0));
  he = min(he, g.h);
  we = min(we, g.w);
  return (he - hs) * (we - ws);
}

template <class T>
__global__ void avg_pool_kernel(T* y, const T* x, int64_t planes, ConvGeometry g) {
  EMBER_GRID_LOOP(o, planes * g.ho * g.wo) {
    int64_t ow = o % g.wo, oh = (o / g.wo) % g.ho, pl = o / (g.wo * g.ho);
    const T* xp = x + pl * g.h * g.w;
    int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
    T s = 0;
    for (int64_t ih = max(hs, int64_t(0)); ih < min(hs + g.kh, g.h); ++ih)
      for (int64_t iw = max(ws, int64_t(0)); iw < min(ws + g.kw, g.w); ++iw) s += xp[ih * g.w + iw];
    int64_t div = avg_divisor(oh, ow, g);
    y[o] = div > 0 ? s / static_cast<T>(div) : T(0);
  }
}

template <class T>
__global__ void avg_pool_backward_kernel(T* gi, const T* go, int64_t planes, ConvGeometry g) {
  EMBER_GRID_LOOP(o, planes * g.ho * g.wo) {
    int64_t ow = o % g.wo, oh = (o / g.wo) % g.ho, pl = o / (g.wo * g.ho);
    int64_t div = avg_divisor(oh, ow, g);
    if (div <= 0) continue;
    T v = go[o] / static_cast<T>(div);
    int64_t hs = oh * g.sh - g.ph, ws = ow * g.sw - g.pw;
    for (int64_t ih = max(hs, int64_t(0)); ih < min(hs + g.kh, g.h); ++ih)
      for (int64_t iw = max(ws, int64_t(0)); iw < min(ws + g.kw, g.w); ++iw)
        atomicAdd(gi + pl * g.h * g.w + ih * g.w + iw, v);
  }
}

}  // namespace

void launch_im2col(void* cols, const void* x, ScalarType dt, const ConvGeometry& g,
                   CUstream_st* stream) {
  int64_t total = g.n * g.c * g.kh * g.kw * g.ho * g.wo;
  if (total == 0) return;
  float_or_double(dt, "conv2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    im2col_kernel<T><<<grid(total), kConvThreads, 0, stream>>>(static_cast<T*>(cols),
                                                               static_cast<const T*>(x), g);
  });
  detail::check_launch("conv2d", stream);
}

void launch_col2im(void* x, const void* cols, ScalarType dt, const ConvGeometry& g,
                   CUstream_st* stream) {
  int64_t total = g.n * g.c * g.h * g.w;
  if (total == 0) return;
  float_or_double(dt, "conv2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    col2im_kernel<T><<<grid(total), kConvThreads, 0, stream>>>(static_cast<T*>(x),
                                                               static_cast<const T*>(cols), g);
  });
  detail::check_launch("conv2d_backward", stream);
}

void launch_max_pool2d(void* y, int64_t* idx, const void* x, ScalarType dt, int64_t planes,
                       const ConvGeometry& g, CUstream_st* stream) {
  int64_t total = planes * g.ho * g.wo;
  if (total == 0) return;
  float_or_double(dt, "max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_kernel<T><<<grid(total), kConvThreads, 0, stream>>>(
        static_cast<T*>(y), idx, static_cast<const T*>(x), planes, g);
  });
  detail::check_launch("max_pool2d", stream);
}

void launch_max_pool2d_backward(void* gi, const void* go, const int64_t* idx, ScalarType dt,
                                int64_t planes, int64_t hw, int64_t ohw, CUstream_st* stream) {
  if (planes * ohw == 0) return;
  float_or_double(dt, "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    max_pool_backward_kernel<T><<<grid(planes * ohw), kConvThreads, 0, stream>>>(
        static_cast<T*>(gi), static_cast<const T*>(go), idx, planes, hw, ohw);
  });
  detail::check_launch("max_pool2d_backward", stream);
}

void launch_avg_pool2d(void* y, const void* x, ScalarType dt, int64_t planes, const ConvGeometry& g,
                       CUstream_st* stream) {
  int64_t total = planes * g.ho * g.wo;
  if (total == 0) return;
  float_or_double(dt, "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    avg_pool_kernel<T><<<grid(total), kConvThreads, 0, stream>>>(
        static_cast<T*>(y), static_cast<const T*>(x), planes, g);
  });
  detail::check_launch("avg_pool2d", stream);
}

void launch_avg_pool2d_backward(void* gi, const void* go, ScalarType dt, int64_t planes,
                                const ConvGeometry& g, CUstream_st* stream) {
  int64_t total = planes * g.ho * g.wo;
  if (total == 0) return;
  float_or_double(dt, "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    avg_pool_backward_kernel<T><<<grid(total), kConvThreads, 0, stream>>>(
        static_cast<T*>(gi), static_cast<const T*>(go), planes, g);
  });
  detail::check_launch("avg_pool2d_backward", stream);
}

}  // namespace ember::cuda
