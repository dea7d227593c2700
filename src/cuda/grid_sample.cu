// CUDA grid_sampler_2d / grid_sampler_3d (src/kernels/grid_sample.h), forward and backward, over
// contiguous float or double tensors, with the CPU kernels' coordinate rules and tap weights (see
// Note [Grid sample coordinates] in src/cpu/grid_sample.cpp). One thread per output point works
// out its taps once and loops over the channels; the input gradient is scattered with atomicAdd.
#include <cmath>

#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

constexpr int kGridThreads = 256;
constexpr int64_t kNearest = 1, kBicubic = 2;  // 0: bilinear
constexpr int64_t kBorder = 1, kReflection = 2;

template <class T>
__device__ T unnormalize(T c, int64_t size, bool align, T* g) {
  if (align) {
    *g = static_cast<T>(size - 1) / 2;
    return (c + 1) / 2 * static_cast<T>(size - 1);
  }
  *g = static_cast<T>(size) / 2;
  return ((c + 1) * static_cast<T>(size) - 1) / 2;
}

template <class T>
__device__ T clip(T in, int64_t size, T* g) {
  if (in <= 0) {
    *g = 0;
    return 0;
  }
  T hi = static_cast<T>(size - 1);
  if (in >= hi) {
    *g = 0;
    return hi;
  }
  *g = 1;
  return in;  // NaN passes through and is sanitised below
}

// Mirrors `in` into [twice_low / 2, twice_high / 2].
template <class T>
__device__ T reflect(T in, int64_t twice_low, int64_t twice_high, T* g) {
  if (twice_low == twice_high) {
    *g = 0;
    return 0;
  }
  T lo = static_cast<T>(twice_low) / 2, span = static_cast<T>(twice_high - twice_low) / 2;
  in -= lo;
  T sign = 1;
  if (in < 0) {
    sign = -1;
    in = -in;
  }
  T extra = ::fmod(in, span);
  bool even = ::fmod(::floor(in / span), static_cast<T>(2)) == 0;
  *g = even ? sign : -sign;
  return even ? extra + lo : span - extra + lo;
}

template <class T>
__device__ T apply_padding(T c, int64_t size, int64_t padding, bool align, T* g) {
  *g = 1;
  if (padding == kBorder) return clip(c, size, g);
  if (padding == kReflection) {
    T g1, g2;
    c = align ? reflect(c, 0, 2 * (size - 1), &g1) : reflect(c, -1, 2 * size - 1, &g1);
    c = clip(c, size, &g2);
    *g = g1 * g2;
  }
  return c;
}

// Non-finite or huge coordinates become a far out-of-bounds one, so the integer casts are defined.
template <class T>
__device__ T sanitize(T x) {
  return (::isfinite(x) && ::fabs(x) < static_cast<T>(1 << 30)) ? x : static_cast<T>(-100);
}

template <class T>
__device__ T source_index(T c, int64_t size, int64_t padding, bool align, T* g) {
  T g1, g2;
  T x = unnormalize(c, size, align, &g1);
  x = apply_padding(x, size, padding, align, &g2);
  *g = g1 * g2;
  return sanitize(x);
}

// Keys' cubic convolution weights (A = -0.75) of the taps at offsets -1..2, and their derivatives.
template <class T>
__device__ void cubic_coeffs(T t, T c[4], T d[4]) {
  const T A = static_cast<T>(-0.75);
  auto k1 = [A](T x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };        // |x| <= 1
  auto k2 = [A](T x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };  // 1 < |x| < 2
  auto dk1 = [A](T x) { return (3 * (A + 2) * x - 2 * (A + 3)) * x; };
  auto dk2 = [A](T x) { return (3 * A * x - 10 * A) * x + 8 * A; };
  c[0] = k2(t + 1);
  c[1] = k1(t);
  c[2] = k1(1 - t);
  c[3] = k2(2 - t);
  d[0] = dk2(t + 1);
  d[1] = dk1(t);
  d[2] = -dk1(1 - t);
  d[3] = -dk2(2 - t);
}

// One output point's taps: index into the input plane/volume (-1 outside), weight, and the
// weight's derivative w.r.t. each grid coordinate.
template <class T>
struct Taps {
  int n = 0;
  int64_t idx[16];
  T w[16], d[3][16];
};

