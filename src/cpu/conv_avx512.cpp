// Float32 convolution forward by implicit GEMM, AVX-512 (compiled with -mavx512f; see
// conv_fast.h).
//
// Note [Implicit-GEMM convolution]
// Per image and group the convolution is C[m, q] = sum_k A[m, k] B[k, q]: m an output channel,
// k = (c, i, j) an input channel and kernel tap, q an output position. B is never built as a
// matrix. Each image's input is first copied once, zero-padded and split by stride phase
// ("phase planes": plane (c, ri, rj)[y][x] = x_padded[c][y*sh + ri][x*sw + rj], HQ x WQ each).
// Positions are numbered q = oh * WQ + ow over a grid WQ wide (ow >= wo are computed and
// dropped: a few percent of the work for 3x3 convolutions on 28-56 wide images, 22% at 7
// wide), so that for every tap the row B[k, q..q+n) is one contiguous slice of one phase plane:
// packing is a plain copy, whatever the stride, padding or dilation.
// As in BLIS: the weights are packed once into panels of MR rows ([K][MR]); positions are cut
// into blocks of about 256 KB of packed B (L2), K into blocks of at most 256 taps, and an
// MR x NR register tile (8 x 32 floats: 16 zmm accumulators, at the FMA peak when the data is
// in cache) runs over each pair of panels. The first K block writes C (with the bias), later
// ones add to it; a tile's lanes reach the output as runs of one output row each (masked
// stores). Work items (image, group, position block, channel range) go to ember's pool; each
// packs its own B block, so threads never wait on each other inside the convolution.
// Summation order: K in blocks of kc, each block's taps in order, then added to C.
#include <algorithm>
#include <cstring>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/core/storage.h"
#include "src/cpu/conv_fast.h"
#include "src/cpu/vec_math.h"

