#pragma once
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {
// out[m,n] = beta * out + alpha * a[m,k] @ b[k,n]; a and b may be transposed views (any
// strides with one unit stride dim are passed to BLAS without a copy).
using GemmFn = void (*)(Tensor& out, const Tensor& a, const Tensor& b, const Scalar& beta,
                        const Scalar& alpha);
EMBER_DECLARE_STUB(gemm_stub, GemmFn);
// The same for a batch: out[b] = beta * out[b] + alpha * a[b] @ b[b] (3-D operands).
EMBER_DECLARE_STUB(bgemm_stub, GemmFn);
// out[m,n] = alpha * a[m,k] @ b[k,n] + bias[n] (the bias broadcast over the rows; out is not read):
// addmm's bias, which CUDA adds in cuBLASLt's epilogue instead of a pass of its own.
using GemmBiasFn = void (*)(Tensor& out, const Tensor& a, const Tensor& b, const Tensor& bias,
                            const Scalar& alpha);
EMBER_DECLARE_STUB(gemm_bias_stub, GemmBiasFn);
// out[m,n] = a[m,k] @ b[k,n] and bias_grad[m] = a's row sums in one pass, where the backend has
// such a product (CUDA: cuBLASLt's BGRADB epilogue, Note [Bias gradient in the weight product]
// in src/cuda/blas.cpp); false, with nothing written, where it has none for these operands. No
// CPU kernel: addmm's backward then computes the two separately.
using GemmBgradFn = bool (*)(Tensor& out, const Tensor& a, const Tensor& b, Tensor& bias_grad);
EMBER_DECLARE_STUB(gemm_bgrad_stub, GemmBgradFn);
}  // namespace ember
