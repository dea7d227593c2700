// detail::cuda_random_fill (src/core/cuda_hooks.h): a CUDA tensor filled from its device's Philox
// generator (src/cuda/random.cu); each fill takes a fresh counter offset.
#include "ember/cuda/stream.h"
#include "src/core/cuda_hooks.h"
#include "src/cuda/elementwise.h"
#include "src/cuda/runtime.h"

namespace ember::detail {

void cuda_random_fill(const Tensor& t, RandomFill kind, double a, double b, const Tensor& probs) {
  cuda::CUDAGuard guard(t.device());
  if (t.numel() == 0) return;
  // A non-contiguous tensor is filled through a dense buffer (the numbers follow element order).
  Tensor out = t.is_contiguous() ? t : make_tensor(t.sizes(), t.dtype(), t.device());
  Tensor p = probs.defined() ? probs.to(kDouble).contiguous() : Tensor();
  EMBER_CHECK(!p.defined() || (p.device() == t.device() && p.numel() == t.numel()),
              "[bernoulli_] probabilities must match the tensor's shape and device");
  cuda::detail::PhiloxState st = cuda::detail::philox_state(t.device().index(), 4);
  cuda::launch_random(out.data_ptr(), t.dtype(), out.numel(), static_cast<cuda::RandomKind>(kind),
                      a, b, p.defined() ? p.data_ptr<double>() : nullptr, st.seed, st.offset,
                      cuda::getCurrentCUDAStream(t.device().index()).stream());
  if (!out.is_same(t)) t.copy_(out);
}

PhiloxSeedOffset cuda_philox_seed_offset(DeviceIndex device, uint64_t count) {
  cuda::detail::PhiloxState st = cuda::detail::philox_state(device, count);
  return {st.seed, st.offset};
}

}  // namespace ember::detail
