// Float32 and float64 GEMM with an AVX-512 register tile (compiled with -mavx512f; see blas.h).
//
// Note [AVX-512 GEMM]: C = alpha op(A) op(B) + beta C as in BLAS (beta == 0: C is not read).
// The register tile is the one of Note [Broadcast-input convolution]: 6 rows x 4 zmm of C (64
// floats or 32 doubles) in 24 accumulators, per k 4 vectors of a packed B panel ([kc][4 zmm],
// lanes = columns) and 6 broadcasts from a packed A micro-panel ([kc][6]); it runs at the FMA
// peak with both operands in L2. Blocking as in BLIS: for each block of at most kNc columns and
// k cut into equal blocks of at most kKc, B is packed once (by all threads) into panels of 4 zmm
// columns, zero past n; then each thread takes an even share of the rows of C (whole
// micro-panels), packs its rows' A by blocks of kMc rows (zero past m) and runs every (B panel,
// A micro-panel) pair, prefetching the C tile's rows before the k loop. Float 1024^3 at 1
// thread: k blocks of 384 ran at 89 GFLOP/s, with the prefetch 103; blocks of 1024 and 24-row A
// blocks measured best, 109 (OpenBLAS 101). Each element of C sums its k blocks in order and
// each block's products in order, whatever the number of threads; a block after the first adds
// alpha times its sum to C.
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

// One zmm of T: 16 floats or 8 doubles.
template <class T>
struct Zmm;
template <>
struct Zmm<float> {
  using R = __m512;
  using M = __mmask16;
  static constexpr int kLanes = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float x) { return _mm512_set1_ps(x); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static R load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, R x) { _mm512_storeu_ps(p, x); }
  static void store(float* p, M m, R x) { _mm512_mask_storeu_ps(p, m, x); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
};
template <>
struct Zmm<double> {
  using R = __m512d;
  using M = __mmask8;
  static constexpr int kLanes = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R set1(double x) { return _mm512_set1_pd(x); }
  static R load(const double* p) { return _mm512_loadu_pd(p); }
  static R load(M m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(double* p, R x) { _mm512_storeu_pd(p, x); }
  static void store(double* p, M m, R x) { _mm512_mask_storeu_pd(p, m, x); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
};

constexpr int MR = 6;  // rows of C per register tile
constexpr int NV = 4;  // zmm of C per tile row
// Columns per tile (64 floats, 32 doubles); the most k per block (blocks of equal length: a B
// panel is 256 KB, an A micro-panel 24 KB for float, twice that for double; 512 for double
// measured 42.4 vs 41.2 ms at 1024^3, 1 thread); columns per packed B block (4 or 8 MB).
template <class T>
constexpr int kNr = Zmm<T>::kLanes* NV;
constexpr int64_t kKc = 1024;
template <class T>
constexpr int64_t kNc = kNr<T> * 16;
constexpr int64_t kMc = 24;  // rows per packed A block

template <class T>
inline typename Zmm<T>::M lanes_below(int64_t n) {  // lanes [0, n), n clamped
  n = std::clamp<int64_t>(n, 0, Zmm<T>::kLanes);
  return static_cast<typename Zmm<T>::M>((1u << n) - 1u);
}

// dst[k][NR] = op(B)[k0 + k, j0 + j] for k < kc, j < nc (one panel); zero past nc.
template <class T>
void pack_b_panel(bool tb, const T* b, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc,
                  T* dst) {
  using Z = Zmm<T>;
  constexpr int NR = kNr<T>, L = Z::kLanes;
  if (!tb) {  // B[k][j] at b[k * ldb + j]: rows of NR contiguous values
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = b + (k0 + k) * ldb + j0;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v)
        Z::store(dst + k * NR + L * v, Z::load(lanes_below<T>(nc - L * v), src + L * v));
    }
    return;
  }
  // B[k][j] at b[j * ldb + k]: column j of op(B) is a row of the stored matrix.
  for (int64_t j = 0; j < NR; ++j) {
    if (j < nc) {
      const T* src = b + (j0 + j) * ldb + k0;
      for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = src[k];
    } else {
      for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = T(0);
    }
  }
}

// dst[k][6] = op(A)[i0 + r, k0 + k] for r < rows; zero for rows past them.
template <class T>
void pack_a_panel(bool ta, const T* a, int64_t lda, int64_t i0, int rows, int64_t k0, int64_t kc,
                  T* dst) {
  if (ta) {  // A[i][k] at a[k * lda + i]: 6 contiguous values per k
    for (int64_t k = 0; k < kc; ++k) {
      const T* src = a + (k0 + k) * lda + i0;
      for (int r = 0; r < MR; ++r) dst[k * MR + r] = r < rows ? src[r] : T(0);
    }
    return;
  }
  for (int r = 0; r < MR; ++r) {
    if (r < rows) {
      const T* src = a + (i0 + r) * lda + k0;
      for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = src[k];
    } else {
      for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = T(0);
    }
  }
}

