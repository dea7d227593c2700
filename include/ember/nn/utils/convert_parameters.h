#pragma once
// Flattening parameters to one vector and back (libtorch's torch::nn::utils).
#include <vector>

#include "ember/core/tensor.h"

namespace ember {
namespace nn {
namespace utils {

// All parameters flattened and concatenated into one 1-D tensor (a copy).
Tensor parameters_to_vector(const std::vector<Tensor>& parameters);
// Makes each parameter's data a view of its slice of `vec` (as PyTorch's `param.data = ...`).
void vector_to_parameters(const Tensor& vec, std::vector<Tensor> parameters);

}  // namespace utils
}  // namespace nn
}  // namespace ember
