// Fused attention on tensor cores (Note [Fused attention] in src/ops/attention.cpp):
// FlashAttention-2's forward and backward for float16 / bfloat16 with float accumulation, head
// sizes 32, 64 and 128, through mma.sync.m16n8k16.
//
// Fragment layouts of mma.m16n8k16 (lane = 4 * g + t, g in 0..7, t in 0..3; each 32-bit register
// holds two 16-bit values, the lower column / k index in the low half):
//   A (16 x 16, row major): a0 = (g, 2t..2t+1), a1 = (g + 8, 2t..), a2 = (g, 8 + 2t..),
//                           a3 = (g + 8, 8 + 2t..)
//   B (16 x 8, k x n):      b0 = (k = 2t..2t+1, n = g), b1 = (k = 8 + 2t.., n = g)
//   C (16 x 8, float):      c0, c1 = (g, 2t..2t+1), c2, c3 = (g + 8, 2t..2t+1)
// so the C tiles of two neighbouring 8-column blocks, rounded to 16 bits, are the A fragment of
// the next product (scores -> probabilities -> P V) without going through shared memory.
//
// Forward: a block owns 64 query rows of one (batch, head), 16 per warp, and walks the keys 64
// at a time (K and V tiles staged in shared memory), keeping per row the running max m and sum l
// of exp2(scores * scale * log2(e) - m) and the unnormalised output in registers.
// Backward: a block owns 64 keys, 16 per warp, and walks the query blocks that see them,
// recomputing P^T = exp(S^T - lse) for its keys; dK and dV accumulate in registers, dS goes
// through shared memory for dQ = dS K, which is added to a float buffer with atomics (the
// blocks of all keys contribute to every query row) and cast at the end.
//
// This header holds the kernels and their launch plans; src/cuda/attention.cu launches them on
// the GPU, and tests/cuda/attention_emulated_test.cpp runs the same code on the CPU through the
// SIMT emulator of tests/support/simt.h (EMBER_SIMT_EMULATION), so that every mode is checked in
// CI without a GPU.
#pragma once

#ifndef EMBER_SIMT_EMULATION
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "src/cuda/attention.h"
#include "src/kernels/philox.h"

#ifdef EMBER_SIMT_EMULATION
#define EMBER_DYNAMIC_SMEM(T, name) T* name = static_cast<T*>(::ember::simt::dynamic_smem())
#else
#define EMBER_DYNAMIC_SMEM(T, name) extern __shared__ __align__(16) T name[]
#endif

namespace ember::cuda::flash {

#ifdef EMBER_SIMT_EMULATION
using ::min;  // CUDA's integer min, not ember's reductions
#endif

constexpr int kRows = 64;  // query rows (forward) or keys (backward) per block, 16 per warp
constexpr int kCols = 64;  // keys (forward) or query rows (backward) per step
constexpr int kThreads = 128;
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

template <bool BF16>
__device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                         uint32_t b1) {
#ifdef EMBER_SIMT_EMULATION
  simt::mma_m16n8k16(c, a, b0, b1, BF16);
#else
  if constexpr (BF16) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
        "{%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
#endif
}

// Two floats rounded to 16 bits, `lo` in the low half.
template <bool BF16>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
#ifdef EMBER_SIMT_EMULATION
  const auto r = BF16 ? simt::float_to_bf16 : simt::float_to_half;
  return static_cast<uint32_t>(r(lo)) | (static_cast<uint32_t>(r(hi)) << 16);
#else
  if constexpr (BF16) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  } else {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
#endif
}

// Shared tiles are rows of 16-bit values with a pitch of `P` elements (the row length + 8, so
// that the 8 rows a fragment load touches fall in different banks).
// Elements (r, c) and (r, c + 1), c even.
template <int P>
__device__ __forceinline__ uint32_t ld_pair(const uint16_t* s, int r, int c) {
  return *reinterpret_cast<const uint32_t*>(s + r * P + c);
}
// Elements (r, c) and (r + 1, c).
template <int P>
__device__ __forceinline__ uint32_t ld_col_pair(const uint16_t* s, int r, int c) {
  return static_cast<uint32_t>(s[r * P + c]) | (static_cast<uint32_t>(s[(r + 1) * P + c]) << 16);
}
// The A fragment of rows r0..r0+15, columns k0..k0+15 of a row-major tile.
template <int P>
__device__ __forceinline__ void ld_a(uint32_t (&a)[4], const uint16_t* s, int r0, int k0, int g,
                                     int t) {
  a[0] = ld_pair<P>(s, r0 + g, k0 + 2 * t);
  a[1] = ld_pair<P>(s, r0 + g + 8, k0 + 2 * t);
  a[2] = ld_pair<P>(s, r0 + g, k0 + 8 + 2 * t);
  a[3] = ld_pair<P>(s, r0 + g + 8, k0 + 8 + 2 * t);
}
// The A fragment of the transpose of a tile: rows r0.. of A are columns of `s`, k runs down its
// rows from k0.
template <int P>
__device__ __forceinline__ void ld_a_trans(uint32_t (&a)[4], const uint16_t* s, int r0, int k0,
                                           int g, int t) {
  a[0] = ld_col_pair<P>(s, k0 + 2 * t, r0 + g);
  a[1] = ld_col_pair<P>(s, k0 + 2 * t, r0 + g + 8);
  a[2] = ld_col_pair<P>(s, k0 + 8 + 2 * t, r0 + g);
  a[3] = ld_col_pair<P>(s, k0 + 8 + 2 * t, r0 + g + 8);
}
// The A fragment of the next product from the float C tiles c[2j] and c[2j + 1].
template <bool BF16>
__device__ __forceinline__ void c_to_a(uint32_t (&a)[4], const float (&c0)[4],
                                       const float (&c1)[4]) {
  a[0] = pack2<BF16>(c0[0], c0[1]);
  a[1] = pack2<BF16>(c0[2], c0[3]);
  a[2] = pack2<BF16>(c1[0], c1[1]);
  a[3] = pack2<BF16>(c1[2], c1[3]);
}

