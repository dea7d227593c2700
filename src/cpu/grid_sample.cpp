// grid_sampler_2d CPU kernels (src/kernels/grid_sample.h): bilinear, nearest and bicubic sampling
// with zeros / border / reflection padding, and their gradients w.r.t. input and grid. Forward is
// parallel over (n, output row), backward over n (its scatter into grad_input stays race-free).
#include <algorithm>
#include <cmath>

#include "ember/core/parallel.h"
#include "src/kernels/grid_sample.h"

namespace ember {
namespace {

enum Mode : int64_t { kBilinearMode = 0, kNearestMode = 1, kBicubicMode = 2 };
enum Padding : int64_t { kZerosPad = 0, kBorderPad = 1, kReflectionPad = 2 };

template <class F>
void float_or_double(ScalarType t, F&& f) {
  if (t == kFloat) {
    f.template operator()<float>();
  } else if (t == kDouble) {
    f.template operator()<double>();
  } else {
    EMBER_ERROR("[grid_sampler_2d] \"grid_sampler_2d\" not implemented for '", toString(t), "'");
  }
}

// Note [Grid sample coordinates]: a grid value in [-1, 1] maps to a pixel index (corners at the
// pixel centres with align_corners, at the image edges without), then border clips it into
// [0, size - 1] and reflection mirrors it at the edges first. Each step also gives its derivative
// (`g`), multiplied into the gradient w.r.t. the grid. Clipping has derivative 0 on and beyond
// the edges, as PyTorch.
template <class T>
T unnormalize(T c, int64_t size, bool align, T* g) {
  if (align) {
    *g = static_cast<T>(size - 1) / 2;
    return (c + 1) / 2 * static_cast<T>(size - 1);
  }
  *g = static_cast<T>(size) / 2;
  return ((c + 1) * static_cast<T>(size) - 1) / 2;
}

template <class T>
T clip(T in, int64_t size, T* g) {
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
T reflect(T in, int64_t twice_low, int64_t twice_high, T* g) {
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
  T extra = std::fmod(in, span);
  bool even = std::fmod(std::floor(in / span), static_cast<T>(2)) == 0;  // no int cast: no UB
  *g = even ? sign : -sign;
  return even ? extra + lo : span - extra + lo;
}

template <class T>
T apply_padding(T c, int64_t size, int64_t padding, bool align, T* g) {
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
T sanitize(T x) {
  return (std::isfinite(x) && std::abs(x) < static_cast<T>(1 << 30)) ? x : static_cast<T>(-100);
}

template <class T>
T source_index(T c, int64_t size, int64_t padding, bool align, T* g) {
  T g1, g2;
  T x = unnormalize(c, size, align, &g1);
  x = apply_padding(x, size, padding, align, &g2);
  *g = g1 * g2;
  return sanitize(x);
}

// Keys' cubic convolution weights (A = -0.75, as PyTorch) of the four taps at offsets -1..2 for
// fraction t, and their derivatives w.r.t. t.
template <class T>
void cubic_coeffs(T t, T c[4], T d[4]) {
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
// into an H*W plane, or -1 when outside), their weights, and for the grid gradient the weights'
// derivatives w.r.t. the source x and y, times d(source)/d(grid).
template <class T>
struct Taps {
  int n = 0;
  int64_t idx[16];
  T w[16], dx[16], dy[16];
};

template <class T>
void make_taps(Taps<T>& tp, T gx, T gy, int64_t H, int64_t W, int64_t mode, int64_t padding,
               bool align) {
  auto inb = [&](int64_t x, int64_t y) { return x >= 0 && x < W && y >= 0 && y < H; };
  if (mode == kBicubicMode) {
    T mx, my;
    // Padding applies to each tap's (integer) index, so a far-away point still reads the border.
    T ix = unnormalize(gx, W, align, &mx), iy = unnormalize(gy, H, align, &my);
    T fx = std::floor(ix), fy = std::floor(iy);
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
        tp.dx[k] = dcx[i] * cy[j] * mx;
        tp.dy[k] = cx[i] * dcy[j] * my;
      }
    }
    return;
  }
  T mx, my;
  T ix = source_index(gx, W, padding, align, &mx), iy = source_index(gy, H, padding, align, &my);
  if (mode == kNearestMode) {
    auto x = static_cast<int64_t>(std::nearbyint(ix)), y = static_cast<int64_t>(std::nearbyint(iy));
    tp.n = 1;
    tp.idx[0] = inb(x, y) ? y * W + x : -1;
    tp.w[0] = 1;
    tp.dx[0] = tp.dy[0] = 0;
    return;
  }
  T fx = std::floor(ix), fy = std::floor(iy);
  T tx = ix - fx, ty = iy - fy;
  auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
  tp.n = 4;
  const int64_t xs[4] = {x0, x0 + 1, x0, x0 + 1}, ys[4] = {y0, y0, y0 + 1, y0 + 1};
  const T w[4] = {(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty};
  const T dx[4] = {-(1 - ty), 1 - ty, -ty, ty}, dy[4] = {-(1 - tx), -tx, 1 - tx, tx};
  for (int k = 0; k < 4; ++k) {
    tp.idx[k] = inb(xs[k], ys[k]) ? ys[k] * W + xs[k] : -1;
    tp.w[k] = w[k];
    tp.dx[k] = dx[k] * mx;
    tp.dy[k] = dy[k] * my;
  }
}

void grid_sampler_2d_kernel(Tensor& out, const Tensor& input, const Tensor& grid, int64_t mode,
                            int64_t padding, bool align) {
  float_or_double(input.dtype(), [&]<class T>() {
    const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
    const int64_t Ho = grid.size(1), Wo = grid.size(2), plane = H * W, oplane = Ho * Wo;
    const T* pin = input.data_ptr<T>();
    const T* pg = grid.data_ptr<T>();
    T* po = out.data_ptr<T>();
    int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(Wo * C, 1));
    parallel_for(0, N * Ho, grain, [&](int64_t r0, int64_t r1) {
      Taps<T> tp;
      for (int64_t r = r0; r < r1; ++r) {
        int64_t n = r / Ho, h = r % Ho;
        for (int64_t w = 0; w < Wo; ++w) {
          const T* g = pg + (r * Wo + w) * 2;
          make_taps(tp, g[0], g[1], H, W, mode, padding, align);
          for (int64_t c = 0; c < C; ++c) {
            const T* p = pin + (n * C + c) * plane;
            T v = 0;
            for (int k = 0; k < tp.n; ++k)
              if (tp.idx[k] >= 0) v += tp.w[k] * p[tp.idx[k]];
            po[(n * C + c) * oplane + h * Wo + w] = v;
          }
        }
      }
    });
  });
}

void grid_sampler_2d_backward_kernel(Tensor& grad_input, Tensor& grad_grid, const Tensor& grad_out,
                                     const Tensor& input, const Tensor& grid, int64_t mode,
                                     int64_t padding, bool align) {
  float_or_double(input.dtype(), [&]<class T>() {
    const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
    const int64_t Ho = grid.size(1), Wo = grid.size(2), plane = H * W, oplane = Ho * Wo;
    const T* pin = input.data_ptr<T>();
    const T* pg = grid.data_ptr<T>();
    const T* pgo = grad_out.data_ptr<T>();
    T* pgi = grad_input.defined() ? grad_input.data_ptr<T>() : nullptr;
    T* pgg = grad_grid.defined() ? grad_grid.data_ptr<T>() : nullptr;
    parallel_for(0, N, 1, [&](int64_t n0, int64_t n1) {
      Taps<T> tp;
      for (int64_t n = n0; n < n1; ++n) {
        for (int64_t o = 0; o < oplane; ++o) {
          const T* g = pg + (n * oplane + o) * 2;
          make_taps(tp, g[0], g[1], H, W, mode, padding, align);
          T gx = 0, gy = 0;
          for (int64_t c = 0; c < C; ++c) {
            T go = pgo[(n * C + c) * oplane + o];
            const T* p = pin + (n * C + c) * plane;
            T* gi = pgi ? pgi + (n * C + c) * plane : nullptr;
            for (int k = 0; k < tp.n; ++k) {
              if (tp.idx[k] < 0) continue;
              if (gi) gi[tp.idx[k]] += tp.w[k] * go;
              T v = p[tp.idx[k]] * go;
              gx += tp.dx[k] * v;
              gy += tp.dy[k] * v;
            }
          }
          if (pgg) {
            pgg[(n * oplane + o) * 2] = gx;
            pgg[(n * oplane + o) * 2 + 1] = gy;
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(grid_sampler_2d_stub, grid_sampler_2d_kernel);
EMBER_DEFINE_STUB(grid_sampler_2d_backward_stub, grid_sampler_2d_backward_kernel);

}  // namespace ember
