// CUDA kernels of the indexing family (src/kernels/index.h): gather, scatter (plain and add),
// advanced-indexing reads and writes, index offsets, masked_fill. Each walks a shape with up to
// three element-stride sets (NdGeometry), as the CPU kernels' nd_loop; an index out of bounds is
// recorded in `error` (found, index, which) for the host to raise after the kernel.
#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kIndexThreads = 256;

unsigned blocks(int64_t n) {
  return static_cast<unsigned>(
      std::min<int64_t>((n + kIndexThreads - 1) / kIndexThreads, int64_t(1) << 20));
}

// Calls f(off) with the element offsets of every position of g's shape (row-major).
template <class F>
__global__ void nd_kernel(NdGeometry g, F f) {
  for (int64_t linear = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; linear < g.numel;
       linear += int64_t(blockDim.x) * gridDim.x) {
    int64_t off[3] = {0, 0, 0};
    int64_t rem = linear;
    for (int d = g.ndim - 1; d >= 0; --d) {
      int64_t c = rem % g.sizes[d];
      rem /= g.sizes[d];
      off[0] += c * g.strides[0][d];
      off[1] += c * g.strides[1][d];
      off[2] += c * g.strides[2][d];
    }
    f(off);
  }
}

template <class F>
void run_nd(const NdGeometry& g, const F& f, const char* op) {
  if (g.numel == 0) return;
  nd_kernel<<<blocks(g.numel), kIndexThreads, 0, g.stream>>>(g, f);
  detail::check_launch(op, g.stream);
}

__device__ __forceinline__ void report(int64_t* error, int64_t index, int64_t which) {
  if (atomicExch(reinterpret_cast<unsigned long long*>(error), 1ull) == 0ull) {
    error[1] = index;
    error[2] = which;
  }
}

template <class E>
struct GatherFn {
  E* out;
  const E* self;
  const int64_t* index;
  int64_t size, dstride;
  int64_t* error;
  __device__ void operator()(const int64_t* off) const {
    int64_t i = index[off[1]];
    if (i < 0 || i >= size) {
      report(error, i, 0);
      return;
    }
    out[off[0]] = self[off[2] + i * dstride];
  }
};

template <class E>
struct IndexFn {
  E* out;
  const E* src;
  const int64_t* offsets;
  __device__ void operator()(const int64_t* off) const {
    out[off[0]] = src[off[1] + offsets[off[2]]];
  }
};

struct CheckFn {
  const int64_t* index;
  int64_t size;
  int64_t* error;
  __device__ void operator()(const int64_t* off) const {
    int64_t i = index[off[0]];
    if (i < 0 || i >= size) report(error, i, 0);
  }
};

// atomicAdd for the dtypes that have one; the host refuses the others for accumulation.
template <class T>
__device__ __forceinline__ void atomic_add(T* p, T v) {
  if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                       std::is_same_v<T, int32_t> || std::is_same_v<T, __half> ||
                       std::is_same_v<T, __nv_bfloat16>) {
    atomicAdd(p, v);
  }
}

template <class T>
constexpr bool has_atomic_add_v =
    std::is_same_v<T, int64_t> || std::is_same_v<T, float> || std::is_same_v<T, double> ||
    std::is_same_v<T, int32_t> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

// self[off0 + index[off1] * dstride] (+)= src[off2]; an index outside [0, size) is recorded.
template <class T>
struct ScatterFn {
  T* self;
  const int64_t* index;
  const T* src;
  int64_t size, dstride;
  bool add;
  int64_t* error;
  __device__ void operator()(const int64_t* off) const {
    const int64_t i = index[off[1]];
    if (i < 0 || i >= size) {
      report(error, i, 0);
      return;
    }
    T* d = self + off[0] + i * dstride;
    if (add) {
      atomic_add(d, src[off[2]]);
    } else {
      *d = src[off[2]];
    }
  }
};

// dst[off0 + offsets[off2]] (+)= values[off1]
template <class T>
struct IndexPutFn {
  T* dst;
  const int64_t* offsets;
  const T* values;
  bool add;
  __device__ void operator()(const int64_t* off) const {
    T* d = dst + off[0] + offsets[off[2]];
    if (add) {
      atomic_add(d, values[off[1]]);
    } else {
      *d = values[off[1]];
    }
  }
};

template <class E>
struct MaskedFillFn {
  E* self;
  const bool* mask;
  E value;
  __device__ void operator()(const int64_t* off) const {
    if (mask[off[1]]) self[off[0]] = value;
  }
};

struct OffsetsArgs {
  const int64_t* indices[kMaxDims];
  int64_t sizes[kMaxDims];
  int64_t strides[kMaxDims];
  int k;
};

__global__ void index_offsets_kernel(int64_t* offsets, int64_t n, OffsetsArgs a, int64_t* error) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < n;
       p += int64_t(blockDim.x) * gridDim.x) {
    int64_t o = 0;
    for (int k = 0; k < a.k; ++k) {
      int64_t i = a.indices[k][p];
      if (i < -a.sizes[k] || i >= a.sizes[k]) {
        report(error, i, k);
        i = 0;
      }
      if (i < 0) i += a.sizes[k];
      o += i * a.strides[k];
    }
    offsets[p] = o;
  }
}

