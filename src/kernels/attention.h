#pragma once
// Fused scaled dot product attention (src/ops/attention.cpp, Note [Fused attention]). Every
// tensor is 4-D [B, H, rows, D] with a contiguous last dimension and any other strides:
// q [B, H, L, D], k [B, H, S, D], v [B, H, S, Dv], out [B, H, L, Dv]; lse [B, H, L] contiguous
// (float32, float64 for float64 inputs) holds each query row's log-sum-exp of its scaled, masked
// scores. Causal masking is PyTorch's top-left one: query i sees keys j <= i. With dropout.p > 0
// the weights are dropped as Note [Attention dropout] (src/kernels/philox.h) says: the output is
// (P * Z) V with Z = keep / (1 - p); lse stays that of P. `bias`, when defined, is an additive mask
// expanded to [B, H, L, S] (any strides, 0 where broadcast; float32 for CUDA, float64 for the
// CPU) added to the scaled scores; a row whose every score is -inf gets output 0 and lse +inf
// (and zero gradients).
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "src/kernels/philox.h"

namespace ember {

using FusedAttentionFn = void (*)(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                                  Tensor& lse, bool causal, double scale,
                                  const AttentionDropout& dropout, const Tensor& bias);
// Gradients of the above given the forward's out and lse: grad_q/grad_k/grad_v are allocated by
// the op with the shapes of q/k/v and written whole.
using FusedAttentionBackwardFn = void (*)(const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                          const Tensor& v, const Tensor& out, const Tensor& lse,
                                          Tensor& grad_q, Tensor& grad_k, Tensor& grad_v,
                                          bool causal, double scale,
                                          const AttentionDropout& dropout, const Tensor& bias);
EMBER_DECLARE_STUB(fused_attention_stub, FusedAttentionFn);
EMBER_DECLARE_STUB(fused_attention_backward_stub, FusedAttentionBackwardFn);

}  // namespace ember
