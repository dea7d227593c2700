// Convolution by im2col + GEMM (See Note [Convolution in image chunks]), and pooling.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "ember/core/parallel.h"
#include "src/cpu/blas.h"
#include "src/cpu/conv_fast.h"
#include "src/cpu/scratch.h"
#include "src/cpu/visit.h"
#include "src/kernels/conv.h"

namespace ember {
namespace {

using cpu::Scratch;

struct Geometry {
  int64_t n, c, h, w, kh, kw, ho, wo;
};

// For the images [b0, b1) and their output rows [oh0, oh1) (a part of the rows only for one
// image): cols[(c * kh + i) * kw + j][((b - b0) * rows + oh - oh0) * wo + ow] =
// x[b, c0 + c, oh*s - p + i*d, ow*s - p + j*d] (0 outside the input), rows = oh1 - oh0.
template <class T>
void im2col(const T* x, T* cols, const Geometry& g, int64_t c0, int64_t cg, const Conv2dParams& p,
            int64_t b0, int64_t b1, int64_t oh0, int64_t oh1) {
  int64_t rows = oh1 - oh0, L = (b1 - b0) * rows * g.wo;
  parallel_for(0, cg * g.kh * g.kw, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t c = r / (g.kh * g.kw), i = (r / g.kw) % g.kh, j = r % g.kw;
      T* row = cols + r * L;
      for (int64_t b = b0; b < b1; ++b) {
        const T* plane = x + ((b * g.c) + c0 + c) * g.h * g.w;
        for (int64_t oh = oh0; oh < oh1; ++oh) {
          int64_t ih = oh * p.stride[0] - p.padding[0] + i * p.dilation[0];
          T* dst = row + ((b - b0) * rows + oh - oh0) * g.wo;
          if (ih < 0 || ih >= g.h) {
            std::memset(dst, 0, sizeof(T) * g.wo);
            continue;
          }
          const T* src = plane + ih * g.w;
          // Valid output columns [lo, hi): those whose input column lies inside the row.
          int64_t off = j * p.dilation[1] - p.padding[1], st = p.stride[1];
          int64_t lo = off >= 0 ? 0 : (-off + st - 1) / st;
          int64_t hi = g.w - off <= 0 ? 0 : std::min(g.wo, (g.w - off + st - 1) / st);
          lo = std::min(lo, hi);
          for (int64_t ow = 0; ow < lo; ++ow) dst[ow] = T(0);
          if (st == 1) {
            std::memcpy(dst + lo, src + lo + off, sizeof(T) * static_cast<size_t>(hi - lo));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * st + off];
          }
          for (int64_t ow = hi; ow < g.wo; ++ow) dst[ow] = T(0);
        }
      }
    }
  });
}

// Adds cols of the images [b0, b1) back into x (the transpose of im2col). Parallel over channels:
// no write conflicts.
template <class T>
void col2im(const T* cols, T* x, const Geometry& g, int64_t c0, int64_t cg, const Conv2dParams& p,
            int64_t b0, int64_t b1) {
  int64_t L = (b1 - b0) * g.ho * g.wo;
  parallel_for(0, cg, 1, [&](int64_t ca, int64_t cb) {
    for (int64_t c = ca; c < cb; ++c) {
      for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
          const T* row = cols + ((c * g.kh + i) * g.kw + j) * L;
          for (int64_t b = b0; b < b1; ++b) {
            T* plane = x + ((b * g.c) + c0 + c) * g.h * g.w;
            for (int64_t oh = 0; oh < g.ho; ++oh) {
              int64_t ih = oh * p.stride[0] - p.padding[0] + i * p.dilation[0];
              if (ih < 0 || ih >= g.h) continue;
              const T* src = row + ((b - b0) * g.ho + oh) * g.wo;
              T* dst = plane + ih * g.w;
              for (int64_t ow = 0; ow < g.wo; ++ow) {
                int64_t iw = ow * p.stride[1] - p.padding[1] + j * p.dilation[1];
                if (iw >= 0 && iw < g.w) dst[iw] += src[ow];
              }
            }
          }
        }
      }
    }
  });
}

