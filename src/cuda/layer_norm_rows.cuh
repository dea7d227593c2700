// Layer norm over contiguous float rows whose length N is a multiple of 4 up to 1024 (GPT-2's 768
// and 1024): one warp per row with the row in registers, V float4 per lane (lane l holds float4s
// l, l + 32, ..., V = ceil(N / 128) <= 8; the backward holds 4 V float4 per lane). The forward
// reads x once (the generic kernels in nn.cu read it three times, with a block and two block-wide
// sums per row); the backward reads x and gy once for the input gradient and the weight and bias
// gradients together: each warp sums its rows' gy * xhat and gy per column in registers, the block
// adds its warps' sums in a fixed order into one row of partial sums, and a second kernel adds the
// blocks' rows in double - the same result on every run. Statistics in float, as PyTorch's CUDA
// kernels (the CPU and nn.cu kernels accumulate in double; the difference is within float rounding
// of the row's values). EMBER_CUDA_LAYER_NORM_ROWS=0 (read once) keeps every shape on the generic
// kernels.
//
// The kernels and their launch plans are in this header: src/cuda/layer_norm.cu launches them on
// the GPU, tests/cuda/layer_norm_emulated_test.cpp runs the same code on the CPU through the SIMT
// emulator (Note [Emulated kernels] in tests/README.md).
#pragma once

#ifndef EMBER_SIMT_EMULATION
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ember::cuda::ln_rows {

constexpr int kWarps = 8;  // rows per block at a time
constexpr int kLnThreads = kWarps * 32;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float4 load4(const float* p, int c) {
  return reinterpret_cast<const float4*>(p)[c];
}
__device__ __forceinline__ float4 operator*(float4 a, float4 b) {
  return make_float4(a.x * b.x, a.y * b.y, a.z * b.z, a.w * b.w);
}
__device__ __forceinline__ float4 operator+(float4 a, float4 b) {
  return make_float4(a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w);
}
__device__ __forceinline__ float4 affine(float4 a, float m, float r) {  // (a - m) * r
  return make_float4((a.x - m) * r, (a.y - m) * r, (a.z - m) * r, (a.w - m) * r);
}
__device__ __forceinline__ float hsum(float4 a) { return (a.x + a.y) + (a.z + a.w); }

template <int V>
__global__ void __launch_bounds__(kLnThreads)
    layer_norm_rows_kernel(float* y, float* mean, float* rstd, const float* x, int64_t M, int N,
                           const float* w, const float* b, float eps) {
  const int lane = threadIdx.x % 32, n4 = N / 4;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32; row < M;
       row += static_cast<int64_t>(gridDim.x) * kWarps) {
    const float* xr = x + row * N;
    float4 v[V];
    float s = 0.f;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = lane + 32 * j;
      v[j] = c < n4 ? load4(xr, c) : make_float4(0.f, 0.f, 0.f, 0.f);
      s += hsum(v[j]);
    }
    const float mu = warp_sum(s) / static_cast<float>(N);
    float q = 0.f;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      if (lane + 32 * j < n4) {
        const float4 d = affine(v[j], mu, 1.f);
        q += hsum(d * d);
      }
    }
    const float r = 1.f / sqrtf(warp_sum(q) / static_cast<float>(N) + eps);
    if (lane == 0) {
      mean[row] = mu;
      rstd[row] = r;
    }
    float4* yr = reinterpret_cast<float4*>(y + row * N);
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = lane + 32 * j;
      if (c >= n4) continue;
      float4 o = affine(v[j], mu, r);
      if (w) o = o * load4(w, c);
      if (b) o = o + load4(b, c);
      yr[c] = o;
    }
  }
}

// gx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * w (when gx is not null), and
// when `partial` is not null, block row blockIdx.x of partial ([gridDim.x, 2N]): sum gy * xhat
// then sum gy per column over the block's rows.
template <int V>
__global__ void __launch_bounds__(kLnThreads)
    layer_norm_rows_backward_kernel(float* gx, float* partial, const float* gy, const float* x,
                                    int64_t M, int N, const float* mean, const float* rstd,
                                    const float* w) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, n4 = N / 4;
  const float inv_n = 1.f / static_cast<float>(N);
  float4 pw[V], pb[V];
#pragma unroll
  for (int j = 0; j < V; ++j) pw[j] = pb[j] = make_float4(0.f, 0.f, 0.f, 0.f);
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + warp; row < M;
       row += static_cast<int64_t>(gridDim.x) * kWarps) {
    const float* xr = x + row * N;
    const float* gr = gy + row * N;
    const float m = mean[row], r = rstd[row];
    float4 xh[V], g[V];
    float sg = 0.f, sgx = 0.f;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = lane + 32 * j;
      if (c < n4) {
        xh[j] = affine(load4(xr, c), m, r);
        const float4 go = load4(gr, c);
        pw[j] = pw[j] + go * xh[j];
        pb[j] = pb[j] + go;
        g[j] = w ? go * load4(w, c) : go;
      } else {
        xh[j] = g[j] = make_float4(0.f, 0.f, 0.f, 0.f);
      }
      sg += hsum(g[j]);
      sgx += hsum(g[j] * xh[j]);
    }
    if (!gx) continue;
    sg = warp_sum(sg) * inv_n;
    sgx = warp_sum(sgx) * inv_n;
    float4* gxr = reinterpret_cast<float4*>(gx + row * N);
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const int c = lane + 32 * j;
      if (c < n4) {
        gxr[c] = make_float4(r * (g[j].x - sg - xh[j].x * sgx), r * (g[j].y - sg - xh[j].y * sgx),
                             r * (g[j].z - sg - xh[j].z * sgx), r * (g[j].w - sg - xh[j].w * sgx));
      }
    }
  }
  if (!partial) return;
  // The warps' sums, 128 columns at a time, added in warp order.
  __shared__ float4 stage[2][kWarps][32];
  float* out = partial + static_cast<int64_t>(blockIdx.x) * 2 * N;