// ldmatrix.m8n8.x4: lane l supplies the address of row l % 8 (16 contiguous bytes) of 8x8 matrix
// l / 8, and matrix j lands in r[j] - lane 4g + t receives elements (g, 2t..2t+1) of it, or with
// .trans elements (2t, g) and (2t + 1, g). One instruction then replaces the 4 32-bit or 8 16-bit
// shared loads of the scalar forms below (the transposed operands were two 16-bit loads per
// register), which made the kernels bound by shared-memory instructions rather than by the
// tensor cores. Each address formula below gives exactly the elements of the scalar form it
// replaces (checked by emulating both); `Ldsm` false keeps the scalar forms
// (EMBER_FLASH_MODE=0, for comparison).
template <bool Trans>
__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], const uint16_t* p) {
#ifdef EMBER_SIMT_EMULATION
  simt::ldmatrix_x4(r, p, Trans);
#else
  const auto a = static_cast<uint32_t>(__cvta_generic_to_shared(p));
  if constexpr (Trans) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
  } else {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(a));
  }
#endif
}

// The A fragment of rows r0..r0+15, columns k0..k0+15 of a row-major tile.
template <bool Ldsm, int P>
__device__ __forceinline__ void frag_a(uint32_t (&a)[4], const uint16_t* s, int r0, int k0,
                                       int lane) {
  if constexpr (Ldsm) {
    const int m = lane / 8, i = lane % 8;
    ldsm_x4<false>(a, s + (r0 + (m & 1) * 8 + i) * P + k0 + (m >> 1) * 8);
  } else {
    ld_a<P>(a, s, r0, k0, lane / 4, lane % 4);
  }
}
// The A fragment of the transpose of a tile: A's rows r0.. are columns of `s`, k runs down its rows
// from k0.
template <bool Ldsm, int P>
__device__ __forceinline__ void frag_a_trans(uint32_t (&a)[4], const uint16_t* s, int r0, int k0,
                                             int lane) {
  if constexpr (Ldsm) {
    const int m = lane / 8, i = lane % 8;
    ldsm_x4<true>(a, s + (k0 + (m >> 1) * 8 + i) * P + r0 + (m & 1) * 8);
  } else {
    ld_a_trans<P>(a, s, r0, k0, lane / 4, lane % 4);
  }
}
// The B fragments (k0..k0+15) x (n0..n0+7) in b[0], b[1] and x (n0+8..n0+15) in b[2], b[3], of a
// tile stored n-major (row n holds the k values: B = tile^T, as K in Q K^T).
template <bool Ldsm, int P>
__device__ __forceinline__ void frag_b_nk(uint32_t (&b)[4], const uint16_t* s, int n0, int k0,
                                          int lane) {
  if constexpr (Ldsm) {
    const int m = lane / 8, i = lane % 8;
    ldsm_x4<false>(b, s + (n0 + (m >> 1) * 8 + i) * P + k0 + (m & 1) * 8);
  } else {
    const int g = lane / 4, t = lane % 4;
    b[0] = ld_pair<P>(s, n0 + g, k0 + 2 * t);
    b[1] = ld_pair<P>(s, n0 + g, k0 + 8 + 2 * t);
    b[2] = ld_pair<P>(s, n0 + 8 + g, k0 + 2 * t);
    b[3] = ld_pair<P>(s, n0 + 8 + g, k0 + 8 + 2 * t);
  }
}
// The same B fragments of a tile stored k-major (row k holds the n values, as V in P V).
template <bool Ldsm, int P>
__device__ __forceinline__ void frag_b_kn(uint32_t (&b)[4], const uint16_t* s, int n0, int k0,
                                          int lane) {
  if constexpr (Ldsm) {
    const int m = lane / 8, i = lane % 8;
    ldsm_x4<true>(b, s + (k0 + (m & 1) * 8 + i) * P + n0 + (m >> 1) * 8);
  } else {
    const int g = lane / 4, t = lane % 4;
    b[0] = ld_col_pair<P>(s, k0 + 2 * t, n0 + g);
    b[1] = ld_col_pair<P>(s, k0 + 8 + 2 * t, n0 + g);
    b[2] = ld_col_pair<P>(s, k0 + 2 * t, n0 + 8 + g);
    b[3] = ld_col_pair<P>(s, k0 + 8 + 2 * t, n0 + 8 + g);
  }
}

// cp.async: `bytes` (16 or 4; 0 zero-fills the destination and reads nothing) from global to shared
// memory without passing through registers; the copies a thread issued before a commit form a
// group, complete when it waits for them, and are visible to the block after a barrier.
#ifdef EMBER_SIMT_EMULATION
__device__ __forceinline__ void cp_async16(uint16_t* dst, const uint16_t* src, int bytes) {
  simt::cp_async(dst, src, 16, bytes);
}
__device__ __forceinline__ void cp_async4(float* dst, const float* src, int bytes) {
  simt::cp_async(dst, src, 4, bytes);
}
__device__ __forceinline__ void cp_async_commit() { simt::cp_async_commit(); }
__device__ __forceinline__ void cp_async_wait_all() { simt::cp_async_wait_all(); }
#else
__device__ __forceinline__ void cp_async16(uint16_t* dst, const uint16_t* src, int bytes) {
  const auto d = static_cast<uint32_t>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void cp_async4(float* dst, const float* src, int bytes) {
  const auto d = static_cast<uint32_t>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(d), "l"(src), "r"(bytes)
               : "memory");
}
__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}
__device__ __forceinline__ void cp_async_wait_all() {
  asm volatile("cp.async.wait_group 0;\n" ::: "memory");
}
#endif

