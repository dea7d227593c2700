#pragma once
// Matrix products. float/double go to BLAS; other dtypes use a blocked loop.
#include "ember/core/tensor.h"

namespace ember {

Tensor mm(const Tensor& self, const Tensor& mat2);
Tensor& mm_out(Tensor& out, const Tensor& self, const Tensor& mat2);
Tensor matmul(const Tensor& self, const Tensor& other);

}  // namespace ember
