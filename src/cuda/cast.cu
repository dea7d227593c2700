// CUDA copies, casts and fills. Each kernel is a functor over one element; see src/cuda/loops.cuh.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

template <class D, class S>
struct CastOp {
  __device__ D operator()(S x) const { return convert<D>(x); }
};

template <class T>
struct FillOp {
  T v;
  __device__ T operator()() const { return v; }
};

// A same-dtype copy whose rows (the innermost dim, contiguous in both operands) are whole 16-byte
// vectors: one thread per vector, the row's offsets from the outer dims (the transposes around
// attention: [B, H, T, 64] <-> [B, T, H, 64]). Index math per 16 bytes instead of per element.
struct RowCopy {
  int64_t shape[kMaxDims];
  int64_t dst_stride[kMaxDims];
  int64_t src_stride[kMaxDims];
  int ndim;
  int64_t vecs;  // 16-byte vectors per row
};

__global__ void copy_rows_kernel(char* dst, const char* src, int64_t total, RowCopy g) {
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t row = t / g.vecs;
    int64_t od = (t - row * g.vecs) * 16, os = od;
    for (int d = 1; d < g.ndim; ++d) {
      const int64_t i = row % g.shape[d];
      row /= g.shape[d];
      od += i * g.dst_stride[d];
      os += i * g.src_stride[d];
    }
    *reinterpret_cast<uint4*>(dst + od) = *reinterpret_cast<const uint4*>(src + os);
  }
}

// A same-dtype copy of a matrix whose rows are contiguous in both operands, with rows of any width
// and alignment (the padded GEMM operands of odd widths): blocks along y take rows, along x
// stretches of a row; 32-bit index math inside a row (the element loop's 64-bit index math ran
// at 0.35 TB/s on GPT-2's logits).
constexpr int kCopy2dThreads = 256;
constexpr int kCopy2dUnroll = 8;  // loads in flight per thread: 2-byte ones alone left 0.4 TB/s

template <class T>
__global__ void copy_2d_kernel(char* dst, int64_t dpitch, const char* src, int64_t spitch,
                               int width, int64_t rows) {
  constexpr int kSpan = kCopy2dThreads * kCopy2dUnroll;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    T* d = reinterpret_cast<T*>(dst + r * dpitch);
    const T* s = reinterpret_cast<const T*>(src + r * spitch);
    for (int c = blockIdx.x * kSpan + threadIdx.x; c < width; c += gridDim.x * kSpan) {
      T v[kCopy2dUnroll];
#pragma unroll
      for (int u = 0; u < kCopy2dUnroll; ++u) {
        const int i = c + u * kCopy2dThreads;
        if (i < width) v[u] = s[i];
      }
#pragma unroll
      for (int u = 0; u < kCopy2dUnroll; ++u) {
        const int i = c + u * kCopy2dThreads;
        if (i < width) d[i] = v[u];
      }
    }
  }
}

}  // namespace

void launch_cast_contiguous(const ElementwiseArgs& a, ScalarType dst, ScalarType src) {
  visit_device_types(dst, "copy_", [&](auto dtag) {
    using D = typename decltype(dtag)::type;
    visit_device_types(src, "copy_", [&](auto stag) {
      using S = typename decltype(stag)::type;
      launch_contiguous(a, CastOp<D, S>{});
    });
  });
}

void launch_copy_bytes(const ElementwiseArgs& a, int64_t elem_size) {
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<true>(a, CastOp<T, T>{});
  };
  visit_by_size(elem_size, run);
}

bool launch_copy_rows(const ElementwiseArgs& a, int64_t elem_size) {
  if (a.nops != 2 || a.ndim < 2 || a.host_scalar[1] || a.numel == 0) return false;
  if (a.strides[0][0] != elem_size || a.strides[1][0] != elem_size) return false;
  const int64_t row_bytes = a.shape[0] * elem_size;
  if (row_bytes % 16 != 0) return false;
  if (reinterpret_cast<uintptr_t>(a.data[0]) % 16 != 0 ||
      reinterpret_cast<uintptr_t>(a.data[1]) % 16 != 0)
    return false;
  RowCopy g{};
  g.ndim = a.ndim;
  g.vecs = row_bytes / 16;
  for (int d = 0; d < a.ndim; ++d) {
    g.shape[d] = a.shape[d];
    g.dst_stride[d] = a.strides[0][d];
    g.src_stride[d] = a.strides[1][d];
    if (d > 0 && (g.dst_stride[d] % 16 != 0 || g.src_stride[d] % 16 != 0 || g.dst_stride[d] < 0 ||
                  g.src_stride[d] < 0))
      return false;
  }
  const int64_t total = a.numel * elem_size / 16;
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((total + 255) / 256, 1 << 20));
  copy_rows_kernel<<<blocks, 256, 0, a.stream>>>(a.data[0], a.data[1], total, g);
  detail::check_launch(a.op, a.stream);
  return true;
}

bool launch_copy_2d(const ElementwiseArgs& a, int64_t elem_size) {
  if (a.nops != 2 || a.ndim != 2 || a.host_scalar[1] || a.numel == 0) return false;
  if (a.strides[0][0] != elem_size || a.strides[1][0] != elem_size || a.strides[0][1] < 0 ||
      a.strides[1][1] < 0 || a.shape[0] > (int64_t{1} << 30))
    return false;
  const int width = static_cast<int>(a.shape[0]);
  constexpr int64_t kSpan = kCopy2dThreads * kCopy2dUnroll;
  const unsigned bx = static_cast<unsigned>(std::min<int64_t>((width + kSpan - 1) / kSpan, 64));
  const unsigned by = static_cast<unsigned>(std::min<int64_t>(a.shape[1], 65535));
  const dim3 grid(bx, by);
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    copy_2d_kernel<T><<<grid, kCopy2dThreads, 0, a.stream>>>(a.data[0], a.strides[0][1], a.data[1],
                                                             a.strides[1][1], width, a.shape[1]);
  };
  visit_by_size(elem_size, run);
  detail::check_launch(a.op, a.stream);
  return true;
}

void launch_fill(const ElementwiseArgs& a, ScalarType dt, uint64_t bits) {
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    launch_elementwise<true>(a, FillOp<T>{v});
  };
  visit_by_size(element_size(dt), run);
}

}  // namespace ember::cuda
