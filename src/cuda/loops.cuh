#pragma once
// The CUDA elementwise loop: a kernel is a functor over elements, as on the CPU:
//   launch_elementwise(args, AddOp<float>{alpha});
// Operand types come from the functor's operator(). Three paths: every operand contiguous (or a
// broadcast value) and 16-byte aligned -> 4 elements per thread with vector loads; otherwise a
// grid-stride loop over the iterator's strides with 32-bit index math when offsets fit, 64-bit
// when not.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "src/cuda/block_reduce.cuh"
#include "src/cuda/elementwise.h"
#include "src/cuda/runtime.h"

namespace ember::cuda {

// Device storage types of ember's dtypes and the type arithmetic runs in.
template <class T>
struct device_type {
  using type = T;
};
template <>
struct device_type<::ember::Half> {
  using type = __half;
};
template <>
struct device_type<::ember::BFloat16> {
  using type = __nv_bfloat16;
};
template <class T>
struct opmath {
  using type = T;
};
template <>
struct opmath<__half> {
  using type = float;
};
template <>
struct opmath<__nv_bfloat16> {
  using type = float;
};
template <class T>
using opmath_t = typename opmath<T>::type;
template <class T>
constexpr bool is_floating_v =
    std::is_floating_point_v<T> || std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

template <class T>
struct Tag {
  using type = T;
};

// Calls fn(Tag<E>{}) with an unsigned type of the element size (data movement only).
template <class Fn>
void visit_by_size(int64_t elem_size, Fn&& fn) {
  switch (elem_size) {
    case 1:
      fn(Tag<uint8_t>{});
      break;
    case 2:
      fn(Tag<uint16_t>{});
      break;
    case 4:
      fn(Tag<uint32_t>{});
      break;
    default:
      fn(Tag<uint64_t>{});
      break;
  }
}

// Calls fn(Tag<T>{}) with T the device type of `st` (when `allowed` holds for it).
template <class Fn>
void visit_device_types(ScalarType st, const char* op, Fn&& fn, bool floating_only = false) {
  auto fl = [&](auto t) { fn(t); };
  auto in = [&](auto t) {
    if (floating_only) {
      EMBER_ERROR("[", op, "] not implemented on CUDA for dtype ", toString(st));
    } else {
      fn(t);
    }
  };
  switch (st) {
    case ScalarType::Float:
      fl(Tag<float>{});
      break;
    case ScalarType::Double:
      fl(Tag<double>{});
      break;
    case ScalarType::Half:
      fl(Tag<__half>{});
      break;
    case ScalarType::BFloat16:
      fl(Tag<__nv_bfloat16>{});
      break;
    case ScalarType::Byte:
      in(Tag<uint8_t>{});
      break;
    case ScalarType::Char:
      in(Tag<int8_t>{});
      break;
    case ScalarType::Short:
      in(Tag<int16_t>{});
      break;
    case ScalarType::Int:
      in(Tag<int32_t>{});
      break;
    case ScalarType::Long:
      in(Tag<int64_t>{});
      break;
    case ScalarType::Bool:
      in(Tag<bool>{});
      break;
    default:
      EMBER_ERROR("[", op, "] not implemented on CUDA for dtype ", toString(st));
  }
}

template <class F>
struct fn_traits : fn_traits<decltype(&F::operator())> {};
template <class C, class R, class... A>
struct fn_traits<R (C::*)(A...) const> {
  using result = R;
  using args = std::tuple<A...>;
  static constexpr int arity = sizeof...(A);
};

template <int N>
struct Operands {
  char* data[N];
  uint64_t scalar[N];
  uint8_t mode[N];  // 0: strided/contiguous memory, 1: host value, 2: one device value
};

template <class I, int N>
struct OffsetCalc {
  int ndim;
  I size[kMaxDims];
  I stride[kMaxDims][N];
};

template <class T, int N>
__device__ __forceinline__ T load_at(const Operands<N>& p, int k, int64_t off) {
  if (p.mode[k] == 1) {
    T v;
    memcpy(&v, &p.scalar[k], sizeof(T));
    return v;
  }
  return *reinterpret_cast<const T*>(p.data[k] + off);
}

template <int N, class I, class F, size_t... K>
__global__ void strided_kernel(int64_t n, OffsetCalc<I, N> c, Operands<N> p, F f,
                               std::index_sequence<K...>) {
  using traits = fn_traits<F>;
  using R = typename traits::result;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    I off[N] = {};
    I r = static_cast<I>(i);
#pragma unroll 4
    for (int d = 0; d < c.ndim; ++d) {
      I q = r / c.size[d];
      I idx = r - q * c.size[d];
      r = q;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += idx * c.stride[d][k];
    }
    R out = f(load_at<std::tuple_element_t<K, typename traits::args>>(p, K + 1, off[K + 1])...);
    *reinterpret_cast<R*>(p.data[0] + off[0]) = out;
  }
}