// Rows [0, valid) of a Rows x D tile from global rows `stride` elements apart (16-byte aligned),
// by a block of Threads threads; the rest zero. `Async`: by cp.async (the caller commits and
// waits), else by plain loads.
template <int D, int P, bool Async, int Rows = kRows, int Threads = kThreads>
__device__ __forceinline__ void load_tile(uint16_t* s, const uint16_t* g, int64_t stride,
                                          int valid) {
  constexpr int kVecs = D / 8;
  for (int idx = threadIdx.x; idx < Rows * kVecs; idx += Threads) {
    const int r = idx / kVecs, c = (idx % kVecs) * 8;
    if constexpr (Async) {
      const bool in = r < valid;
      cp_async16(s + r * P + c, g + (in ? r * stride : 0) + c, in ? 16 : 0);
    } else {
      uint4 v = make_uint4(0, 0, 0, 0);
      if (r < valid) v = *reinterpret_cast<const uint4*>(g + r * stride + c);
      *reinterpret_cast<uint4*>(s + r * P + c) = v;
    }
  }
}

// The kernels come in four modes, picked per call by EMBER_FLASH_MODE (default 2) so that each
// step can be checked and timed against the one before: 0 loads fragments with scalar shared
// loads and tiles synchronously, 1 loads fragments by ldmatrix, 2 also loads the next tile by
// cp.async into a second buffer while the current one is used (the backward with head size 128
// keeps one buffer: a second would leave room for one block per SM), 3 is 2 with 128 keys per
// backward block (head size 64; eight warps): each query tile loaded serves twice the keys, and
// the dQ atomics - one per query row and column per key block - are halved. The forward of mode
// 3 is mode 2's.
template <int Mode>
constexpr bool kLdsmMode = Mode >= 1;
template <int Mode>
constexpr bool kAsyncMode = Mode >= 2;

__device__ __forceinline__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

// Dropout (Note [Attention dropout] in src/kernels/philox.h): which of this thread's weights of a
// 16 x 16 block of pair bh (query block qb, key block kb) are kept, as bits e (first 8-column C
// tile of the block) and 4 + e (second tile). The forward's tiles run over keys, so its quads are
// (a = g, b = 2t + u); the backward's run over queries (P^T), so its quads are (2t + u, g).
template <bool KeyMajor>
__device__ __forceinline__ uint32_t dropout_keep_bits(const FlashArgs& a, int64_t bh, int qb,
                                                      int kb, int g, int t) {
  uint32_t bits = 0;
#pragma unroll
  for (int u = 0; u < 2; ++u) {
    const PhiloxWords r = attention_dropout_quad(
        a.seed, a.offset, bh, qb, kb, KeyMajor ? 2 * t + u : g, KeyMajor ? g : 2 * t + u);
    // Word w is (i % 16 / 8) * 2 + (j % 16 / 8): in the forward the tile is j's half and the
    // element's row half (e >> 1) is i's, in the backward the other way round.
    const uint32_t k0 = r.w[0] >= a.drop_threshold, k1 = r.w[1] >= a.drop_threshold;
    const uint32_t k2 = r.w[2] >= a.drop_threshold, k3 = r.w[3] >= a.drop_threshold;
    if constexpr (KeyMajor) {
      bits |= k0 << u | k1 << (2 + u) | k2 << (4 + u) | k3 << (6 + u);
    } else {
      bits |= k0 << u | k2 << (2 + u) | k1 << (4 + u) | k3 << (6 + u);
    }
  }
  return bits;
}

// Blocks per SM the forward asks room for: with head size 64, four (at most 128 registers; ptxas:
// no spills in any mode since the mask is computed only in edge tiles - before, mode 2 needed 158
// and ran three blocks). With a bias, three: held to 128 registers it spilled ~90 bytes.
template <int D, int Mode, bool Bias>
constexpr int kForwardMinBlocks = D != 64 ? 1
                                  : Bias  ? 3
                                          : 4;