// GCC 12's intrinsics start from _mm512_undefined_*: a false maybe-uninitialized warning.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ember {
namespace cpu {

#if defined(__AVX512F__)
namespace {

constexpr int MR = 8;                                // output channels per register tile
constexpr int NR = 32;                               // positions per register tile (two zmm)
constexpr int64_t kMaxKc = 256;                      // taps per K block
constexpr int64_t kBlockBytes = int64_t{256} << 10;  // packed B per position block
constexpr int64_t kPhaseBytes = int64_t{4} << 20;    // phase planes made at once

// Uninitialised floats from the caching CPU allocator.
class Buf {
 public:
  explicit Buf(int64_t n)
      : n_(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)),
        p_(static_cast<float*>(cpu_allocator()->allocate(n_))) {}
  ~Buf() { cpu_allocator()->deallocate(p_, n_); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  float* data() { return p_; }

 private:
  size_t n_;
  float* p_;
};

struct Plan {
  ConvGeom g;
  int64_t cg, cog, K, khw;  // per group: input/output channels, taps (K = cg * khw)
  int64_t HQ, WQ, phase;    // phase planes: HQ x WQ, phase = HQ * WQ floats
  int64_t img;              // floats of one image's phase planes (all channels) plus slack
  int64_t ppan;             // NR-position panels per image (of ho * WQ positions)
  int64_t mpanels;          // MR-row panels per group
  int64_t kc, nk;           // K block size and count
  int64_t pan, nblocks;     // panels per position block and blocks per image
  int64_t mchunks, mper;    // panel ranges per block (for parallelism) and their size
  int64_t chunk;            // images whose phase planes are made at once
};

inline __mmask16 lanes(int64_t lo, int64_t hi) {  // bits [lo, hi) of 16, clamped
  lo = std::clamp<int64_t>(lo, 0, 16);
  hi = std::clamp<int64_t>(hi, 0, 16);
  if (hi <= lo) return 0;
  uint32_t m = ((1u << hi) - 1u) & ~((1u << lo) - 1u);
  return static_cast<__mmask16>(m);
}

// One image's phase planes, ordered [c][ri][rj], then zeroed slack that the last panels read.
void make_phases(const float* x, float* dst, const Plan& P) {
  const ConvGeom& g = P.g;
  for (int64_t c = 0; c < g.c; ++c) {
    const float* plane = x + c * g.h * g.w;
    for (int64_t ri = 0; ri < g.sh; ++ri) {
      for (int64_t rj = 0; rj < g.sw; ++rj) {
        float* d = dst + ((c * g.sh + ri) * g.sw + rj) * P.phase;
        // Columns xq whose input column xq * sw + off lies inside [0, w): [lo, hi).
        int64_t off = rj - g.pw;
        int64_t lo = std::min(P.WQ, off >= 0 ? 0 : (-off + g.sw - 1) / g.sw);
        int64_t hi = std::clamp<int64_t>((g.w - off + g.sw - 1) / g.sw, lo, P.WQ);
        for (int64_t y = 0; y < P.HQ; ++y, d += P.WQ) {
          int64_t ih = y * g.sh + ri - g.ph;
          if (ih < 0 || ih >= g.h || hi == lo) {
            std::memset(d, 0, sizeof(float) * P.WQ);
            continue;
          }
          const float* row = plane + ih * g.w + off;
          std::memset(d, 0, sizeof(float) * lo);
          if (g.sw == 1) {
            std::memcpy(d + lo, row + lo, sizeof(float) * (hi - lo));
          } else {
            for (int64_t xq = lo; xq < hi; ++xq) d[xq] = row[xq * g.sw];
          }
          std::memset(d + hi, 0, sizeof(float) * (P.WQ - hi));
        }
      }
    }
  }
  int64_t used = g.c * g.sh * g.sw * P.phase;
  std::memset(dst + used, 0, sizeof(float) * (P.img - used));
}

// Packs B[k, q] for taps [k0, k0 + kc) of group gi and the position panels [jp0, jp0 + npan)
// of one image (its phase planes at ph): dst[(jp - jp0) * kc * NR + (k - k0) * NR + u] =
// B[k, jp * NR + u], each tap's row being a contiguous slice of a phase plane.
void pack_b(const float* ph, float* dst, const Plan& P, int64_t gi, int64_t k0, int64_t kc,
            int64_t jp0, int64_t npan) {
  const ConvGeom& g = P.g;
  const int64_t pstride = kc * NR;
  for (int64_t kk = 0; kk < kc; ++kk) {
    int64_t k = k0 + kk, c = gi * P.cg + k / P.khw, i = (k % P.khw) / g.kw, j = k % g.kw;
    int64_t ri = i * g.dh % g.sh, rj = j * g.dw % g.sw;
    const float* src = ph + ((c * g.sh + ri) * g.sw + rj) * P.phase + (i * g.dh / g.sh) * P.WQ +
                       j * g.dw / g.sw + jp0 * NR;
    float* d = dst + kk * NR;
    for (int64_t jp = 0; jp < npan; ++jp, src += NR, d += pstride) {
      _mm512_storeu_ps(d, _mm512_loadu_ps(src));
      _mm512_storeu_ps(d + 16, _mm512_loadu_ps(src + 16));
    }
  }
}

// Weights of every group as panels of MR output channels: ap[(gi * mpanels + mp) * K * MR +
// k * MR + r] = w[gi * cog + mp * MR + r][k], 0 past the group's channels.
void pack_a(const float* w, float* ap, const Plan& P) {
  parallel_for(0, P.g.groups * P.mpanels, 1, [&](int64_t a, int64_t e) {
    for (int64_t pi = a; pi < e; ++pi) {
      int64_t gi = pi / P.mpanels, mp = pi % P.mpanels;
      float* d = ap + pi * P.K * MR;
      for (int r = 0; r < MR; ++r) {
        int64_t m = mp * MR + r;
        if (m >= P.cog) {
          for (int64_t k = 0; k < P.K; ++k) d[k * MR + r] = 0.f;
          continue;
        }
        const float* src = w + (gi * P.cog + m) * P.K;
        for (int64_t k = 0; k < P.K; ++k) d[k * MR + r] = src[k];
      }
    }
  });
}

// Where a tile's results go: output channels [co0, co0 + rows) of one image (out points at
// channel co0), grid positions [q, q + NR); first: C = acc + bias, else C += acc.
struct TileOut {
  float* out;
  const float* bias;  // bias of channel co0, or null
  int64_t q;
  int rows;
  bool first;
};

// C tile (+)= A panel [kc][MR] x B panel [kc][NR].
void tile(int64_t kc, const float* a, const float* b, const TileOut& o, const Plan& P) {
  __m512 acc[MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      __m512 ar = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
    }
    a += MR;
    b += NR;
  }
  // The tile's lanes as runs within one output row: lanes [l, l + n) go to the output at
  // base + l (a masked store of the whole register at base writes exactly those lanes; base
  // may lie before the row, masked-off lanes are never touched).
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  struct Run {
    __mmask16 m0, m1;
    int64_t base;
  } runs[NR];
  int nruns = 0;
  int64_t oh = o.q / P.WQ, ow = o.q % P.WQ;
  for (int64_t l = 0; l < NR && oh < g.ho; ++oh, ow = 0) {
    int64_t len = std::min<int64_t>(NR - l, P.WQ - ow);
    int64_t n = std::clamp<int64_t>(g.wo - ow, 0, len);
    if (n > 0) runs[nruns++] = {lanes(l, l + n), lanes(l - 16, l + n - 16), oh * g.wo + ow - l};
    l += len;
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    if (r >= o.rows) break;
    float* cr = o.out + r * HW;
    __m512 v0 = acc[r][0], v1 = acc[r][1];
    if (o.first && o.bias) {
      __m512 bv = _mm512_set1_ps(o.bias[r]);
      v0 = _mm512_add_ps(v0, bv);
      v1 = _mm512_add_ps(v1, bv);
    }
    for (int u = 0; u < nruns; ++u) {
      const Run& ru = runs[u];
      float* d = cr + ru.base;
      if (o.first) {
        _mm512_mask_storeu_ps(d, ru.m0, v0);
        _mm512_mask_storeu_ps(d + 16, ru.m1, v1);
      } else {
        _mm512_mask_storeu_ps(d, ru.m0, _mm512_add_ps(v0, _mm512_maskz_loadu_ps(ru.m0, d)));
        _mm512_mask_storeu_ps(d + 16, ru.m1,
                              _mm512_add_ps(v1, _mm512_maskz_loadu_ps(ru.m1, d + 16)));
      }
    }
  }
}

Plan make_plan(const ConvGeom& g) {
  Plan P;
  P.g = g;
  P.cg = g.c / g.groups;
  P.cog = g.co / g.groups;
  P.khw = g.kh * g.kw;
  P.K = P.cg * P.khw;
  P.HQ = (g.h + 2 * g.ph + g.sh - 1) / g.sh;
  P.WQ = (g.w + 2 * g.pw + g.sw - 1) / g.sw;
  P.phase = P.HQ * P.WQ;
  // Slack: a tap's slice starts up to WQ + 1 past its plane's end rows and a panel reads NR.
  P.img = g.c * g.sh * g.sw * P.phase + 2 * NR + P.WQ;
  P.ppan = (g.ho * P.WQ + NR - 1) / NR;
  P.mpanels = (P.cog + MR - 1) / MR;
  P.nk = (P.K + kMaxKc - 1) / kMaxKc;
  P.kc = (P.K + P.nk - 1) / P.nk;
  P.chunk = std::clamp<int64_t>(kPhaseBytes / (P.img * int64_t{sizeof(float)}), 1,
                                std::max<int64_t>(g.n, 1));
  int64_t pan = std::clamp<int64_t>(kBlockBytes / (P.kc * NR * int64_t{sizeof(float)}), 1, P.ppan);
  // Enough work items for the pool in each batch of images: smaller position blocks (down to
  // 2 panels), then channel ranges.
  int64_t nt = in_parallel_region() ? 1 : get_num_threads(), want = 4 * nt;
  auto items = [&] { return P.chunk * g.groups * ((P.ppan + pan - 1) / pan); };
  while (items() < want && pan > 2) pan = (pan + 1) / 2;
  P.pan = pan;
  P.nblocks = (P.ppan + pan - 1) / pan;
  P.mchunks = std::clamp<int64_t>((want + items() - 1) / items(), 1, P.mpanels);
  P.mper = (P.mpanels + P.mchunks - 1) / P.mchunks;
  P.mchunks = (P.mpanels + P.mper - 1) / P.mper;
  return P;
}

}  // namespace

