#pragma once
// torch::nn::functional::multi_head_attention_forward (PyTorch 1.13 semantics).
#include <tuple>

#include "ember/nn/options/attention.h"
#include "ember/ops/attention.h"

namespace ember {
namespace nn {
namespace functional {

// query [L, N, E] (or [L, E] unbatched), key [S, N, kdim], value [S, N, vdim]. Returns the output
// [L, N, E] and, if need_weights, the attention weights [N, L, S] (averaged over heads) or
// [N, H, L, S]. A bool attn_mask / key_padding_mask marks positions NOT to attend.
std::tuple<Tensor, Tensor> multi_head_attention_forward(
    const Tensor& query, const Tensor& key, const Tensor& value,
    const MultiheadAttentionForwardFuncOptions& options);

}  // namespace functional
}  // namespace nn
}  // namespace ember
