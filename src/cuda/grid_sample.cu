// CUDA grid_sampler_2d / grid_sampler_3d (src/kernels/grid_sample.h), forward and backward, over
// contiguous float or double tensors, with the coordinate rules and tap weights shared with the CPU
// kernels (src/kernels/grid_sample_math.h). One thread per output point works out its taps once and
// loops over the channels; the input gradient is scattered with atomicAdd.
#include <cmath>

#include "src/cuda/loops.cuh"
#include "src/kernels/grid_sample_math.h"

namespace ember::cuda {
namespace {

constexpr int kGridThreads = 256;
using namespace grid_sample_math;  // NOLINT

template <class T, int dims>
__device__ void make_taps(Taps<T>& tp, const T* g, const GridSamplerGeometry& s) {
  if constexpr (dims == 2) {
    make_taps_2d(tp, g, s.size, s.mode, s.padding, s.align);
  } else {
    make_taps_3d(tp, g, s.size, s.mode, s.padding, s.align);
  }
}

template <class T, int dims>
__global__ void grid_sample_kernel(T* out, const T* in, const T* grid, GridSamplerGeometry s) {
  int64_t total = s.N * s.points;
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < total;
       r += int64_t(blockDim.x) * gridDim.x) {
    int64_t n = r / s.points, o = r % s.points;
    Taps<T> tp;
    make_taps<T, dims>(tp, grid + r * dims, s);
    for (int64_t c = 0; c < s.C; ++c) {
      const T* p = in + (n * s.C + c) * s.plane;
      T v = 0;
      for (int k = 0; k < tp.n; ++k)
        if (tp.idx[k] >= 0) v += tp.w[k] * p[tp.idx[k]];
      out[(n * s.C + c) * s.points + o] = v;
    }
  }
}

// gi (zero-filled, may be null) += scattered weights * grad; gg (may be null) = grid gradient.
template <class T, int dims>
__global__ void grid_sample_backward_kernel(T* gi, T* gg, const T* go, const T* in, const T* grid,
                                            GridSamplerGeometry s) {
  int64_t total = s.N * s.points;
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < total;
       r += int64_t(blockDim.x) * gridDim.x) {
    int64_t n = r / s.points, o = r % s.points;
    Taps<T> tp;
    make_taps<T, dims>(tp, grid + r * dims, s);
    T gsum[3] = {0, 0, 0};
    for (int64_t c = 0; c < s.C; ++c) {
      T g = go[(n * s.C + c) * s.points + o];
      const T* p = in + (n * s.C + c) * s.plane;
      T* gip = gi ? gi + (n * s.C + c) * s.plane : nullptr;
      for (int k = 0; k < tp.n; ++k) {
        if (tp.idx[k] < 0) continue;
        if (gip) atomicAdd(gip + tp.idx[k], tp.w[k] * g);
        T v = p[tp.idx[k]] * g;
        for (int d = 0; d < dims; ++d) gsum[d] += tp.d[d][k] * v;
      }
    }
    if (gg) {
      for (int d = 0; d < dims; ++d) gg[r * dims + d] = gsum[d];
    }
  }
}

unsigned blocks_for(int64_t total) {
  return static_cast<unsigned>(
      std::min<int64_t>((total + kGridThreads - 1) / kGridThreads, int64_t(1) << 20));
}

}  // namespace

void launch_grid_sample(void* out, const void* input, const void* grid,
                        const GridSamplerGeometry& s, ScalarType dt, CUstream_st* stream) {
  if (s.N * s.points == 0) return;
  const char* op = s.dims == 2 ? "grid_sampler_2d" : "grid_sampler_3d";
  float_or_double(dt, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto o = static_cast<T*>(out);
    auto in = static_cast<const T*>(input);
    auto g = static_cast<const T*>(grid);
    if (s.dims == 2) {
      grid_sample_kernel<T, 2>
          <<<blocks_for(s.N * s.points), kGridThreads, 0, stream>>>(o, in, g, s);
    } else {
      grid_sample_kernel<T, 3>
          <<<blocks_for(s.N * s.points), kGridThreads, 0, stream>>>(o, in, g, s);
    }
    detail::check_launch(op, stream);
  });
}

void launch_grid_sample_backward(void* grad_input, void* grad_grid, const void* grad_out,
                                 const void* input, const void* grid, const GridSamplerGeometry& s,
                                 ScalarType dt, CUstream_st* stream) {
  if (s.N * s.points == 0 || (!grad_input && !grad_grid)) return;
  const char* op = s.dims == 2 ? "grid_sampler_2d_backward" : "grid_sampler_3d_backward";
  float_or_double(dt, op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto gi = static_cast<T*>(grad_input);
    auto gg = static_cast<T*>(grad_grid);
    auto go = static_cast<const T*>(grad_out);
    auto in = static_cast<const T*>(input);
    auto g = static_cast<const T*>(grid);
    if (s.dims == 2) {
      grid_sample_backward_kernel<T, 2>
          <<<blocks_for(s.N * s.points), kGridThreads, 0, stream>>>(gi, gg, go, in, g, s);
    } else {
      grid_sample_backward_kernel<T, 3>
          <<<blocks_for(s.N * s.points), kGridThreads, 0, stream>>>(gi, gg, go, in, g, s);
    }
    detail::check_launch(op, stream);
  });
}

}  // namespace ember::cuda
