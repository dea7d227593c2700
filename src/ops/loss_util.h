#pragma once
// Helpers shared by the loss files (src/ops/loss*.cpp).
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// Raises unless reduction is Reduction::None, Mean or Sum.
void check_reduction(int64_t reduction, const char* op);
// loss.mean() / loss.sum() / loss, recorded as MeanBackward0 / SumBackward0.
Tensor apply_loss_reduction(const Tensor& loss, int64_t reduction);
// The tensor of an optional weight, undefined when absent.
Tensor opt_tensor(const std::optional<Tensor>& t);
// Gradient summed back to `like`'s shape (after broadcasting) in `like`'s dtype.
Tensor fit_grad(const Tensor& g, const Tensor& like);
// -1, 0 or 1 per element, in d's dtype.
Tensor sign_of(const Tensor& d);
// log(sigmoid(x)) without overflow, written with ember ops.
Tensor log_sigmoid_of(const Tensor& x);

}  // namespace ember
