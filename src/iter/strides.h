#pragma once
// Layout inference shared by the iterator's outputs and empty_like (Note [Output strides] in
// tensor_iterator.cpp).
#include "ember/core/tensor.h"

namespace ember {

// Strides of a dense tensor of `shape` whose dims are laid out in memory in the order the
// inputs' strides suggest (PyTorch's TensorIterator permutation and infer_dense_strides).
// Empty when that is the plain contiguous layout.
DimVector infer_dense_strides(IntArrayRef shape, const Tensor* const* inputs, int nin);

}  // namespace ember
