// Float32 GEMM with an AVX-512 register tile (compiled with -mavx512f; see blas.h).
//
// Note [AVX-512 sgemm]: C = alpha op(A) op(B) + beta C as in BLAS (beta == 0: C is not read).
// The register tile is the one of Note [Broadcast-input convolution]: 6 rows x 64 columns of C
// in 24 zmm accumulators, per k 4 vectors of a packed B panel ([kc][64], lanes = columns) and 6
// broadcasts from a packed A micro-panel ([kc][6]); it runs at the FMA peak with both operands
// in L2. Blocking as in BLIS: for each block of at most kNc columns and k cut into equal blocks
// of at most kKc, B is packed once (by all threads) into 64-column panels, zero past n; then
// each thread takes an even share of the rows of C (whole micro-panels), packs its rows' A by
// blocks of kMc rows (zero past m) and runs every (B panel, A micro-panel) pair, prefetching
// the C tile's rows before the k loop (without it, 1024^3 with k blocks of 384 ran at 89 GFLOP/s,
// with it 103; blocks of 1024 and 24-row A blocks measured best: 109, OpenBLAS 101). Each element
// of C sums its k blocks in order and each block's products in order, whatever the number of
// threads; a block after the first adds alpha times its sum to C.
#include <algorithm>
#include <cstdint>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "src/cpu/blas.h"
#include "src/cpu/scratch.h"

// GCC 12's intrinsics start from _mm512_undefined_*: a false maybe-uninitialized warning.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ember {
namespace cpu {

#if defined(__AVX512F__)
namespace {

constexpr int MR = 6;          // rows of C per register tile
constexpr int NR = 64;         // columns of C per register tile (4 zmm)
constexpr int64_t kKc = 1024;  // most k per block (blocks of equal length): B panel 256 KB
constexpr int64_t kMc = 24;    // rows per packed A block (96 KB at kKc)
constexpr int64_t kNc = 1024;  // columns per packed B block (4 MB at kKc)

inline __mmask16 lanes_below(int64_t n) {  // lanes [0, n) of 16, n clamped to [0, 16]
  n = std::clamp<int64_t>(n, 0, 16);
  return static_cast<__mmask16>((1u << n) - 1u);
}

// dst[panel][k][64] = op(B)[k0 + k, j0 + panel * 64 + j] for k < kc, j < nc; zero past nc.
void pack_b_panel(bool tb, const float* b, int64_t ldb, int64_t k0, int64_t kc, int64_t j0,
                  int64_t nc, float* dst) {
  if (!tb) {  // B[k][j] at b[k * ldb + j]: rows of 64 contiguous floats
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = b + (k0 + k) * ldb + j0;
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) {
        _mm512_storeu_ps(dst + k * NR + 16 * v,
                         _mm512_maskz_loadu_ps(lanes_below(nc - 16 * v), src + 16 * v));
      }
    }
    return;
  }
  // B[k][j] at b[j * ldb + k]: column j of op(B) is a row of the stored matrix.
  for (int64_t j = 0; j < NR; ++j) {
    if (j < nc) {
      const float* src = b + (j0 + j) * ldb + k0;
      for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = src[k];
    } else {
      for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = 0.f;
    }
  }
}

// dst[k][6] = op(A)[i0 + r, k0 + k] for r < rows; zero for rows past them.
void pack_a_panel(bool ta, const float* a, int64_t lda, int64_t i0, int rows, int64_t k0,
                  int64_t kc, float* dst) {
  if (ta) {  // A[i][k] at a[k * lda + i]: 6 contiguous floats per k
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = a + (k0 + k) * lda + i0;
      for (int r = 0; r < MR; ++r) dst[k * MR + r] = r < rows ? src[r] : 0.f;
    }
    return;
  }
  for (int r = 0; r < MR; ++r) {
    if (r < rows) {
      const float* src = a + (i0 + r) * lda + k0;
      for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = src[k];
    } else {
      for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = 0.f;
    }
  }
}

// acc = A micro-panel [kc][6] x B panel [kc][64].
inline __attribute__((always_inline)) void kernel(int64_t kc, const float* ap, const float* bp,
                                                  __m512 (&acc)[MR][4]) {
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[4];
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) bv[v] = _mm512_loadu_ps(bp + 16 * v);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m512 av = _mm512_set1_ps(ap[r]);
#pragma GCC unroll 4
      for (int v = 0; v < 4; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    ap += MR;
    bp += NR;
  }
}

