#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): four 32-bit words
// from a 128-bit counter and a 64-bit key, the same on the host, on the device and in the SIMT
// emulator, so that a CPU kernel can reproduce what a CUDA kernel drew. The CUDA random fills
// (src/cuda/random.cu) and the fused attention's dropout (below) draw from it.
#include <cstdint>

#include "src/kernels/int_math.h"  // EMBER_HOST_DEVICE

namespace ember {

struct PhiloxWords {
  uint32_t w[4];
};

// Counter (c0, c1, c2, c3), key (k0, k1) = the seed's low and high words.
EMBER_HOST_DEVICE PhiloxWords philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                            uint64_t seed) {
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c0, p1 = static_cast<uint64_t>(kM1) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  return {{c0, c1, c2, c3}};
}

// Note [Attention dropout]
// The fused attention (Note [Fused attention] in src/ops/attention.cpp) drops weight P[i][j] of
// (batch, head) pair bh (= b * H + h) by a Philox word that is a function of (seed, offset, bh,
// i, j) alone, so the forward and the backward kernel - and the CPU kernel - draw the same mask
// without storing it, whatever their tiling. The word comes from a 16 x 16 block of (query,
// key) positions: block (i / 16, j / 16) is cut into 64 quads {a, a + 8} x {b, b + 8} (a = i % 8,
// b = j % 8), one Philox call each, whose word (i % 16 / 8) * 2 + (j % 16 / 8) belongs to (i, j).
// A quad is what one thread of the tensor-core kernels holds of that block in both directions
// (the forward's C fragments hold rows g, g + 8 of query-major scores, the backward's hold
// rows g, g + 8 of key-major ones), so every draw serves four weights. Counter: (j / 16, i / 16,
// and the 64-bit offset + bh * 64 + a * 8 + b); a call reserves B * H * 64 offsets from its
// generator. A weight is kept when its word is at least `threshold` = round(p * 2^32) and is
// then scaled by 1 / (1 - p).
struct AttentionDropout {
  double p = 0;  // 0: no dropout
  uint64_t seed = 0, offset = 0;
};

// The threshold a word must reach for its weight to be kept (p < 1).
inline uint32_t attention_dropout_threshold(double p) {
  const double t = p * 4294967296.0 + 0.5;
  return t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(t);
}

// The four words of quad (a, b) of block (qb, kb) of pair bh.
EMBER_HOST_DEVICE PhiloxWords attention_dropout_quad(uint64_t seed, uint64_t offset, int64_t bh,
                                                     int64_t qb, int64_t kb, int a, int b) {
  const uint64_t c = offset + static_cast<uint64_t>(bh) * 64 + static_cast<uint64_t>(a * 8 + b);
  return philox4x32_10(static_cast<uint32_t>(kb), static_cast<uint32_t>(qb),
                       static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32), seed);
}

// Whether weight (i, j) of pair bh is kept (one Philox call: for checks and the CPU kernel).
EMBER_HOST_DEVICE bool attention_dropout_keep(uint64_t seed, uint64_t offset, int64_t bh, int64_t i,
                                              int64_t j, uint32_t threshold) {
  const PhiloxWords r = attention_dropout_quad(seed, offset, bh, i / 16, j / 16,
                                               static_cast<int>(i % 8), static_cast<int>(j % 8));
  return r.w[(i % 16 / 8) * 2 + (j % 16 / 8)] >= threshold;
}

// The factors keep / (1 - p) or 0 of `pairs` (batch, head) pairs of L x S weights, row-major into
// out (for checks and double backward: one Philox call per weight).
inline void attention_dropout_factors(double* out, int64_t pairs, int64_t L, int64_t S,
                                      const AttentionDropout& d) {
  const uint32_t threshold = attention_dropout_threshold(d.p);
  const double scale = 1 / (1 - d.p);
  for (int64_t bh = 0; bh < pairs; ++bh) {
    for (int64_t i = 0; i < L; ++i) {
      for (int64_t j = 0; j < S; ++j)
        *out++ = attention_dropout_keep(d.seed, d.offset, bh, i, j, threshold) ? scale : 0.0;
    }
  }
}

}  // namespace ember
