// CUDA cummax/cummin, logcumsumexp and the scatter-add/gather pair along one dim (src/kernels/
// reduce.h), with the CPU kernels' rules (src/cpu/scan.cpp). Layout: contiguous [outer, n, inner];
// one thread walks one (outer, inner) column along n, so scatter-add needs no atomics.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kScanThreads = 256;

template <class T>
__device__ __forceinline__ bool nan_of(T x) {
  if constexpr (is_floating_v<T>) {
    opmath_t<T> m = static_cast<opmath_t<T>>(x);
    return m != m;
  } else {
    return false;
  }
}

// Ties and new NaNs move the index forward; a NaN, once reached, stays.
template <class T>
__global__ void cum_extremum_kernel(T* val, int64_t* idx, const T* src, int64_t outer, int64_t n,
                                    int64_t inner, bool is_max) {
  using M = opmath_t<T>;
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < outer * inner;
       c += int64_t(blockDim.x) * gridDim.x) {
    int64_t base = (c / inner) * n * inner + c % inner;
    T best = src[base];
    int64_t bi = 0;
    for (int64_t i = 0; i < n; ++i) {
      T x = src[base + i * inner];
      M xm = static_cast<M>(x), bm = static_cast<M>(best);
      if (nan_of(x) || (!nan_of(best) && (is_max ? xm >= bm : xm <= bm))) {
        best = x;
        bi = i;
      }
      val[base + i * inner] = best;
      idx[base + i * inner] = bi;
    }
  }
}

// log(exp(a) + exp(b)) without overflow; infinities of the same sign stay as they are.
__device__ __forceinline__ double log_add_exp(double a, double b) {
  if (a != a || b != b) return NAN;
  double m = a < b ? b : a;  // std::max, as the CPU kernel
  if (::isinf(m)) return m;
  return m + ::log1p(::exp(-::fabs(a - b)));
}

template <class T>
__global__ void logcumsumexp_kernel(T* dst, const T* src, int64_t outer, int64_t n, int64_t inner,
                                    bool reverse) {
  using M = opmath_t<T>;
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < outer * inner;
       c += int64_t(blockDim.x) * gridDim.x) {
    int64_t base = (c / inner) * n * inner + c % inner;
    double acc = -INFINITY;
    for (int64_t k = 0; k < n; ++k) {
      int64_t at = base + (reverse ? n - 1 - k : k) * inner;
      acc = log_add_exp(acc, static_cast<double>(static_cast<M>(src[at])));
      dst[at] = convert<T>(acc);
    }
  }
}

// scatter: out[o, index, j] += src[o, i, j] (out zeroed); gather: out[o, i, j] = src[o, index, j].
// An index outside [0, n) is recorded in error (found, index) and skipped.
template <class T>
__global__ void scatter_gather_kernel(T* out, const T* src, const int64_t* index, int64_t outer,
                                      int64_t n, int64_t inner, bool scatter, int64_t* error) {
  using M = opmath_t<T>;
  for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < outer * inner;
       c += int64_t(blockDim.x) * gridDim.x) {
    int64_t base = (c / inner) * n * inner + c % inner;
    for (int64_t i = 0; i < n; ++i) {
      int64_t at = base + i * inner, k = index[at];
      if (k < 0 || k >= n) {
        if (atomicExch(reinterpret_cast<unsigned long long*>(error), 1ull) == 0ull) error[1] = k;
        continue;
      }
      int64_t other = base + k * inner;
      if (!scatter) {
        out[at] = src[other];
      } else if constexpr (std::is_same_v<T, bool>) {
        out[other] = out[other] || src[at];
      } else {
        out[other] = T(static_cast<M>(static_cast<M>(out[other]) + static_cast<M>(src[at])));
      }
    }
  }
}

unsigned scan_blocks(int64_t columns) {
  return static_cast<unsigned>(
      std::min<int64_t>((columns + kScanThreads - 1) / kScanThreads, int64_t(1) << 20));
}

}  // namespace

void launch_cum_extremum(bool is_max, void* values, int64_t* indices, const void* in, ScalarType dt,
                         int64_t outer, int64_t n, int64_t inner, CUstream_st* stream) {
  if (outer * n * inner == 0) return;
  const char* op = is_max ? "cummax" : "cummin";
  visit_device_types(dt, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    cum_extremum_kernel<T><<<scan_blocks(outer * inner), kScanThreads, 0, stream>>>(
        static_cast<T*>(values), indices, static_cast<const T*>(in), outer, n, inner, is_max);
    detail::check_launch(op, stream);
  });
}

void launch_logcumsumexp(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                         int64_t inner, bool reverse, CUstream_st* stream) {
  if (outer * n * inner == 0) return;
  visit_device_types(
      dt, "logcumsumexp",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          logcumsumexp_kernel<T><<<scan_blocks(outer * inner), kScanThreads, 0, stream>>>(
              static_cast<T*>(out), static_cast<const T*>(in), outer, n, inner, reverse);
          detail::check_launch("logcumsumexp", stream);
        }
      },
      true);
}

void launch_scatter_gather_dim(void* out, const void* src, const int64_t* index, ScalarType dt,
                               int64_t outer, int64_t n, int64_t inner, bool scatter,
                               int64_t* error, CUstream_st* stream) {
  if (outer * n * inner == 0) return;
  visit_device_types(dt, "scatter_gather", [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_gather_kernel<T><<<scan_blocks(outer * inner), kScanThreads, 0, stream>>>(
        static_cast<T*>(out), static_cast<const T*>(src), index, outer, n, inner, scatter, error);
    detail::check_launch("scatter_gather", stream);
  });
}

}  // namespace ember::cuda
