// CUDA softmax and log_softmax along the middle dim of a contiguous [outer, n, inner] tensor,
// accumulating in float for the 16-bit floats (double for double), as PyTorch's kernels.
// inner == 1 (the last dim, the common case): one block per row, an online max and sum.
// inner > 1: one thread per (outer, inner) column, reading along n with stride inner (neighbouring
// threads read neighbouring columns, so loads stay coalesced).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "src/cuda/loops.cuh"
#include "src/cuda/online_softmax.cuh"

namespace ember::cuda {
namespace {

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

// EMBER_CUDA_SOFTMAX_REGS=0 keeps the two-pass vec4 kernel for every float row.
bool softmax_regs_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("EMBER_CUDA_SOFTMAX_REGS");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  return on;
}

template <class T, class A>
__global__ void softmax_columns_kernel(T* out, const T* in, int64_t outer, int64_t n, int64_t inner,
                                       bool log) {
  int64_t columns = outer * inner;
  for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < columns;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t o = c / inner, i = c % inner;
    const T* x = in + o * n * inner + i;
    T* y = out + o * n * inner + i;
    A m = -INFINITY;
    for (int64_t k = 0; k < n; ++k) m = nan_max(m, static_cast<A>(x[k * inner]));
    A s = 0;
    for (int64_t k = 0; k < n; ++k) s += ::exp(static_cast<A>(x[k * inner]) - m);
    A ls = ::log(s);
    for (int64_t k = 0; k < n; ++k) {
      A v = static_cast<A>(x[k * inner]) - m;
      y[k * inner] = static_cast<T>(log ? v - ls : ::exp(v) / s);
    }
  }
}

// One block per row; float rows of a multiple of 4 on 16-byte aligned data take the vector
// kernels (up to 8192 values held in registers).
template <class T, class A>
void launch_rows(T* o, const T* i, int64_t outer, int64_t n, bool log, CUstream_st* stream) {
  const int blocks = static_cast<int>(std::min<int64_t>(outer, 65535 * 32));
  if constexpr (std::is_same_v<T, float>) {
    if (n % 4 == 0 && reinterpret_cast<uintptr_t>(o) % 16 == 0 &&
        reinterpret_cast<uintptr_t>(i) % 16 == 0) {
      const int64_t per_thread = (n / 4 + kSoftmaxThreads - 1) / kSoftmaxThreads;
      if (per_thread <= 8 && softmax_regs_enabled()) {
        if (per_thread <= 1) {
          softmax_rows_regs_kernel<1><<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
        } else if (per_thread <= 2) {
          softmax_rows_regs_kernel<2><<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
        } else if (per_thread <= 4) {
          softmax_rows_regs_kernel<4><<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
        } else {
          softmax_rows_regs_kernel<8><<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
        }
        return;
      }
      softmax_rows_vec4_kernel<<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
      return;
    }
  }
  softmax_rows_kernel<T, A><<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
}

}  // namespace

void launch_softmax(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                    int64_t inner, bool log, CUstream_st* stream) {
  const char* op = log ? "log_softmax" : "softmax";
  visit_device_types(
      dt, op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          using A = opmath_t<T>;
          T* o = static_cast<T*>(out);
          const T* i = static_cast<const T*>(in);
          if (inner == 1) {
            launch_rows<T, A>(o, i, outer, n, log, stream);
          } else {
            int64_t columns = outer * inner;
            int blocks = static_cast<int>(
                std::min<int64_t>((columns + kSoftmaxThreads - 1) / kSoftmaxThreads, 65535 * 32));
            softmax_columns_kernel<T, A>
                <<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, inner, log);
          }
          detail::check_launch(op, stream);
        }
      },
      true);
}

}  // namespace ember::cuda
