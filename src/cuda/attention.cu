// Fused attention on tensor cores (Note [Fused attention] in src/ops/attention.cpp):
// FlashAttention-2's forward and backward for float16 / bfloat16 with float accumulation, head
// sizes 64 and 128, through mma.sync.m16n8k16.
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
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "src/cuda/attention.h"
#include "src/cuda/runtime.h"

namespace ember::cuda {
namespace {

constexpr int kRows = 64;  // query rows (forward) or keys (backward) per block, 16 per warp
constexpr int kCols = 64;  // keys (forward) or query rows (backward) per step
constexpr int kThreads = 128;
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

template <bool BF16>
__device__ __forceinline__ void mma16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                         uint32_t b1) {
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
}

// Two floats rounded to 16 bits, `lo` in the low half.
template <bool BF16>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  if constexpr (BF16) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  } else {
    __half2 v = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<uint32_t*>(&v);
  }
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

// Rows [0, valid) of a kRows x D tile from global rows `stride` elements apart (16-byte aligned);
// the rest zero.
template <int D, int P>
__device__ __forceinline__ void load_tile(uint16_t* s, const uint16_t* g, int64_t stride,
                                          int valid) {
  constexpr int kVecs = D / 8;
  for (int idx = threadIdx.x; idx < kRows * kVecs; idx += kThreads) {
    const int r = idx / kVecs, c = (idx % kVecs) * 8;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (r < valid) v = *reinterpret_cast<const uint4*>(g + r * stride + c);
    *reinterpret_cast<uint4*>(s + r * P + c) = v;
  }
}

__device__ __forceinline__ float quad_max(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float quad_sum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

template <bool BF16, int D>
__global__ void __launch_bounds__(kThreads) flash_forward_kernel(FlashArgs a) {
  constexpr int P = D + 8;
  extern __shared__ __align__(16) uint16_t smem[];
  uint16_t* sK = smem;
  uint16_t* sV = smem + kCols * P;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int b = blockIdx.z, h = blockIdx.y, q0 = blockIdx.x * kRows;
  const uint16_t* Q = static_cast<const uint16_t*>(a.q) + b * a.qs.b + h * a.qs.h;
  const uint16_t* K = static_cast<const uint16_t*>(a.k) + b * a.ks.b + h * a.ks.h;
  const uint16_t* V = static_cast<const uint16_t*>(a.v) + b * a.vs.b + h * a.vs.h;

  // This warp's 16 query rows as A fragments, staged through sK.
  load_tile<D, P>(sK, Q + q0 * a.qs.i, a.qs.i, min(kRows, a.L - q0));
  __syncthreads();
  uint32_t qa[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) ld_a<P>(qa[kk], sK, warp * 16, kk * 16, g, t);

  float o[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
  const float sl2 = a.scale * kLog2e;
  const int row[2] = {q0 + warp * 16 + g, q0 + warp * 16 + g + 8};
  const int kv_end = a.causal ? min(a.S, q0 + kRows) : a.S;

  for (int k0 = 0; k0 < kv_end; k0 += kCols) {
    __syncthreads();  // everyone is done with the previous tiles (and the staged queries)
    const int valid = min(kCols, a.S - k0);
    load_tile<D, P>(sK, K + k0 * a.ks.i, a.ks.i, valid);
    load_tile<D, P>(sV, V + k0 * a.vs.i, a.vs.i, valid);
    __syncthreads();

    float s[kCols / 8][4];
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
#pragma unroll
      for (int n = 0; n < kCols / 8; ++n) {
        mma16816<BF16>(s[n], qa[kk], ld_pair<P>(sK, n * 8 + g, kk * 16 + 2 * t),
                       ld_pair<P>(sK, n * 8 + g, kk * 16 + 8 + 2 * t));
      }
    }
    // Scale into the log2 domain and mask keys past the end (and the future, when causal).
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int col = k0 + n * 8 + 2 * t + (e & 1);
        const bool off = col >= a.S || (a.causal && col > row[e >> 1]);
        s[n][e] = off ? -INFINITY : s[n][e] * sl2;
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
    // O += P V, 16 keys per step.
#pragma unroll
    for (int j = 0; j < kCols / 16; ++j) {
      uint32_t pa[4];
      c_to_a<BF16>(pa, s[2 * j], s[2 * j + 1]);
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        mma16816<BF16>(o[n], pa, ld_col_pair<P>(sV, j * 16 + 2 * t, n * 8 + g),
                       ld_col_pair<P>(sV, j * 16 + 8 + 2 * t, n * 8 + g));
      }
    }
  }

  uint16_t* O = static_cast<uint16_t*>(const_cast<void*>(a.o)) + b * a.os.b + h * a.os.h;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const float sum = quad_sum(l[r]);
    if (row[r] >= a.L) continue;
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
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
  if constexpr (BF16) {
    return __uint_as_float(static_cast<uint32_t>(x) << 16);
  } else {
    return __half2float(__ushort_as_half(x));
  }
}