Geometry geometry(const Tensor& input, const Tensor& weight, int64_t ho, int64_t wo) {
  return {input.size(0),
          input.size(1),
          input.size(2),
          input.size(3),
          weight.size(2),
          weight.size(3),
          ho,
          wo};
}

cpu::ConvGeom fast_geom(const Geometry& g, const Tensor& weight, const Conv2dParams& p) {
  return {.n = g.n,
          .c = g.c,
          .h = g.h,
          .w = g.w,
          .co = weight.size(0),
          .kh = g.kh,
          .kw = g.kw,
          .ho = g.ho,
          .wo = g.wo,
          .sh = p.stride[0],
          .sw = p.stride[1],
          .ph = p.padding[0],
          .pw = p.padding[1],
          .dh = p.dilation[0],
          .dw = p.dilation[1],
          .groups = p.groups};
}

// Note [Convolution in image chunks]: im2col + GEMM runs over chunks of images whose column
// matrix stays near kColsBytes, so cols is written and read back from the caches instead of
// memory (a whole batch's cols can be tens of MB) and the scratch stays small. When one image's
// cols is larger than that (ResNet's first layers: 7 MB), the forward pass cuts the image into
// bands of output rows instead, each GEMM writing its band of the output in place. A 1x1
// convolution with stride 1 and no padding reads the input in place.
constexpr int64_t kColsBytes = int64_t{2} << 20;

struct ConvPlan {
  int64_t co, G, cg, cog, K, HW, chunk;
  int64_t band;    // output rows per forward GEMM when chunk == 1 (ho: the whole image)
  bool pointwise;  // 1x1, stride 1, no padding: cols of one image is its input planes
};

ConvPlan conv_plan(const Geometry& g, const Tensor& weight, const Conv2dParams& p, size_t elem) {
  ConvPlan c;
  c.co = weight.size(0);
  c.G = p.groups;
  c.cg = g.c / c.G;
  c.cog = c.co / c.G;
  c.K = c.cg * g.kh * g.kw;
  c.HW = g.ho * g.wo;
  c.pointwise = g.kh == 1 && g.kw == 1 && p.stride[0] == 1 && p.stride[1] == 1 &&
                p.padding[0] == 0 && p.padding[1] == 0;
  int64_t per_image = std::max<int64_t>(1, c.K * c.HW * static_cast<int64_t>(elem));
  c.chunk = std::clamp<int64_t>(kColsBytes / per_image, 1, std::max<int64_t>(g.n, 1));
  if (c.pointwise) c.chunk = 1;
  int64_t per_row = std::max<int64_t>(1, c.K * g.wo * static_cast<int64_t>(elem));
  c.band = c.pointwise || per_image <= kColsBytes
               ? g.ho
               : std::clamp<int64_t>(kColsBytes / per_row, 1, std::max<int64_t>(g.ho, 1));
  return c;
}

