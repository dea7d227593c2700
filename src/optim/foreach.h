#pragma once
// Note [Multi-tensor optimizer steps]
// Adam, AdamW and SGD update a whole param group with the multi-tensor kernels of
// src/kernels/optim.h (on CUDA one launch per 36 tensors instead of ~10 per parameter: PyTorch's
// foreach/fused default on CUDA) when every parameter with a gradient qualifies: all on one
// device, contiguous, of a floating dtype shared by its gradient and its state tensors, no
// gradient that requires grad; otherwise the group takes the per-tensor path, unchanged. States are
// made, counted and serialized as in the per-tensor path; state tensors on another device (a
// checkpoint loads them on the CPU) are moved to the parameter's, as PyTorch's load_state_dict
// does. The environment variable EMBER_OPTIM_FOREACH picks the path (read at every step): unset
// or 1, the multi-tensor one on every device; 0, always per-tensor. On the CPU its loops are
// split over the pool and vectorised (the Fashion-MNIST CNN's Adam step, 420k parameters:
// 94 us at 2 threads against ~800 us for the per-tensor path's ten passes; PyTorch's CPU default
// is the per-tensor loop, whose results agree to rounding; the tests compare the two).
#include <vector>

#include "ember/optim/optimizer.h"
#include "src/kernels/optim_math.h"

namespace ember::optim::detail {

// One multi-tensor step of the `params` that have gradients (each one's state made on its first
// step and its step counted); false, having changed nothing, when they don't qualify.
bool adam_foreach_step(Optimizer& opt, const std::vector<Tensor>& params, const AdamHyper& h);
bool sgd_foreach_step(Optimizer& opt, const std::vector<Tensor>& params, const SgdHyper& h);

}  // namespace ember::optim::detail
