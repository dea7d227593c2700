// CUDA row reductions (sum, nansum, prod, amax, amin, all, any), sum over a middle dim, and the
// middle-dim transpose the other reductions use. Sums accumulate in float for the 16-bit floats,
// double for double, int64 for integers.
#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

template <class T>
struct acc_type {
  using type = std::conditional_t<std::is_integral_v<T>, int64_t, opmath_t<T>>;
};
template <class T>
using acc_t = typename acc_type<T>::type;

constexpr int kReduceThreads = 256;

// What a row reduction keeps per thread (A), how an element enters it, how two combine, and the
// value of an empty row. sum/nansum/prod accumulate as acc_t; amax/amin in opmath with NaN
// winning; all/any see bool as bytes.
template <ReduceOp Op, class T>
struct Reducer {
  using A = std::conditional_t<
      Op == ReduceOp::amax || Op == ReduceOp::amin, opmath_t<T>,
      std::conditional_t<Op == ReduceOp::all || Op == ReduceOp::any, int, acc_t<T>>>;
  static __device__ A identity() {
    if constexpr (Op == ReduceOp::prod || Op == ReduceOp::all) {
      return A(1);
    } else if constexpr (Op == ReduceOp::amax || Op == ReduceOp::amin) {
      if constexpr (std::is_floating_point_v<A>) {
        return Op == ReduceOp::amax ? A(-INFINITY) : A(INFINITY);
      } else {
        // Integer extremes without numeric_limits (not callable from device code).
        constexpr A lowest =
            std::is_signed_v<A> ? static_cast<A>(A(1) << (sizeof(A) * 8 - 1)) : A(0);
        return Op == ReduceOp::amax ? lowest : static_cast<A>(~lowest);
      }
    } else {
      return A(0);
    }
  }
  static __device__ A load(T v) {
    A x = static_cast<A>(v);
    if constexpr (Op == ReduceOp::nansum && std::is_floating_point_v<A>) return x == x ? x : A(0);
    if constexpr (Op == ReduceOp::all || Op == ReduceOp::any) return v != T(0);
    return x;
  }
  static __device__ A combine(A a, A b) {
    if constexpr (Op == ReduceOp::prod) {
      return a * b;
    } else if constexpr (Op == ReduceOp::amax) {
      return (b > a || b != b) ? b : a;
    } else if constexpr (Op == ReduceOp::amin) {
      return (b < a || b != b) ? b : a;
    } else if constexpr (Op == ReduceOp::all) {
      return a & b;
    } else if constexpr (Op == ReduceOp::any) {
      return a | b;
    } else {
      return a + b;
    }
  }
};

// The block's combined value (valid in thread 0).
template <class R, class A>
__device__ A block_reduce(A v) {
  __shared__ A warp_vals[kReduceThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v = R::combine(v, __shfl_down_sync(0xffffffffu, v, o));
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_vals[warp] = v;
  __syncthreads();
  v = threadIdx.x < kReduceThreads / 32 ? warp_vals[threadIdx.x] : R::identity();
  if (warp == 0)
    for (int o = 16; o > 0; o >>= 1) v = R::combine(v, __shfl_down_sync(0xffffffffu, v, o));
  __syncthreads();
  return v;
}

// Block (x: chunk, y: row) reduces in[row, chunk's part]; with one chunk the result goes to out,
// else to partial[row * chunks + chunk].
template <class R, class T, class A>
__global__ void reduce_rows_kernel(T* out, A* partial, const T* in, int64_t outer, int64_t inner,
                                   int64_t chunk_len) {
  int64_t chunks = gridDim.x;
  for (int64_t row = blockIdx.y; row < outer; row += gridDim.y) {
    int64_t begin = blockIdx.x * chunk_len;
    int64_t end = min(inner, begin + chunk_len);
    const T* p = in + row * inner;
    A acc = R::identity();
    for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x)
      acc = R::combine(acc, R::load(p[i]));
    acc = block_reduce<R>(acc);
    if (threadIdx.x == 0) {
      if (chunks == 1) {
        out[row] = convert<T>(acc);
      } else {
        partial[row * chunks + blockIdx.x] = acc;
      }
    }
  }
}

template <class R, class T, class A>
__global__ void reduce_partials_kernel(T* out, const A* partial, int64_t outer, int64_t chunks) {
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    A acc = R::identity();
    for (int64_t i = threadIdx.x; i < chunks; i += blockDim.x)
      acc = R::combine(acc, partial[row * chunks + i]);
    acc = block_reduce<R>(acc);
    if (threadIdx.x == 0) out[row] = convert<T>(acc);
  }
}

