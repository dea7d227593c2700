// Gradient-scaler CPU kernels: unscale with an inf/NaN check, and the scale update.
#include <atomic>
#include <cmath>

#include "src/cpu/loops.h"
#include "src/kernels/amp.h"

namespace ember {
namespace {

void amp_unscale_kernel(TensorIterator& it, float inv_scale, bool* found_inf) {
  std::atomic<bool> found{false};
  visit_floating_types(it.common_dtype(), "_amp_foreach_non_finite_check_and_unscale_",
                       [&]<class T>() {
                         using M = opmath_t<T>;
                         M inv = static_cast<M>(inv_scale);
                         std::atomic<bool>* f = &found;
                         cpu::cpu_kernel(it, [f, inv](T x_) -> T {
                           M x = static_cast<M>(x_);
                           if (!std::isfinite(x)) f->store(true, std::memory_order_relaxed);
                           return inv == M(1) ? x_ : static_cast<T>(x * inv);
                         });
                       });
  if (found.load()) *found_inf = true;
}

// PyTorch's _amp_update_scale_: the scale and the tracker are 1-element tensors.
void amp_update_scale_kernel(const Tensor& scale, const Tensor& growth_tracker,
                             const Tensor& found_inf, double growth_factor, double backoff_factor,
                             int64_t growth_interval) {
  float* s = static_cast<float*>(scale.data_ptr());
  int32_t* tracker = static_cast<int32_t*>(growth_tracker.data_ptr());
  float inf = *static_cast<const float*>(found_inf.data_ptr());
  if (inf != 0.f) {
    *s = static_cast<float>(*s * backoff_factor);
    *tracker = 0;
    return;
  }
  int32_t successful = *tracker + 1;
  if (successful == growth_interval) {
    float grown = static_cast<float>(*s * growth_factor);
    if (std::isfinite(grown)) *s = grown;  // keep the old scale rather than overflow
    *tracker = 0;
  } else {
    *tracker = successful;
  }
}

}  // namespace

EMBER_DEFINE_STUB(amp_unscale_stub, amp_unscale_kernel);
EMBER_DEFINE_STUB(amp_update_scale_stub, amp_update_scale_kernel);

}  // namespace ember