constexpr int kVec = 4;
template <class T>
struct alignas(sizeof(T) * kVec) VecOf {
  T v[kVec];
};

template <class T, int N>
__device__ __forceinline__ VecOf<T> load_vec(const Operands<N>& p, int k, int64_t base) {
  VecOf<T> r;
  if (p.mode[k] == 0) return *reinterpret_cast<const VecOf<T>*>(p.data[k] + base * sizeof(T));
  T v = p.mode[k] == 1 ? load_at<T>(p, k, 0) : *reinterpret_cast<const T*>(p.data[k]);
#pragma unroll
  for (int j = 0; j < kVec; ++j) r.v[j] = v;
  return r;
}

// Every operand contiguous or a broadcast value. `aligned`: 4-element vector loads and stores.
template <int N, class F, size_t... K>
__global__ void contiguous_kernel(int64_t n, Operands<N> p, F f, bool aligned,
                                  std::index_sequence<K...>) {
  using traits = fn_traits<F>;
  using R = typename traits::result;
  int64_t base = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) * kVec;
  if (base >= n) return;
  if (aligned && base + kVec <= n) {
    std::tuple<VecOf<std::tuple_element_t<K, typename traits::args>>...> in{
        load_vec<std::tuple_element_t<K, typename traits::args>>(p, K + 1, base)...};
    (void)in;
    VecOf<R> out;
#pragma unroll
    for (int j = 0; j < kVec; ++j) out.v[j] = f(std::get<K>(in).v[j]...);
    *reinterpret_cast<VecOf<R>*>(p.data[0] + base * sizeof(R)) = out;
    return;
  }
  int64_t end = base + kVec < n ? base + kVec : n;
  for (int64_t i = base; i < end; ++i) {
    R out = f(load_at<std::tuple_element_t<K, typename traits::args>>(
        p, K + 1,
        p.mode[K + 1] == 0 ? i * int64_t(sizeof(std::tuple_element_t<K, typename traits::args>))
                           : 0)...);
    reinterpret_cast<R*>(p.data[0])[i] = out;
  }
}

// Can the strided kernel index every operand with 32-bit math?
inline bool fits_32bit(const ElementwiseArgs& a) {
  if (a.numel > INT32_MAX) return false;
  for (int k = 0; k < a.nops; ++k) {
    int64_t ext = 0;
    for (int d = 0; d < a.ndim; ++d) ext += (a.shape[d] - 1) * a.strides[k][d];
    if (ext > INT32_MAX) return false;
  }
  return true;
}

