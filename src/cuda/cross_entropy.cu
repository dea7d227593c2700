// Fused cross entropy over [N, C] logits with class targets (Note [Fused cross entropy] in
// src/ops/loss.cpp): one pass over each row for its logsumexp and loss, one for the gradient,
// computed in float (double for double) whatever the logits' dtype. Rows of the logits and of the
// gradient are `ldx` and `ldg` elements apart (>= C); the gradient's columns C..ldg-1 are
// written as zeros (Note [Pitched logits gradient]).
#include "src/cuda/cross_entropy_kernels.cuh"
#include "src/cuda/launch.cuh"
#include "src/cuda/loops.cuh"

namespace ember::cuda {

void launch_cross_entropy_fwd(void* loss, void* wsum, void* lse, const void* x,
                              const int64_t* target, const void* weight, int64_t N, int64_t C,
                              int64_t ldx, int64_t ignore_index, ScalarType dt, int64_t* error,
                              CUstream_st* stream) {
  if (N == 0) return;
  visit_device_types(
      dt, "cross_entropy",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          using A = opmath_t<T>;
          ce::forward<T, A>(static_cast<A*>(loss), static_cast<A*>(wsum), static_cast<A*>(lse),
                            static_cast<const T*>(x), target, static_cast<const A*>(weight), N, C,
                            ldx, ignore_index, error, StreamLaunch{stream, "cross_entropy"});
        }
      },
      true);
}

void launch_cross_entropy_bwd(void* grad, const void* x, const int64_t* target, const void* lse,
                              const void* scale, int64_t N, int64_t C, int64_t ldx, int64_t ldg,
                              ScalarType dt, CUstream_st* stream) {
  if (N == 0 || C == 0) return;
  visit_device_types(
      dt, "cross_entropy_backward",
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          using A = opmath_t<T>;
          ce::backward<T, A>(static_cast<T*>(grad), static_cast<const T*>(x), target,
                             static_cast<const A*>(lse), static_cast<const A*>(scale), N, C, ldx,
                             ldg, StreamLaunch{stream, "cross_entropy_backward"});
        }
      },
      true);
}

}  // namespace ember::cuda
