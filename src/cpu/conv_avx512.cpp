// Float32 convolution forward by implicit GEMM, AVX-512 (compiled with -mavx512f; see
// conv_fast.h).
//
// Note [Implicit-GEMM convolution]
// Per group the convolution is C[m, q] = sum_k A[m, k] B[k, q]: m an output channel, k =
// (c, i, j) an input channel and kernel tap, q = image * Ho*Wo + oh * Wo + ow an output
// position of a batch of images. B is never built as a matrix. Each image's input is first
// copied once, zero-padded and split by stride phase ("phase planes": plane (c, ri, rj)[y][x] =
// x_padded[c][y*sh + ri][x*sw + rj]), so that for every tap the positions of one output row
// read one contiguous slice of one phase plane, whatever the stride, padding or dilation.
// As in BLIS, positions are cut into blocks of about 256 KB of packed B (L2) and K into blocks
// of at most 512 taps; a block is packed into panels of NR positions ([kc][NR]) by copying
// those row slices ("pieces", masked vector loads and stores), and an MR x NR register tile
// (8 x 32 floats: 16 zmm accumulators, at the FMA peak when the data is in cache) runs over
// each pair of (8 weight rows, read in place) and (B panel). The first K block writes C (with
// the bias), later ones add to it; a tile's lanes reach the output as runs of one output row
// each (masked stores). Work items (group, position block, channel range) go to ember's pool;
// each packs its own B block, so threads never wait on each other inside the convolution.
// When there are too few blocks for the threads, the smaller of the weights and the inputs is
// read more than once: short position blocks (every block reads all weights) or channel
// ranges (every range packs the inputs). Summation order: K blocks in order, each block's
// taps in order, added to C.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "src/cpu/conv_fast.h"
#include "src/cpu/scratch.h"
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
constexpr int64_t kMaxKc = 512;                      // taps per K block
constexpr int64_t kBlockBytes = int64_t{256} << 10;  // packed B per position block
constexpr int64_t kPhaseBytes = int64_t{4} << 20;    // phase planes made at once

struct Plan {
  ConvGeom g;
  int64_t cg, cog, K, khw;  // per group: input/output channels, taps (K = cg * khw)
  int64_t HQ, WQ, phase;    // phase planes: HQ x WQ, phase = HQ * WQ floats
  int64_t img;              // floats of one image's phase planes (all channels)
  int64_t mpanels;          // MR-row panels per group
  int64_t kc, nk;           // K block size and count
  int64_t pan;              // NR-position panels per position block
  int64_t mchunks, mper;    // panel ranges per block (for parallelism) and their size
  int64_t chunk;            // images whose phase planes are made at once
  // Per tap k of all groups (k = group * K + (c, i, j)): where its values start within an
  // image's phase planes (position q's value of tap k is at koff[k] + base(q)).
  std::vector<int64_t> koff;
};

inline __mmask16 lanes(int64_t lo, int64_t hi) {  // bits [lo, hi) of 16, clamped
  lo = std::clamp<int64_t>(lo, 0, 16);
  hi = std::clamp<int64_t>(hi, 0, 16);
  if (hi <= lo) return 0;
  uint32_t m = ((1u << hi) - 1u) & ~((1u << lo) - 1u);
  return static_cast<__mmask16>(m);
}

// One image's phase planes, ordered [c][ri][rj].
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
          const float* row = plane + ih * g.w;  // column xq reads row[xq * sw + off] >= 0
          if (g.sw == 1) {
            // Whole vectors, the padding masked off: no calls for rows of a few floats.
            const uintptr_t from = reinterpret_cast<uintptr_t>(row) +
                                   static_cast<uintptr_t>(off * int64_t{sizeof(float)});
            for (int64_t xq = 0; xq < P.WQ; xq += 16) {
              const float* s = reinterpret_cast<const float*>(
                  from + static_cast<uintptr_t>(xq * int64_t{sizeof(float)}));
              __m512 v = _mm512_maskz_loadu_ps(lanes(lo - xq, hi - xq), s);
              _mm512_mask_storeu_ps(d + xq, lanes(0, P.WQ - xq), v);
            }
            continue;
          }
          std::memset(d, 0, sizeof(float) * lo);
          {
            for (int64_t xq = lo; xq < hi; ++xq) d[xq] = row[xq * g.sw + off];
          }
          std::memset(d + hi, 0, sizeof(float) * (P.WQ - hi));
        }
      }
    }
  }
}

// The phase planes of images [b0, b0 + nimg) into dst, one image per item on the pool.
void make_chunk_phases(const float* x, float* dst, const Plan& P, int64_t b0, int64_t nimg) {
  const ConvGeom& g = P.g;
  parallel_for(0, nimg, 1, [&](int64_t a, int64_t e) {
    for (int64_t bi = a; bi < e; ++bi)
      make_phases(x + (b0 + bi) * g.c * g.h * g.w, dst + bi * P.img, P);
  });
}

// base[i] = where output position q0 + i (q = image * HW + oh * wo + ow) starts within the phase
// planes of the images from bfirst on: (image - bfirst) * img + oh * WQ + ow.
void position_bases(const Plan& P, int64_t q0, int64_t nq, int64_t bfirst, int64_t* base) {
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  int64_t b = q0 / HW, oh = q0 % HW / g.wo, ow = q0 % HW % g.wo;
  for (int64_t i = 0; i < nq; ++i) {
    base[i] = (b - bfirst) * P.img + oh * P.WQ + ow;
    if (++ow == g.wo) {
      ow = 0;
      if (++oh == g.ho) {
        oh = 0;
        ++b;
      }
    }
  }
}

// A run of positions of one output row inside one panel: lanes [lane, lane + len) of panel
// `panel` of the block read the phase planes at src + (the tap's offset).
struct Piece {
  int64_t src, panel, lane;
  __mmask16 m0, m1;  // lanes [0, len) of the two registers of a run of len floats
};