// Calls fn on pieces of `a` that 32-bit index math can address: halves along the dimension of
// largest extent until each piece fits (PyTorch's TensorIterator::with_32bit_indexing), so that
// large non-contiguous operands need no 64-bit kernel.
template <class Fn>
void for_each_32bit_piece(const ElementwiseArgs& a, const Fn& fn) {
  if (a.numel == 0) return;
  if (fits_32bit(a)) {
    fn(a);
    return;
  }
  int best = -1;
  int64_t best_ext = 0;
  for (int d = 0; d < a.ndim; ++d) {
    if (a.shape[d] < 2) continue;
    int64_t ext = a.shape[d];
    for (int k = 0; k < a.nops; ++k) {
      if (!a.host_scalar[k]) ext = std::max<int64_t>(ext, (a.shape[d] - 1) * a.strides[k][d]);
    }
    if (ext > best_ext) {
      best_ext = ext;
      best = d;
    }
  }
  if (best < 0) {  // one element: nothing to split
    fn(a);
    return;
  }
  const int64_t n = a.shape[best], half = n / 2, rest = a.numel / n;
  ElementwiseArgs lo = a, hi = a;
  lo.shape[best] = half;
  lo.numel = rest * half;
  hi.shape[best] = n - half;
  hi.numel = rest * (n - half);
  for (int k = 0; k < a.nops; ++k) {
    if (!a.host_scalar[k]) hi.data[k] = a.data[k] + half * a.strides[k][best];
  }
  for_each_32bit_piece(lo, fn);
  for_each_32bit_piece(hi, fn);
}

// Is every operand contiguous in iteration order (or a broadcast value)? Marks broadcast values.
template <int N>
bool contiguous_operands(const ElementwiseArgs& a, const int64_t* esz, Operands<N>& p,
                         bool& aligned) {
  aligned = true;
  if (a.ndim > 1) return false;
  for (int k = 0; k < N; ++k) {
    if (a.host_scalar[k]) continue;
    int64_t st = a.ndim == 0 ? 0 : a.strides[k][0];
    if (st == 0 && k > 0) {
      p.mode[k] = 2;
    } else if (st == esz[k] || a.numel <= 1) {
      aligned = aligned && reinterpret_cast<uintptr_t>(a.data[k]) % (esz[k] * kVec) == 0;
    } else {
      return false;
    }
  }
  return true;
}

template <class F>
Operands<fn_traits<F>::arity + 1> operands_of(const ElementwiseArgs& a, int64_t* esz) {
  using traits = fn_traits<F>;
  constexpr int N = traits::arity + 1;
  Operands<N> p;
  for (int k = 0; k < N; ++k) {
    p.data[k] = a.data[k];
    p.scalar[k] = a.scalar[k];
    p.mode[k] = a.host_scalar[k] ? 1 : 0;
  }
  esz[0] = sizeof(typename traits::result);
  [&]<size_t... K>(std::index_sequence<K...>) {
    ((esz[K + 1] = sizeof(std::tuple_element_t<K, typename traits::args>)), ...);
  }
  (std::make_index_sequence<traits::arity>{});
  return p;
}

constexpr int kThreads = 128;

// Contiguous operands only (casts: src/cuda/copy.cu makes the others contiguous first).
template <class F>
void launch_contiguous(const ElementwiseArgs& a, const F& f) {
  constexpr int N = fn_traits<F>::arity + 1;
  EMBER_CHECK(a.nops == N, "[", a.op, "] CUDA kernel arity does not match the iterator");
  if (a.numel == 0) return;
  int64_t esz[N];
  Operands<N> p = operands_of<F>(a, esz);
  bool aligned = true;
  EMBER_CHECK(contiguous_operands<N>(a, esz, p, aligned), "[", a.op,
              "] internal error: expected contiguous operands");
  int64_t blocks = ((a.numel + kVec - 1) / kVec + kThreads - 1) / kThreads;
  EMBER_CHECK(blocks < (int64_t(1) << 31), "[", a.op, "] tensor too large for one launch");
  contiguous_kernel<N><<<static_cast<unsigned>(blocks), kThreads, 0, a.stream>>>(
      a.numel, p, f, aligned, std::make_index_sequence<N - 1>{});
  detail::check_launch(a.op, a.stream);
}

