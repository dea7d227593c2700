#pragma once
// Loss kernel stubs. Elementwise ones run over a TensorIterator (out, input, target); nll_loss
// takes a contiguous input viewed as [N, C, K] and a contiguous int64 target [N, K].
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
// (x - y)^2
using LossElemFn = void (*)(TensorIterator&);
EMBER_DECLARE_STUB(mse_stub, LossElemFn);
// -(t * max(log x, -100) + (1 - t) * max(log(1 - x), -100)); raises for x outside [0, 1].
EMBER_DECLARE_STUB(bce_stub, LossElemFn);

// out: [N, K] (reduction None) or 0-dim; total_weight: 0-dim. weight: [C] or undefined.
using NllFn = void (*)(Tensor& out, Tensor& total_weight, const Tensor& input, const Tensor& target,
                       const Tensor& weight, int64_t N, int64_t C, int64_t K, int64_t reduction,
                       int64_t ignore_index);
EMBER_DECLARE_STUB(nll_loss_stub, NllFn);
// Fused cross entropy (Note [Fused cross entropy] in src/ops/loss.cpp), CUDA only: over
// logits x [N, C] with contiguous rows (stride(1) == 1, stride(0) >= C) and targets [N], fills
// loss, wsum and lse [N] (float, double for double logits): lse = logsumexp of the row, loss =
// -w[t] (x[t] - lse), wsum = w[t] (0 both where t == ignore_index); weight [C] in that float type
// or undefined. Raises on a target out of range.
using CrossEntropyFwdFn = void (*)(Tensor& loss, Tensor& wsum, Tensor& lse, const Tensor& x,
                                   const Tensor& target, const Tensor& weight,
                                   int64_t ignore_index);
EMBER_DECLARE_STUB(cross_entropy_fwd_stub, CrossEntropyFwdFn);
// grad [N, C] (x's dtype, contiguous rows as x's) = scale[r] (exp(x - lse[r]) - onehot(t[r]));
// the padding between grad's rows, if any, is set to zero.
using CrossEntropyBwdFn = void (*)(Tensor& grad, const Tensor& x, const Tensor& target,
                                   const Tensor& lse, const Tensor& scale);
EMBER_DECLARE_STUB(cross_entropy_bwd_stub, CrossEntropyBwdFn);
}  // namespace ember