// The pieces of positions [q0, q0 + nq) of a batch of images (q = image * HW + oh * wo + ow).
int pieces(const Plan& P, int64_t q0, int64_t nq, Piece* out) {
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  int n = 0;
  for (int64_t t = 0, q = q0; t < nq;) {
    int64_t b = q / HW, p = q - b * HW, oh = p / g.wo, ow = p - oh * g.wo;
    int64_t lane = t % NR, len = std::min({g.wo - ow, nq - t, NR - lane});
    out[n++] = {b * P.img + oh * P.WQ + ow, t / NR, lane, lanes(0, len), lanes(-16, len - 16)};
    t += len;
    q += len;
  }
  return n;
}

// Where the lanes of a tile go: lanes [l, l + n) within one output image are written by masked
// stores of the whole register at out + base (base + l is the plane position of lane l; base
// may lie before the plane: masked-off lanes are never touched).
struct Run {
  __mmask16 m0, m1;
  int64_t base;
};

// The runs of the tile of positions [q, q + cols); image = floats per output image. The
// positions of one image are contiguous in an output channel's plane whatever the rows, so a
// run ends only where an image does (one or two runs per tile).
int tile_runs(const Plan& P, int64_t q, int64_t cols, int64_t image, Run* out) {
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  int n = 0;
  for (int64_t l = 0; l < cols;) {
    int64_t b = q / HW, p = q - b * HW;
    int64_t len = std::min(cols - l, HW - p);
    out[n++] = {lanes(l, l + len), lanes(l - 16, l + len - 16), b * image + p - l};
    l += len;
    q += len;
  }
  return n;
}

// Packs B[k, q] for taps [k0, k0 + kc) of group gi and the block's pieces into panels:
// dst[panel * kc * NR + (k - k0) * NR + lane], zero past the block's last position (nq).
void pack_b(const float* ph, float* dst, const Plan& P, int64_t gi, int64_t k0, int64_t kc,
            const Piece* pc, int npieces, int64_t nq) {
  const int64_t npan = (nq + NR - 1) / NR, tail = nq % NR;
  const int64_t* koff = P.koff.data() + gi * P.K + k0;
  for (int64_t kk = 0; kk < kc; ++kk) {
    const float* src = ph + koff[kk];
    float* d = dst + kk * NR;
    for (int u = 0; u < npieces; ++u) {
      const Piece& e = pc[u];
      float* to = d + e.panel * kc * NR + e.lane;
      _mm512_mask_storeu_ps(to, e.m0, _mm512_maskz_loadu_ps(e.m0, src + e.src));
      if (e.m1) _mm512_mask_storeu_ps(to + 16, e.m1, _mm512_maskz_loadu_ps(e.m1, src + e.src + 16));
    }
    if (tail) std::memset(d + (npan - 1) * kc * NR + tail, 0, sizeof(float) * (NR - tail));
  }
}

// Where a tile's results go: output channels [co0, co0 + rows), positions [q, q + cols) of a
// batch of images; first: C = acc + bias, else C += acc.
struct TileOut {
  float* out;         // channel co0 of the batch's first image
  const float* bias;  // bias of channel co0, or null
  const Run* runs;    // where the tile's lanes go
  int nruns, rows;
  bool first;
};

// acc = A [MR rows, kc columns] x B panel [kc][NR]. The rows of A are read in place (row r at
// a + r * lda; rows past `rows` repeat the last one, their results are not used).
// micro_add adds to acc instead of starting from zero.
inline __attribute__((always_inline)) void micro_add(int64_t kc, const float* a, int64_t lda,
                                                     int rows, const float* b,
                                                     __m512 (&acc)[MR][2]) {
  const float* ar[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) ar[r] = a + std::min(r, rows - 1) * lda;
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      __m512 av = _mm512_set1_ps(ar[r][k]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
    b += NR;
  }
}
inline __attribute__((always_inline)) void micro(int64_t kc, const float* a, int64_t lda, int rows,
                                                 const float* b, __m512 (&acc)[MR][2]) {
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  micro_add(kc, a, lda, rows, b, acc);
}

