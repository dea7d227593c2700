#pragma once
// torch::nn::functional cosine_similarity and pairwise_distance with libtorch's option structs:
//   F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(0));
#include "ember/nn/options/distance.h"
#include "ember/ops/distance.h"
#include "ember/ops/loss.h"

namespace ember {
namespace nn {
namespace functional {

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2,
                         const CosineSimilarityFuncOptions& options = {});
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2,
                         const PairwiseDistanceFuncOptions& options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
