#pragma once
// Note [Multi-tensor optimizer steps]
// Adam, AdamW and SGD update a whole param group with the multi-tensor kernels of
// src/kernels/optim.h (on CUDA one launch per 36 tensors instead of ~10 per parameter: PyTorch's
// foreach/fused default on CUDA) when every parameter with a gradient qualifies: all on one
// device, contiguous, of a floating dtype shared by its gradient and its state tensors, no
// gradient that requires grad; otherwise the group takes the per-tensor path, unchanged. States are
// made, counted and serialized as in the per-tensor path; state tensors on another device (a
// checkpoint loads them on the CPU) are moved to the parameter's, as PyTorch's load_state_dict
// does. The environment variable EMBER_OPTIM_FOREACH picks the path (read at every step): unset,
// the multi-tensor one on CUDA only; 0, always per-tensor; 1, multi-tensor on every device (the CPU
// kernel is plain loops; the tests compare it with the per-tensor path).
#include <vector>

#include "ember/optim/optimizer.h"
#include "src/kernels/optim_math.h"

namespace ember::optim::detail {

// One multi-tensor step of the `params` that have gradients (each one's state made on its first
// step and its step counted); false, having changed nothing, when they don't qualify.
bool adam_foreach_step(Optimizer& opt, const std::vector<Tensor>& params, const AdamHyper& h);
bool sgd_foreach_step(Optimizer& opt, const std::vector<Tensor>& params, const SgdHyper& h);

}  // namespace ember::optim::detail
