#pragma once
// ATen's dropout family: dropout, feature_dropout (one mask entry per (N, C) channel),
// alpha_dropout and feature_alpha_dropout (keep the mean and variance of SELU activations), each
// with an in-place `_` form. Identity when `train` is false, p == 0 or the input is empty; p == 1
// gives zeros. Composites of ember ops as in PyTorch, so the gradient is the mask multiply
// (grad_fn MulBackward0, AddBackward0 for the alpha forms).
#include "ember/core/tensor.h"

namespace ember {

Tensor dropout(const Tensor& input, double p, bool train);
Tensor& dropout_(Tensor& self, double p, bool train);
Tensor feature_dropout(const Tensor& input, double p, bool train);
Tensor& feature_dropout_(Tensor& self, double p, bool train);
Tensor alpha_dropout(const Tensor& input, double p, bool train);
Tensor& alpha_dropout_(Tensor& self, double p, bool train);
Tensor feature_alpha_dropout(const Tensor& input, double p, bool train);
Tensor& feature_alpha_dropout_(Tensor& self, double p, bool train);

}  // namespace ember
