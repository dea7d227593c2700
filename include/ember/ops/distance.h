#pragma once
// cosine_similarity at ATen level (pairwise_distance is in ember/ops/loss.h).
#include "ember/core/tensor.h"

namespace ember {

// sum(x1 * x2, dim) / sqrt(max(sum(x1^2, dim) * sum(x2^2, dim), eps^2)); x1 and x2 broadcast.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);

}  // namespace ember
