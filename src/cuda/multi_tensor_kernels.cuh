// The kernels of the CUDA multi-tensor optimizer steps (Adam/AdamW, SGD): one launch per
// kMtaMaxTensors tensors or kMtaMaxBlocks chunks (src/cuda/multi_tensor.h), each block walking one
// chunk of one tensor with the element rules of src/kernels/optim_math.h (the CPU kernel's,
// src/cpu/optim.cpp). Each thread loads kIlp elements (blockDim apart, so loads stay coalesced)
// before updating any: with one element at a time the launches' 320 blocks kept too few loads in
// flight (GPT-2's gradient norm and scaling ran at ~1.1 TB/s on the H100).
//
// In a header so that tests/cuda/optim_emulated_test.cpp runs them on the CPU through the SIMT
// emulator (Note [Emulated kernels] in tests/README.md); src/cuda/optim.cu launches them. M is the
// math type (opmath_t<T>: float for 16-bit tensors).
#pragma once

#include <cstdint>

#include "src/cuda/block_reduce.cuh"
#include "src/cuda/multi_tensor.h"

namespace ember::cuda {

constexpr int kIlp = 4;

// The [start, end) element range of this block's chunk of slot t.
template <int Depth>
__device__ __forceinline__ void chunk_range(const TensorListMeta<Depth>& meta, int& t,
                                            int64_t& start, int64_t& end) {
  t = meta.block_tensor[blockIdx.x];
  start = static_cast<int64_t>(meta.block_chunk[blockIdx.x]) * kMtaChunk;
  end = start + kMtaChunk < meta.numel[t] ? start + kMtaChunk : meta.numel[t];
}

template <class T, class M>
__global__ void fused_adam_kernel(TensorListMeta<5> meta, AdamCoeffs<M> c) {
  int t;
  int64_t start, end;
  chunk_range(meta, t, start, end);
  T* p = static_cast<T*>(meta.ptrs[0][t]);
  const T* g = static_cast<const T*>(meta.ptrs[1][t]);
  T* m = static_cast<T*>(meta.ptrs[2][t]);
  T* v = static_cast<T*>(meta.ptrs[3][t]);
  T* vmax = static_cast<T*>(meta.ptrs[4][t]);  // null without amsgrad
  const M neg_step_size = static_cast<M>(meta.scalars[0][t]);
  const M bc2_sqrt = static_cast<M>(meta.scalars[1][t]);
  const int64_t bd = blockDim.x;
  for (int64_t base = start + threadIdx.x; base < end; base += kIlp * bd) {
    AdamElement<M> e[kIlp] = {};
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      if (base + u * bd < end) e[u] = adam_load<T, M>(p, g, m, v, vmax, base + u * bd);
    }
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      if (base + u * bd < end)
        adam_apply<T, M>(e[u], p, m, v, vmax, base + u * bd, c, neg_step_size, bc2_sqrt);
    }
  }
}

template <class T, class M>
__global__ void fused_sgd_kernel(TensorListMeta<3> meta, SgdCoeffs<M> c, bool first_step) {
  int t;
  int64_t start, end;
  chunk_range(meta, t, start, end);
  T* p = static_cast<T*>(meta.ptrs[0][t]);
  const T* g = static_cast<const T*>(meta.ptrs[1][t]);
  T* buf = static_cast<T*>(meta.ptrs[2][t]);  // null without momentum
  const int64_t bd = blockDim.x;
  for (int64_t base = start + threadIdx.x; base < end; base += kIlp * bd) {
    SgdElement<M> e[kIlp] = {};
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      if (base + u * bd < end) e[u] = sgd_load<T, M>(p, g, buf, base + u * bd, first_step);
    }
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      if (base + u * bd < end) sgd_apply<T, M>(e[u], p, buf, base + u * bd, first_step, c);
    }
  }
}

// kIlp elements blockDim apart from base (T{} past end), all loaded before any is used.
template <class T>
__device__ __forceinline__ void load_ilp(T (&v)[kIlp], const T* x, int64_t base, int64_t bd,
                                         int64_t end) {
#pragma unroll
  for (int u = 0; u < kIlp; ++u) v[u] = base + u * bd < end ? x[base + u * bd] : T{};
}

template <class T>
__global__ void foreach_sum_squares_kernel(TensorListMeta<1> meta, double* partial) {
  int t;
  int64_t start, end;
  chunk_range(meta, t, start, end);
  const T* x = static_cast<const T*>(meta.ptrs[0][t]);
  const int64_t bd = blockDim.x;
  double s = 0;
  for (int64_t base = start + threadIdx.x; base < end; base += kIlp * bd) {
    T v[kIlp];
    load_ilp(v, x, base, bd, end);
#pragma unroll
    for (int u = 0; u < kIlp; ++u) s += static_cast<double>(v[u]) * static_cast<double>(v[u]);
  }
  s = block_sum<kMtaThreads>(s);
  if (threadIdx.x == 0)
    partial[static_cast<int64_t>(meta.scalars[0][t]) + meta.block_chunk[blockIdx.x]] = s;
}

template <class T>
__global__ void foreach_scale_kernel(TensorListMeta<1> meta, const T* scale) {
  int t;
  int64_t start, end;
  chunk_range(meta, t, start, end);
  T* x = static_cast<T*>(meta.ptrs[0][t]);
  const T c = *scale;
  const int64_t bd = blockDim.x;
  for (int64_t base = start + threadIdx.x; base < end; base += kIlp * bd) {
    T v[kIlp];
    load_ilp(v, x, base, bd, end);
#pragma unroll
    for (int u = 0; u < kIlp; ++u) {
      if (base + u * bd < end) x[base + u * bd] = v[u] * c;
    }
  }
}

}  // namespace ember::cuda