// Bias: an additive mask (FlashArgs::bias), read straight from global memory at each weight's
// position (a broadcast mask such as [B, 1, 1, S] stays in L2); with it every tile is masked, and
// a row that no key reaches gets output 0 and log-sum-exp +inf (PyTorch 2.5's "safe" softmax).
template <bool BF16, int D, int Mode, bool Drop, bool Bias>
__global__ void __launch_bounds__(kThreads, kForwardMinBlocks<D, Mode, Bias>)
    flash_forward_kernel(FlashArgs a) {
  constexpr int P = D + 8;
  constexpr bool Ldsm = kLdsmMode<Mode>, Async = kAsyncMode<Mode>;
  constexpr int kBufs = Async ? 2 : 1;
  EMBER_DYNAMIC_SMEM(uint16_t, smem);  // buffer j: K at 2j kCols P, V after it
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * kRows;
  const uint16_t* Q = static_cast<const uint16_t*>(a.q) + b * a.qs.b + h * a.qs.h;
  const uint16_t* K = static_cast<const uint16_t*>(a.k) + b * a.ks.b + h * a.ks.h;
  const uint16_t* V = static_cast<const uint16_t*>(a.v) + b * a.vs.b + h * a.vs.h;

  auto load_kv = [&](int k0, int buf) {
    const int valid = min(kCols, a.S - k0);
    load_tile<D, P, Async>(smem + 2 * buf * kCols * P, K + k0 * a.ks.i, a.ks.i, valid);
    load_tile<D, P, Async>(smem + (2 * buf + 1) * kCols * P, V + k0 * a.vs.i, a.vs.i, valid);
    if constexpr (Async) cp_async_commit();
  };
  // This warp's 16 query rows as A fragments, staged through the last K buffer (the first tile of
  // keys is already on its way into the first).
  const int kv_end = a.causal ? min(a.S, q0 + kRows) : a.S;
  if constexpr (Async) {
    if (kv_end > 0) load_kv(0, 0);
  }
  uint16_t* sQ = smem + 2 * (kBufs - 1) * kCols * P;
  load_tile<D, P, false>(sQ, Q + q0 * a.qs.i, a.qs.i, min(kRows, a.L - q0));
  __syncthreads();
  uint32_t qa[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) frag_a<Ldsm, P>(qa[kk], sQ, warp * 16, kk * 16, lane);

  float o[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
  const float sl2 = a.scale * kLog2e;
  const int row[2] = {q0 + warp * 16 + g, q0 + warp * 16 + g + 8};
  // The bias rows of this thread's two query rows (clamped to the last row past the end, where
  // nothing is read).
  const float* brow[2] = {nullptr, nullptr};
  if constexpr (Bias) {
    const float* base = a.bias + b * a.bias_s.b + h * a.bias_s.h;
    brow[0] = base + min(row[0], a.L - 1) * a.bias_s.i;
    brow[1] = base + min(row[1], a.L - 1) * a.bias_s.i;
  }

  for (int k0 = 0, buf = 0; k0 < kv_end; k0 += kCols, buf ^= kBufs - 1) {
    if constexpr (Async) {
      cp_async_wait_all();  // this thread's part of tile k0
      __syncthreads();      // everyone's part; everyone is done with the other buffer
      if (k0 + kCols < kv_end) load_kv(k0 + kCols, buf ^ 1);
    } else {
      __syncthreads();  // everyone is done with the previous tiles (and the staged queries)
      load_kv(k0, 0);
      __syncthreads();
    }
    const uint16_t* sK = smem + 2 * buf * kCols * P;
    const uint16_t* sV = sK + kCols * P;

    float s[kCols / 8][4];
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int n = 0; n < kCols / 8; n += 2) {
        uint32_t kb[4];
        frag_b_nk<Ldsm, P>(kb, sK, n * 8, kk * 16, lane);
        mma16816<BF16>(s[n], qa[kk], kb[0], kb[1]);
        mma16816<BF16>(s[n + 1], qa[kk], kb[2], kb[3]);
      }
    }
    // Scale into the log2 domain and mask keys past the end (and the future, when causal): only
    // tiles on the causal diagonal or past the end need the mask (the same for the block).
    const bool edge = (a.causal && k0 + kCols > q0) || k0 + kCols > a.S;
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int col = k0 + n * 8 + 2 * t + (e & 1);
        const bool off = edge && (col >= a.S || (a.causal && col > row[e >> 1]));
        float x = s[n][e] * sl2;
        if constexpr (Bias) {
          if (!off && row[e >> 1] < a.L) x += brow[e >> 1][col * a.bias_j] * kLog2e;
        }
        s[n][e] = off ? -INFINITY : x;
      }
    }
    // Online softmax per row (row half r holds elements 2r, 2r + 1 of each tile).
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = -INFINITY;
#pragma unroll
      for (int n = 0; n < kCols / 8; ++n) mx = fmaxf(mx, fmaxf(s[n][2 * r], s[n][2 * r + 1]));
      const float mnew = fmaxf(m[r], quad_max(mx));
      const float base = mnew == -INFINITY ? 0.f : mnew;  // a row with nothing seen yet
      const float alpha = exp2f(m[r] - base);
      float sum = 0.f;
#pragma unroll
      for (int n = 0; n < kCols / 8; ++n) {
        s[n][2 * r] = exp2f(s[n][2 * r] - base);
        s[n][2 * r + 1] = exp2f(s[n][2 * r + 1] - base);
        sum += s[n][2 * r] + s[n][2 * r + 1];
      }
      l[r] = l[r] * alpha + sum;  // this thread's columns; the quad's sum is taken at the end
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        o[n][2 * r] *= alpha;
        o[n][2 * r + 1] *= alpha;
      }
      m[r] = mnew;
    }
    // O += P V, 16 keys per step; with dropout the dropped weights are 0 here (l above summed
    // them all; the kept ones' 1 / (1 - p) is applied to O at the end).
#pragma unroll
    for (int j = 0; j < kCols / 16; ++j) {
      uint32_t pa[4];
      if constexpr (Drop) {
        const uint32_t bits = dropout_keep_bits<false>(
            a, static_cast<int64_t>(b) * a.H + h, (q0 + warp * 16) / 16, (k0 + 16 * j) / 16, g, t);
        float z0[4], z1[4];
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          z0[e] = (bits >> e) & 1u ? s[2 * j][e] : 0.f;
          z1[e] = (bits >> (4 + e)) & 1u ? s[2 * j + 1][e] : 0.f;
        }
        c_to_a<BF16>(pa, z0, z1);
      } else {
        c_to_a<BF16>(pa, s[2 * j], s[2 * j + 1]);
      }
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t vb[4];
        frag_b_kn<Ldsm, P>(vb, sV, n * 8, j * 16, lane);
        mma16816<BF16>(o[n], pa, vb[0], vb[1]);
        mma16816<BF16>(o[n + 1], pa, vb[2], vb[3]);
      }
    }
  }

  uint16_t* O = static_cast<uint16_t*>(const_cast<void*>(a.o)) + b * a.os.b + h * a.os.h;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const float sum = quad_sum(l[r]);
    if (row[r] >= a.L) continue;
    const float inv = sum > 0.f ? (Drop ? a.drop_scale : 1.f) / sum : 0.f;
    uint16_t* orow = O + row[r] * a.os.i;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      *reinterpret_cast<uint32_t*>(orow + n * 8 + 2 * t) =
          pack2<BF16>(o[n][2 * r] * inv, o[n][2 * r + 1] * inv);
    }
    if (t == 0) {
      a.lse[(static_cast<int64_t>(b) * a.H + h) * a.L + row[r]] =
          sum > 0.f ? (m[r] + log2f(sum)) * kLn2 : INFINITY;
    }
  }
}