// Forward: C tile (+)= 8 weight rows (kc taps) x B panel [kc][NR], written as output runs.
void tile(int64_t kc, const float* a, int64_t lda, const float* b, const TileOut& o,
          const Plan& P) {
  __m512 acc[MR][2];
  micro(kc, a, lda, o.rows, b, acc);
  const int64_t HW = P.g.ho * P.g.wo;
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
    for (int u = 0; u < o.nruns; ++u) {
      const Run& ru = o.runs[u];
      // base may lie before the output's first float: form the address without pointer
      // arithmetic out of the array (only the masked-in lanes, inside it, are touched).
      float* d = reinterpret_cast<float*>(reinterpret_cast<uintptr_t>(cr) +
                                          static_cast<uintptr_t>(ru.base * int64_t{sizeof(float)}));
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

// r[i] lane j -> r[j] lane i (a 16 x 16 transpose in registers).
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
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
  P.img = g.c * g.sh * g.sw * P.phase;
  P.mpanels = (P.cog + MR - 1) / MR;
  // Per tap (i, j): its slice's start within one input channel's phase planes.
  std::vector<int64_t> tap_off(static_cast<size_t>(P.khw));
  for (int64_t i = 0; i < g.kh; ++i) {
    for (int64_t j = 0; j < g.kw; ++j) {
      int64_t ri = i * g.dh % g.sh, rj = j * g.dw % g.sw;
      tap_off[static_cast<size_t>(i * g.kw + j)] =
          (ri * g.sw + rj) * P.phase + (i * g.dh / g.sh) * P.WQ + j * g.dw / g.sw;
    }
  }
  const int64_t per_channel = g.sh * g.sw * P.phase;
  P.koff.resize(static_cast<size_t>(g.groups * P.K));
  for (int64_t c = 0, k = 0; c < g.c; ++c) {  // tap k is channel k / khw's tap k % khw
    for (int64_t t = 0; t < P.khw; ++t, ++k)
      P.koff[static_cast<size_t>(k)] = c * per_channel + tap_off[static_cast<size_t>(t)];
  }
  P.nk = (P.K + kMaxKc - 1) / kMaxKc;
  P.kc = (P.K + P.nk - 1) / P.nk;
  P.chunk = std::clamp<int64_t>(kPhaseBytes / (P.img * int64_t{sizeof(float)}), 1,
                                std::max<int64_t>(g.n, 1));
  int64_t qpan = (P.chunk * g.ho * g.wo + NR - 1) / NR;  // panels of a full batch
  // Every position block reads all the weights again: where the weights outweigh the inputs
  // (ResNet's last layers: 9 MB of weights, 49 positions per image), blocks may take up to 3x
  // the usual L2 share so that the weights stream from memory once.
  const bool weights_heavy = P.cog > P.chunk * g.ho * g.wo;
  int64_t block_bytes = weights_heavy ? 3 * kBlockBytes : kBlockBytes;
  int64_t pan = std::clamp<int64_t>(block_bytes / (P.kc * NR * int64_t{sizeof(float)}), 1, qpan);
  // Enough work items for the pool in each batch of images. Smaller position blocks make every
  // block read all the weights again; channel ranges make each range pack the inputs again:
  // split whichever is smaller.
  int64_t nt = in_parallel_region() ? 1 : get_num_threads(), want = 4 * nt;
  auto items = [&] { return g.groups * ((qpan + pan - 1) / pan); };
  if (!weights_heavy) {
    while (items() < want && pan > 2) pan = (pan + 1) / 2;
  }
  P.pan = pan;
  P.mchunks = std::clamp<int64_t>((want + items() - 1) / items(), 1, P.mpanels);
  P.mper = (P.mpanels + P.mchunks - 1) / P.mchunks;
  P.mchunks = (P.mpanels + P.mper - 1) / P.mper;
  return P;
}

// Note [Broadcast-input convolution]: where a group's output channels come in blocks of 64
// (ResNet's layers, the Fashion-MNIST CNN's conv2), the forward runs the GEMM the other way
// round, as oneDNN's direct convolution does: a register tile holds 6 output positions x 64
// output channels (24 zmm accumulators, lanes = channels); per tap it loads 4 vectors of packed
// weights ([kc][64], made per K block by 16 x 16 register transposes, in L2) and broadcasts 6
// input values straight from the phase planes (position p's value of tap k is
// phases[base(p) + koff(k)], Note [Implicit-GEMM convolution]). The inputs are never packed:
// the implicit-GEMM path spends 4% (ResNet layer3) to 13% (Fashion-MNIST conv2) of its time
// packing B panels, since only cog / 8 register tiles share each panel. A work item (group,
// 64-channel block, range of positions) accumulates its tiles, starting from the bias, over the
// K blocks in a position-major buffer [q][64] (L2) and finally writes it to the NCHW output by
// 16 x 16 register transposes. With a single block of output channels and images of at most
// 384 positions, items are whole images and make their own phase planes (in cache; Fashion-MNIST
// conv2 at 2 threads 5.5-5.9 -> 4.9-5.0 ms). Summation order: the bias, then the taps in order,
// whatever the thread count. Below 256 taps (ResNet's conv1: 147) the transposed writes weigh
// more than the packing saved, and the implicit-GEMM path stays.
// Tiles: VB zmm vectors of output channels (CB = 16 VB channels) x NP = 24 / VB positions, 24
// accumulators: 64 x 6 where a group's channels come in 64s, else 32 x 12 (the Fashion-MNIST
// conv2's input gradient: 32 channels).
constexpr int kAcc = 24;
constexpr int64_t kRange = 384;  // positions per work item (before splitting for the threads)
constexpr int64_t kMinRange = 48;
constexpr int64_t kMinBcastK = 256;  // taps below which the implicit-GEMM path is used

// dst[k][CB] = w[c * K + k] for the CB weight rows from w (row stride K), taps [0, kc).
template <int CB>
void pack_w(const float* w, int64_t K, int64_t kc, float* dst) {
  for (int cb = 0; cb < CB; cb += 16) {
    int64_t k = 0;
    for (; k + 16 <= kc; k += 16) {
      __m512 r[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(w + (cb + i) * K + k);
      transpose16(r);  // r[j] lane i = w[cb + i][k + j]
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j) _mm512_storeu_ps(dst + (k + j) * CB + cb, r[j]);
    }
    for (; k < kc; ++k) {
      for (int i = 0; i < 16; ++i) dst[k * CB + cb + i] = w[(cb + i) * K + k];
    }
  }
}

// The same packing for the input gradient's convolution, whose weights are the forward's (ws,
// [G * P.cg][P.cog][kh][kw]) flipped in both kernel axes and transposed per group (Note [Input
// gradient as a convolution] in conv.cpp): w'[co0 + i][k], k = o * khw + t, is
// ws[((gi * P.cg + o) * P.cog + c0 + i) * khw + khw - 1 - t]. For each o, 16 channels' taps are
// 16 rows of khw contiguous floats: transposed 16 x 16 in registers and stored in reverse tap
// order, instead of a flipped copy of all weights that pack_w then reads again (gathers, 16
// channels khw apart, were as slow as that copy on Zen 4).
template <int CB>
void pack_w_flipped(const float* ws, const Plan& P, int64_t co0, int64_t k0, int64_t kc,
                    float* dst) {
  const int64_t khw = P.khw, gi = co0 / P.cog, c0 = co0 - gi * P.cog;
  const int64_t o0 = k0 / khw, o1 = (k0 + kc - 1) / khw;
  for (int64_t o = o0; o <= o1; ++o) {
    for (int v = 0; v < CB / 16; ++v) {
      const float* S = ws + ((gi * P.cg + o) * P.cog + c0 + 16 * v) * khw;
      for (int64_t j0 = 0; j0 < khw; j0 += 16) {
        const int64_t cnt = std::min<int64_t>(16, khw - j0);
        const __mmask16 m = lanes(0, cnt);
        __m512 r[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) r[i] = _mm512_maskz_loadu_ps(m, S + i * khw + j0);
        transpose16(r);  // r[j] lane i = S[i][j0 + j]
        for (int64_t j = 0; j < cnt; ++j) {
          const int64_t k = o * khw + khw - 1 - (j0 + j);
          if (k >= k0 && k < k0 + kc) _mm512_storeu_ps(dst + (k - k0) * CB + 16 * v, r[j]);
        }
      }
    }
  }
}

// acc[p][v] += sum over taps k of wp[k][16 v + lane] * x[p][koff[k]].
template <int VB, int NP = kAcc / VB, int CB = 16 * VB>
inline __attribute__((always_inline)) void bcast_tile(int64_t kc, const float* wp,
                                                      const int64_t* koff, const float* const* x,
                                                      __m512 (&acc)[NP][VB]) {
  const float* xp[NP];
#pragma GCC unroll 12
  for (int p = 0; p < NP; ++p) xp[p] = x[p];
  for (int64_t k = 0; k < kc; ++k) {
    const int64_t o = koff[k];
    __m512 wv[VB];
#pragma GCC unroll 4
    for (int v = 0; v < VB; ++v) wv[v] = _mm512_loadu_ps(wp + 16 * v);
#pragma GCC unroll 12
    for (int p = 0; p < NP; ++p) {
      const __m512 b = _mm512_set1_ps(xp[p][o]);
#pragma GCC unroll 4
      for (int v = 0; v < VB; ++v) acc[p][v] = _mm512_fmadd_ps(wv[v], b, acc[p][v]);
    }
    wp += CB;
  }
}

// Writes positions [q0, q0 + nq) x the CB channels from co0 of cs ([q][CB], rows padded to a
// multiple of 16) to the output images (out: the phase chunk's first image).
template <int CB>
void store_cs(const float* cs, int64_t q0, int64_t nq, int64_t co0, float* out, const Plan& P) {
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  for (int64_t i0 = 0; i0 < nq; i0 += 16) {
    const int64_t cnt = std::min<int64_t>(16, nq - i0);
    for (int cv = 0; cv < CB; cv += 16) {
      __m512 r[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(cs + (i0 + i) * CB + cv);
      transpose16(r);  // r[c] lane i = channel co0 + cv + c at position q0 + i0 + i
      // Lanes [l, l + len) lie in one image; base + l is their first position's offset.
      for (int64_t l = 0; l < cnt;) {
        const int64_t q = q0 + i0 + l, b = q / HW, p = q - b * HW;
        const int64_t len = std::min(cnt - l, HW - p);
        const __mmask16 m = lanes(l, l + len);
        const int64_t base = (b * g.co + co0 + cv) * HW + p - l;
        for (int c = 0; c < 16; ++c) {
          // base may lie before the output's first float: only masked-in lanes are touched.
          float* d = reinterpret_cast<float*>(
              reinterpret_cast<uintptr_t>(out) +
              static_cast<uintptr_t>((base + c * HW) * int64_t{sizeof(float)}));
          _mm512_mask_storeu_ps(d, m, r[c]);
        }
        l += len;
      }
    }
  }
}

// The forward of Note [Broadcast-input convolution]; P.cog is a multiple of 16 VB. flipped: w is
// the forward's weights of an input gradient (pack_w_flipped).
template <int VB>
void conv_bcast(const float* x, const float* w, const float* bias, float* out, const Plan& P,
                bool flipped) {
  // Positions per register tile: 6 with 64 channels (24 accumulators); 8, not 12, with 32
  // channels: twelve positions' input pointers did not fit the registers (the Fashion-MNIST
  // conv2 input gradient at 1 thread: 10.0-10.1 -> 9.4-9.8 ms with 8; 10 measured as 12).
  constexpr int CB = 16 * VB, NP = VB == 2 ? 8 : kAcc / VB;
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  const int64_t nblk = P.cog / CB;
  const int64_t wblock = P.kc * CB;  // floats of one packed weight block
  // Where several position ranges use each weight block, the blocks are packed once up front;
  // otherwise (ResNet's layer4: 9 MB of weights, 196 positions) each item packs its own into L2.
  const bool prepack = g.n * HW > kRange;
  Scratch<float> wall(prepack ? g.groups * nblk * P.nk * wblock : 0);
  if (prepack) {
    parallel_for(0, g.groups * nblk * P.nk, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t kb = i % P.nk, cb = i / P.nk, k0 = kb * P.kc;
        const int64_t kc = std::min(P.kc, P.K - k0);
        if (flipped) {
          pack_w_flipped<CB>(w, P, cb * CB, k0, kc, wall.data() + i * wblock);
        } else {
          pack_w<CB>(w + cb * CB * P.K + k0, P.K, kc, wall.data() + i * wblock);
        }
      }
    });
  }
  // Positions [q0, q0 + nq) of output channel block cb (global index over the groups), whose
  // images' phase planes start at ph with image bfirst; out: image 0 of the output. rows: cs's
  // rows (at least nq rounded up to 16, plus a tile).
  auto run_range = [&](const float* ph, int64_t q0, int64_t nq, int64_t bfirst, int64_t cb,
                       float* out0, float* cs, float* wpk, int64_t* base, int64_t rows) {
    const int64_t gi = cb / nblk, co0 = cb * CB;
    position_bases(P, q0, nq, bfirst, base);
    for (int64_t i = nq; i < rows; ++i) base[i] = base[nq - 1];
    for (int64_t kb = 0; kb < P.nk; ++kb) {
      const int64_t k0 = kb * P.kc, kc = std::min(P.kc, P.K - k0);
      const float* wp = wall.data() + (cb * P.nk + kb) * wblock;
      if (!prepack) {
        if (flipped) {
          pack_w_flipped<CB>(w, P, co0, k0, kc, wpk);
        } else {
          pack_w<CB>(w + co0 * P.K + k0, P.K, kc, wpk);
        }
        wp = wpk;
      }
      const int64_t* koff = P.koff.data() + gi * P.K + k0;
      for (int64_t t = 0; t < nq; t += NP) {
        __m512 acc[NP][VB];
        float* ct = cs + t * CB;
#pragma GCC unroll 12
        for (int p = 0; p < NP; ++p) {
#pragma GCC unroll 4
          for (int v = 0; v < VB; ++v)
            acc[p][v] = kb > 0 ? _mm512_loadu_ps(ct + p * CB + 16 * v)
                        : bias ? _mm512_loadu_ps(bias + co0 + 16 * v)
                               : _mm512_setzero_ps();
        }
        const float* xs[NP];
#pragma GCC unroll 12
        for (int p = 0; p < NP; ++p) xs[p] = ph + base[t + p];
        bcast_tile<VB, NP>(kc, wp, koff, xs, acc);
#pragma GCC unroll 12
        for (int p = 0; p < NP; ++p) {
#pragma GCC unroll 4
          for (int v = 0; v < VB; ++v) _mm512_storeu_ps(ct + p * CB + 16 * v, acc[p][v]);
        }
      }
    }
    store_cs<CB>(cs, q0, nq, co0, out0, P);
  };
  const int64_t nt = in_parallel_region() ? 1 : get_num_threads();
  // One block of output channels and small images (the Fashion-MNIST conv2 and its input
  // gradient): each work item takes whole images and makes their phase planes itself, in a
  // buffer that stays in cache, instead of a pass over the whole batch before the items (that
  // pass and its 4 MB buffer were 3-6% of the time).
  if (g.groups * nblk == 1 && HW <= kRange) {
    const int64_t per = std::clamp<int64_t>(kRange / HW, 1, (g.n + 4 * nt - 1) / (4 * nt));
    const int64_t rows = (per * HW + 15) / 16 * 16 + NP;
    parallel_for(0, (g.n + per - 1) / per, 1, [&](int64_t i0, int64_t i1) {
      Scratch<float> ph(per * P.img), cs(rows * CB), wpk(prepack ? 0 : wblock);
      Scratch<int64_t> base(rows);
      for (int64_t it = i0; it < i1; ++it) {
        const int64_t b0 = it * per, cnt = std::min(per, g.n - b0);
        for (int64_t bi = 0; bi < cnt; ++bi)
          make_phases(x + (b0 + bi) * g.c * g.h * g.w, ph.data() + bi * P.img, P);
        run_range(ph.data(), b0 * HW, cnt * HW, b0, 0, out, cs.data(), wpk.data(), base.data(),
                  rows);
      }
    });
    return;
  }
  Scratch<float> phases(P.chunk * P.img);
  for (int64_t b0 = 0; b0 < g.n; b0 += P.chunk) {
    const int64_t nimg = std::min(P.chunk, g.n - b0), nq_all = nimg * HW;
    make_chunk_phases(x, phases.data(), P, b0, nimg);
    // Enough work items for the pool (range lengths stay multiples of 48: 384, 192, 96, 48).
    int64_t range = kRange;
    while (g.groups * nblk * ((nq_all + range - 1) / range) < 4 * nt && range > kMinRange)
      range = std::max(kMinRange, range / 2);
    // Ranges of equal length (to a whole tile), not full ones and a short tail: the threads'
    // shares stay even (ResNet layer3's 784 positions: 264 + 264 + 256, not 384 + 384 + 16).
    // Rounding up to a divisor of range keeps their count.
    const int64_t nranges = (nq_all + range - 1) / range;
    range = ((nq_all + nranges - 1) / nranges + NP - 1) / NP * NP;
    const int64_t rows = (range + 15) / 16 * 16 + NP;  // tiles may run past a range's end
    parallel_for(0, g.groups * nblk * nranges, 1, [&](int64_t i0, int64_t i1) {
      Scratch<float> cs(rows * CB), wpk(prepack ? 0 : wblock);
      Scratch<int64_t> base(rows);
      for (int64_t it = i0; it < i1; ++it) {
        const int64_t r = it % nranges, q0 = r * range;
        run_range(phases.data(), q0, std::min(range, nq_all - q0), 0, it / nranges,
                  out + b0 * g.co * HW, cs.data(), wpk.data(), base.data(), rows);
      }
    });
  }
}

