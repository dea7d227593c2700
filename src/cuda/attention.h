#pragma once
// Plain arguments of the fused attention kernels (src/cuda/flash_attention.cuh), filled from
// tensors by src/cuda/attention_kernels.cpp. Strides are in elements; every last dimension is
// contiguous.
#include <cstdint>

#include "src/kernels/philox.h"

struct CUstream_st;

namespace ember::cuda {

struct RowStrides {
  int64_t b = 0, h = 0, i = 0;  // batch, head, row
};

struct FlashArgs {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const void* o = nullptr;  // forward: written; backward: read
  float* lse = nullptr;     // [B, H, L] contiguous
  RowStrides qs, ks, vs, os;
  // Backward only.
  const void* go = nullptr;
  void* gq = nullptr;
  void* gk = nullptr;
  void* gv = nullptr;
  RowStrides gos, gqs, gks, gvs;
  float* dq_accum = nullptr;  // [B, H, L, D] contiguous, zeroed
  float* dvec = nullptr;      // [B, H, L] contiguous
  int B = 0, H = 0, L = 0, S = 0, D = 0;
  float scale = 1;
  bool causal = false;
  bool bf16 = false;  // else float16
  int mode = 2;       // kernel variant (EMBER_FLASH_MODE, see flash_attention.cuh)
  // Dropout of the attention weights (Note [Attention dropout] in src/kernels/philox.h): a weight
  // is kept when its Philox word is at least `drop_threshold` and then scaled by `drop_scale`.
  bool dropout = false;
  uint32_t drop_threshold = 0;
  float drop_scale = 1;
  uint64_t seed = 0, offset = 0;
  // An additive mask (attn_mask as a float bias, -inf where a bool mask is false): element
  // (b, h, i, j) at bias[b * bias_s.b + h * bias_s.h + i * bias_s.i + j * bias_j] (broadcast
  // dimensions have stride 0), added to the scaled scores. Null: none.
  const float* bias = nullptr;
  RowStrides bias_s;
  int64_t bias_j = 0;
};

// The dropout fields of `a` for d (none when d.p is 0; d.p < 1).
inline void set_flash_dropout(FlashArgs& a, const AttentionDropout& d) {
  a.dropout = d.p > 0;
  if (!a.dropout) return;
  a.drop_threshold = attention_dropout_threshold(d.p);
  a.drop_scale = static_cast<float>(1 / (1 - d.p));
  a.seed = d.seed;
  a.offset = d.offset;
}

void launch_flash_forward(const FlashArgs& a, CUstream_st* stream);
void launch_flash_backward(const FlashArgs& a, CUstream_st* stream);

}  // namespace ember::cuda