template <bool BF16>
__device__ __forceinline__ float to_float(uint16_t x) {
#ifdef EMBER_SIMT_EMULATION
  return BF16 ? simt::bf16_to_float(x) : simt::half_to_float(x);
#else
  if constexpr (BF16) {
    return __uint_as_float(static_cast<uint32_t>(x) << 16);
  } else {
    return __half2float(__ushort_as_half(x));
  }
#endif
}

// dvec[b, h, i] = dO[i] . O[i]: D / 8 lanes per row, 8 values each (one 16-byte load of each
// operand; the rows are 16-byte aligned, as the tiles' loads need).
template <bool BF16, int D>
__global__ void flash_dvec_kernel(FlashArgs a) {
  constexpr int kLanes = D / 8;
  const int64_t rows = static_cast<int64_t>(a.B) * a.H * a.L;
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kLanes;
  const int part = static_cast<int>(threadIdx.x % kLanes);
  float s = 0.f;
  if (r < rows) {
    const int64_t i = r % a.L, bh = r / a.L, h = bh % a.H, b = bh / a.H;
    const uint16_t* go =
        static_cast<const uint16_t*>(a.go) + b * a.gos.b + h * a.gos.h + i * a.gos.i + part * 8;
    const uint16_t* o =
        static_cast<const uint16_t*>(a.o) + b * a.os.b + h * a.os.h + i * a.os.i + part * 8;
    const uint4 gv = *reinterpret_cast<const uint4*>(go), ov = *reinterpret_cast<const uint4*>(o);
    const uint16_t* g16 = reinterpret_cast<const uint16_t*>(&gv);
    const uint16_t* o16 = reinterpret_cast<const uint16_t*>(&ov);
#pragma unroll
    for (int k = 0; k < 8; ++k) s += to_float<BF16>(g16[k]) * to_float<BF16>(o16[k]);
  }
  // The row's lanes are kLanes neighbours (aligned groups of the warp); every lane takes part.
#pragma unroll
  for (int off = kLanes / 2; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
  if (r < rows && part == 0) a.dvec[r] = s;
}

// Buffers of the backward: 2 with cp.async and head size 64.
template <int D, int Mode>
constexpr int kBackwardBufs = (kAsyncMode<Mode> && D == 64) ? 2 : 1;
// Keys per backward block (16 per warp): 128 in mode 3 with head size 64, else 64.
template <int D, int Mode>
constexpr int kBackwardKeys = (Mode >= 3 && D == 64) ? 128 : kRows;
template <int D, int Mode>
constexpr int kBackwardThreads = kBackwardKeys<D, Mode> * 2;
// Blocks per SM the backward asks room for: mode 2 with head size 64 three (at most 168 registers;
// ptxas -v: 168, no spills, where the unbounded kernel took 195 and so two blocks, 8 warps per
// SM); the others as they come (modes 0 and 1 ~206 registers: two blocks; mode 3 226: one block
// of 8 warps - held to 128 for two blocks it spills ~290 bytes; head size 128 ~254: two blocks).
// `tools/ptxas_usage.sh` prints the counts.
template <int D, int Mode>
constexpr int kBackwardMinBlocks = (D == 64 && Mode == 2) ? 3 : 1;

template <bool BF16, int D, int Mode, bool Drop, bool Bias>
__global__ void __launch_bounds__(kBackwardThreads<D, Mode>, kBackwardMinBlocks<D, Mode>)
    flash_backward_kernel(FlashArgs a) {
  constexpr int P = D + 8;
  constexpr int PS = kCols + 8;  // pitch of the dS^T tile
  constexpr bool Ldsm = kLdsmMode<Mode>, Async = kAsyncMode<Mode>;
  constexpr int kBufs = kBackwardBufs<D, Mode>;
  constexpr int Keys = kBackwardKeys<D, Mode>, Threads = kBackwardThreads<D, Mode>;
  EMBER_DYNAMIC_SMEM(uint16_t, smem);
  uint16_t* sK = smem;
  uint16_t* sV = sK + Keys * P;
  uint16_t* sQ0 = sV + Keys * P;                             // kBufs tiles of queries,
  uint16_t* sdO0 = sQ0 + kBufs * kCols * P;                  // of their output gradients
  uint16_t* sdS = sdO0 + kBufs * kCols * P;                  // [key][query]
  float* sLse0 = reinterpret_cast<float*>(sdS + Keys * PS);  // kBufs rows of kCols
  float* sDv0 = sLse0 + kBufs * kCols;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int b = blockIdx.z, h = blockIdx.y, k0 = blockIdx.x * Keys;
  const int64_t bh = static_cast<int64_t>(b) * a.H + h;
  const uint16_t* Q = static_cast<const uint16_t*>(a.q) + b * a.qs.b + h * a.qs.h;
  const uint16_t* K = static_cast<const uint16_t*>(a.k) + b * a.ks.b + h * a.ks.h;
  const uint16_t* V = static_cast<const uint16_t*>(a.v) + b * a.vs.b + h * a.vs.h;
  const uint16_t* GO = static_cast<const uint16_t*>(a.go) + b * a.gos.b + h * a.gos.h;

  // The tiles of query block i0 into buffer `buf`; log-sum-exp and D_i of rows past the end are 0
  // (their probabilities are masked to 0).
  auto load_queries = [&](int i0, int buf) {
    const int valid = min(kCols, a.L - i0);
    load_tile<D, P, Async, kCols, Threads>(sQ0 + buf * kCols * P, Q + i0 * a.qs.i, a.qs.i, valid);
    load_tile<D, P, Async, kCols, Threads>(sdO0 + buf * kCols * P, GO + i0 * a.gos.i, a.gos.i,
                                           valid);
    if (threadIdx.x < kCols) {
      const int c = static_cast<int>(threadIdx.x), i = i0 + c;
      const bool in = i < a.L;
      const int64_t at = bh * a.L + (in ? i : 0);
      if constexpr (Async) {
        cp_async4(sLse0 + buf * kCols + c, a.lse + at, in ? 4 : 0);
        cp_async4(sDv0 + buf * kCols + c, a.dvec + at, in ? 4 : 0);
      } else {
        sLse0[buf * kCols + c] = in ? a.lse[at] : 0.f;
        sDv0[buf * kCols + c] = in ? a.dvec[at] : 0.f;
      }
    }
    if constexpr (Async) cp_async_commit();
  };
  load_tile<D, P, false, Keys, Threads>(sK, K + k0 * a.ks.i, a.ks.i, min(Keys, a.S - k0));
  load_tile<D, P, false, Keys, Threads>(sV, V + k0 * a.vs.i, a.vs.i, min(Keys, a.S - k0));

  float dk[D / 8][4], dv[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) {
    dk[n][0] = dk[n][1] = dk[n][2] = dk[n][3] = 0.f;
    dv[n][0] = dv[n][1] = dv[n][2] = dv[n][3] = 0.f;
  }
  const float sl2 = a.scale * kLog2e;
  const int kr = warp * 16;  // this warp's first key in the tile
  const int key[2] = {k0 + kr + g, k0 + kr + g + 8};
  // Query i sees key j when j <= i: with causal masking the blocks before k0 see none.
  const int i_begin = a.causal ? k0 : 0;
  // The bias columns of this thread's two keys (clamped past the end, where nothing is read).
  const float* bkey[2] = {nullptr, nullptr};
  if constexpr (Bias) {
    const float* base = a.bias + b * a.bias_s.b + h * a.bias_s.h;
    bkey[0] = base + min(key[0], a.S - 1) * a.bias_j;
    bkey[1] = base + min(key[1], a.S - 1) * a.bias_j;
  }

  if constexpr (kBufs == 2) {
    if (i_begin < a.L) load_queries(i_begin, 0);
  }
  for (int i0 = i_begin, buf = 0; i0 < a.L; i0 += kCols, buf ^= kBufs - 1) {
    if constexpr (kBufs == 2) {
      cp_async_wait_all();  // this thread's part of block i0
      __syncthreads();      // everyone's; everyone is done with the other buffer and sdS
      if (i0 + kCols < a.L) load_queries(i0 + kCols, buf ^ 1);
    } else {
      __syncthreads();  // the previous step is done with sQ, sdO, sdS
      load_queries(i0, 0);
      if constexpr (Async) cp_async_wait_all();
      __syncthreads();
    }
    const uint16_t* sQ = sQ0 + buf * kCols * P;
    const uint16_t* sdO = sdO0 + buf * kCols * P;
    const float* sLse = sLse0 + buf * kCols;
    const float* sDv = sDv0 + buf * kCols;

    // S^T (this warp's 16 keys x 64 queries) = K Q^T, then P^T = exp(S^T - lse).
    float p[kCols / 8][4];
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) p[n][0] = p[n][1] = p[n][2] = p[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t ka[4];
      frag_a<Ldsm, P>(ka, sK, kr, kk * 16, lane);
#pragma unroll
      for (int n = 0; n < kCols / 8; n += 2) {
        uint32_t qb[4];
        frag_b_nk<Ldsm, P>(qb, sQ, n * 8, kk * 16, lane);
        mma16816<BF16>(p[n], ka, qb[0], qb[1]);
        mma16816<BF16>(p[n + 1], ka, qb[2], qb[3]);
      }
    }
    // Only blocks on the causal diagonal or past an end need the mask (the same for the block).
    const bool edge = (a.causal && i0 < k0 + Keys) || i0 + kCols > a.L || k0 + Keys > a.S;
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
      // Row log-sum-exps of columns 2t and 2t + 1 of this 8-column tile, in one 8-byte load.
      const float2 lse2 = *reinterpret_cast<const float2*>(sLse + n * 8 + 2 * t);
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int ql = n * 8 + 2 * t + (e & 1), j = key[e >> 1];
        const bool off = edge && (j >= a.S || i0 + ql >= a.L || (a.causal && j > i0 + ql));
        float x = p[n][e] * sl2 - ((e & 1) ? lse2.y : lse2.x) * kLog2e;
        if constexpr (Bias) {
          if (j < a.S && i0 + ql < a.L) x += bkey[e >> 1][(i0 + ql) * a.bias_s.i] * kLog2e;
        }
        p[n][e] = off ? 0.f : exp2f(x);
      }
    }
    // With dropout, keep bit 4 n + e says whether weight p[n][e] is kept: dV takes the kept
    // weights (dV's 1 / (1 - p) is applied at the end) and dS the kept part of dP.
    uint32_t keep = 0xFFFFFFFFu;
    if constexpr (Drop) {
      keep = 0;
#pragma unroll
      for (int j = 0; j < kCols / 16; ++j)
        keep |= dropout_keep_bits<true>(a, bh, (i0 + 16 * j) / 16, (k0 + kr) / 16, g, t) << (8 * j);
    }
    // dV += P^T dO (k runs over the queries).