#pragma unroll
  for (int j = 0; j < V; ++j) {
    stage[0][warp][lane] = pw[j];
    stage[1][warp][lane] = pb[j];
    __syncthreads();
    if (warp < 2) {
      float4 s = stage[warp][0][lane];
      for (int k = 1; k < kWarps; ++k) s = s + stage[warp][k][lane];
      const int c = lane + 32 * j;
      if (c < n4) reinterpret_cast<float4*>(out + warp * N)[c] = s;
    }
    __syncthreads();
  }
}

// gw[n] = sum over block rows of partial[., n], gb[n] the same of partial[., N + n], in double:
// a block per 32 of the 2N columns, 8 row slices per column summed in order and then together.
__global__ void __launch_bounds__(kLnThreads)
    layer_norm_params_finish_kernel(float* gw, float* gb, const float* partial, int N, int rows) {
  __shared__ double sums[kWarps][32];
  const int col = blockIdx.x * 32 + threadIdx.x % 32, slice = threadIdx.x / 32;
  double s = 0;
  if (col < 2 * N) {
    for (int r = slice; r < rows; r += kWarps) s += partial[static_cast<int64_t>(r) * 2 * N + col];
  }
  sums[slice][threadIdx.x % 32] = s;
  __syncthreads();
  if (slice != 0 || col >= 2 * N) return;
  for (int k = 1; k < kWarps; ++k) s += sums[k][threadIdx.x];
  float* dst = col < N ? gw : gb;
  if (dst) dst[col < N ? col : col - N] = static_cast<float>(s);
}

// Rows these kernels take: V = ceil(N / 128) float4 per lane, at most 8 (more would spill the
// backward's registers).
constexpr int64_t kMaxRow = 8 * 128;
inline bool shape_fits(int64_t M, int64_t N) {
  return M >= 1 && N >= 4 && N <= kMaxRow && N % 4 == 0;
}

// Calls f.template operator()<V>() for V = ceil(N / 128) in 1..8 (N <= kMaxRow).
template <class F>
void with_vecs(int64_t N, F&& f) {
  switch ((N + 127) / 128) {
    case 1:
      return f.template operator()<1>();
    case 2:
      return f.template operator()<2>();
    case 3:
      return f.template operator()<3>();
    case 4:
      return f.template operator()<4>();
    case 5:
      return f.template operator()<5>();
    case 6:
      return f.template operator()<6>();
    case 7:
      return f.template operator()<7>();
    case 8:
      return f.template operator()<8>();
    default:
      return;  // not a shape the kernels take (shape_fits): nothing launched
  }
}

unsigned row_blocks(int64_t M) {
  return static_cast<unsigned>(std::min<int64_t>((M + kWarps - 1) / kWarps, 65535 * 16));
}

// The launch plans: launch(kernel, grid, threads, args...) runs kernel(args...) - on the GPU in
// src/cuda/layer_norm.cu, on the emulator in the tests.
template <class Launch>
void forward(float* y, float* mean, float* rstd, const float* x, int64_t M, int64_t N,
             const float* w, const float* b, double eps, Launch&& launch) {
  with_vecs(N, [&]<int V>() {
    launch(layer_norm_rows_kernel<V>, dim3(row_blocks(M)), kLnThreads, y, mean, rstd, x, M,
           static_cast<int>(N), w, b, static_cast<float>(eps));
  });
}

// Blocks of the backward: with parameter gradients a few per SM walk all rows (fewer partial rows
// to add up), which is also the number of rows of `partial` ([blocks, 2N] floats).
inline unsigned backward_blocks(int64_t M, bool params, int sms) {
  return params ? static_cast<unsigned>(std::min<int64_t>(row_blocks(M), 2 * int64_t{sms}))
                : row_blocks(M);
}

template <class Launch>
void backward(float* gx, float* gw, float* gb, const float* gy, const float* x, int64_t M,
              int64_t N, const float* mean, const float* rstd, const float* w, unsigned blocks,
              float* partial, Launch&& launch) {
  with_vecs(N, [&]<int V>() {
    launch(layer_norm_rows_backward_kernel<V>, dim3(blocks), kLnThreads, gx, partial, gy, x, M,
           static_cast<int>(N), mean, rstd, w);
  });
  if (partial != nullptr) {
    launch(layer_norm_params_finish_kernel, dim3(static_cast<unsigned>((2 * N + 31) / 32)),
           kLnThreads, gw, gb, partial, static_cast<int>(N), static_cast<int>(blocks));
  }
}

}  // namespace ember::cuda::ln_rows