template <class I, class F>
void launch_strided(const ElementwiseArgs& a, const F& f) {
  constexpr int N = fn_traits<F>::arity + 1;
  int64_t esz[N];
  Operands<N> p = operands_of<F>(a, esz);
  OffsetCalc<I, N> c;
  c.ndim = a.ndim;
  for (int d = 0; d < a.ndim; ++d) {
    c.size[d] = static_cast<I>(a.shape[d]);
    for (int k = 0; k < N; ++k)
      c.stride[d][k] = a.host_scalar[k] ? 0 : static_cast<I>(a.strides[k][d]);
  }
  int64_t blocks = std::min<int64_t>((a.numel + kThreads - 1) / kThreads, int64_t(1) << 20);
  strided_kernel<N, I><<<static_cast<unsigned>(blocks), kThreads, 0, a.stream>>>(
      a.numel, c, p, f, std::make_index_sequence<N - 1>{});
  detail::check_launch(a.op, a.stream);
}

// The general entry: contiguous fast path, else strided with 32-bit indexing (64-bit index math
// only where kAllow64 is set, to keep the number of kernels down).
template <bool kAllow64 = false, class F>
void launch_elementwise(const ElementwiseArgs& a, const F& f) {
  constexpr int N = fn_traits<F>::arity + 1;
  EMBER_CHECK(a.nops == N, "[", a.op, "] CUDA kernel arity does not match the iterator");
  if (a.numel == 0) return;
  for (int k = 0; k < N; ++k)
    for (int d = 0; d < a.ndim; ++d)
      EMBER_CHECK(a.strides[k][d] >= 0, "[", a.op, "] negative strides are not supported on CUDA");
  int64_t esz[N];
  Operands<N> p = operands_of<F>(a, esz);
  bool aligned = true;
  if (contiguous_operands<N>(a, esz, p, aligned)) {
    launch_contiguous(a, f);
  } else if (fits_32bit(a)) {
    launch_strided<uint32_t>(a, f);
  } else if constexpr (kAllow64) {
    launch_strided<int64_t>(a, f);
  } else {
    for_each_32bit_piece(a, [&](const ElementwiseArgs& piece) {
      if (fits_32bit(piece)) {
        launch_strided<uint32_t>(piece, f);
      } else {
        EMBER_ERROR("[", a.op, "] a single element's offsets do not fit 32-bit indexing");
      }
    });
  }
}

// Conversion between device types without UB (float -> integer as the CPU's cpu::convert).
template <class D, class S>
__device__ __forceinline__ D convert(S x) {
  if constexpr (std::is_same_v<D, S>) {
    return x;
  } else if constexpr (std::is_same_v<D, bool>) {
    return static_cast<opmath_t<S>>(x) != opmath_t<S>(0);
  } else if constexpr (std::is_integral_v<D> && is_floating_v<S>) {
    double v = static_cast<double>(static_cast<opmath_t<S>>(x));
    if (!(v > -9.2e18 && v < 9.2e18)) return static_cast<D>(v != v ? 0 : INT64_MIN);
    return static_cast<D>(static_cast<int64_t>(v));
  } else if constexpr (std::is_same_v<D, __half> || std::is_same_v<D, __nv_bfloat16>) {
    if constexpr (std::is_same_v<S, double>) {
      return D(static_cast<float>(x));
    } else {
      return D(static_cast<float>(static_cast<opmath_t<S>>(x)));
    }
  } else {
    return static_cast<D>(static_cast<opmath_t<S>>(x));
  }
}

// NaN test that is false for integer types (opmath values).
template <class M>
__device__ __forceinline__ bool is_nan(M x) {
  if constexpr (std::is_floating_point_v<M>) {
    return x != x;
  } else {
    return false;
  }
}

// Calls fn(Tag<T>{}) for float and double, the dtypes of the conv/norm kernels; others raise.
template <class Fn>
void float_or_double(ScalarType dt, const char* op, Fn&& fn) {
  if (dt == ScalarType::Float) {
    fn(Tag<float>{});
  } else if (dt == ScalarType::Double) {
    fn(Tag<double>{});
  } else {
    EMBER_ERROR("[", op, "] CUDA kernel expects float or double");
  }
}

}  // namespace ember::cuda
