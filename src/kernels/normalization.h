#pragma once
// Normalization and embedding-bag kernels over contiguous float/double tensors prepared by
// src/ops/normalization.cpp. Statistics accumulate in double.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {

// x viewed as [outer, C, inner]: per-channel mean and biased variance over outer * inner values,
// written to contiguous [C] tensors of x's dtype.
using MomentsFn = void (*)(const Tensor& x, int64_t outer, int64_t C, int64_t inner, Tensor& mean,
                           Tensor& var);
// y[o, c, i] = x[o, c, i] * scale[c] + shift[c] (scale and shift contiguous [C]).
using ChannelAffineFn = void (*)(Tensor& y, const Tensor& x, int64_t outer, int64_t C,
                                 int64_t inner, const Tensor& scale, const Tensor& shift);
// Layer norm over [M, N] rows, statistics and apply fused per row: mean[m], rstd[m] =
// 1 / sqrt(var + eps), y[m, n] = (x[m, n] - mean[m]) * rstd[m] * w[n] + b[n] (w, b optional).
using RowNormFn = void (*)(Tensor& y, Tensor& mean, Tensor& rstd, const Tensor& x, int64_t M,
                           int64_t N, const Tensor& weight, const Tensor& bias, double eps);
// out [L, D] = weight[indices[l]] rows (indices contiguous int64, checked by the op).
using EmbeddingFn = void (*)(Tensor& out, const Tensor& weight, const Tensor& indices);
EMBER_DECLARE_STUB(embedding_stub, EmbeddingFn);
// Gradients of batch norm over [outer, C, inner] given the per-channel mean and invstd (the
// batch's in training, the running ones in eval); weight may be undefined; each output is
// written only if defined.
using ChannelNormBackwardFn = void (*)(const Tensor& grad_out, const Tensor& x, int64_t outer,
                                       int64_t C, int64_t inner, const Tensor& mean,
                                       const Tensor& invstd, const Tensor& weight, bool training,
                                       Tensor& grad_input, Tensor& grad_weight, Tensor& grad_bias);
// Gradients of layer norm over [M, N] rows; same conventions.
using RowNormBackwardFn = void (*)(const Tensor& grad_out, const Tensor& x, int64_t M, int64_t N,
                                   const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                                   Tensor& grad_input, Tensor& grad_weight, Tensor& grad_bias);
// Gradients of group norm over [N, C, HxW] with mean/rstd [N * G]; same conventions.
using GroupNormBackwardFn = void (*)(const Tensor& grad_out, const Tensor& x, int64_t N, int64_t C,
                                     int64_t HxW, int64_t G, const Tensor& mean, const Tensor& rstd,
                                     const Tensor& weight, Tensor& grad_input, Tensor& grad_weight,
                                     Tensor& grad_bias);
EMBER_DECLARE_STUB(group_norm_backward_stub, GroupNormBackwardFn);
// Batch norm through cuDNN (CUDA only: no CPU entry; Note [cuDNN batch norm] in
// src/ops/normalization.cpp). x contiguous [N, C, ...] float, double or half; weight, bias and
// the running statistics contiguous [C] in float (double for double x), the running ones
// undefined or updated in place (training); y (x's sizes and dtype), save_mean and save_invstd
// ([C], weight's dtype, written in training) allocated by the caller. False, with nothing
// written, where cuDNN is not loaded, switched off or refuses the problem.
using CudnnBatchNormFn = bool (*)(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                  const Tensor& running_mean, const Tensor& running_var,
                                  bool training, double momentum, double eps, Tensor& y,
                                  Tensor& save_mean, Tensor& save_invstd);
// Training-mode gradients from the saved statistics: grad_out contiguous like x; grad_input
// (x's dtype), grad_weight and grad_bias (weight's dtype) allocated by the caller.
using CudnnBatchNormBackwardFn = bool (*)(const Tensor& grad_out, const Tensor& x,
                                          const Tensor& weight, const Tensor& save_mean,
                                          const Tensor& save_invstd, double eps, Tensor& grad_input,
                                          Tensor& grad_weight, Tensor& grad_bias);
EMBER_DECLARE_STUB(cudnn_batch_norm_stub, CudnnBatchNormFn);
EMBER_DECLARE_STUB(cudnn_batch_norm_backward_stub, CudnnBatchNormBackwardFn);
EMBER_DECLARE_STUB(norm_moments_stub, MomentsFn);
EMBER_DECLARE_STUB(channel_norm_backward_stub, ChannelNormBackwardFn);
EMBER_DECLARE_STUB(row_norm_backward_stub, RowNormBackwardFn);
EMBER_DECLARE_STUB(channel_affine_stub, ChannelAffineFn);
EMBER_DECLARE_STUB(row_norm_stub, RowNormFn);

// Bags of rows of weight [num, D]: out [B, D]; bag b covers indices[offsets[b] : offsets[b+1]]
// (offsets: contiguous int64 [B + 1], checked by the op). mode 0 sum, 1 mean, 2 max. Rows equal
// to padding_idx are skipped (-1: none). max_indices [B, D] (mode 2, -1 for empty bags) and
// bag_size [B] (rows counted) are int64.
struct EmbeddingBagParams {
  int64_t mode = 0;
  int64_t padding_idx = -1;
};
using EmbeddingBagFn = void (*)(Tensor& out, Tensor& max_indices, Tensor& bag_size,
                                const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                const Tensor& per_sample_weights, const EmbeddingBagParams& p);
EMBER_DECLARE_STUB(embedding_bag_stub, EmbeddingBagFn);

}  // namespace ember