// acc = A micro-panel [kc][6] x B panel [kc][NR].
template <class T>
inline __attribute__((always_inline)) void kernel(int64_t kc, const T* ap, const T* bp,
                                                  typename Zmm<T>::R (&acc)[MR][NV]) {
  using Z = Zmm<T>;
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = Z::zero();
  }
  for (int64_t k = 0; k < kc; ++k) {
    typename Z::R bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = Z::load(bp + Z::kLanes * v);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const typename Z::R av = Z::set1(ap[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = Z::fma(av, bv[v], acc[r][v]);
    }
    ap += MR;
    bp += kNr<T>;
  }
}

// C tile [rows, cols] (+)= alpha acc: first k block C = alpha acc + beta C (C unread when beta
// is 0), later blocks C += alpha acc.
template <class T>
inline __attribute__((always_inline)) void store_tile(const typename Zmm<T>::R (&acc)[MR][NV],
                                                      int rows, int64_t cols, T alpha, T beta,
                                                      bool first, T* c, int64_t ldc) {
  using Z = Zmm<T>;
  constexpr int L = Z::kLanes;
  const typename Z::R va = Z::set1(alpha), vb = Z::set1(beta);
  // Whole-tile loops with constant indices: a runtime bound on the rows would make GCC keep acc
  // in memory, stored back on every step of the k loop.
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    T* cr = c + r * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const auto m = lanes_below<T>(cols - L * v);
      typename Z::R x = Z::mul(acc[r][v], va);
      if (!first) {
        x = Z::add(x, Z::load(m, cr + L * v));
      } else if (beta != T(0)) {
        x = Z::fma(vb, Z::load(m, cr + L * v), x);
      }
      Z::store(cr + L * v, m, x);
    }
  }
}

}  // namespace

template <class T>
void gemm_avx512(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                 int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  constexpr int NR = kNr<T>;
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {  // C = beta C
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    }
    return;
  }
  const int64_t nt = in_parallel_region() ? 1 : get_num_threads();
  const int64_t mpanels = (m + MR - 1) / MR;
  const int64_t shares = std::clamp<int64_t>(nt, 1, mpanels);
  const int64_t nkb = (k + kKc - 1) / kKc, kblk = (k + nkb - 1) / nkb;
  for (int64_t j0 = 0; j0 < n; j0 += kNc<T>) {
    const int64_t nc = std::min(kNc<T>, n - j0), npan = (nc + NR - 1) / NR;
    Scratch<T> bpk(npan * kblk * NR);
    for (int64_t k0 = 0; k0 < k; k0 += kblk) {
      const int64_t kc = std::min(kblk, k - k0);
      const bool first = k0 == 0;
      parallel_for(0, npan, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          pack_b_panel<T>(tb, b, ldb, k0, kc, j0 + p * NR, std::min<int64_t>(NR, nc - p * NR),
                          bpk.data() + p * kc * NR);
        }
      });
      parallel_for(0, shares, 1, [&](int64_t s0, int64_t s1) {
        Scratch<T> apk(std::min(kMc / MR, mpanels) * kc * MR);
        for (int64_t s = s0; s < s1; ++s) {
          // Micro-panels [mp0, mp1) of this share, in blocks of kMc rows.
          const int64_t mp0 = s * mpanels / shares, mp1 = (s + 1) * mpanels / shares;
          for (int64_t mb = mp0; mb < mp1; mb += kMc / MR) {
            const int64_t mbe = std::min(mp1, mb + kMc / MR);
            for (int64_t mp = mb; mp < mbe; ++mp) {
              const int rows = static_cast<int>(std::min<int64_t>(MR, m - mp * MR));
              pack_a_panel<T>(ta, a, lda, mp * MR, rows, k0, kc, apk.data() + (mp - mb) * kc * MR);
            }
            for (int64_t p = 0; p < npan; ++p) {
              const int64_t cols = std::min<int64_t>(NR, nc - p * NR);
              const T* bp = bpk.data() + p * kc * NR;
              for (int64_t mp = mb; mp < mbe; ++mp) {
                const int rows = static_cast<int>(std::min<int64_t>(MR, m - mp * MR));
                T* ct = c + mp * MR * ldc + j0 + p * NR;
                // The tile's rows of C are far apart (and often out of cache): ask for them now,
                // the kernel's kc steps hide the wait.
                for (int r = 0; r < rows; ++r) {
                  for (int64_t l = 0; l < cols; l += 64 / int64_t{sizeof(T)})
                    _mm_prefetch(reinterpret_cast<const char*>(ct + r * ldc + l), _MM_HINT_T0);
                }
                typename Zmm<T>::R acc[MR][NV];
                kernel<T>(kc, apk.data() + (mp - mb) * kc * MR, bp, acc);
                store_tile<T>(acc, rows, cols, alpha, beta, first, ct, ldc);
              }
            }
          }
        }
      });
    }
  }
}

#else  // no AVX-512 in this build

template <class T>
void gemm_avx512(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T,
                 T*, int64_t) {
  EMBER_ERROR("[gemm] internal: the AVX-512 GEMM is not part of this build");
}

#endif

template void gemm_avx512<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*,
                                 int64_t, const float*, int64_t, float, float*, int64_t);
template void gemm_avx512<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                                  int64_t, const double*, int64_t, double, double*, int64_t);

}  // namespace cpu
}  // namespace ember
