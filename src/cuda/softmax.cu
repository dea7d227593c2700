// CUDA softmax and log_softmax along the middle dim of a contiguous [outer, n, inner] tensor,
// accumulating in float for the 16-bit floats (double for double), as PyTorch's kernels.
// inner == 1 (the last dim, the common case): one block per row, an online max and sum.
// inner > 1: one thread per (outer, inner) column, reading along n with stride inner (neighbouring
// threads read neighbouring columns, so loads stay coalesced).
#include <algorithm>
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kSoftmaxThreads = 256;

// max that lets a NaN win, so a row with a NaN gives NaN (as on the CPU).
template <class A>
__device__ __forceinline__ A nan_max(A a, A b) {
  return (b > a || b != b) ? b : a;
}

// Running (max, sum of exp(x - max)) pairs, merged without overflow; -inf maxima add nothing and a
// NaN max makes the sum NaN (so a row with a NaN gives NaN, as on the CPU).
template <class A>
struct MaxSum {
  A m, s;
};
template <class A>
__device__ __forceinline__ MaxSum<A> merge(MaxSum<A> a, MaxSum<A> b) {
  A m = nan_max(a.m, b.m);
  A sa = a.m == A(-INFINITY) ? A(0) : a.s * ::exp(a.m - m);
  A sb = b.m == A(-INFINITY) ? A(0) : b.s * ::exp(b.m - m);
  return {m, sa + sb};
}

// One block per row: one pass for the max and the sum together (online softmax), one to write.
template <class T, class A>
__global__ void softmax_rows_kernel(T* out, const T* in, int64_t outer, int64_t n, bool log) {
  __shared__ A sm[kSoftmaxThreads / 32], ss[kSoftmaxThreads / 32];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* x = in + row * n;
    T* y = out + row * n;
    MaxSum<A> acc{A(-INFINITY), A(0)};
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
      acc = merge(acc, MaxSum<A>{static_cast<A>(x[i]), A(1)});
    for (int o = 16; o > 0; o >>= 1) {
      MaxSum<A> other{__shfl_xor_sync(0xffffffffu, acc.m, o),
                      __shfl_xor_sync(0xffffffffu, acc.s, o)};
      acc = merge(acc, other);
    }
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();  // the previous row's readers are done with sm/ss
    if (lane == 0) {
      sm[warp] = acc.m;
      ss[warp] = acc.s;
    }
    __syncthreads();
    acc =
        lane < kSoftmaxThreads / 32 ? MaxSum<A>{sm[lane], ss[lane]} : MaxSum<A>{A(-INFINITY), A(0)};
    for (int o = 16; o > 0; o >>= 1) {
      MaxSum<A> other{__shfl_xor_sync(0xffffffffu, acc.m, o),
                      __shfl_xor_sync(0xffffffffu, acc.s, o)};
      acc = merge(acc, other);
    }
    A m = acc.m, s = acc.s, ls = ::log(s), inv = A(1) / s;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      A v = static_cast<A>(x[i]) - m;
      y[i] = static_cast<T>(log ? v - ls : ::exp(v) * inv);
    }
  }
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
            int blocks = static_cast<int>(std::min<int64_t>(outer, 65535 * 32));
            softmax_rows_kernel<T, A><<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, log);
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