template <class T>
__global__ void sum_middle_kernel(T* out, const T* in, int64_t outer, int64_t n, int64_t inner) {
  using A = acc_t<T>;
  int64_t total = outer * inner;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(blockDim.x) * gridDim.x) {
    int64_t o = idx / inner, i = idx - o * inner;
    const T* p = in + o * n * inner + i;
    A acc = A(0);
    for (int64_t j = 0; j < n; ++j) acc += static_cast<A>(p[j * inner]);
    out[idx] = convert<T>(acc);
  }
}

// Few long columns: block row y sums rows [y * rows, (y + 1) * rows) of each column into
// partial[y * total + column]; sum_middle_finish_kernel adds the chunks in order (deterministic).
template <class T>
__global__ void sum_middle_partial_kernel(acc_t<T>* partial, const T* in, int64_t outer, int64_t n,
                                          int64_t inner, int64_t rows) {
  using A = acc_t<T>;
  int64_t total = outer * inner;
  int64_t j0 = blockIdx.y * rows, j1 = min(n, j0 + rows);
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(blockDim.x) * gridDim.x) {
    int64_t o = idx / inner, i = idx - o * inner;
    const T* p = in + o * n * inner + i;
    A acc = A(0);
    for (int64_t j = j0; j < j1; ++j) acc += static_cast<A>(p[j * inner]);
    partial[blockIdx.y * total + idx] = acc;
  }
}

template <class T>
__global__ void sum_middle_finish_kernel(T* out, const acc_t<T>* partial, int64_t total,
                                         int64_t chunks) {
  using A = acc_t<T>;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(blockDim.x) * gridDim.x) {
    A acc = A(0);
    for (int64_t c = 0; c < chunks; ++c) acc += partial[c * total + idx];
    out[idx] = convert<T>(acc);
  }
}

template <class E>
__global__ void transpose_middle_kernel(E* out, const E* in, int64_t outer, int64_t n,
                                        int64_t inner) {
  int64_t total = outer * n * inner;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(blockDim.x) * gridDim.x) {
    // idx walks out = [outer, inner, n] in order.
    int64_t j = idx % n, rest = idx / n;
    int64_t i = rest % inner, o = rest / inner;
    out[idx] = in[(o * n + j) * inner + i];
  }
}

unsigned blocks_for(int64_t n, int threads) {
  return static_cast<unsigned>(std::min<int64_t>((n + threads - 1) / threads, int64_t(1) << 20));
}

// bool sums arrive as int64 (the op converts); a bool output here counts as "any".
template <class Fn>
void visit_sum_types(ScalarType dt, Fn&& fn) {
  visit_device_types(dt, "sum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_ERROR("[sum] not implemented on CUDA for dtype Bool");
    } else {
      fn(tag);
    }
  });
}

template <ReduceOp Op, class T>
void reduce_rows(void* out, const void* in, int64_t outer, int64_t inner, CUstream_st* stream,
                 const char* name) {
  using R = Reducer<Op, T>;
  using A = typename R::A;
  // Few long rows: split each row into chunks and combine the partial results in a second pass.
  int64_t chunks = 1;
  if (outer < 256 && inner >= (int64_t(1) << 16))
    chunks = std::min<int64_t>((inner + 16383) / 16384, 1024);
  int64_t chunk_len = (inner + chunks - 1) / chunks;
  A* partial = nullptr;
  if (chunks > 1) {
    // From the caching allocator: cudaMallocAsync's pool gives memory back at every sync.
    partial = static_cast<A*>(
        CUDACachingAllocator::raw_alloc_with_stream(outer * chunks * sizeof(A), stream));
  }
  dim3 grid(static_cast<unsigned>(chunks), static_cast<unsigned>(std::min<int64_t>(outer, 65535)));
  if (detail::profiling())
    name = detail::profile_label(name, std::to_string(outer) + "x" + std::to_string(inner));
  reduce_rows_kernel<R, T, A><<<grid, kReduceThreads, 0, stream>>>(
      static_cast<T*>(out), partial, static_cast<const T*>(in), outer, inner, chunk_len);
  detail::check_launch(name, stream);
  if (chunks > 1) {
    reduce_partials_kernel<R, T, A><<<blocks_for(outer, 1), kReduceThreads, 0, stream>>>(
        static_cast<T*>(out), partial, outer, chunks);
    detail::check_launch(name, stream);
    CUDACachingAllocator::raw_delete(partial);
  }
}

}  // namespace

