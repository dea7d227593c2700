#pragma once
// out= variants of ops that compute their result first and then write it into the caller's
// tensor (PyTorch's generated out= wrappers and its structured kernels).
#include <initializer_list>

#include "ember/core/tensor.h"

namespace ember {
namespace out_util {

// Refuses out= while autograd is recording and an input or `out` requires grad (PyTorch's
// message; `op` is the functional op's name).
void check_no_grad(const char* op, std::initializer_list<Tensor> tensors);

// Resizes `out` to the result's shape when it differs and copies the result in. Exact: `out`
// must have the result's dtype (structured kernels: softmax, scatter, median...); otherwise the
// result must be castable to it (torch.can_cast, as the generated out= wrappers copy).
Tensor& assign(Tensor& out, const Tensor& result, const char* op, bool exact);

}  // namespace out_util
}  // namespace ember