// dvec[b, h, i] = dO[i] . O[i]: one warp per row.
template <bool BF16>
__global__ void flash_dvec_kernel(FlashArgs a) {
  const int64_t rows = static_cast<int64_t>(a.B) * a.H * a.L;
  const int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (r >= rows) return;
  const int64_t i = r % a.L, bh = r / a.L, h = bh % a.H, b = bh / a.H;
  const uint16_t* go = static_cast<const uint16_t*>(a.go) + b * a.gos.b + h * a.gos.h + i * a.gos.i;
  const uint16_t* o = static_cast<const uint16_t*>(a.o) + b * a.os.b + h * a.os.h + i * a.os.i;
  float s = 0.f;
  for (int d = lane; d < a.D; d += 32) s += to_float<BF16>(go[d]) * to_float<BF16>(o[d]);
#pragma unroll
  for (int off = 16; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
  if (lane == 0) a.dvec[r] = s;
}

template <bool BF16, int D>
__global__ void __launch_bounds__(kThreads) flash_backward_kernel(FlashArgs a) {
  constexpr int P = D + 8;
  constexpr int PS = kCols + 8;  // pitch of the dS^T tile
  extern __shared__ __align__(16) uint16_t smem[];
  uint16_t* sK = smem;
  uint16_t* sV = sK + kRows * P;
  uint16_t* sQ = sV + kRows * P;
  uint16_t* sdO = sQ + kCols * P;
  uint16_t* sdS = sdO + kCols * P;  // [key][query]
  float* sLse = reinterpret_cast<float*>(sdS + kRows * PS);
  float* sDv = sLse + kCols;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const int b = blockIdx.z, h = blockIdx.y, k0 = blockIdx.x * kRows;
  const int64_t bh = static_cast<int64_t>(b) * a.H + h;
  const uint16_t* Q = static_cast<const uint16_t*>(a.q) + b * a.qs.b + h * a.qs.h;
  const uint16_t* K = static_cast<const uint16_t*>(a.k) + b * a.ks.b + h * a.ks.h;
  const uint16_t* V = static_cast<const uint16_t*>(a.v) + b * a.vs.b + h * a.vs.h;
  const uint16_t* GO = static_cast<const uint16_t*>(a.go) + b * a.gos.b + h * a.gos.h;

  load_tile<D, P>(sK, K + k0 * a.ks.i, a.ks.i, min(kRows, a.S - k0));
  load_tile<D, P>(sV, V + k0 * a.vs.i, a.vs.i, min(kRows, a.S - k0));

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

  for (int i0 = i_begin; i0 < a.L; i0 += kCols) {
    __syncthreads();  // the previous step is done with sQ, sdO, sdS
    const int valid = min(kCols, a.L - i0);
    load_tile<D, P>(sQ, Q + i0 * a.qs.i, a.qs.i, valid);
    load_tile<D, P>(sdO, GO + i0 * a.gos.i, a.gos.i, valid);
    if (threadIdx.x < kCols) {
      const int i = i0 + static_cast<int>(threadIdx.x);
      sLse[threadIdx.x] = i < a.L ? a.lse[bh * a.L + i] * kLog2e : INFINITY;
      sDv[threadIdx.x] = i < a.L ? a.dvec[bh * a.L + i] : 0.f;
    }
    __syncthreads();

    // S^T (this warp's 16 keys x 64 queries) = K Q^T, then P^T = exp(S^T - lse).
    float p[kCols / 8][4];
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) p[n][0] = p[n][1] = p[n][2] = p[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t ka[4];
      ld_a<P>(ka, sK, kr, kk * 16, g, t);
#pragma unroll
      for (int n = 0; n < kCols / 8; ++n) {
        mma16816<BF16>(p[n], ka, ld_pair<P>(sQ, n * 8 + g, kk * 16 + 2 * t),
                       ld_pair<P>(sQ, n * 8 + g, kk * 16 + 8 + 2 * t));
      }
    }
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int ql = n * 8 + 2 * t + (e & 1), j = key[e >> 1];
        const bool off = j >= a.S || i0 + ql >= a.L || (a.causal && j > i0 + ql);
        p[n][e] = off ? 0.f : exp2f(p[n][e] * sl2 - sLse[ql]);
      }
    }
    // dV += P^T dO (k runs over the queries).
