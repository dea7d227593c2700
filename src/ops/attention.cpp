#include "ember/ops/attention.h"

#include <cmath>
#include <limits>

#include "ember/ember.h"

namespace ember {

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask, double dropout_p,
                                    bool is_causal, std::optional<double> scale) {
  EMBER_CHECK(query.defined() && key.defined() && value.defined(),
              "[scaled_dot_product_attention] query, key and value must be defined");
  EMBER_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2,
              "[scaled_dot_product_attention] query, key and value must have at least 2 "
              "dimensions, got ",
              query.dim(), ", ", key.dim(), " and ", value.dim());
  EMBER_CHECK(query.size(-1) == key.size(-1),
              "[scaled_dot_product_attention] query and key must have the same embedding size, "
              "got ",
              query.size(-1), " and ", key.size(-1));
  EMBER_CHECK(key.size(-2) == value.size(-2),
              "[scaled_dot_product_attention] key and value must have the same sequence length, "
              "got ",
              key.size(-2), " and ", value.size(-2));
  EMBER_CHECK(dropout_p >= 0 && dropout_p <= 1,
              "[scaled_dot_product_attention] dropout_p must be in [0, 1], got ", dropout_p);
  const bool has_mask = attn_mask.has_value() && attn_mask->defined();
  EMBER_CHECK(!(is_causal && has_mask),
              "[scaled_dot_product_attention] Explicit attn_mask should not be set when "
              "is_causal=True");
  const int64_t L = query.size(-2), S = key.size(-2);
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
  Tensor scores = matmul(query, key.transpose(-2, -1)) * s;
  constexpr double ninf = -std::numeric_limits<double>::infinity();
  if (is_causal) {
    Tensor keep = ones({L, S}, query.options().dtype(kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), ninf);
  } else if (has_mask) {
    if (attn_mask->scalar_type() == kBool)
      scores = scores.masked_fill(attn_mask->logical_not(), ninf);
    else
      scores = scores + *attn_mask;
  }
  Tensor attn = softmax(scores, -1);
  if (dropout_p > 0) {
    Tensor keep = empty(attn.sizes(), attn.options().requires_grad(false));
    {
      NoGradGuard ng;
      if (dropout_p < 1) {
        keep.bernoulli_(1 - dropout_p);
        keep.div_(1 - dropout_p);
      } else {
        keep.zero_();
      }
    }
    attn = attn * keep;
  }
  return matmul(attn, value);
}

}  // namespace ember