// g = (x, y); size = (H, W).
template <class T>
__device__ void make_taps_2d(Taps<T>& tp, const T* g, const int64_t* size, int64_t mode,
                             int64_t padding, bool align) {
  const int64_t H = size[0], W = size[1];
  auto inb = [&](int64_t x, int64_t y) { return x >= 0 && x < W && y >= 0 && y < H; };
  if (mode == kBicubic) {
    T mx, my;
    // Padding applies to each tap's (integer) index, so a far-away point still reads the border.
    T ix = unnormalize(g[0], W, align, &mx), iy = unnormalize(g[1], H, align, &my);
    T fx = ::floor(ix), fy = ::floor(iy);
    T cx[4], dcx[4], cy[4], dcy[4];
    cubic_coeffs(ix - fx, cx, dcx);
    cubic_coeffs(iy - fy, cy, dcy);
    int64_t xs[4], ys[4];
    for (int i = 0; i < 4; ++i) {
      T unused;
      xs[i] = static_cast<int64_t>(
          sanitize(apply_padding(fx - 1 + static_cast<T>(i), W, padding, align, &unused)));
      ys[i] = static_cast<int64_t>(
          sanitize(apply_padding(fy - 1 + static_cast<T>(i), H, padding, align, &unused)));
    }
    tp.n = 16;
    for (int j = 0; j < 4; ++j) {
      for (int i = 0; i < 4; ++i) {
        int k = j * 4 + i;
        tp.idx[k] = inb(xs[i], ys[j]) ? ys[j] * W + xs[i] : -1;
        tp.w[k] = cx[i] * cy[j];
        tp.d[0][k] = dcx[i] * cy[j] * mx;
        tp.d[1][k] = cx[i] * dcy[j] * my;
      }
    }
    return;
  }
  T mx, my;
  T ix = source_index(g[0], W, padding, align, &mx),
    iy = source_index(g[1], H, padding, align, &my);
  if (mode == kNearest) {
    auto x = static_cast<int64_t>(::nearbyint(ix)), y = static_cast<int64_t>(::nearbyint(iy));
    tp.n = 1;
    tp.idx[0] = inb(x, y) ? y * W + x : -1;
    tp.w[0] = 1;
    tp.d[0][0] = tp.d[1][0] = 0;
    return;
  }
  T fx = ::floor(ix), fy = ::floor(iy);
  T tx = ix - fx, ty = iy - fy;
  auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
  tp.n = 4;
  for (int k = 0; k < 4; ++k) {
    int bx = k & 1, by = k >> 1;
    int64_t x = x0 + bx, y = y0 + by;
    T wx = bx ? tx : 1 - tx, wy = by ? ty : 1 - ty;
    tp.idx[k] = inb(x, y) ? y * W + x : -1;
    tp.w[k] = wx * wy;
    tp.d[0][k] = (bx ? 1 : -1) * wy * mx;
    tp.d[1][k] = wx * (by ? 1 : -1) * my;
  }
}

// g = (x, y, z); size = (D, H, W); trilinear or nearest.
template <class T>
__device__ void make_taps_3d(Taps<T>& tp, const T* g, const int64_t* size, int64_t mode,
                             int64_t padding, bool align) {
  const int64_t D = size[0], H = size[1], W = size[2];
  auto inb = [&](int64_t x, int64_t y, int64_t z) {
    return x >= 0 && x < W && y >= 0 && y < H && z >= 0 && z < D;
  };
  T mx, my, mz;
  T ix = source_index(g[0], W, padding, align, &mx),
    iy = source_index(g[1], H, padding, align, &my),
    iz = source_index(g[2], D, padding, align, &mz);
  if (mode == kNearest) {
    auto x = static_cast<int64_t>(::nearbyint(ix)), y = static_cast<int64_t>(::nearbyint(iy)),
         z = static_cast<int64_t>(::nearbyint(iz));
    tp.n = 1;
    tp.idx[0] = inb(x, y, z) ? (z * H + y) * W + x : -1;
    tp.w[0] = 1;
    tp.d[0][0] = tp.d[1][0] = tp.d[2][0] = 0;
    return;
  }
  T fx = ::floor(ix), fy = ::floor(iy), fz = ::floor(iz);
  T tx = ix - fx, ty = iy - fy, tz = iz - fz;
  auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy), z0 = static_cast<int64_t>(fz);
  tp.n = 8;
  for (int k = 0; k < 8; ++k) {
    int bx = k & 1, by = (k >> 1) & 1, bz = k >> 2;
    int64_t x = x0 + bx, y = y0 + by, z = z0 + bz;
    T wx = bx ? tx : 1 - tx, wy = by ? ty : 1 - ty, wz = bz ? tz : 1 - tz;
    tp.idx[k] = inb(x, y, z) ? (z * H + y) * W + x : -1;
    tp.w[k] = wx * wy * wz;
    tp.d[0][k] = (bx ? 1 : -1) * wy * wz * mx;
    tp.d[1][k] = wx * (by ? 1 : -1) * wz * my;
    tp.d[2][k] = wx * wy * (bz ? 1 : -1) * mz;
  }
}

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
