// CUDA multi-tensor optimizer steps (Adam/AdamW, SGD): one launch per kMtaMaxTensors tensors or
// kMtaMaxBlocks chunks (src/cuda/multi_tensor.h), each block walking one chunk of one tensor with
// the element rules of src/kernels/optim_math.h (the CPU kernel's, src/cpu/optim.cpp). Each thread
// loads kIlp elements (blockDim apart, so loads stay coalesced) before updating any: with one
// element at a time the launches' 320 blocks kept too few loads in flight (GPT-2's gradient norm
// and scaling ran at ~1.1 TB/s on the H100).
#include "src/cuda/loops.cuh"
#include "src/cuda/multi_tensor_kernels.cuh"

namespace ember::cuda {

void launch_fused_adam(const std::vector<TensorListEntry<5>>& entries, ScalarType dt,
                       const AdamHyper& h, CUstream_st* stream) {
  visit_device_types(
      dt, "_fused_adam_",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          const AdamCoeffs<opmath_t<T>> c(h);
          multi_tensor_apply<5>(entries, [&](const TensorListMeta<5>& meta, int nblocks) {
            fused_adam_kernel<T, opmath_t<T>><<<nblocks, kMtaThreads, 0, stream>>>(meta, c);
            detail::check_launch("_fused_adam_", stream);
          });
        }
      },
      true);
}

void launch_fused_sgd(const std::vector<TensorListEntry<3>>& entries, ScalarType dt,
                      const SgdHyper& h, bool first_step, CUstream_st* stream) {
  visit_device_types(
      dt, "_fused_sgd_",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          const SgdCoeffs<opmath_t<T>> c(h);
          multi_tensor_apply<3>(entries, [&](const TensorListMeta<3>& meta, int nblocks) {
            fused_sgd_kernel<T, opmath_t<T>>
                <<<nblocks, kMtaThreads, 0, stream>>>(meta, c, first_step);
            detail::check_launch("_fused_sgd_", stream);
          });
        }
      },
      true);
}

void launch_foreach_sum_squares(const std::vector<TensorListEntry<1>>& entries, ScalarType dt,
                                double* partial, CUstream_st* stream) {
  float_or_double(dt, "clip_grad_norm_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    multi_tensor_apply<1>(entries, [&](const TensorListMeta<1>& meta, int nblocks) {
      foreach_sum_squares_kernel<T><<<nblocks, kMtaThreads, 0, stream>>>(meta, partial);
      detail::check_launch("clip_grad_norm_", stream);
    });
  });
}

void launch_foreach_scale(const std::vector<TensorListEntry<1>>& entries, ScalarType dt,
                          const void* scale, CUstream_st* stream) {
  float_or_double(dt, "clip_grad_norm_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    multi_tensor_apply<1>(entries, [&](const TensorListMeta<1>& meta, int nblocks) {
      foreach_scale_kernel<T>
          <<<nblocks, kMtaThreads, 0, stream>>>(meta, static_cast<const T*>(scale));
      detail::check_launch("clip_grad_norm_", stream);
    });
  });
}

}  // namespace ember::cuda