void launch_reduce_rows(ReduceOp op, void* out, const void* in, ScalarType dt, int64_t outer,
                        int64_t inner, CUstream_st* stream) {
  if (outer == 0) return;
  static const char* const names[] = {"sum", "nansum", "prod", "amax", "amin", "all", "any"};
  const char* name = names[static_cast<int>(op)];
  if (op == ReduceOp::all || op == ReduceOp::any) {
    EMBER_CHECK(dt == kBool, "[", name, "] CUDA kernel expects bool input");
    if (op == ReduceOp::all) {
      reduce_rows<ReduceOp::all, uint8_t>(out, in, outer, inner, stream, name);
    } else {
      reduce_rows<ReduceOp::any, uint8_t>(out, in, outer, inner, stream, name);
    }
    return;
  }
  visit_device_types(dt, name, [&](auto tag) {
    using T = std::conditional_t<std::is_same_v<typename decltype(tag)::type, bool>, uint8_t,
                                 typename decltype(tag)::type>;
    switch (op) {
      case ReduceOp::sum:
        reduce_rows<ReduceOp::sum, T>(out, in, outer, inner, stream, name);
        break;
      case ReduceOp::nansum:
        reduce_rows<ReduceOp::nansum, T>(out, in, outer, inner, stream, name);
        break;
      case ReduceOp::prod:
        reduce_rows<ReduceOp::prod, T>(out, in, outer, inner, stream, name);
        break;
      case ReduceOp::amax:
        reduce_rows<ReduceOp::amax, T>(out, in, outer, inner, stream, name);
        break;
      default:
        reduce_rows<ReduceOp::amin, T>(out, in, outer, inner, stream, name);
        break;
    }
  });
}

void launch_sum_middle(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                       int64_t inner, CUstream_st* stream) {
  if (outer * inner == 0) return;
  const int64_t total = outer * inner;
  // One thread per column leaves the GPU idle when there are few columns and long ones (a bias
  // gradient: [16384, 768] -> [768]); then the rows are cut into chunks summed in parallel.
  constexpr int64_t kBusy = 1 << 18, kMinRows = 64;
  const int64_t chunks =
      total >= kBusy || n < 2 * kMinRows
          ? 1
          : std::min<int64_t>({std::max<int64_t>(kBusy / total, 1), n / kMinRows, int64_t{4096}});
  const char* label =
      detail::profiling()
          ? detail::profile_label("sum", std::to_string(outer) + "x" + std::to_string(n) + "x" +
                                             std::to_string(inner))
          : "sum";
  visit_sum_types(dt, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    if (chunks <= 1) {
      sum_middle_kernel<T><<<blocks_for(total, 256), 256, 0, stream>>>(
          static_cast<T*>(out), static_cast<const T*>(in), outer, n, inner);
      detail::check_launch(label, stream);
      return;
    }
    const int64_t rows = (n + chunks - 1) / chunks;
    const int64_t used = (n + rows - 1) / rows;
    A* partial = static_cast<A*>(
        CUDACachingAllocator::raw_alloc_with_stream(used * total * sizeof(A), stream));
    dim3 grid(blocks_for(total, 256), static_cast<unsigned>(used));
    sum_middle_partial_kernel<T>
        <<<grid, 256, 0, stream>>>(partial, static_cast<const T*>(in), outer, n, inner, rows);
    detail::check_launch(label, stream);
    sum_middle_finish_kernel<T>
        <<<blocks_for(total, 256), 256, 0, stream>>>(static_cast<T*>(out), partial, total, used);
    detail::check_launch(label, stream);
    CUDACachingAllocator::raw_delete(partial);
  });
}

void launch_transpose_middle(void* out, const void* in, int64_t elem_size, int64_t outer, int64_t n,
                             int64_t inner, CUstream_st* stream) {
  int64_t total = outer * n * inner;
  if (total == 0) return;
  auto run = [&](auto tag) {
    using E = typename decltype(tag)::type;
    transpose_middle_kernel<E><<<blocks_for(total, 256), 256, 0, stream>>>(
        static_cast<E*>(out), static_cast<const E*>(in), outer, n, inner);
  };
  visit_by_size(elem_size, run);
  detail::check_launch("transpose", stream);
}

}  // namespace ember::cuda
