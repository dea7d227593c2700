// Fused cross entropy over [N, C] logits with class targets (Note [Fused cross entropy] in
// src/ops/loss.cpp): one pass over each row for its logsumexp and loss, one for the gradient,
// computed in float (double for double) whatever the logits' dtype. Rows of the logits and of the
// gradient are `ldx` and `ldg` elements apart (>= C); the gradient's columns C..ldg-1 are
// written as zeros (Note [Pitched logits gradient]).
//
// The kernels and their launch plans are in this header: src/cuda/cross_entropy.cu launches them
// on the GPU, tests/cuda/cross_entropy_emulated_test.cpp runs them on the CPU through the SIMT
// emulator (Note [Emulated kernels] in tests/README.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "src/cuda/online_softmax.cuh"

namespace ember::cuda::ce {

constexpr int kCeThreads = 512;
constexpr int kCeUnroll = 8;  // loads in flight per thread (16-bit logits)

// Block per row: lse[r] = logsumexp(x[r]); loss[r] = -w[t] (x[r, t] - lse[r]) and wsum[r] = w[t],
// both 0 where t == ignore_index; a target outside [0, C) is recorded in error (found, target).
template <class T, class A>
__global__ void cross_entropy_fwd_kernel(A* loss, A* wsum, A* lse, const T* x,
                                         const int64_t* target, const A* weight, int64_t N,
                                         int64_t C, int64_t ldx, int64_t ignore_index,
                                         int64_t* error) {
  for (int64_t row = blockIdx.x; row < N; row += gridDim.x) {
    const T* xr = x + row * ldx;
    MaxSum<A> acc{A(-INFINITY), A(0)};
    int64_t i = threadIdx.x;
    for (; i + (kCeUnroll - 1) * kCeThreads < C; i += kCeUnroll * kCeThreads) {
      A v[kCeUnroll];
#pragma unroll
      for (int u = 0; u < kCeUnroll; ++u) v[u] = static_cast<A>(xr[i + u * kCeThreads]);
#pragma unroll
      for (int u = 0; u < kCeUnroll; ++u) push(acc, v[u]);
    }
    for (; i < C; i += kCeThreads) push(acc, static_cast<A>(xr[i]));
    acc = block_merge(acc);
    if (threadIdx.x == 0) {
      const A l = acc.m + ::log(acc.s);
      lse[row] = l;
      const int64_t t = target[row];
      A lr = 0, wr = 0;
      if (t != ignore_index) {
        if (t < 0 || t >= C) {
          if (atomicCAS(reinterpret_cast<unsigned long long*>(error), 0ull, 1ull) == 0ull)
            error[1] = t;
        } else {
          wr = weight != nullptr ? weight[t] : A(1);
          lr = -wr * (static_cast<A>(xr[t]) - l);
        }
      }
      loss[row] = lr;
      wsum[row] = wr;
    }
  }
}

// grad[r, c] = scale[r] (exp(x[r, c] - lse[r]) - [c == t[r]]), rounded once to T; grad[r, c] = 0
// for C <= c < ldg.
template <class T, class A>
__global__ void cross_entropy_bwd_kernel(T* grad, const T* x, const int64_t* target, const A* lse,
                                         const A* scale, int64_t N, int64_t C, int64_t ldx,
                                         int64_t ldg) {
  for (int64_t row = blockIdx.x; row < N; row += gridDim.x) {
    const T* xr = x + row * ldx;
    T* gr = grad + row * ldg;
    const A l = lse[row], s = scale[row];
    const int64_t t = target[row];
    int64_t i = threadIdx.x;
    for (; i + (kCeUnroll - 1) * kCeThreads < C; i += kCeUnroll * kCeThreads) {
      A v[kCeUnroll];
#pragma unroll
      for (int u = 0; u < kCeUnroll; ++u) v[u] = static_cast<A>(xr[i + u * kCeThreads]);
#pragma unroll
      for (int u = 0; u < kCeUnroll; ++u) {
        const int64_t c = i + u * kCeThreads;
        gr[c] = static_cast<T>(s * (::exp(v[u] - l) - (c == t ? A(1) : A(0))));
      }
    }
    for (; i < C; i += kCeThreads)
      gr[i] = static_cast<T>(s * (::exp(static_cast<A>(xr[i]) - l) - (i == t ? A(1) : A(0))));
    for (int64_t c = C + threadIdx.x; c < ldg; c += kCeThreads) gr[c] = T(0);
  }
}

inline unsigned rows_grid(int64_t n) {
  return static_cast<unsigned>(std::min<int64_t>(n, 1 << 20));
}

// The launch plans: launch(kernel, blocks, threads, args...) runs kernel(args...).
template <class T, class A, class Launch>
void forward(A* loss, A* wsum, A* lse, const T* x, const int64_t* target, const A* weight,
             int64_t N, int64_t C, int64_t ldx, int64_t ignore_index, int64_t* error,
             Launch&& launch) {
  launch(cross_entropy_fwd_kernel<T, A>, rows_grid(N), kCeThreads, loss, wsum, lse, x, target,
         weight, N, C, ldx, ignore_index, error);
}

template <class T, class A, class Launch>
void backward(T* grad, const T* x, const int64_t* target, const A* lse, const A* scale, int64_t N,
              int64_t C, int64_t ldx, int64_t ldg, Launch&& launch) {
  launch(cross_entropy_bwd_kernel<T, A>, rows_grid(N), kCeThreads, grad, x, target, lse, scale, N,
         C, ldx, ldg);
}

}  // namespace ember::cuda::ce
