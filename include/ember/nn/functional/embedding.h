#pragma once
// torch::nn::functional embedding, embedding_bag, one_hot.
#include "ember/nn/options/embedding.h"
#include "ember/ops/normalization.h"

namespace ember {
namespace nn {
namespace functional {

Tensor embedding(const Tensor& input, const Tensor& weight,
                 const EmbeddingFuncOptions& options = {});
// input 1D with offsets, or 2D [B, L] (fixed-length bags, offsets must be undefined).
Tensor embedding_bag(const Tensor& input, const Tensor& weight,
                     const EmbeddingBagFuncOptions& options = {});
Tensor one_hot(const Tensor& tensor, int64_t num_classes = -1);

}  // namespace functional
}  // namespace nn
}  // namespace ember
