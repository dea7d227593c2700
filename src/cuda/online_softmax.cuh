#pragma once
// Running (max, sum of exp(x - max)) pairs of the one-pass softmax, shared by the softmax and the
// fused cross-entropy kernels.
#ifndef EMBER_SIMT_EMULATION
#include <cuda_runtime.h>
#endif

#include <cmath>

namespace ember::cuda {

// max that lets a NaN win, so a row with a NaN gives NaN (as on the CPU).
template <class A>
__device__ __forceinline__ A nan_max(A a, A b) {
  return (b > a || b != b) ? b : a;
}

// Merged without overflow; -inf maxima add nothing and a NaN max makes the sum NaN (so a row with
// a NaN gives NaN, as on the CPU).
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

// One element into a thread's running pair: one exp per element (merge() takes two).
template <class A>
__device__ __forceinline__ void push(MaxSum<A>& acc, A v) {
  if (v > acc.m) {
    // exp(v - v): 1, or NaN for +inf (the sum over a row whose max is +inf is NaN, as on the CPU)
    acc.s = (acc.m == A(-INFINITY) ? A(0) : acc.s * ::exp(acc.m - v)) +
            (v == A(INFINITY) ? A(NAN) : A(1));
    acc.m = v;
  } else if (v != v) {
    acc.m = v;  // a NaN wins (nan_max) and stays: later elements add exp(v - NaN)
    acc.s = v;
  } else if (v != A(-INFINITY)) {
    acc.s += ::exp(v - acc.m);  // NaN after a NaN max
  }
}

// The block's merged pair, in every thread (blockDim.x a multiple of 32, at most 1024).
template <class A>
__device__ MaxSum<A> block_merge(MaxSum<A> acc) {
  __shared__ A sm[32], ss[32];
  for (int o = 16; o > 0; o >>= 1) {
    MaxSum<A> other{__shfl_xor_sync(0xffffffffu, acc.m, o), __shfl_xor_sync(0xffffffffu, acc.s, o)};
    acc = merge(acc, other);
  }
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  __syncthreads();  // earlier readers of sm/ss are done
  if (lane == 0) {
    sm[warp] = acc.m;
    ss[warp] = acc.s;
  }
  __syncthreads();
  acc = lane < warps ? MaxSum<A>{sm[lane], ss[lane]} : MaxSum<A>{A(-INFINITY), A(0)};
  for (int o = 16; o > 0; o >>= 1) {
    MaxSum<A> other{__shfl_xor_sync(0xffffffffu, acc.m, o), __shfl_xor_sync(0xffffffffu, acc.s, o)};
    acc = merge(acc, other);
  }
  return acc;
}

}  // namespace ember::cuda