#pragma unroll
    for (int j = 0; j < kCols / 16; ++j) {
      uint32_t pa[4];
      c_to_a<BF16>(pa, p[2 * j], p[2 * j + 1]);
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        mma16816<BF16>(dv[n], pa, ld_col_pair<P>(sdO, j * 16 + 2 * t, n * 8 + g),
                       ld_col_pair<P>(sdO, j * 16 + 8 + 2 * t, n * 8 + g));
      }
    }
    // dP^T = V dO^T, then dS^T = P^T * (dP^T - D_i).
    float ds[kCols / 8][4];
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) ds[n][0] = ds[n][1] = ds[n][2] = ds[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t va[4];
      ld_a<P>(va, sV, kr, kk * 16, g, t);
#pragma unroll
      for (int n = 0; n < kCols / 8; ++n) {
        mma16816<BF16>(ds[n], va, ld_pair<P>(sdO, n * 8 + g, kk * 16 + 2 * t),
                       ld_pair<P>(sdO, n * 8 + g, kk * 16 + 8 + 2 * t));
      }
    }
#pragma unroll
    for (int n = 0; n < kCols / 8; ++n) {
#pragma unroll
      for (int e = 0; e < 4; ++e) ds[n][e] = p[n][e] * (ds[n][e] - sDv[n * 8 + 2 * t + (e & 1)]);
    }
    // dK += dS^T Q (k runs over the queries; the scale is applied at the end).
#pragma unroll
    for (int j = 0; j < kCols / 16; ++j) {
      uint32_t da[4];
      c_to_a<BF16>(da, ds[2 * j], ds[2 * j + 1]);
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        mma16816<BF16>(dk[n], da, ld_col_pair<P>(sQ, j * 16 + 2 * t, n * 8 + g),
                       ld_col_pair<P>(sQ, j * 16 + 8 + 2 * t, n * 8 + g));
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
    float dq[D / 8][4];
#pragma unroll
    for (int n = 0; n < D / 8; ++n) dq[n][0] = dq[n][1] = dq[n][2] = dq[n][3] = 0.f;
    const int qr = warp * 16;
#pragma unroll
    for (int kk = 0; kk < kRows / 16; ++kk) {
      uint32_t sa[4];
      ld_a_trans<PS>(sa, sdS, qr, kk * 16, g, t);
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        mma16816<BF16>(dq[n], sa, ld_col_pair<P>(sK, kk * 16 + 2 * t, n * 8 + g),
                       ld_col_pair<P>(sK, kk * 16 + 8 + 2 * t, n * 8 + g));
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int i = i0 + qr + g + 8 * r;
      if (i >= a.L) continue;
      float* dst = a.dq_accum + (bh * a.L + i) * D;
      // One 8-byte atomic per pair of columns (sm_90's vector atomicAdd): the dQ atomics are
      // 4096 per (key block, query block) pair, half as many operations this way.
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
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
      *reinterpret_cast<uint32_t*>(gv + n * 8 + 2 * t) =
          pack2<BF16>(dv[n][2 * r], dv[n][2 * r + 1]);
    }
  }
}

