#pragma once
// Helpers the activation ops share across files (src/ops/activation.cpp defines them).
#include "ember/core/tensor.h"

namespace ember {

// PyTorch's threshold_backward: self <= threshold ? 0 : grad (NaN in self lets grad through).
// One fused pass on CPU when no graph of the backward is being recorded and grad and self share
// a floating dtype; otherwise the same rule written with ember ops (double backward, CUDA, mixed
// dtypes). relu's backward (threshold 0 on its result) and threshold's.
Tensor threshold_grad_fused(const Tensor& grad, const Tensor& self, double threshold);

}  // namespace ember