void conv2d_kernel(Tensor& out, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   const Conv2dParams& p) {
  Geometry g = geometry(input, weight, out.size(2), out.size(3));
  if (g.n * g.ho * g.wo == 0 || weight.size(0) == 0) return;
  if (input.dtype() == kFloat && cpu::avx512_kernels_active()) {
    cpu::conv2d_f32_fast(input.data_ptr<float>(), weight.data_ptr<float>(),
                         bias.defined() ? bias.data_ptr<float>() : nullptr, out.data_ptr<float>(),
                         fast_geom(g, weight, p));
    return;
  }
  cpu::visit_float_or_double(input.dtype(), "conv2d", [&]<class T>() {
    ConvPlan c = conv_plan(g, weight, p, sizeof(T));
    const T* x = input.data_ptr<T>();
    const T* w = weight.data_ptr<T>();
    T* o = out.data_ptr<T>();
    const T* bptr = bias.defined() ? bias.data_ptr<T>() : nullptr;
    // One image: the GEMMs write its [co, hw] output in place (on top of the bias, beta = 1),
    // band by band; several: through res, and the bias is added while reordering.
    bool direct = c.chunk == 1;
    Scratch<T> cols(c.pointwise ? 0 : c.K * (direct ? c.band * g.wo : c.chunk * c.HW));
    Scratch<T> res(direct ? 0 : c.co * c.chunk * c.HW);
    for (int64_t b0 = 0; b0 < g.n; b0 += c.chunk) {
      int64_t b1 = std::min(g.n, b0 + c.chunk), L = (b1 - b0) * c.HW;
      if (direct && bptr) {
        parallel_for(0, c.co, 16, [&](int64_t a, int64_t e) {
          for (int64_t ch = a; ch < e; ++ch)
            std::fill_n(o + (b0 * c.co + ch) * c.HW, c.HW, bptr[ch]);
        });
      }
      for (int64_t oh0 = 0; oh0 < g.ho; oh0 += direct ? c.band : g.ho) {
        int64_t oh1 = direct ? std::min(g.ho, oh0 + c.band) : g.ho;
        int64_t N = (b1 - b0) * (oh1 - oh0) * g.wo;  // columns of this GEMM
        for (int64_t gi = 0; gi < c.G; ++gi) {
          const T* src = cols.data();
          int64_t ldb = N;
          if (c.pointwise) {
            src = x + (b0 * g.c + gi * c.cg) * c.HW + oh0 * g.wo;
            ldb = c.HW;
          } else {
            im2col(x, cols.data(), g, gi * c.cg, c.cg, p, b0, b1, oh0, oh1);
          }
          if (direct) {
            cpu::gemm<T>(false, false, c.cog, N, c.K, T(1), w + gi * c.cog * c.K, c.K, src, ldb,
                         bptr ? T(1) : T(0), o + (b0 * c.co + gi * c.cog) * c.HW + oh0 * g.wo,
                         c.HW);
          } else {
            cpu::gemm<T>(false, false, c.cog, L, c.K, T(1), w + gi * c.cog * c.K, c.K, src, ldb,
                         T(0), res.data() + gi * c.cog * L, L);
          }
        }
      }
      // [co, chunk, hw] -> [chunk, co, hw], adding the bias.
      if (!direct) {
        parallel_for(0, (b1 - b0) * c.co, 16, [&](int64_t a, int64_t e) {
          for (int64_t r = a; r < e; ++r) {
            int64_t bn = r / c.co, ch = r % c.co;
            T* y = o + (b0 * c.co + r) * c.HW;
            const T* from = res.data() + ch * L + bn * c.HW;
            T bv = bptr ? bptr[ch] : T(0);
            for (int64_t k = 0; k < c.HW; ++k) y[k] = from[k] + bv;
          }
        });
      }
    }
  });
}

// Sum of n values in double: 16 lanes of T over runs of at most 256 values (vectorised; the
// lanes of each run meet in double), as accurate as a pairwise sum for the bias gradient.
template <class T>
double lane_sum(const T* p, int64_t n) {
  double s = 0;
  for (int64_t i0 = 0; i0 < n; i0 += 256) {
    int64_t i1 = std::min(n, i0 + 256), i = i0;
    T acc[16] = {};
    for (; i + 16 <= i1; i += 16)
      for (int l = 0; l < 16; ++l) acc[l] += p[i + l];
    for (; i < i1; ++i) acc[0] += p[i];
    for (int l = 0; l < 16; ++l) s += static_cast<double>(acc[l]);
  }
  return s;
}

