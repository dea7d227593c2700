// CUDA row reductions beyond the plain folds of reduce.cu: max/min with their index, variance
// (and std), p-norms, logsumexp; and cumsum/cumprod along the middle dim of [outer, n, inner].
// Semantics follow the CPU kernels (src/cpu/reduce.cpp, src/cpu/softmax.cpp): statistics in
// double, the first NaN wins max/min, ties keep the first index, integer scans wrap.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kRowThreads = 256;

// A value as double (the 16-bit floats through float).
template <class T>
__device__ __forceinline__ double to_double(T x) {
  if constexpr (std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>) {
    return static_cast<double>(static_cast<float>(x));
  } else {
    return static_cast<double>(x);
  }
}

// Best (value, index) of two candidates: NaN beats numbers (the first NaN wins), then the larger
// (smaller) value, then the smaller index.
template <bool IsMax, class M>
__device__ __forceinline__ bool better(M a, int64_t ia, M b, int64_t ib) {
  bool na = a != a, nb = b != b;
  if (na || nb) return na && (!nb || ia < ib);
  if (a == b) return ia < ib;
  return IsMax ? a > b : a < b;
}

template <bool IsMax, class T>
__global__ void arg_rows_kernel(T* values, int64_t* indices, const T* in, int64_t outer,
                                int64_t inner) {
  using M = opmath_t<T>;
  __shared__ M sv[kRowThreads];
  __shared__ int64_t si[kRowThreads];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* p = in + row * inner;
    M bv = static_cast<M>(p[0]);
    int64_t bi = 0;
    for (int64_t i = threadIdx.x; i < inner; i += blockDim.x) {
      M v = static_cast<M>(p[i]);
      if (better<IsMax>(v, i, bv, bi)) {
        bv = v;
        bi = i;
      }
    }
    sv[threadIdx.x] = bv;
    si[threadIdx.x] = bi;
    __syncthreads();
    for (int s = kRowThreads / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s && better<IsMax>(sv[threadIdx.x + s], si[threadIdx.x + s],
                                           sv[threadIdx.x], si[threadIdx.x])) {
        sv[threadIdx.x] = sv[threadIdx.x + s];
        si[threadIdx.x] = si[threadIdx.x + s];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      indices[row] = si[0];
      if (values) values[row] = p[si[0]];
    }
    __syncthreads();
  }
}

template <class T>
__global__ void var_rows_kernel(T* var, T* mean, const T* in, int64_t outer, int64_t inner,
                                double divisor, bool take_sqrt) {
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* p = in + row * inner;
    double s = 0;
    for (int64_t i = threadIdx.x; i < inner; i += blockDim.x) s += to_double(p[i]);
    double m = block_sum<kRowThreads>(s) / static_cast<double>(inner);
    double m2 = 0;
    for (int64_t i = threadIdx.x; i < inner; i += blockDim.x) {
      double d = to_double(p[i]) - m;
      m2 += d * d;
    }
    double v = block_sum<kRowThreads>(m2) / divisor;
    if (threadIdx.x == 0) {
      var[row] = static_cast<T>(take_sqrt ? ::sqrt(v) : v);
      if (mean) mean[row] = static_cast<T>(m);
    }
  }
}

// p-norm pieces: the running value of a part of a row, combining two parts, and the root.
__device__ __forceinline__ double norm_identity(double p) {
  return ::isinf(p) ? (p > 0 ? 0.0 : INFINITY) : 0.0;
}
__device__ __forceinline__ double norm_combine(double a, double b, double p) {
  if (!::isinf(p)) return a + b;
  return (a != a || b != b) ? (a != a ? a : b) : (p > 0 ? ::fmax(a, b) : ::fmin(a, b));
}
__device__ __forceinline__ double norm_term(double a, double p) {
  if (::isinf(p)) return a;
  if (p == 0) return a != 0 ? 1.0 : 0.0;
  if (p == 1) return a;
  if (p == 2) return a * a;
  return ::pow(a, p);
}
__device__ __forceinline__ double norm_root(double r, double p) {
  if (p == 2) return ::sqrt(r);
  if (p != 0 && p != 1 && !::isinf(p)) return ::pow(r, 1.0 / p);
  return r;
}

// Combines the block's values with norm_combine; the result is in every thread.
__device__ double block_norm_combine(double r, double p) {
  __shared__ double partial[kRowThreads];
  partial[threadIdx.x] = r;
  __syncthreads();
  for (int s = kRowThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s)
      partial[threadIdx.x] = norm_combine(partial[threadIdx.x], partial[threadIdx.x + s], p);
    __syncthreads();
  }
  r = partial[0];
  __syncthreads();
  return r;
}