// C tile [rows, cols] (+)= alpha acc: first k block C = alpha acc + beta C (C unread when beta
// is 0), later blocks C += alpha acc.
inline __attribute__((always_inline)) void store_tile(const __m512 (&acc)[MR][4], int rows,
                                                      int64_t cols, float alpha, float beta,
                                                      bool first, float* c, int64_t ldc) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  // Whole-tile loops with constant indices: a runtime bound on the rows would make GCC keep acc
  // in memory, stored back on every step of the k loop.
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    float* cr = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < 4; ++v) {
      const __mmask16 m = lanes_below(cols - 16 * v);
      __m512 x = _mm512_mul_ps(acc[r][v], va);
      if (!first) {
        x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, cr + 16 * v));
      } else if (beta != 0.f) {
        x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, cr + 16 * v), x);
      }
      _mm512_mask_storeu_ps(cr + 16 * v, m, x);
    }
  }
}

}  // namespace

void sgemm_avx512(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.f) {  // C = beta C
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
    }
    return;
  }
  const int64_t nt = in_parallel_region() ? 1 : get_num_threads();
  const int64_t mpanels = (m + MR - 1) / MR;
  const int64_t shares = std::clamp<int64_t>(nt, 1, mpanels);
  for (int64_t j0 = 0; j0 < n; j0 += kNc) {
    const int64_t nc = std::min(kNc, n - j0), npan = (nc + NR - 1) / NR;
    const int64_t kblk = (k + (k + kKc - 1) / kKc - 1) / ((k + kKc - 1) / kKc);
    Scratch<float> bpk(npan * kblk * NR);
    for (int64_t k0 = 0; k0 < k; k0 += kblk) {
      const int64_t kc = std::min(kblk, k - k0);
      const bool first = k0 == 0;
      parallel_for(0, npan, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          pack_b_panel(tb, b, ldb, k0, kc, j0 + p * NR, std::min<int64_t>(NR, nc - p * NR),
                       bpk.data() + p * kc * NR);
        }
      });
      parallel_for(0, shares, 1, [&](int64_t s0, int64_t s1) {
        Scratch<float> apk(std::min(kMc / MR, mpanels) * kc * MR);
        for (int64_t s = s0; s < s1; ++s) {
          // Micro-panels [mp0, mp1) of this share, in blocks of kMc rows.
          const int64_t mp0 = s * mpanels / shares, mp1 = (s + 1) * mpanels / shares;
          for (int64_t mb = mp0; mb < mp1; mb += kMc / MR) {
            const int64_t mbe = std::min(mp1, mb + kMc / MR);
            for (int64_t mp = mb; mp < mbe; ++mp) {
              const int rows = static_cast<int>(std::min<int64_t>(MR, m - mp * MR));
              pack_a_panel(ta, a, lda, mp * MR, rows, k0, kc, apk.data() + (mp - mb) * kc * MR);
            }
            for (int64_t p = 0; p < npan; ++p) {
              const int64_t cols = std::min<int64_t>(NR, nc - p * NR);
              const float* bp = bpk.data() + p * kc * NR;
              for (int64_t mp = mb; mp < mbe; ++mp) {
                const int rows = static_cast<int>(std::min<int64_t>(MR, m - mp * MR));
                float* ct = c + mp * MR * ldc + j0 + p * NR;
                // The tile's rows of C are far apart (and often out of cache): ask for them now,
                // the kernel's kc steps hide the wait.
                for (int r = 0; r < rows; ++r) {
                  for (int64_t l = 0; l < cols; l += 16)
                    _mm_prefetch(reinterpret_cast<const char*>(ct + r * ldc + l), _MM_HINT_T0);
                }
                __m512 acc[MR][4];
                kernel(kc, apk.data() + (mp - mb) * kc * MR, bp, acc);
                store_tile(acc, rows, cols, alpha, beta, first, ct, ldc);
              }
            }
          }
        }
      });
    }
  }
}

#else  // no AVX-512 in this build

void sgemm_avx512(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                  int64_t, float, float*, int64_t) {
  EMBER_ERROR("[gemm] internal: the AVX-512 sgemm is not part of this build");
}

#endif

}  // namespace cpu
}  // namespace ember