// Note [Input gradient as a convolution]: with stride 1 the input gradient is the "full"
// convolution of grad_out with the weights flipped in both kernel axes and transposed per group
// (w'[g*cg + c][o][i][j] = w[g*cog + o][c][kh-1-i][kw-1-j]), padding d*(k-1) - p and the same
// dilation, so the implicit-GEMM forward computes it (when the padding is not negative). Returns
// false where that does not apply.
bool conv_input_grad_fast(const Tensor& grad_out, const Tensor& weight, const Conv2dParams& p,
                          Tensor& grad_input) {
  if (!cpu::avx512_kernels_active() || p.stride[0] != 1 || p.stride[1] != 1) return false;
  int64_t kh = weight.size(2), kw = weight.size(3);
  int64_t ph = p.dilation[0] * (kh - 1) - p.padding[0];
  int64_t pw = p.dilation[1] * (kw - 1) - p.padding[1];
  if (ph < 0 || pw < 0) return false;
  int64_t co = weight.size(0), cg = weight.size(1), G = p.groups;
  if (cg < 8) return false;  // the forward's register tile has 8 output channels
  // A forward convolution of grad_out (co channels) into grad_input (cg * G channels).
  cpu::ConvGeom g{.n = grad_out.size(0),
                  .c = co,
                  .h = grad_out.size(2),
                  .w = grad_out.size(3),
                  .co = cg * G,
                  .kh = kh,
                  .kw = kw,
                  .ho = grad_input.size(2),
                  .wo = grad_input.size(3),
                  .sh = 1,
                  .sw = 1,
                  .ph = ph,
                  .pw = pw,
                  .dh = p.dilation[0],
                  .dw = p.dilation[1],
                  .groups = G};
  cpu::conv2d_input_grad_f32_fast(grad_out.data_ptr<float>(), weight.data_ptr<float>(),
                                  grad_input.data_ptr<float>(), g);
  return true;
}

void conv2d_backward_kernel(const Tensor& grad_out, const Tensor& input, const Tensor& weight,
                            const Conv2dParams& p, Tensor& grad_input, Tensor& grad_weight,
                            Tensor& grad_bias) {
  Geometry g = geometry(input, weight, grad_out.size(2), grad_out.size(3));
  cpu::visit_float_or_double(input.dtype(), "conv2d_backward", [&]<class T>() {
    ConvPlan c = conv_plan(g, weight, p, sizeof(T));
    const T* gsrc = grad_out.data_ptr<T>();
    if (grad_bias.defined()) {
      T* gb = grad_bias.data_ptr<T>();
      parallel_for(0, c.co, 4, [&](int64_t a, int64_t e) {
        for (int64_t ch = a; ch < e; ++ch) {
          double s = 0;
          for (int64_t bn = 0; bn < g.n; ++bn) s += lane_sum(gsrc + (bn * c.co + ch) * c.HW, c.HW);
          gb[ch] = static_cast<T>(s);
        }
      });
    }
    bool want_gi = grad_input.defined(), want_gw = grad_weight.defined();
    if constexpr (std::is_same_v<T, float>) {
      if (want_gi && conv_input_grad_fast(grad_out, weight, p, grad_input)) want_gi = false;
      // Note [Implicit-GEMM weight gradient]; from 8 taps per group (the Fashion-MNIST conv1's
      // 9 taps, where the blocks of positions are shared between the threads: its fwd+bwd at 2
      // threads 6.8-8.1 -> 4.8-5.7 ms against im2col + GEMM); below that im2col + GEMM stays.
      if (want_gw && cpu::avx512_kernels_active() && c.K >= 8) {
        cpu::conv2d_weight_grad_f32_fast(input.data_ptr<float>(), gsrc,
                                         grad_weight.data_ptr<float>(), fast_geom(g, weight, p));
        want_gw = false;
      }
    }
    if (want_gi) grad_input.zero_();
    if (want_gw) grad_weight.zero_();
    if ((!want_gi && !want_gw) || c.K == 0 || c.HW == 0 || g.n == 0) return;
    const T* x = input.data_ptr<T>();
    const T* w = weight.data_ptr<T>();
    T* gw = want_gw ? grad_weight.data_ptr<T>() : nullptr;
    T* gi_ptr = want_gi ? grad_input.data_ptr<T>() : nullptr;
    bool direct = c.chunk == 1;  // grad_out of one image is already [co, hw]
    Scratch<T> go(direct ? 0 : c.co * c.chunk * c.HW);
    Scratch<T> cols(c.pointwise ? 0 : c.K * c.chunk * c.HW);
    for (int64_t b0 = 0; b0 < g.n; b0 += c.chunk) {
      int64_t b1 = std::min(g.n, b0 + c.chunk), L = (b1 - b0) * c.HW;
      // grad_out [chunk, co, hw] -> [co, chunk * hw]
      const T* gop = gsrc + b0 * c.co * c.HW;
      if (!direct) {
        parallel_for(0, (b1 - b0) * c.co, 16, [&](int64_t a, int64_t e) {
          for (int64_t r = a; r < e; ++r) {
            int64_t bn = r / c.co, ch = r % c.co;
            std::memcpy(go.data() + ch * L + bn * c.HW, gop + r * c.HW, sizeof(T) * c.HW);
          }
        });
        gop = go.data();
      }
      for (int64_t gi = 0; gi < c.G; ++gi) {
        const T* gog = gop + gi * c.cog * L;
        if (want_gw && c.cog > 0) {
          const T* src = cols.data();
          if (c.pointwise) {
            src = x + (b0 * g.c + gi * c.cg) * c.HW;
          } else {
            im2col(x, cols.data(), g, gi * c.cg, c.cg, p, b0, b1, 0, g.ho);
          }
          cpu::gemm<T>(false, true, c.cog, c.K, L, T(1), gog, L, src, L, T(1),
                       gw + gi * c.cog * c.K, c.K);
        }
        if (want_gi && c.cog > 0) {
          if (c.pointwise) {
            // The input gradient of one image's group is W^T go, written in place.
            cpu::gemm<T>(true, false, c.K, L, c.cog, T(1), w + gi * c.cog * c.K, c.K, gog, L, T(0),
                         gi_ptr + (b0 * g.c + gi * c.cg) * c.HW, L);
          } else {
            cpu::gemm<T>(true, false, c.K, L, c.cog, T(1), w + gi * c.cog * c.K, c.K, gog, L, T(0),
                         cols.data(), L);
            col2im(cols.data(), gi_ptr, g, gi * c.cg, c.cg, p, b0, b1);
          }
        }
      }
    }
  });
}