bool conv2d_f32_fast_available() { return vec::active_isa() == vec::Isa::Avx512; }

void conv2d_f32_fast(const float* x, const float* w, const float* bias, float* out,
                     const ConvGeom& g) {
  const int64_t HW = g.ho * g.wo;
  if (g.n == 0 || HW == 0 || g.co == 0) return;
  Plan P = make_plan(g);
  if (P.K == 0) {  // no input channels: the output is the bias
    for (int64_t b = 0; b < g.n; ++b)
      for (int64_t ch = 0; ch < g.co; ++ch)
        std::fill_n(out + (b * g.co + ch) * HW, HW, bias ? bias[ch] : 0.f);
    return;
  }
  Buf ap(g.groups * P.mpanels * P.K * MR);
  pack_a(w, ap.data(), P);
  Buf phases(P.chunk * P.img);
  for (int64_t b0 = 0; b0 < g.n; b0 += P.chunk) {
    int64_t nimg = std::min(P.chunk, g.n - b0);
    parallel_for(0, nimg, 1, [&](int64_t a, int64_t e) {
      for (int64_t bi = a; bi < e; ++bi)
        make_phases(x + (b0 + bi) * g.c * g.h * g.w, phases.data() + bi * P.img, P);
    });
    int64_t items = nimg * g.groups * P.nblocks * P.mchunks;
    parallel_for(0, items, 1, [&](int64_t i0, int64_t i1) {
      Buf bp(P.kc * P.pan * NR);
      for (int64_t it = i0; it < i1; ++it) {
        int64_t mc = it % P.mchunks, rest = it / P.mchunks;
        int64_t blk = rest % P.nblocks, rest2 = rest / P.nblocks;
        int64_t gi = rest2 % g.groups, bi = rest2 / g.groups;
        int64_t jp0 = blk * P.pan, npan = std::min(P.pan, P.ppan - jp0);
        int64_t mp0 = mc * P.mper, mp1 = std::min(P.mpanels, mp0 + P.mper);
        const float* ph = phases.data() + bi * P.img;
        for (int64_t kb = 0; kb < P.nk; ++kb) {
          int64_t k0 = kb * P.kc, kc = std::min(P.kc, P.K - k0);
          pack_b(ph, bp.data(), P, gi, k0, kc, jp0, npan);
          for (int64_t mp = mp0; mp < mp1; ++mp) {
            const float* a = ap.data() + (gi * P.mpanels + mp) * P.K * MR + k0 * MR;
            int64_t co0 = gi * P.cog + mp * MR;
            TileOut o;
            o.out = out + ((b0 + bi) * g.co + co0) * HW;
            o.bias = bias ? bias + co0 : nullptr;
            o.rows = static_cast<int>(std::min<int64_t>(MR, P.cog - mp * MR));
            o.first = kb == 0;
            for (int64_t jp = 0; jp < npan; ++jp) {
              o.q = (jp0 + jp) * NR;
              tile(kc, a, bp.data() + jp * kc * NR, o, P);
            }
          }
        }
      }
    });
  }
}

#else  // no AVX-512 in this build

bool conv2d_f32_fast_available() { return false; }
void conv2d_f32_fast(const float*, const float*, const float*, float*, const ConvGeom&) {
  EMBER_ERROR("[conv2d] internal: the AVX-512 convolution is not part of this build");
}

#endif

}  // namespace cpu
}  // namespace ember