#pragma unroll
    for (int j = 0; j < kCols / 16; ++j) {
      uint32_t pa[4];
      if constexpr (Drop) {
        float z0[4], z1[4];
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          z0[e] = (keep >> (8 * j + e)) & 1u ? p[2 * j][e] : 0.f;
          z1[e] = (keep >> (8 * j + 4 + e)) & 1u ? p[2 * j + 1][e] : 0.f;
        }
        c_to_a<BF16>(pa, z0, z1);
      } else {
        c_to_a<BF16>(pa, p[2 * j], p[2 * j + 1]);
      }
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t ob[4];
        frag_b_kn<Ldsm, P>(ob, sdO, n * 8, j * 16, lane);
        mma16816<BF16>(dv[n], pa, ob[0], ob[1]);
        mma16816<BF16>(dv[n + 1], pa, ob[2], ob[3]);
      }
    }
    // dP^T = V dO^T, then dS^T = P^T * (dP^T - D_i).
    float ds[kCols / 8][4];
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) ds[n][0] = ds[n][1] = ds[n][2] = ds[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t va[4];
      frag_a<Ldsm, P>(va, sV, kr, kk * 16, lane);
#pragma unroll
      for (int n = 0; n < kCols / 8; n += 2) {
        uint32_t ob[4];
        frag_b_nk<Ldsm, P>(ob, sdO, n * 8, kk * 16, lane);
        mma16816<BF16>(ds[n], va, ob[0], ob[1]);
        mma16816<BF16>(ds[n + 1], va, ob[2], ob[3]);
      }
    }
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
      const float2 dv2 = *reinterpret_cast<const float2*>(sDv + n * 8 + 2 * t);
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        float dp = ds[n][e];
        if constexpr (Drop) dp = (keep >> (4 * n + e)) & 1u ? dp * a.drop_scale : 0.f;
        ds[n][e] = p[n][e] * (dp - ((e & 1) ? dv2.y : dv2.x));
      }
    }
    // dK += dS^T Q (k runs over the queries; the scale is applied at the end).