template <class T>
void max_pool_plane(const T* x, T* y, int64_t* idx, int64_t h, int64_t w, int64_t ho, int64_t wo,
                    const Pool2dParams& p) {
  const int64_t dh = p.dilation[0], dw = p.dilation[1];
  for (int64_t oh = 0; oh < ho; ++oh) {
    int64_t h0 = oh * p.stride[0] - p.padding[0];
    // Kernel rows inside the input: h0 + i*dh in [0, h).
    int64_t i0 = h0 >= 0 ? 0 : (-h0 + dh - 1) / dh;
    int64_t i1 = std::min<int64_t>(p.kernel[0], h - h0 <= 0 ? 0 : (h - h0 + dh - 1) / dh);
    for (int64_t ow = 0; ow < wo; ++ow) {
      int64_t w0 = ow * p.stride[1] - p.padding[1];
      int64_t j0 = w0 >= 0 ? 0 : (-w0 + dw - 1) / dw;
      int64_t j1 = std::min<int64_t>(p.kernel[1], w - w0 <= 0 ? 0 : (w - w0 + dw - 1) / dw);
      T best = -std::numeric_limits<T>::infinity();
      int64_t bi = (h0 + i0 * dh) * w + (w0 + j0 * dw);
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t row = (h0 + i * dh) * w;
        for (int64_t j = j0; j < j1; ++j) {
          int64_t at = row + w0 + j * dw;
          T v = x[at];
          // As PyTorch: a NaN is taken (and then kept, since nothing compares greater).
          if (v > best || v != v) {
            best = v;
            bi = at;
          }
        }
      }
      y[oh * wo + ow] = best;
      idx[oh * wo + ow] = bi;
    }
  }
}

