// torch::nn::functional distances and the CosineSimilarity / PairwiseDistance modules
// (ember/nn/functional/distance.h, ember/nn/modules/distance.h).
#include <ostream>

#include "ember/nn/functional/distance.h"
#include "ember/nn/modules/distance.h"

namespace ember {
namespace nn {
namespace functional {

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2,
                         const CosineSimilarityFuncOptions& options) {
  return ember::cosine_similarity(x1, x2, options.dim(), options.eps());
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2,
                         const PairwiseDistanceFuncOptions& options) {
  return ember::pairwise_distance(x1, x2, options.p(), options.eps(), options.keepdim());
}

}  // namespace functional

Tensor CosineSimilarityImpl::forward(const Tensor& input1, const Tensor& input2) {
  return functional::cosine_similarity(input1, input2, options);
}
void CosineSimilarityImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::CosineSimilarity(dim=" << options.dim() << ", eps=" << options.eps() << ")";
}

Tensor PairwiseDistanceImpl::forward(const Tensor& input1, const Tensor& input2) {
  return functional::pairwise_distance(input1, input2, options);
}
void PairwiseDistanceImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::PairwiseDistance(p=" << options.p() << ", eps=" << options.eps()
     << ", keepdim=" << (options.keepdim() ? "true" : "false") << ")";
}

}  // namespace nn
}  // namespace ember