// Zeroes the elements of contiguous [batch, r, c] above (lower) or below the diagonal.
template <class E>
__global__ void tri_kernel(E* self, int64_t total, int64_t r, int64_t c, int64_t diagonal,
                           bool lower) {
  for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < total;
       k += int64_t(blockDim.x) * gridDim.x) {
    int64_t j = k % c, i = (k / c) % r;
    if (lower ? j > i + diagonal : j < i + diagonal) self[k] = E(0);
  }
}

}  // namespace

void launch_gather(const NdGeometry& g, void* out, const void* self, const int64_t* index,
                   int64_t size, int64_t dstride, int64_t elem_size, int64_t* error) {
  visit_by_size(elem_size, [&](auto tag) {
    using E = typename decltype(tag)::type;
    run_nd(
        g,
        GatherFn<E>{static_cast<E*>(out), static_cast<const E*>(self), index, size, dstride, error},
        "gather");
  });
}

void launch_index(const NdGeometry& g, void* out, const void* src, const int64_t* offsets,
                  int64_t elem_size) {
  visit_by_size(elem_size, [&](auto tag) {
    using E = typename decltype(tag)::type;
    run_nd(g, IndexFn<E>{static_cast<E*>(out), static_cast<const E*>(src), offsets}, "index");
  });
}

void launch_check_index(const NdGeometry& g, const int64_t* index, int64_t size, int64_t* error) {
  run_nd(g, CheckFn{index, size, error}, "scatter");
}

void launch_scatter(const NdGeometry& g, void* self, const int64_t* index, const void* src,
                    int64_t size, int64_t dstride, ScalarType dt, bool add, int64_t* error) {
  visit_device_types(dt, "scatter", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (has_atomic_add_v<T>) {
      run_nd(g,
             ScatterFn<T>{static_cast<T*>(self), index, static_cast<const T*>(src), size, dstride,
                          add, error},
             "scatter");
    } else {
      EMBER_CHECK(!add, "[scatter] accumulation is not implemented on CUDA for dtype ",
                  toString(dt));
      using E = std::conditional_t<sizeof(T) == 1, uint8_t,
                                   std::conditional_t<sizeof(T) == 2, uint16_t, uint64_t>>;
      run_nd(g,
             ScatterFn<E>{static_cast<E*>(self), index, static_cast<const E*>(src), size, dstride,
                          false, error},
             "scatter");
    }
  });
}

void launch_index_put(const NdGeometry& g, void* dst, const int64_t* offsets, const void* values,
                      ScalarType dt, bool add) {
  visit_device_types(dt, "index_put_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (has_atomic_add_v<T>) {
      run_nd(g, IndexPutFn<T>{static_cast<T*>(dst), offsets, static_cast<const T*>(values), add},
             "index_put_");
    } else {
      EMBER_CHECK(!add, "[index_put_] accumulation is not implemented on CUDA for dtype ",
                  toString(dt));
      using E = std::conditional_t<sizeof(T) == 1, uint8_t,
                                   std::conditional_t<sizeof(T) == 2, uint16_t, uint64_t>>;
      run_nd(g, IndexPutFn<E>{static_cast<E*>(dst), offsets, static_cast<const E*>(values), false},
             "index_put_");
    }
  });
}

void launch_masked_fill(const NdGeometry& g, void* self, const bool* mask, int64_t elem_size,
                        uint64_t bits) {
  visit_by_size(elem_size, [&](auto tag) {
    using E = typename decltype(tag)::type;
    E v;
    memcpy(&v, &bits, sizeof(E));
    run_nd(g, MaskedFillFn<E>{static_cast<E*>(self), mask, v}, "masked_fill");
  });
}

void launch_index_offsets(int64_t* offsets, int64_t n, const int64_t* const* indices,
                          const int64_t* sizes, const int64_t* strides, int k, int64_t* error,
                          CUstream_st* stream) {
  EMBER_CHECK(k <= kMaxDims, "[index] at most ", kMaxDims, " index tensors on CUDA");
  if (n == 0) return;
  OffsetsArgs a{};
  a.k = k;
  for (int i = 0; i < k; ++i) {
    a.indices[i] = indices[i];
    a.sizes[i] = sizes[i];
    a.strides[i] = strides[i];
  }
  index_offsets_kernel<<<blocks(n), kIndexThreads, 0, stream>>>(offsets, n, a, error);
  detail::check_launch("index", stream);
}

void launch_tri(void* self, int64_t batch, int64_t r, int64_t c, int64_t diagonal, bool lower,
                int64_t elem_size, CUstream_st* stream) {
  int64_t total = batch * r * c;
  if (total == 0) return;
  visit_by_size(elem_size, [&](auto tag) {
    using E = typename decltype(tag)::type;
    tri_kernel<E><<<blocks(total), kIndexThreads, 0, stream>>>(static_cast<E*>(self), total, r, c,
                                                               diagonal, lower);
  });
  detail::check_launch(lower ? "tril" : "triu", stream);
}

}  // namespace ember::cuda
