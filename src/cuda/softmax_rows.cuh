// The row kernels of CUDA softmax / log_softmax (src/cuda/softmax.cu) and their launch plan: one
// block per row, an online max and sum (Note in src/cuda/online_softmax.cuh); float rows of a
// multiple of 4 on 16-byte aligned data by float4, held in registers up to 8192 values. In a header
// so that tests/cuda/softmax_emulated_test.cpp runs them on the CPU through the SIMT emulator (Note
// [Emulated kernels] in tests/README.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "src/cuda/online_softmax.cuh"

namespace ember::cuda::softmax_rows {

constexpr int kSoftmaxThreads = 256;

// One block per row: one pass for the max and the sum together (online softmax), one to write.
template <class T, class A>
__global__ void softmax_rows_kernel(T* out, const T* in, int64_t outer, int64_t n, bool log) {
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* x = in + row * n;
    T* y = out + row * n;
    MaxSum<A> acc{A(-INFINITY), A(0)};
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) push(acc, static_cast<A>(x[i]));
    acc = block_merge(acc);
    A m = acc.m, s = acc.s, ls = ::log(s), inv = A(1) / s;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      A v = static_cast<A>(x[i]) - m;
      y[i] = static_cast<T>(log ? v - ls : ::exp(v) * inv);
    }
  }
}

// The same for float rows whose length is a multiple of 4 on 16-byte aligned data: 4 values per
// load and store (the scalar loop left the 4096 x 4096 bench row at 0.73x of PyTorch's).
__global__ void softmax_rows_vec4_kernel(float* out, const float* in, int64_t outer, int64_t n,
                                         bool log) {
  const int64_t n4 = n / 4;
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const float4* x = reinterpret_cast<const float4*>(in + row * n);
    float4* y = reinterpret_cast<float4*>(out + row * n);
    MaxSum<float> acc{-INFINITY, 0.f};
    for (int64_t i = threadIdx.x; i < n4; i += blockDim.x) {
      const float4 v = x[i];
      push(acc, v.x);
      push(acc, v.y);
      push(acc, v.z);
      push(acc, v.w);
    }
    acc = block_merge(acc);
    const float m = acc.m, ls = ::log(acc.s), inv = 1.f / acc.s;
    auto f = [&](float v) { return log ? v - m - ls : ::exp(v - m) * inv; };
    for (int64_t i = threadIdx.x; i < n4; i += blockDim.x) {
      const float4 v = x[i];
      y[i] = make_float4(f(v.x), f(v.y), f(v.z), f(v.w));
    }
  }
}

// The vec4 kernel for rows of up to kSoftmaxThreads * 4 * V floats, held in registers: the row is
// read once (the vec4 kernel reads it twice; the 4096 x 4096 bench row ran at 0.73-0.78x of
// PyTorch's, which reads it once). The same order of pushes and merges: the same bits.
template <int V>
__global__ void __launch_bounds__(kSoftmaxThreads)
    softmax_rows_regs_kernel(float* out, const float* in, int64_t outer, int64_t n, bool log) {
  const int n4 = static_cast<int>(n / 4);
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const float4* x = reinterpret_cast<const float4*>(in + row * n);
    float4* y = reinterpret_cast<float4*>(out + row * n);
    float4 r[V];
#pragma unroll
    for (int k = 0; k < V; ++k) {
      const int i = static_cast<int>(threadIdx.x) + k * kSoftmaxThreads;
      r[k] = i < n4 ? x[i] : make_float4(0.f, 0.f, 0.f, 0.f);
    }
    MaxSum<float> acc{-INFINITY, 0.f};
#pragma unroll
    for (int k = 0; k < V; ++k) {
      if (static_cast<int>(threadIdx.x) + k * kSoftmaxThreads < n4) {
        push(acc, r[k].x);
        push(acc, r[k].y);
        push(acc, r[k].z);
        push(acc, r[k].w);
      }
    }
    acc = block_merge(acc);
    const float m = acc.m, ls = ::log(acc.s), inv = 1.f / acc.s;
    auto f = [&](float v) { return log ? v - m - ls : ::exp(v - m) * inv; };
#pragma unroll
    for (int k = 0; k < V; ++k) {
      const int i = static_cast<int>(threadIdx.x) + k * kSoftmaxThreads;
      if (i < n4) y[i] = make_float4(f(r[k].x), f(r[k].y), f(r[k].z), f(r[k].w));
    }
  }
}

// The plan for contiguous rows: launch(kernel, blocks, threads, args...) runs kernel(args...);
// `regs` allows the register kernels (EMBER_CUDA_SOFTMAX_REGS).
template <class T, class A, class Launch>
void rows(T* o, const T* i, int64_t outer, int64_t n, bool log, bool regs, Launch&& launch) {
  const auto blocks = static_cast<unsigned>(std::min<int64_t>(outer, 65535 * 32));
  if constexpr (std::is_same_v<T, float>) {
    if (n % 4 == 0 && reinterpret_cast<uintptr_t>(o) % 16 == 0 &&
        reinterpret_cast<uintptr_t>(i) % 16 == 0) {
      const int64_t per_thread = (n / 4 + kSoftmaxThreads - 1) / kSoftmaxThreads;
      if (per_thread <= 8 && regs) {
        if (per_thread <= 1) {
          launch(softmax_rows_regs_kernel<1>, blocks, kSoftmaxThreads, o, i, outer, n, log);
        } else if (per_thread <= 2) {
          launch(softmax_rows_regs_kernel<2>, blocks, kSoftmaxThreads, o, i, outer, n, log);
        } else if (per_thread <= 4) {
          launch(softmax_rows_regs_kernel<4>, blocks, kSoftmaxThreads, o, i, outer, n, log);
        } else {
          launch(softmax_rows_regs_kernel<8>, blocks, kSoftmaxThreads, o, i, outer, n, log);
        }
        return;
      }
      launch(softmax_rows_vec4_kernel, blocks, kSoftmaxThreads, o, i, outer, n, log);
      return;
    }
  }
  launch(softmax_rows_kernel<T, A>, blocks, kSoftmaxThreads, o, i, outer, n, log);
}

}  // namespace ember::cuda::softmax_rows