#pragma unroll
    for (int j = 0; j < kCols / 16; ++j) {
      uint32_t da[4];
      c_to_a<BF16>(da, ds[2 * j], ds[2 * j + 1]);
#pragma unroll
      for (int n = 0; n < D / 8; n += 2) {
        uint32_t qb[4];
        frag_b_kn<Ldsm, P>(qb, sQ, n * 8, j * 16, lane);
        mma16816<BF16>(dk[n], da, qb[0], qb[1]);
        mma16816<BF16>(dk[n + 1], da, qb[2], qb[3]);
      }
    }
    // dS^T to shared memory, then dQ (this warp: 16 of the 64 query rows) += dS K.
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
      *reinterpret_cast<uint32_t*>(sdS + (kr + g) * PS + n * 8 + 2 * t) =
          pack2<BF16>(ds[n][0], ds[n][1]);
      *reinterpret_cast<uint32_t*>(sdS + (kr + g + 8) * PS + n * 8 + 2 * t) =
          pack2<BF16>(ds[n][2], ds[n][3]);
    }
    __syncthreads();
    // Four warps: 16 query rows each, all D columns; eight: 16 rows and half the columns each.
    constexpr int kParts = Keys / 64, QN = D / 8 / kParts;
    float dq[QN][4];
#pragma unroll
    for (int n = 0; n < QN; ++n) dq[n][0] = dq[n][1] = dq[n][2] = dq[n][3] = 0.f;
    const int qr = (warp % 4) * 16, c0 = (warp / 4) * (D / kParts);
#pragma unroll
    for (int kk = 0; kk < Keys / 16; ++kk) {
      uint32_t sa[4];
      frag_a_trans<Ldsm, PS>(sa, sdS, qr, kk * 16, lane);
#pragma unroll
      for (int n = 0; n < QN; n += 2) {
        uint32_t kb[4];
        frag_b_kn<Ldsm, P>(kb, sK, c0 + n * 8, kk * 16, lane);
        mma16816<BF16>(dq[n], sa, kb[0], kb[1]);
        mma16816<BF16>(dq[n + 1], sa, kb[2], kb[3]);
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int i = i0 + qr + g + 8 * r;
      if (i >= a.L) continue;
      float* dst = a.dq_accum + (bh * a.L + i) * D + c0;
      // One 8-byte atomic per pair of columns (sm_90's vector atomicAdd): the dQ atomics are
      // 4096 per (key block, query block) pair, half as many operations this way.
#pragma unroll
      for (int n = 0; n < QN; ++n) {
        atomicAdd(reinterpret_cast<float2*>(dst + n * 8 + 2 * t),
                  make_float2(dq[n][2 * r] * a.scale, dq[n][2 * r + 1] * a.scale));
      }
    }
  }

  uint16_t* GK = static_cast<uint16_t*>(a.gk) + b * a.gks.b + h * a.gks.h;
  uint16_t* GV = static_cast<uint16_t*>(a.gv) + b * a.gvs.b + h * a.gvs.h;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    if (key[r] >= a.S) continue;
    uint16_t* gk = GK + key[r] * a.gks.i;
    uint16_t* gv = GV + key[r] * a.gvs.i;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      *reinterpret_cast<uint32_t*>(gk + n * 8 + 2 * t) =
          pack2<BF16>(dk[n][2 * r] * a.scale, dk[n][2 * r + 1] * a.scale);
      const float dvs = Drop ? a.drop_scale : 1.f;
      *reinterpret_cast<uint32_t*>(gv + n * 8 + 2 * t) =
          pack2<BF16>(dv[n][2 * r] * dvs, dv[n][2 * r + 1] * dvs);
    }
  }
}