// The common 2x2 window with stride 2 and no padding or dilation, branch-free so that the
// compiler vectorises it; the same comparisons in the same order as max_pool_plane (a NaN is
// taken, the last one wins).
template <class T>
void max_pool_plane_2x2(const T* x, T* y, int64_t* idx, int64_t w, int64_t ho, int64_t wo) {
  for (int64_t oh = 0; oh < ho; ++oh) {
    const T* r0 = x + 2 * oh * w;
    const T* r1 = r0 + w;
    T* yr = y + oh * wo;
    int64_t* ir = idx + oh * wo;
    const int64_t base = 2 * oh * w;
    for (int64_t ow = 0; ow < wo; ++ow) {
      T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
      T best = a;
      int64_t off = 0;
      bool m = b > best || b != b;
      best = m ? b : best;
      off = m ? 1 : off;
      m = c > best || c != c;
      best = m ? c : best;
      off = m ? w : off;
      m = d > best || d != d;
      best = m ? d : best;
      off = m ? w + 1 : off;
      yr[ow] = best;
      ir[ow] = base + 2 * ow + off;
    }
  }
}

void max_pool2d_kernel(Tensor& out, Tensor& indices, const Tensor& input, const Pool2dParams& p) {
  int64_t planes = input.size(0) * input.size(1), h = input.size(2), w = input.size(3);
  int64_t ho = out.size(2), wo = out.size(3);
  cpu::visit_float_or_double(input.dtype(), "max_pool2d", [&]<class T>() {
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    int64_t* idx = indices.data_ptr<int64_t>();
    bool two = p.kernel[0] == 2 && p.kernel[1] == 2 && p.stride[0] == 2 && p.stride[1] == 2 &&
               p.padding[0] == 0 && p.padding[1] == 0 && p.dilation[0] == 1 && p.dilation[1] == 1 &&
               2 * ho <= h && 2 * wo <= w;
    if constexpr (std::is_same_v<T, float>) {
      if (two && cpu::avx512_kernels_active()) {
        cpu::max_pool2x2_f32(x, y, idx, planes, h, w, ho, wo);
        return;
      }
    }
    parallel_for(0, planes, 4, [&](int64_t a, int64_t b) {
      for (int64_t pl = a; pl < b; ++pl) {
        if (two) {
          max_pool_plane_2x2(x + pl * h * w, y + pl * ho * wo, idx + pl * ho * wo, w, ho, wo);
        } else {
          max_pool_plane(x + pl * h * w, y + pl * ho * wo, idx + pl * ho * wo, h, w, ho, wo, p);
        }
      }
    });
  });
}

void max_pool2d_backward_kernel(Tensor& grad_input, const Tensor& grad_out, const Tensor& indices) {
  int64_t planes = grad_input.size(0) * grad_input.size(1);
  int64_t hw = grad_input.size(2) * grad_input.size(3);
  int64_t ohw = grad_out.size(2) * grad_out.size(3);
  cpu::visit_float_or_double(grad_input.dtype(), "max_pool2d_backward", [&]<class T>() {
    T* gi = grad_input.data_ptr<T>();
    const T* go = grad_out.data_ptr<T>();
    const int64_t* idx = indices.data_ptr<int64_t>();
    parallel_for(0, planes, 4, [&](int64_t a, int64_t b) {
      for (int64_t pl = a; pl < b; ++pl) {
        T* dst = gi + pl * hw;
        std::fill(dst, dst + hw, T(0));
        for (int64_t k = 0; k < ohw; ++k) {
          int64_t i = idx[pl * ohw + k];
          if (i >= 0) dst[i] += go[pl * ohw + k];
        }
      }
    });
  });
}

// Number of elements averaged for window (oh, ow), PyTorch's rules.
inline int64_t avg_divisor(int64_t oh, int64_t ow, int64_t h, int64_t w, const Pool2dParams& p) {
  if (p.divisor) return p.divisor;
  int64_t hs = oh * p.stride[0] - p.padding[0], ws = ow * p.stride[1] - p.padding[1];
  int64_t he = std::min(hs + p.kernel[0], h + p.padding[0]);
  int64_t we = std::min(ws + p.kernel[1], w + p.padding[1]);
  int64_t pool = (he - hs) * (we - ws);
  if (p.count_include_pad) return pool;
  hs = std::max<int64_t>(hs, 0);
  ws = std::max<int64_t>(ws, 0);
  he = std::min(he, h);
  we = std::min(we, w);
  return (he - hs) * (we - ws);
}

