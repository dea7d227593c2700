// Layer norm over contiguous float rows whose length N is a multiple of 4 up to 4096 (GPT-2's 768,
// most transformer widths): one warp per row with the row in registers, V float4 per lane (lane l
// holds float4s l, l + 32, ..., V = ceil(N / 128)). The forward reads x once (the generic kernels
// in nn.cu read it three times, with a block and two block-wide sums per row); the backward reads
// x and gy once for the input gradient and the weight and bias gradients together: each warp sums
// its rows' gy * xhat and gy per column in registers, the block adds its warps' sums in a fixed
// order into one row of partial sums, and a second kernel adds the blocks' rows in double - the
// same result on every run. Statistics in float, as PyTorch's CUDA kernels (the CPU and nn.cu
// kernels accumulate in double; the difference is within float rounding of the row's values).
// EMBER_CUDA_LAYER_NORM_ROWS=0 (read once) keeps every shape on the generic kernels.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

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

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

int sm_count() {
  int dev = 0, n = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&dev), "layer_norm");
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev), "layer_norm");
  return std::max(n, 1);
}

// Calls f.template operator()<V>() for V = ceil(N / 128) in 1..8.
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
    default:
      return f.template operator()<8>();
  }
}

unsigned row_blocks(int64_t M) {
  return static_cast<unsigned>(std::min<int64_t>((M + kWarps - 1) / kWarps, 65535 * 16));
}

}  // namespace

bool layer_norm_rows_fits(int64_t M, int64_t N, std::initializer_list<const void*> ptrs) {
  // EMBER_CUDA_LAYER_NORM_ROWS=0 keeps the generic kernels (for comparison).
  static const bool enabled = [] {
    const char* e = std::getenv("EMBER_CUDA_LAYER_NORM_ROWS");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  if (!enabled || M < 1 || N < 4 || N > 4096 || N % 4 != 0) return false;
  return std::all_of(ptrs.begin(), ptrs.end(), [](const void* p) { return aligned16(p); });
}

void launch_layer_norm_rows(float* y, float* mean, float* rstd, const float* x, int64_t M,
                            int64_t N, const float* w, const float* b, double eps,
                            CUstream_st* stream) {
  with_vecs(N, [&]<int V>() {
    layer_norm_rows_kernel<V><<<row_blocks(M), kLnThreads, 0, stream>>>(
        y, mean, rstd, x, M, static_cast<int>(N), w, b, static_cast<float>(eps));
  });
  detail::check_launch("layer_norm", stream);
}

void launch_layer_norm_rows_backward(float* gx, float* gw, float* gb, const float* gy,
                                     const float* x, int64_t M, int64_t N, const float* mean,
                                     const float* rstd, const float* w, CUstream_st* stream) {
  const bool params = gw || gb;
  // With parameter gradients, a few blocks per SM walk all rows (fewer partial rows to add up).
  static const int sms = sm_count();
  const unsigned blocks =
      params ? static_cast<unsigned>(std::min<int64_t>(row_blocks(M), 2 * int64_t{sms}))
             : row_blocks(M);
  float* partial = nullptr;
  if (params) {
    partial = static_cast<float*>(CUDACachingAllocator::raw_alloc_with_stream(
        static_cast<size_t>(blocks) * 2 * static_cast<size_t>(N) * sizeof(float), stream));
  }
  with_vecs(N, [&]<int V>() {
    layer_norm_rows_backward_kernel<V><<<blocks, kLnThreads, 0, stream>>>(
        gx, partial, gy, x, M, static_cast<int>(N), mean, rstd, w);
  });
  detail::check_launch("layer_norm_backward", stream);
  if (params) {
    const auto cols = static_cast<unsigned>((2 * N + 31) / 32);
    layer_norm_params_finish_kernel<<<cols, kLnThreads, 0, stream>>>(
        gw, gb, partial, static_cast<int>(N), static_cast<int>(blocks));
    detail::check_launch("layer_norm_backward", stream);
    CUDACachingAllocator::raw_delete(partial);
  }
}

}  // namespace ember::cuda