// gq[b, h, i, :] = dq_accum[b, h, i, :] rounded, two values per thread.
template <bool BF16>
__global__ void flash_dq_cast_kernel(FlashArgs a) {
  const int64_t pairs = static_cast<int64_t>(a.B) * a.H * a.L * (a.D / 2);
  for (int64_t x = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; x < pairs;
       x += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t d = (x % (a.D / 2)) * 2, r = x / (a.D / 2);
    const int64_t i = r % a.L, bh = r / a.L, h = bh % a.H, b = bh / a.H;
    uint16_t* dst = static_cast<uint16_t*>(a.gq) + b * a.gqs.b + h * a.gqs.h + i * a.gqs.i + d;
    const float* src = a.dq_accum + r * a.D + d;
    *reinterpret_cast<uint32_t*>(dst) = pack2<BF16>(src[0], src[1]);
  }
}

size_t forward_smem(int D) { return 2 * kCols * (D + 8) * sizeof(uint16_t); }
size_t backward_smem(int D) {
  return (2 * kRows + 2 * kCols) * (D + 8) * sizeof(uint16_t) +
         kRows * (kCols + 8) * sizeof(uint16_t) + 2 * kCols * sizeof(float);
}

// Kernels that need more than 48 KiB of shared memory must say so once.
template <class Kernel>
void allow_smem(Kernel kernel, size_t bytes) {
  if (bytes > 48 * 1024) {
    EMBER_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(bytes)),
                     "scaled_dot_product_attention");
  }
}

template <bool BF16, int D>
void forward(const FlashArgs& a, cudaStream_t stream) {
  const size_t smem = forward_smem(D);
  allow_smem(flash_forward_kernel<BF16, D>, smem);
  dim3 grid((a.L + kRows - 1) / kRows, a.H, a.B);
  flash_forward_kernel<BF16, D><<<grid, kThreads, smem, stream>>>(a);
  detail::check_launch("scaled_dot_product_attention", stream);
}

template <bool BF16, int D>
void backward(const FlashArgs& a, cudaStream_t stream) {
  const int64_t rows = static_cast<int64_t>(a.B) * a.H * a.L;
  flash_dvec_kernel<BF16><<<static_cast<unsigned>((rows + 7) / 8), 256, 0, stream>>>(a);
  detail::check_launch("scaled_dot_product_attention_backward", stream);
  const size_t smem = backward_smem(D);
  allow_smem(flash_backward_kernel<BF16, D>, smem);
  dim3 grid((a.S + kRows - 1) / kRows, a.H, a.B);
  flash_backward_kernel<BF16, D><<<grid, kThreads, smem, stream>>>(a);
  detail::check_launch("scaled_dot_product_attention_backward", stream);
  const int64_t pairs = rows * (D / 2);
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>((pairs + 255) / 256, 65535 * 8));
  flash_dq_cast_kernel<BF16><<<blocks, 256, 0, stream>>>(a);
  detail::check_launch("scaled_dot_product_attention_backward", stream);
}

}  // namespace

void launch_flash_forward(const FlashArgs& a, CUstream_st* stream) {
  if (a.bf16) {
    a.D == 64 ? forward<true, 64>(a, stream) : forward<true, 128>(a, stream);
  } else {
    a.D == 64 ? forward<false, 64>(a, stream) : forward<false, 128>(a, stream);
  }
}

void launch_flash_backward(const FlashArgs& a, CUstream_st* stream) {
  if (a.bf16) {
    a.D == 64 ? backward<true, 64>(a, stream) : backward<true, 128>(a, stream);
  } else {
    a.D == 64 ? backward<false, 64>(a, stream) : backward<false, 128>(a, stream);
  }
}

}  // namespace ember::cuda
