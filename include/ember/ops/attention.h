#pragma once
// scaled_dot_product_attention with PyTorch 2.x semantics, as a composite of ember ops.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev]. A bool attn_mask marks
// the positions that take part (true = attend); a float one is added to the scores. dropout_p
// applies to the attention weights (always, as PyTorch's functional form).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask = std::nullopt,
                                    double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

}  // namespace ember
