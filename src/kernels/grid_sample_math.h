#pragma once
// The coordinate rules and tap weights of grid_sampler_2d/3d (Note [Grid sample coordinates]),
// shared by the CPU kernels (src/cpu/grid_sample.cpp) and the CUDA ones (src/cuda/grid_sample.cu)
// so that both compute the same formula.
#include <math.h>

#include <cstdint>

#include "src/kernels/int_math.h"  // EMBER_HOST_DEVICE

namespace ember::grid_sample_math {

enum Mode : int64_t { kBilinearMode = 0, kNearestMode = 1, kBicubicMode = 2 };
enum Padding : int64_t { kZerosPad = 0, kBorderPad = 1, kReflectionPad = 2 };

// Note [Grid sample coordinates]: a grid value in [-1, 1] maps to a pixel index (corners at the
// pixel centres with align_corners, at the image edges without), then border clips it into
// [0, size - 1] and reflection mirrors it at the edges first. Each step also gives its derivative
// (`g`), multiplied into the gradient w.r.t. the grid. Clipping has derivative 0 on and beyond
// the edges, as PyTorch.
template <class T>
EMBER_HOST_DEVICE T unnormalize(T c, int64_t size, bool align, T* g) {
  if (align) {
    *g = static_cast<T>(size - 1) / 2;
    return (c + 1) / 2 * static_cast<T>(size - 1);
  }
  *g = static_cast<T>(size) / 2;
  return ((c + 1) * static_cast<T>(size) - 1) / 2;
}

template <class T>
EMBER_HOST_DEVICE T clip(T in, int64_t size, T* g) {
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
EMBER_HOST_DEVICE T reflect(T in, int64_t twice_low, int64_t twice_high, T* g) {
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
  bool even = ::fmod(::floor(in / span), static_cast<T>(2)) == 0;  // no int cast: no UB
  *g = even ? sign : -sign;
  return even ? extra + lo : span - extra + lo;
}

template <class T>
EMBER_HOST_DEVICE T apply_padding(T c, int64_t size, int64_t padding, bool align, T* g) {
  *g = 1;
  if (padding == kBorderPad) return clip(c, size, g);
  if (padding == kReflectionPad) {
    T g1, g2;
    c = align ? reflect(c, 0, 2 * (size - 1), &g1) : reflect(c, -1, 2 * size - 1, &g1);
    c = clip(c, size, &g2);
    *g = g1 * g2;
  }
  return c;
}

// Non-finite or huge coordinates become a far out-of-bounds one (PyTorch's
// safe_downgrade_to_int_range), so the integer casts below are defined.
template <class T>
EMBER_HOST_DEVICE T sanitize(T x) {
  return (::isfinite(x) && ::fabs(x) < static_cast<T>(1 << 30)) ? x : static_cast<T>(-100);
}

template <class T>
EMBER_HOST_DEVICE T source_index(T c, int64_t size, int64_t padding, bool align, T* g) {
  T g1, g2;
  T x = unnormalize(c, size, align, &g1);
  x = apply_padding(x, size, padding, align, &g2);
  *g = g1 * g2;
  return sanitize(x);
}

// Keys' cubic convolution weights (A = -0.75, as PyTorch) of the four taps at offsets -1..2 for
// fraction t, and their derivatives w.r.t. t.
template <class T>
EMBER_HOST_DEVICE void cubic_coeffs(T t, T c[4], T d[4]) {
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

// Everything about one output point that does not depend on the channel: up to 16 taps (index
// into an input plane/volume, or -1 when outside), their weights, and for the grid gradient the
// weights' derivatives w.r.t. each source coordinate (x, y, z), times d(source)/d(grid).
template <class T>
struct Taps {
  int n = 0;
  int64_t idx[16];
  T w[16], d[3][16];
};

// 2-D: g = (x, y); size = (H, W).
template <class T>
EMBER_HOST_DEVICE void make_taps_2d(Taps<T>& tp, const T* g, const int64_t* size, int64_t mode,
                                    int64_t padding, bool align) {
  const int64_t H = size[0], W = size[1];
  auto inb = [&](int64_t x, int64_t y) { return x >= 0 && x < W && y >= 0 && y < H; };
  if (mode == kBicubicMode) {
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
  if (mode == kNearestMode) {
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

// 3-D: g = (x, y, z); size = (D, H, W); trilinear or nearest.
template <class T>
EMBER_HOST_DEVICE void make_taps_3d(Taps<T>& tp, const T* g, const int64_t* size, int64_t mode,
                                    int64_t padding, bool align) {
  const int64_t D = size[0], H = size[1], W = size[2];
  auto inb = [&](int64_t x, int64_t y, int64_t z) {
    return x >= 0 && x < W && y >= 0 && y < H && z >= 0 && z < D;
  };
  T mx, my, mz;
  T ix = source_index(g[0], W, padding, align, &mx),
    iy = source_index(g[1], H, padding, align, &my),
    iz = source_index(g[2], D, padding, align, &mz);
  if (mode == kNearestMode) {
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

}  // namespace ember::grid_sample_math
