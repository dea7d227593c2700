// Registers the CUDA multi-tensor optimizer steps (src/cuda/optim.cu) in their stubs.
#include "ember/cuda/stream.h"
#include "src/cuda/multi_tensor.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/optim.h"

namespace ember::cuda {
namespace {

static_assert(kForeachChunk == kMtaChunk, "partial sums are per multi-tensor chunk");

void fused_adam_cuda(TensorList params, TensorList grads, TensorList exp_avgs,
                     TensorList exp_avg_sqs, TensorList max_exp_avg_sqs, const int64_t* steps,
                     const AdamHyper& h) {
  if (params.empty()) return;
  CUDAGuard guard(params[0].device());
  std::vector<TensorListEntry<5>> entries(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    TensorListEntry<5>& e = entries[i];
    e.ptrs[0] = params[i].data_ptr();
    e.ptrs[1] = grads[i].data_ptr();
    e.ptrs[2] = exp_avgs[i].data_ptr();
    e.ptrs[3] = exp_avg_sqs[i].data_ptr();
    e.ptrs[4] = h.amsgrad ? max_exp_avg_sqs[i].data_ptr() : nullptr;
    e.numel = params[i].numel();
    AdamStepScalars s = adam_step_scalars(h, steps[i]);
    e.scalars[0] = s.neg_step_size;
    e.scalars[1] = s.bc2_sqrt;
  }
  launch_fused_adam(entries, params[0].dtype(), h, stream_of(params[0]));
}

void fused_sgd_cuda(TensorList params, TensorList grads, TensorList momentum_buffers,
                    bool first_step, const SgdHyper& h) {
  if (params.empty()) return;
  CUDAGuard guard(params[0].device());
  std::vector<TensorListEntry<3>> entries(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    TensorListEntry<3>& e = entries[i];
    e.ptrs[0] = params[i].data_ptr();
    e.ptrs[1] = grads[i].data_ptr();
    e.ptrs[2] = momentum_buffers.empty() ? nullptr : momentum_buffers[i].data_ptr();
    e.numel = params[i].numel();
  }
  launch_fused_sgd(entries, params[0].dtype(), h, first_step, stream_of(params[0]));
}

void foreach_sum_squares_cuda(Tensor& partial, TensorList tensors) {
  if (tensors.empty()) return;
  CUDAGuard guard(tensors[0].device());
  std::vector<TensorListEntry<1>> entries(tensors.size());
  int64_t first = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    entries[i].ptrs[0] = tensors[i].data_ptr();
    entries[i].numel = tensors[i].numel();
    entries[i].scalars[0] = static_cast<double>(first);
    first += (tensors[i].numel() + kMtaChunk - 1) / kMtaChunk;
  }
  EMBER_CHECK(
      first == partial.numel() && partial.scalar_type() == kDouble && partial.is_contiguous(),
      "[clip_grad_norm_] partial sums: expected ", first, " doubles");
  launch_foreach_sum_squares(entries, tensors[0].dtype(), partial.data_ptr<double>(),
                             stream_of(tensors[0]));
}

void foreach_scale_cuda(TensorList tensors, const Tensor& scale) {
  if (tensors.empty()) return;
  CUDAGuard guard(tensors[0].device());
  std::vector<TensorListEntry<1>> entries(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    entries[i].ptrs[0] = tensors[i].data_ptr();
    entries[i].numel = tensors[i].numel();
  }
  launch_foreach_scale(entries, tensors[0].dtype(), scale.data_ptr(), stream_of(tensors[0]));
}

}  // namespace

void register_cuda_optim_kernels() {
  reg(fused_adam_stub, fused_adam_cuda);
  reg(fused_sgd_stub, fused_sgd_cuda);
  reg(foreach_sum_squares_stub, foreach_sum_squares_cuda);
  reg(foreach_scale_stub, foreach_scale_cuda);
}

}  // namespace ember::cuda
