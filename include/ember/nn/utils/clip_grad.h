#pragma once
// Gradient clipping (libtorch's torch::nn::utils::clip_grad_norm_ / clip_grad_value_).
#include <initializer_list>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {
namespace nn {
namespace utils {

// Scales the gradients of `parameters` in place so that their joint norm (of order norm_type;
// infinity for the max norm) is at most max_norm. Returns the joint norm before clipping.
double clip_grad_norm_(std::vector<Tensor> parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(std::initializer_list<Tensor> parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
double clip_grad_norm_(Tensor parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(std::vector<Tensor> parameters, double clip_value);
void clip_grad_value_(std::initializer_list<Tensor> parameters, double clip_value);
void clip_grad_value_(Tensor parameter, double clip_value);

}  // namespace utils
}  // namespace nn
}  // namespace ember