void avg_pool2d_kernel(Tensor& out, const Tensor& input, const Pool2dParams& p) {
  int64_t planes = input.size(0) * input.size(1), h = input.size(2), w = input.size(3);
  int64_t ho = out.size(2), wo = out.size(3);
  cpu::visit_float_or_double(input.dtype(), "avg_pool2d", [&]<class T>() {
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    parallel_for(0, planes, 4, [&](int64_t a, int64_t b) {
      for (int64_t pl = a; pl < b; ++pl) {
        for (int64_t oh = 0; oh < ho; ++oh) {
          for (int64_t ow = 0; ow < wo; ++ow) {
            int64_t hs = oh * p.stride[0] - p.padding[0], ws = ow * p.stride[1] - p.padding[1];
            T s = 0;
            for (int64_t ih = std::max<int64_t>(hs, 0); ih < std::min(hs + p.kernel[0], h); ++ih)
              for (int64_t iw = std::max<int64_t>(ws, 0); iw < std::min(ws + p.kernel[1], w); ++iw)
                s += x[pl * h * w + ih * w + iw];
            int64_t div = avg_divisor(oh, ow, h, w, p);
            y[pl * ho * wo + oh * wo + ow] = div > 0 ? s / static_cast<T>(div) : T(0);
          }
        }
      }
    });
  });
}

void avg_pool2d_backward_kernel(Tensor& grad_input, const Tensor& grad_out, const Pool2dParams& p) {
  int64_t planes = grad_input.size(0) * grad_input.size(1);
  int64_t h = grad_input.size(2), w = grad_input.size(3);
  int64_t ho = grad_out.size(2), wo = grad_out.size(3);
  cpu::visit_float_or_double(grad_input.dtype(), "avg_pool2d_backward", [&]<class T>() {
    T* gi = grad_input.data_ptr<T>();
    const T* go = grad_out.data_ptr<T>();
    parallel_for(0, planes, 4, [&](int64_t a, int64_t b) {
      for (int64_t pl = a; pl < b; ++pl) {
        T* dst = gi + pl * h * w;
        std::fill(dst, dst + h * w, T(0));
        for (int64_t oh = 0; oh < ho; ++oh) {
          for (int64_t ow = 0; ow < wo; ++ow) {
            int64_t hs = oh * p.stride[0] - p.padding[0], ws = ow * p.stride[1] - p.padding[1];
            int64_t div = avg_divisor(oh, ow, h, w, p);
            if (div <= 0) continue;
            T g = go[pl * ho * wo + oh * wo + ow] / static_cast<T>(div);
            for (int64_t ih = std::max<int64_t>(hs, 0); ih < std::min(hs + p.kernel[0], h); ++ih)
              for (int64_t iw = std::max<int64_t>(ws, 0); iw < std::min(ws + p.kernel[1], w); ++iw)
                dst[ih * w + iw] += g;
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(conv2d_stub, conv2d_kernel);
EMBER_DEFINE_STUB(conv2d_backward_stub, conv2d_backward_kernel);
EMBER_DEFINE_STUB(cudnn_conv3d_stub, nullptr);  // CUDA only
EMBER_DEFINE_STUB(cudnn_conv3d_backward_stub, nullptr);
EMBER_DEFINE_STUB(cudnn_conv_transpose_stub, nullptr);
EMBER_DEFINE_STUB(cudnn_conv_transpose_backward_stub, nullptr);
EMBER_DEFINE_STUB(max_pool2d_stub, max_pool2d_kernel);
EMBER_DEFINE_STUB(max_pool2d_backward_stub, max_pool2d_backward_kernel);
EMBER_DEFINE_STUB(avg_pool2d_stub, avg_pool2d_kernel);
EMBER_DEFINE_STUB(avg_pool2d_backward_stub, avg_pool2d_backward_kernel);

}  // namespace ember
