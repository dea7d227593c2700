// CUDA multi-tensor optimizer steps (Adam/AdamW, SGD): one launch per kMtaMaxTensors tensors or
// kMtaMaxBlocks chunks (src/cuda/multi_tensor.h), each block walking one chunk of one tensor with
// the element rules of src/kernels/optim_math.h (the CPU kernel's, src/cpu/optim.cpp). Each thread
// loads kIlp elements (blockDim apart, so loads stay coalesced) before updating any: with one
// element at a time the launches' 320 blocks kept too few loads in flight (GPT-2's gradient norm
// and scaling ran at ~1.1 TB/s on the H100).
#include "src/cuda/loops.cuh"
#include "src/cuda/multi_tensor.h"

namespace ember::cuda {
namespace {

constexpr int kIlp = 4;

// The [start, end) element range of this block's chunk of slot t.
template <int Depth>
__device__ __forceinline__ void chunk_range(const TensorListMeta<Depth>& meta, int& t,
                                            int64_t& start, int64_t& end) {
  t = meta.block_tensor[blockIdx.x];
  start = static_cast<int64_t>(meta.block_chunk[blockIdx.x]) * kMtaChunk;
  end = start + kMtaChunk < meta.numel[t] ? start + kMtaChunk : meta.numel[t];
}

template <class T>
__global__ void fused_adam_kernel(TensorListMeta<5> meta, AdamCoeffs<opmath_t<T>> c) {
  using M = opmath_t<T>;
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

template <class T>
__global__ void fused_sgd_kernel(TensorListMeta<3> meta, SgdCoeffs<opmath_t<T>> c,
                                 bool first_step) {
  using M = opmath_t<T>;
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

}  // namespace

void launch_fused_adam(const std::vector<TensorListEntry<5>>& entries, ScalarType dt,
                       const AdamHyper& h, CUstream_st* stream) {
  visit_device_types(
      dt, "_fused_adam_",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          const AdamCoeffs<opmath_t<T>> c(h);
          multi_tensor_apply<5>(entries, [&](const TensorListMeta<5>& meta, int nblocks) {
            fused_adam_kernel<T><<<nblocks, kMtaThreads, 0, stream>>>(meta, c);
            detail::check_launch("_fused_adam_", stream);
          });
        }
      },
      true);
}

void launch_fused_sgd(const std::vector<TensorListEntry<3>>& entries, ScalarType dt,
                      const SgdHyper& h, bool first_step, CUstream_st* stream) {
  visit_device_types(
      dt, "_fused_sgd_",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          const SgdCoeffs<opmath_t<T>> c(h);
          multi_tensor_apply<3>(entries, [&](const TensorListMeta<3>& meta, int nblocks) {
            fused_sgd_kernel<T><<<nblocks, kMtaThreads, 0, stream>>>(meta, c, first_step);
            detail::check_launch("_fused_sgd_", stream);
          });
        }
      },
      true);
}

void launch_foreach_sum_squares(const std::vector<TensorListEntry<1>>& entries, ScalarType dt,
                                double* partial, CUstream_st* stream) {
  float_or_double(dt, "clip_grad_norm_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    multi_tensor_apply<1>(entries, [&](const TensorListMeta<1>& meta, int nblocks) {
      foreach_sum_squares_kernel<T><<<nblocks, kMtaThreads, 0, stream>>>(meta, partial);
      detail::check_launch("clip_grad_norm_", stream);
    });
  });
}

void launch_foreach_scale(const std::vector<TensorListEntry<1>>& entries, ScalarType dt,
                          const void* scale, CUstream_st* stream) {
  float_or_double(dt, "clip_grad_norm_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    multi_tensor_apply<1>(entries, [&](const TensorListMeta<1>& meta, int nblocks) {
      foreach_scale_kernel<T>
          <<<nblocks, kMtaThreads, 0, stream>>>(meta, static_cast<const T*>(scale));
      detail::check_launch("clip_grad_norm_", stream);
    });
  });
}

}  // namespace ember::cuda
