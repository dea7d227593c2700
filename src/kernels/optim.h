#pragma once
// Multi-tensor optimizer steps (PyTorch's _fused_adam_ / foreach paths), called by Adam, AdamW and
// SGD (src/optim/foreach.cpp). Every list holds tensors of one dtype (float, double, Half or
// BFloat16) on one device, contiguous, list i's tensors of the same size; the math runs in float
// (double for double tensors) with the rules of src/kernels/optim_math.h. See
// Note [Multi-tensor optimizer steps] in src/optim/foreach.h.
#include <cstdint>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "src/kernels/optim_math.h"

namespace ember {

// One Adam/AdamW step of every params[i] from grads[i], updating exp_avgs[i], exp_avg_sqs[i] and,
// with h.amsgrad, max_exp_avg_sqs[i] (an empty list otherwise); steps[i] (>= 1) is params[i]'s
// step count including this step (for its bias corrections).
using FusedAdamFn = void (*)(TensorList params, TensorList grads, TensorList exp_avgs,
                             TensorList exp_avg_sqs, TensorList max_exp_avg_sqs,
                             const int64_t* steps, const AdamHyper& h);
// One SGD step of every params[i] from grads[i]; with momentum, momentum_buffers[i] is updated
// (set to the decayed gradient when first_step), without it the list is empty.
using FusedSgdFn = void (*)(TensorList params, TensorList grads, TensorList momentum_buffers,
                            bool first_step, const SgdHyper& h);
EMBER_DECLARE_STUB(fused_adam_stub, FusedAdamFn);
EMBER_DECLARE_STUB(fused_sgd_stub, FusedSgdFn);

// Gradient clipping in few launches (clip_grad_norm_ on CUDA; CUDA only): partial[j] = the sum
// of squares (double) of chunk j of the float or double tensors, chunks of kForeachChunk
// elements numbered tensor by tensor (partial holds foreach_chunks(tensors) values).
constexpr int64_t kForeachChunk = 65536;
int64_t foreach_chunks(TensorList tensors);
using ForeachSumSquaresFn = void (*)(Tensor& partial, TensorList tensors);
EMBER_DECLARE_STUB(foreach_sum_squares_stub, ForeachSumSquaresFn);
// tensors[i] *= scale (a one-element tensor of their dtype on their device), read on the device.
using ForeachScaleFn = void (*)(TensorList tensors, const Tensor& scale);
EMBER_DECLARE_STUB(foreach_scale_stub, ForeachScaleFn);

}  // namespace ember