// gq[b, h, i, :] = dq_accum[b, h, i, :] rounded: `Vec` values per thread (8: two 16-byte loads
// and one 16-byte store, where gq's rows are 16-byte aligned; else 2).
template <bool BF16, int Vec>
__global__ void flash_dq_cast_kernel(FlashArgs a) {
  const int64_t groups = static_cast<int64_t>(a.B) * a.H * a.L * (a.D / Vec);
  for (int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; x < groups;
       x += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t d = (x % (a.D / Vec)) * Vec, r = x / (a.D / Vec);
    const int64_t i = r % a.L, bh = r / a.L, h = bh % a.H, b = bh / a.H;
    uint16_t* dst = static_cast<uint16_t*>(a.gq) + b * a.gqs.b + h * a.gqs.h + i * a.gqs.i + d;
    const float* src = a.dq_accum + r * a.D + d;
    if constexpr (Vec == 8) {
      const float4 lo = reinterpret_cast<const float4*>(src)[0];
      const float4 hi = reinterpret_cast<const float4*>(src)[1];
      *reinterpret_cast<uint4*>(dst) = make_uint4(pack2<BF16>(lo.x, lo.y), pack2<BF16>(lo.z, lo.w),
                                                  pack2<BF16>(hi.x, hi.y), pack2<BF16>(hi.z, hi.w));
    } else {
      *reinterpret_cast<uint32_t*>(dst) = pack2<BF16>(src[0], src[1]);
    }
  }
}

inline size_t forward_smem(int D, int bufs) {
  return bufs * 2 * kCols * (D + 8) * sizeof(uint16_t);
}
inline size_t backward_smem(int D, int bufs, int keys) {
  return (2 * keys + bufs * 2 * kCols) * (D + 8) * sizeof(uint16_t) +
         keys * (kCols + 8) * sizeof(uint16_t) + bufs * 2 * kCols * sizeof(float);
}

// The launch plans: `launch(kernel, grid, threads, shared memory bytes)` runs kernel(a) - on the
// GPU in src/cuda/attention.cu, on the emulator in the tests.
template <bool BF16, int D, int Mode, bool Drop, bool Bias, class Launch>
void forward(const FlashArgs& a, Launch&& launch) {
  const size_t smem = forward_smem(D, kAsyncMode<Mode> ? 2 : 1);
  launch(flash_forward_kernel<BF16, D, Mode, Drop, Bias>, dim3((a.L + kRows - 1) / kRows, a.H, a.B),
         kThreads, smem);
}

template <bool BF16, int D, int Mode, bool Drop, bool Bias, class Launch>
void backward(const FlashArgs& a, Launch&& launch) {
  const int64_t rows = static_cast<int64_t>(a.B) * a.H * a.L;
  const int64_t dvec_threads = rows * (D / 8);
  launch(flash_dvec_kernel<BF16, D>, dim3(static_cast<unsigned>((dvec_threads + 255) / 256)), 256,
         0);
  constexpr int keys = kBackwardKeys<D, Mode>;
  launch(flash_backward_kernel<BF16, D, Mode, Drop, Bias>, dim3((a.S + keys - 1) / keys, a.H, a.B),
         kBackwardThreads<D, Mode>, backward_smem(D, kBackwardBufs<D, Mode>, keys));
  const bool aligned = reinterpret_cast<uintptr_t>(a.gq) % 16 == 0 && a.gqs.b % 8 == 0 &&
                       a.gqs.h % 8 == 0 && a.gqs.i % 8 == 0;
  const int64_t groups = rows * (D / (aligned ? 8 : 2));
  const auto blocks = static_cast<unsigned>(std::min<int64_t>((groups + 255) / 256, 65535 * 8));
  if (aligned) {
    launch(flash_dq_cast_kernel<BF16, 8>, dim3(blocks), 256, 0);
  } else {
    launch(flash_dq_cast_kernel<BF16, 2>, dim3(blocks), 256, 0);
  }
}

// The instantiation for the arguments' dtype, head size and mode.
template <bool Fwd, int Mode, bool Drop, bool Bias, class Launch>
void run_mode(const FlashArgs& a, Launch&& launch) {
  auto pass = [&](auto bf16, auto d) {
    constexpr int kD = decltype(d)::value;
    if constexpr (Fwd) {
      forward<decltype(bf16)::value, kD, Mode, Drop, Bias>(a, launch);
    } else {
      // Mode 3 changes only head size 64's backward.
      backward<decltype(bf16)::value, kD, (Mode == 3 && kD != 64) ? 2 : Mode, Drop, Bias>(a,
                                                                                          launch);
    }
  };
  auto by_head_size = [&](auto bf16) {
    if (a.D == 64) return pass(bf16, std::integral_constant<int, 64>{});
    if (a.D == 128) return pass(bf16, std::integral_constant<int, 128>{});
    // Head size 32 comes in mode 2 only (run() sends it there).
    if constexpr (Mode == 2) pass(bf16, std::integral_constant<int, 32>{});
  };
  if (a.bf16) {
    by_head_size(std::true_type{});
  } else {
    by_head_size(std::false_type{});
  }
}
// With dropout or a bias, and with head size 32, every mode runs mode 2's kernels (the modes'
// purpose is comparing the loads at GPT-2's head size).
template <bool Fwd, class Launch>
void run(const FlashArgs& a, Launch&& launch) {
  const bool bias = a.bias != nullptr;
  if (a.dropout && bias) return run_mode<Fwd, 2, true, true>(a, launch);
  if (a.dropout) return run_mode<Fwd, 2, true, false>(a, launch);
  if (bias) return run_mode<Fwd, 2, false, true>(a, launch);
  if (a.D == 32) return run_mode<Fwd, 2, false, false>(a, launch);
  switch (a.mode) {
    case 0:
      return run_mode<Fwd, 0, false, false>(a, launch);
    case 1:
      return run_mode<Fwd, 1, false, false>(a, launch);
    case 3:
      if constexpr (!Fwd) return run_mode<Fwd, 3, false, false>(a, launch);
      [[fallthrough]];  // mode 3's forward is mode 2's
    default:
      return run_mode<Fwd, 2, false, false>(a, launch);
  }
}

}  // namespace ember::cuda::flash