// Block (x: part, y: row) folds in[row, part's range]; with one part the root goes to out, else
// the folded value to partial[row * parts + part].
template <class T>
__global__ void norm_rows_kernel(T* out, double* partial, const T* in, int64_t outer, int64_t inner,
                                 int64_t part_len, double p) {
  const int64_t parts = gridDim.x;
  for (int64_t row = blockIdx.y; row < outer; row += gridDim.y) {
    const T* x = in + row * inner;
    const int64_t begin = blockIdx.x * part_len, end = min(inner, begin + part_len);
    double r = norm_identity(p);
    for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x)
      r = norm_combine(r, norm_term(::fabs(to_double(x[i])), p), p);
    r = block_norm_combine(r, p);
    if (threadIdx.x == 0) {
      if (parts == 1) {
        out[row] = static_cast<T>(norm_root(r, p));
      } else {
        partial[row * parts + blockIdx.x] = r;
      }
    }
  }
}

template <class T>
__global__ void norm_parts_kernel(T* out, const double* partial, int64_t outer, int64_t parts,
                                  double p) {
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    double r = norm_identity(p);
    for (int64_t i = threadIdx.x; i < parts; i += blockDim.x)
      r = norm_combine(r, partial[row * parts + i], p);
    r = block_norm_combine(r, p);
    if (threadIdx.x == 0) out[row] = static_cast<T>(norm_root(r, p));
  }
}

template <class T>
__global__ void logsumexp_rows_kernel(T* out, const T* in, int64_t outer, int64_t inner) {
  __shared__ double partial[kRowThreads];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* x = in + row * inner;
    double m = -INFINITY;
    for (int64_t i = threadIdx.x; i < inner; i += blockDim.x) {
      double v = to_double(x[i]);
      m = v > m ? v : m;  // NaN is skipped here and propagates through the sum
    }
    partial[threadIdx.x] = m;
    __syncthreads();
    for (int s = kRowThreads / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s && partial[threadIdx.x + s] > partial[threadIdx.x])
        partial[threadIdx.x] = partial[threadIdx.x + s];
      __syncthreads();
    }
    m = partial[0];
    __syncthreads();
    if (::isinf(m)) m = 0;
    double s = 0;
    for (int64_t i = threadIdx.x; i < inner; i += blockDim.x) s += ::exp(to_double(x[i]) - m);
    s = block_sum<kRowThreads>(s);
    if (threadIdx.x == 0) out[row] = static_cast<T>(::log(s) + m);
  }
}

// One thread per (outer, inner) column, sequential along n.
template <bool IsProd, class T>
__global__ void scan_kernel(T* out, const T* in, int64_t outer, int64_t n, int64_t inner,
                            bool reverse) {
  using A = std::conditional_t<is_floating_v<T>, double, uint64_t>;
  int64_t columns = outer * inner;
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < columns;
       c += int64_t(blockDim.x) * gridDim.x) {
    int64_t o = c / inner, j = c % inner;
    A acc = IsProd ? A(1) : A(0);
    for (int64_t k = 0; k < n; ++k) {
      int64_t i = reverse ? n - 1 - k : k;
      int64_t at = (o * n + i) * inner + j;
      A v;
      if constexpr (std::is_integral_v<A>) {
        v = static_cast<A>(static_cast<int64_t>(in[at]));
      } else {
        v = to_double(in[at]);
      }
      acc = IsProd ? acc * v : acc + v;
      if constexpr (std::is_same_v<T, bool>) {
        out[at] = acc != 0;
      } else if constexpr (std::is_integral_v<T>) {
        out[at] = static_cast<T>(static_cast<int64_t>(acc));
      } else {
        out[at] = static_cast<T>(acc);
      }
    }
  }
}

unsigned grid_for(int64_t n) { return static_cast<unsigned>(std::min<int64_t>(n, 65535 * 16)); }

}  // namespace

