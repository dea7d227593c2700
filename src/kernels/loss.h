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
}  // namespace ember
