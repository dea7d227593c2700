#pragma once
// scaled_dot_product_attention with PyTorch 2.x semantics: a fused kernel where one applies
// (Note [Fused attention] in src/ops/attention.cpp), a composite of ember ops otherwise.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

// query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev]. A bool attn_mask marks
// the positions that take part (true = attend); a float one is added to the scores; a query row
// that it hides from every key gives 0 (PyTorch 2.5's behaviour; NaN before). dropout_p
// applies to the attention weights (always, as PyTorch's functional form).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask = std::nullopt,
                                    double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

// The fused attention op behind scaled_dot_product_attention (PyTorch's
// _scaled_dot_product_flash_attention): query [B, H, L, E] (or [H, L, E]), key [B, H, S, E],
// value [B, H, S, Ev] -> (output [B, H, L, Ev], logsumexp [B, H, L] of the scaled, masked scores,
// float32, float64 for float64 inputs). Never materialises the [L, S] weights. dropout_p in [0, 1)
// drops weights with a Philox mask drawn from the device's generator (the same seed, the same
// mask; the logsumexp is that of the weights before dropout). attn_mask as in
// scaled_dot_product_attention (bool: true = attend; float: added to the scores), broadcast to
// [B, H, L, S], without a gradient; a row it hides from every key gets output 0 (logsumexp +inf).
// CPU: every floating dtype; CUDA: float16 and bfloat16 with E = Ev in {32, 64, 128}.
std::tuple<Tensor, Tensor> _scaled_dot_product_fused_attention(
    const Tensor& query, const Tensor& key, const Tensor& value, bool is_causal = false,
    std::optional<double> scale = std::nullopt, double dropout_p = 0.0,
    const std::optional<Tensor>& attn_mask = std::nullopt);

}  // namespace ember