void launch_arg_reduce(bool is_max, void* values, int64_t* indices, const void* in, ScalarType dt,
                       int64_t outer, int64_t inner, CUstream_st* stream) {
  if (outer == 0) return;
  const char* op = is_max ? "max" : "min";
  visit_device_types(dt, op, [&](auto tag) {
    using T = std::conditional_t<std::is_same_v<typename decltype(tag)::type, bool>, uint8_t,
                                 typename decltype(tag)::type>;
    auto v = static_cast<T*>(values);
    auto i = static_cast<const T*>(in);
    if (is_max) {
      arg_rows_kernel<true, T>
          <<<grid_for(outer), kRowThreads, 0, stream>>>(v, indices, i, outer, inner);
    } else {
      arg_rows_kernel<false, T>
          <<<grid_for(outer), kRowThreads, 0, stream>>>(v, indices, i, outer, inner);
    }
    detail::check_launch(op, stream);
  });
}

void launch_var(void* var, void* mean, const void* in, ScalarType dt, int64_t outer, int64_t inner,
                double correction, bool take_sqrt, CUstream_st* stream) {
  if (outer == 0) return;
  double divisor = std::max(0.0, static_cast<double>(inner) - correction);
  visit_device_types(
      dt, "var",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          var_rows_kernel<T><<<grid_for(outer), kRowThreads, 0, stream>>>(
              static_cast<T*>(var), static_cast<T*>(mean), static_cast<const T*>(in), outer, inner,
              divisor, take_sqrt);
          detail::check_launch("var", stream);
        }
      },
      true);
}

void launch_norm(void* out, const void* in, ScalarType dt, int64_t outer, int64_t inner, double p,
                 CUstream_st* stream) {
  if (outer == 0) return;
  visit_device_types(
      dt, "norm",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          // Few long rows (a gradient's norm in clip_grad_norm_) are cut into parts so that
          // many blocks work on each row: up to 4096 blocks of >= 8192 elements (parts of 64K
          // left a 2.4M-element gradient to 36 blocks on 132 SMs: 77 GB/s).
          constexpr int64_t kPartLen = 1 << 13;
          int64_t parts = outer >= 1024 ? 1 : (inner + kPartLen - 1) / kPartLen;
          parts = std::min<int64_t>(parts, std::max<int64_t>(1, 4096 / outer));
          parts = std::max<int64_t>(parts, 1);
          const int64_t part_len = (inner + parts - 1) / parts;
          double* partial = nullptr;
          if (parts > 1) {
            partial = static_cast<double*>(CUDACachingAllocator::raw_alloc_with_stream(
                static_cast<size_t>(outer * parts) * sizeof(double), stream));
          }
          dim3 grid(static_cast<unsigned>(parts),
                    static_cast<unsigned>(std::min<int64_t>(outer, 65535)));
          const char* label = detail::profiling()
                                  ? detail::profile_label(
                                        "norm", std::to_string(outer) + "x" + std::to_string(inner))
                                  : "norm";
          norm_rows_kernel<T><<<grid, kRowThreads, 0, stream>>>(
              static_cast<T*>(out), partial, static_cast<const T*>(in), outer, inner, part_len, p);
          detail::check_launch(label, stream);
          if (parts > 1) {
            norm_parts_kernel<T><<<grid_for(outer), kRowThreads, 0, stream>>>(
                static_cast<T*>(out), partial, outer, parts, p);
            detail::check_launch(label, stream);
            CUDACachingAllocator::raw_delete(partial);
          }
        }
      },
      true);
}

void launch_logsumexp(void* out, const void* in, ScalarType dt, int64_t outer, int64_t inner,
                      CUstream_st* stream) {
  if (outer == 0) return;
  visit_device_types(
      dt, "logsumexp",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          logsumexp_rows_kernel<T><<<grid_for(outer), kRowThreads, 0, stream>>>(
              static_cast<T*>(out), static_cast<const T*>(in), outer, inner);
          detail::check_launch("logsumexp", stream);
        }
      },
      true);
}

void launch_scan(bool is_prod, void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                 int64_t inner, bool reverse, CUstream_st* stream) {
  int64_t columns = outer * inner;
  if (columns == 0 || n == 0) return;
  const char* op = is_prod ? "cumprod" : "cumsum";
  unsigned blocks = grid_for((columns + kRowThreads - 1) / kRowThreads);
  visit_device_types(dt, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto o = static_cast<T*>(out);
    auto i = static_cast<const T*>(in);
    if (is_prod) {
      scan_kernel<true, T><<<blocks, kRowThreads, 0, stream>>>(o, i, outer, n, inner, reverse);
    } else {
      scan_kernel<false, T><<<blocks, kRowThreads, 0, stream>>>(o, i, outer, n, inner, reverse);
    }
    detail::check_launch(op, stream);
  });
}

}  // namespace ember::cuda
