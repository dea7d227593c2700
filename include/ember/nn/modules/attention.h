#pragma once
// MultiheadAttention with PyTorch's parameter names (in_proj_weight, in_proj_bias, out_proj.*)
// and init (out_proj as Linear, then xavier_uniform_ in_proj, zero biases, xavier_normal_ bias_kv).
#include "ember/nn/any.h"
#include "ember/nn/functional/attention.h"
#include "ember/nn/modules/layers.h"
#include "ember/nn/options/attention.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {

class MultiheadAttentionImpl : public Cloneable<MultiheadAttentionImpl> {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {},
                                     bool average_attn_weights = true);
  FORWARD_HAS_DEFAULT_ARGS({3, AnyValue(Tensor())}, {4, AnyValue(true)}, {5, AnyValue(Tensor())},
                           {6, AnyValue(true)})
  void reset() override;
  void pretty_print(std::ostream& os) const override;
  void _reset_parameters();
  MultiheadAttentionOptions options;
  bool _qkv_same_embed_dim = true;
  Tensor in_proj_weight;
  Tensor in_proj_bias;
  Tensor bias_k;
  Tensor bias_v;
  Linear out_proj = nullptr;
  Tensor q_proj_weight;
  Tensor k_proj_weight;
  Tensor v_proj_weight;
  int64_t head_dim = 0;
};
TORCH_MODULE(MultiheadAttention);

}  // namespace nn
}  // namespace ember