// Runs the broadcast kernel where a group's output channels come in blocks of 64 (or 32) and
// there are enough taps; false (nothing done) otherwise.
bool try_conv_bcast(const float* x, const float* w, const float* bias, float* out, const Plan& P,
                    bool flipped) {
  if (P.K < kMinBcastK) return false;
  if (P.cog % 64 == 0) {
    conv_bcast<4>(x, w, bias, out, P, flipped);
  } else if (P.cog % 32 == 0) {
    conv_bcast<2>(x, w, bias, out, P, flipped);
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool avx512_kernels_active() { return vec::active_isa() == vec::Isa::Avx512; }

void conv2d_f32_fast(const float* x, const float* w, const float* bias, float* out,
                     const ConvGeom& g) {
  const int64_t HW = g.ho * g.wo;
  if (g.n == 0 || HW == 0 || g.co == 0) return;
  // No input channels: the output is the bias (make_plan divides by K and the phase planes).
  if (g.c / g.groups * g.kh * g.kw == 0) {
    for (int64_t b = 0; b < g.n; ++b)
      for (int64_t ch = 0; ch < g.co; ++ch)
        std::fill_n(out + (b * g.co + ch) * HW, HW, bias ? bias[ch] : 0.f);
    return;
  }
  Plan P = make_plan(g);
  if (try_conv_bcast(x, w, bias, out, P, false)) return;
  Scratch<float> phases(P.chunk * P.img);
  for (int64_t b0 = 0; b0 < g.n; b0 += P.chunk) {
    int64_t nimg = std::min(P.chunk, g.n - b0), nq_all = nimg * HW;
    make_chunk_phases(x, phases.data(), P, b0, nimg);
    int64_t nblocks = (nq_all + P.pan * NR - 1) / (P.pan * NR);
    int64_t items = g.groups * nblocks * P.mchunks;
    // When channel ranges split a block, its packed B is made once, shared by the ranges
    // (ResNet's layer4: 8 ranges had each packed the same 4 MB).
    const int64_t bsize = P.kc * P.pan * NR;  // floats of one packed (K block, position block)
    const int64_t nshared = g.groups * nblocks * P.nk;
    const bool share = P.mchunks > 1 && nshared * bsize <= (int64_t{4} << 20);
    Scratch<float> shared(share ? nshared * bsize : 0);
    if (share) {
      parallel_for(0, nshared, 1, [&](int64_t i0, int64_t i1) {
        std::vector<Piece> pcs(static_cast<size_t>(P.pan * (NR + 1)));
        for (int64_t it = i0; it < i1; ++it) {
          int64_t kb = it % P.nk, blk = it / P.nk % nblocks, gi = it / P.nk / nblocks;
          int64_t q0 = blk * P.pan * NR, nq = std::min(P.pan * NR, nq_all - q0);
          int64_t k0 = kb * P.kc, kc = std::min(P.kc, P.K - k0);
          int npc = pieces(P, q0, nq, pcs.data());
          pack_b(phases.data(), shared.data() + it * bsize, P, gi, k0, kc, pcs.data(), npc, nq);
        }
      });
    }
    parallel_for(0, items, 1, [&](int64_t i0, int64_t i1) {
      Scratch<float> bp(share ? 0 : bsize);
      std::vector<Piece> pcs(static_cast<size_t>(P.pan * (NR + 1)));
      std::vector<Run> runs(static_cast<size_t>(P.pan * NR));
      std::vector<int> run0(static_cast<size_t>(P.pan + 1));
      for (int64_t it = i0; it < i1; ++it) {
        int64_t mc = it % P.mchunks, rest = it / P.mchunks;
        int64_t blk = rest % nblocks, gi = rest / nblocks;
        int64_t q0 = blk * P.pan * NR, nq = std::min(P.pan * NR, nq_all - q0);
        int64_t npan = (nq + NR - 1) / NR;
        int64_t mp0 = mc * P.mper, mp1 = std::min(P.mpanels, mp0 + P.mper);
        int npc = pieces(P, q0, nq, pcs.data());
        run0[0] = 0;
        for (int64_t jp = 0; jp < npan; ++jp) {
          run0[jp + 1] = run0[jp] + tile_runs(P, q0 + jp * NR, std::min<int64_t>(NR, nq - jp * NR),
                                              g.co * HW, runs.data() + run0[jp]);
        }
        for (int64_t kb = 0; kb < P.nk; ++kb) {
          int64_t k0 = kb * P.kc, kc = std::min(P.kc, P.K - k0);
          const float* packed = bp.data();
          if (share) {
            packed = shared.data() + ((gi * nblocks + blk) * P.nk + kb) * bsize;
          } else {
            pack_b(phases.data(), bp.data(), P, gi, k0, kc, pcs.data(), npc, nq);
          }
          for (int64_t mp = mp0; mp < mp1; ++mp) {
            int64_t co0 = gi * P.cog + mp * MR;
            const float* a = w + co0 * P.K + k0;
            TileOut o;
            o.out = out + (b0 * g.co + co0) * HW;
            o.bias = bias ? bias + co0 : nullptr;
            o.rows = static_cast<int>(std::min<int64_t>(MR, P.cog - mp * MR));
            o.first = kb == 0;
            for (int64_t jp = 0; jp < npan; ++jp) {
              o.runs = runs.data() + run0[jp];
              o.nruns = run0[jp + 1] - run0[jp];
              tile(kc, a, P.K, packed + jp * kc * NR, o, P);
            }
          }
        }
      }
    });
  }
}

void conv2d_input_grad_f32_fast(const float* dy, const float* w, float* gi, const ConvGeom& g) {
  const int64_t khw = g.kh * g.kw, G = g.groups, cg = g.c / G, cog = g.co / G;
  if (g.n > 0 && g.ho * g.wo > 0 && g.co > 0 && cg * khw > 0 &&
      try_conv_bcast(dy, w, nullptr, gi, make_plan(g), true))
    return;
  // The other kernels take the flipped weights as a tensor: w'[gr * cog + c][o][t] =
  // w[gr * cg + o][c][khw - 1 - t] (here cg = the forward's output channels per group, cog its
  // input channels per group). By 8 channels c at a time: one read stream, 8 write streams.
  Scratch<float> wt(g.co * cg * khw);
  float* d = wt.data();
  const int64_t cblocks = (cog + 7) / 8;
  parallel_for(0, G * cblocks, 1, [&](int64_t a, int64_t e) {
    for (int64_t r = a; r < e; ++r) {
      const int64_t gr = r / cblocks, c0 = r % cblocks * 8, c1 = std::min(cog, c0 + 8);
      for (int64_t o = 0; o < cg; ++o) {
        const float* from = w + ((gr * cg + o) * cog) * khw;
        for (int64_t c = c0; c < c1; ++c) {
          float* to = d + ((gr * cog + c) * cg + o) * khw;
          for (int64_t t = 0; t < khw; ++t) to[t] = from[c * khw + khw - 1 - t];
        }
      }
    }
  });
  conv2d_f32_fast(dy, d, nullptr, gi, g);
}

// dt[cp][q][lane] = dY[channel gi * cog + cp * CW + lane, position q0 + q] for the nq positions
// [q0, q0 + nq) of the images from b0 on (dY [n, co, HW]); zero past nq (up to nqp) and past the
// group's channels. By 16 x 16 blocks (16 channels x 16 positions of one image) transposed in
// registers.
template <int CW>
void pack_dy_t(const float* dy, float* dt, const Plan& P, int64_t b0, int64_t gi, int64_t q0,
               int64_t nq, int64_t nqp) {
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo, cpan = (P.cog + CW - 1) / CW;
  if (nqp != nq || P.cog % CW != 0)
    std::memset(dt, 0, sizeof(float) * static_cast<size_t>(cpan * nqp * CW));
  for (int64_t q = 0; q < nq;) {
    const int64_t b = (q0 + q) / HW, pos = (q0 + q) % HW, len = std::min(HW - pos, nq - q);
    const float* src = dy + ((b0 + b) * g.co + gi * P.cog) * HW + pos;
    for (int64_t co0 = 0; co0 < P.cog; co0 += 16) {
      const int64_t nco = std::min<int64_t>(16, P.cog - co0);
      float* to = dt + ((co0 / CW) * nqp + q) * CW + co0 % CW;
      for (int64_t u = 0; u < len; u += 16) {
        const __mmask16 m = lanes(0, len - u);
        __m512 r[16];
        if (nco == 16) {
#pragma GCC unroll 16
          for (int i = 0; i < 16; ++i) r[i] = _mm512_maskz_loadu_ps(m, src + (co0 + i) * HW + u);
        } else {
          for (int i = 0; i < 16; ++i) {
            r[i] =
                i < nco ? _mm512_maskz_loadu_ps(m, src + (co0 + i) * HW + u) : _mm512_setzero_ps();
          }
        }
        transpose16(r);
        const int64_t nu = std::min<int64_t>(16, len - u);
        for (int64_t j = 0; j < nu; ++j) _mm512_store_ps(to + (u + j) * CW, r[j]);
      }
    }
    q += len;
  }
}

// Note [Implicit-GEMM weight gradient]: dW[co, k] = sum_q dY[co, q] B[k, q], with B the
// forward's implicit matrix of taps x positions (Note [Implicit-GEMM convolution]). A register
// tile holds 6 taps x 64 output channels, or 12 x 32 where a group's channels are not a multiple
// of 64 (the kernel of Note [Broadcast-input convolution] with the roles of taps and positions
// swapped): per position q it loads 64 (32) values of dY at q (dY packed transposed, [q][64],
// per block of positions, by 16 x 16 register transposes) and broadcasts B[k, q] for its taps
// straight from the phase planes (tap k's value at q is phases[koff(k) + base(q)]), so B is
// never packed. Each thread takes an even, contiguous share of the tiles (of one or more
// groups), packs dY once per block of positions for all of them, and alone writes their dW
// entries: no partial sums meet across threads, and the summation order (image chunks, blocks
// of positions, the positions in order) does not depend on the number of threads. With fewer
// than two tiles per thread (a few taps: the Fashion-MNIST conv1's 9) the blocks of positions
// are shared instead, each summed into its own copy of dW, and the copies are added in block
// order: the same order, so the same bits. Channels past a group's end are zero in the packed
// dY panels.
template <int VB>
void weight_grad(const float* x, const float* dy, float* dw, const Plan& P) {
  constexpr int TK = kAcc / VB, CW = 16 * VB;  // register tile: TK taps x CW output channels
  const ConvGeom& g = P.g;
  const int64_t HW = g.ho * g.wo;
  const int64_t ktiles = (P.K + TK - 1) / TK, ntiles = g.groups * ktiles;  // tiles of TK taps
  const int64_t nt = in_parallel_region() ? 1 : get_num_threads();
  const int64_t cpan = (P.cog + CW - 1) / CW;  // CW-channel panels of dY
  // Positions per block: the transposed dY of a block stays under 512 KB.
  const int64_t qblk =
      std::clamp<int64_t>((int64_t{128} << 10) / (cpan * CW) / NR * NR, 4 * NR, 32 * NR);
  const int64_t wsize = g.co * P.K;  // floats of dW
  Scratch<float> phases(P.chunk * P.img);
  for (int64_t b0 = 0; b0 < g.n; b0 += P.chunk) {
    const int64_t nimg = std::min(P.chunk, g.n - b0), nq_all = nimg * HW;
    const int64_t nqb = (nq_all + qblk - 1) / qblk;  // blocks of positions
    make_chunk_phases(x, phases.data(), P, b0, nimg);
    const int64_t qcap = std::min(qblk, (nq_all + NR - 1) / NR * NR);
    // Adds the sums over positions [q0, q0 + nq) of tiles [t0, t1) to out ([co][K]), or stores
    // them (assign: out's first contribution, so dW needs no zero pass before).
    auto block = [&](int64_t q0, int64_t nq, int64_t t0, int64_t t1, float* out, float* dt,
                     int64_t* base, bool assign) {
      alignas(64) float tmp[TK][CW];
      const int64_t nqp = (nq + NR - 1) / NR * NR;  // positions of the block, padded
      position_bases(P, q0, nq, 0, base);
      int64_t packed_group = -1;
      for (int64_t tile = t0; tile < t1; ++tile) {
        const int64_t gi = tile / ktiles, k0 = tile % ktiles * TK;
        if (gi != packed_group) {
          pack_dy_t<CW>(dy, dt, P, b0, gi, q0, nq, nqp);
          packed_group = gi;
        }
        const int rows = static_cast<int>(std::min<int64_t>(TK, P.K - k0));
        // Tap r of the tile reads the phase planes at xs[r] + base[q] (taps past the group's
        // end repeat its last one; their sums are not used).
        const float* xs[TK];
        for (int r = 0; r < TK; ++r) {
          xs[r] =
              phases.data() + P.koff[static_cast<size_t>(gi * P.K + k0 + std::min(r, rows - 1))];
        }
        for (int64_t cp = 0; cp < cpan; ++cp) {
          __m512 acc[TK][VB];
#pragma GCC unroll 12
          for (int r = 0; r < TK; ++r) {
#pragma GCC unroll 4
            for (int v = 0; v < VB; ++v) acc[r][v] = _mm512_setzero_ps();
          }
          bcast_tile<VB>(nq, dt + cp * nqp * CW, base, xs, acc);
#pragma GCC unroll 12
          for (int r = 0; r < TK; ++r) {
#pragma GCC unroll 4
            for (int v = 0; v < VB; ++v) _mm512_store_ps(tmp[r] + 16 * v, acc[r][v]);
          }
          const int64_t lanes_used = std::min<int64_t>(CW, P.cog - cp * CW);
          for (int64_t l = 0; l < lanes_used; ++l) {
            float* to = out + (gi * P.cog + cp * CW + l) * P.K + k0;
            if (assign) {
              for (int r = 0; r < rows; ++r) to[r] = tmp[r][l];
            } else {
              for (int r = 0; r < rows; ++r) to[r] += tmp[r][l];
            }
          }
        }
      }
    };
    if (ntiles < 2 * nt && nqb >= 2 * nt) {
      // Too few tiles to share (the Fashion-MNIST conv1: 9 taps, one tile): the blocks of
      // positions are shared instead, each summed into its own copy of dW, and the copies are
      // added to dW in block order - the order the tiles' sums had, so the same bits.
      Scratch<float> part(nqb * wsize);
      parallel_for(0, nqb, 1, [&](int64_t i0, int64_t i1) {
        Scratch<float> dyt(cpan * qcap * CW);
        Scratch<int64_t> base(qcap);
        for (int64_t i = i0; i < i1; ++i) {
          block(i * qblk, std::min(qblk, nq_all - i * qblk), 0, ntiles, part.data() + i * wsize,
                dyt.data(), base.data(), true);
        }
      });
      parallel_for(0, wsize, 4096, [&](int64_t e0, int64_t e1) {
        for (int64_t i = 0; i < nqb; ++i) {
          const float* src = part.data() + i * wsize;
          if (i == 0 && b0 == 0) {
            std::copy(src + e0, src + e1, dw + e0);
          } else {
            for (int64_t e = e0; e < e1; ++e) dw[e] += src[e];
          }
        }
      });
      continue;
    }
    const int64_t slots = std::clamp<int64_t>(nt, 1, ntiles);
    parallel_for(0, slots, 1, [&](int64_t s0, int64_t s1) {
      Scratch<float> dyt(cpan * qcap * CW);
      Scratch<int64_t> base(qcap);
      for (int64_t slot = s0; slot < s1; ++slot) {
        // An even share of the tiles (items of 5 tiles had split Fashion-MNIST conv2's 24
        // tiles 10 + 14 between two threads).
        const int64_t t0 = slot * ntiles / slots, t1 = (slot + 1) * ntiles / slots;
        for (int64_t q0 = 0; q0 < nq_all; q0 += qblk)
          block(q0, std::min(qblk, nq_all - q0), t0, t1, dw, dyt.data(), base.data(),
                b0 == 0 && q0 == 0);
      }
    });
  }
}

void conv2d_weight_grad_f32_fast(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  const int64_t wsize = g.co * (g.c / g.groups) * g.kh * g.kw;
  if (g.n == 0 || g.ho * g.wo == 0 || g.co == 0) {
    std::fill_n(dw, wsize, 0.f);
    return;
  }
  Plan P = make_plan(g);
  if (P.K == 0 || P.cog == 0) {
    std::fill_n(dw, wsize, 0.f);
    return;
  }
  // 6 taps x 64 channels where the group's channels come in 64s: 10 loads per 24 FMAs and six
  // tap pointers, against 14 and twelve (which the register allocator spills) for 12 x 32.
  if (P.cog % 64 == 0) {
    weight_grad<4>(x, dy, dw, P);
  } else {
    weight_grad<2>(x, dy, dw, P);
  }
}

// max_pool2d with a 2x2 window, stride 2, no padding or dilation, float32: 16 outputs of a row
// at a time (even/odd input columns split by permutes), the same comparisons in the same order
// as the scalar loop (a value is taken when greater or NaN: the last NaN wins).
void max_pool2x2_f32(const float* x, float* y, int64_t* idx, int64_t planes, int64_t h, int64_t w,
                     int64_t ho, int64_t wo) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  parallel_for(0, planes, 4, [&](int64_t a, int64_t e) {
    for (int64_t pl = a; pl < e; ++pl) {
      const float* xp = x + pl * h * w;
      float* yp = y + pl * ho * wo;
      int64_t* ip = idx + pl * ho * wo;
      for (int64_t oh = 0; oh < ho; ++oh) {
        const float* r0 = xp + 2 * oh * w;
        const float* r1 = r0 + w;
        for (int64_t ow = 0; ow < wo; ow += 16) {
          int64_t n = std::min<int64_t>(16, wo - ow);  // outputs in this step
          __mmask16 lo_m = lanes(0, 2 * n), hi_m = lanes(0, 2 * n - 16), out_m = lanes(0, n);
          __m512 l0 = _mm512_maskz_loadu_ps(lo_m, r0 + 2 * ow);
          __m512 h0 = _mm512_maskz_loadu_ps(hi_m, r0 + 2 * ow + 16);
          __m512 l1 = _mm512_maskz_loadu_ps(lo_m, r1 + 2 * ow);
          __m512 h1 = _mm512_maskz_loadu_ps(hi_m, r1 + 2 * ow + 16);
          __m512 best = _mm512_permutex2var_ps(l0, even, h0);
          __m512 v[3] = {_mm512_permutex2var_ps(l0, odd, h0), _mm512_permutex2var_ps(l1, even, h1),
                         _mm512_permutex2var_ps(l1, odd, h1)};
          const int32_t offs[3] = {1, static_cast<int32_t>(w), static_cast<int32_t>(w + 1)};
          __m512i off = _mm512_setzero_si512();
          for (int c = 0; c < 3; ++c) {
            __mmask16 m = _mm512_cmp_ps_mask(v[c], best, _CMP_GT_OQ) |
                          _mm512_cmp_ps_mask(v[c], v[c], _CMP_UNORD_Q);
            best = _mm512_mask_mov_ps(best, m, v[c]);
            off = _mm512_mask_mov_epi32(off, m, _mm512_set1_epi32(offs[c]));
          }
          _mm512_mask_storeu_ps(yp + oh * wo + ow, out_m, best);
          // index = 2*oh*w + 2*(ow + lane) + off, as int64 in two halves
          __m512i i32 = _mm512_add_epi32(off, even);  // even: 2 * lane
          __m512i base = _mm512_set1_epi64(2 * oh * w + 2 * ow);
          __m512i i0 = _mm512_add_epi64(base, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(i32)));
          __m512i i1 =
              _mm512_add_epi64(base, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(i32, 1)));
          _mm512_mask_storeu_epi64(ip + oh * wo + ow, static_cast<__mmask8>(out_m), i0);
          _mm512_mask_storeu_epi64(ip + oh * wo + ow + 8, static_cast<__mmask8>(out_m >> 8), i1);
        }
      }
    }
  });
}

#else  // no AVX-512 in this build

bool avx512_kernels_active() { return false; }
void conv2d_f32_fast(const float*, const float*, const float*, float*, const ConvGeom&) {
  EMBER_ERROR("[conv2d] internal: the AVX-512 convolution is not part of this build");
}
void conv2d_weight_grad_f32_fast(const float*, const float*, float*, const ConvGeom&) {
  EMBER_ERROR("[conv2d_backward] internal: the AVX-512 convolution is not part of this build");
}
void conv2d_input_grad_f32_fast(const float*, const float*, float*, const ConvGeom&) {
  EMBER_ERROR("[conv2d_backward] internal: the AVX-512 convolution is not part of this build");
}
void max_pool2x2_f32(const float*, float*, int64_t*, int64_t, int64_t, int64_t, int64_t, int64_t) {
  EMBER_ERROR("[max_pool2d] internal: the AVX-512 kernel is not part of this build");
}

#endif

}  // namespace cpu
}  // namespace ember
