// CUDA random fills with Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3"), keyed by the device generator's seed. Element i of a fill uses the counter
// (i, offset): four 32-bit words of its own, so the numbers depend only on the seed, the offset
// the generator handed out and the element's position, not on the launch shape. Each fill takes
// a fresh offset (src/cuda/runtime.cpp, philox_state), so torch::cuda::manual_seed makes a
// sequence of fills reproducible.
#include <cmath>

#include "src/cuda/loops.cuh"
#include "src/kernels/philox.h"

namespace ember::cuda {
namespace {

__device__ __forceinline__ PhiloxWords philox(uint64_t index, uint64_t offset, uint64_t seed) {
  return philox4x32_10(static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32),
                       static_cast<uint32_t>(offset), static_cast<uint32_t>(offset >> 32), seed);
}

// Uniform in [0, 1): 24 bits for float math, 53 bits (two words) for double.
__device__ __forceinline__ float uniform_f(uint32_t w) {
  return static_cast<float>(w >> 8) * (1.0f / 16777216.0f);
}
__device__ __forceinline__ double uniform_d(uint32_t a, uint32_t b) {
  uint64_t v = (static_cast<uint64_t>(a) << 32 | b) >> 11;
  return static_cast<double>(v) * (1.0 / 9007199254740992.0);
}

template <class T>
__global__ void random_kernel(T* out, int64_t n, RandomKind kind, double a, double b,
                              const double* probs, uint64_t seed, uint64_t offset) {
  using M = std::conditional_t<std::is_same_v<T, double>, double, float>;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(blockDim.x) * gridDim.x) {
    PhiloxWords r = philox(static_cast<uint64_t>(i), offset, seed);
    M u0, u1;
    if constexpr (std::is_same_v<M, double>) {
      u0 = uniform_d(r.w[0], r.w[1]);
      u1 = uniform_d(r.w[2], r.w[3]);
    } else {
      u0 = uniform_f(r.w[0]);
      u1 = uniform_f(r.w[1]);
    }
    M v;
    switch (kind) {
      case RandomKind::uniform:
        v = static_cast<M>(a) + (static_cast<M>(b) - static_cast<M>(a)) * u0;
        // Rounding (to M, or below to a 16-bit T) can reach `to`: keep the range half-open.
        if (!(static_cast<M>(static_cast<T>(v)) < static_cast<M>(b))) v = static_cast<M>(a);
        break;
      case RandomKind::normal: {  // Box-Muller on (0, 1] x [0, 1)
        M radius = ::sqrt(M(-2) * ::log(M(1) - u0));
        v = radius * ::cos(M(2 * 3.14159265358979323846) * u1) * static_cast<M>(b) +
            static_cast<M>(a);
        break;
      }
      case RandomKind::bernoulli:
        v = u0 < static_cast<M>(probs ? probs[i] : a) ? M(1) : M(0);
        break;
      default:  // exponential with rate a
        v = -::log1p(-u0) / static_cast<M>(a);
        break;
    }
    out[i] = static_cast<T>(v);
  }
}

}  // namespace

void launch_random(void* out, ScalarType dt, int64_t n, RandomKind kind, double a, double b,
                   const double* probs, uint64_t seed, uint64_t offset, CUstream_st* stream) {
  if (n == 0) return;
  unsigned blocks = static_cast<unsigned>(std::min<int64_t>((n + 255) / 256, 65535 * 8));
  visit_device_types(dt, "random", [&](auto tag) {
    using T = typename decltype(tag)::type;
    random_kernel<T>
        <<<blocks, 256, 0, stream>>>(static_cast<T*>(out), n, kind, a, b, probs, seed, offset);
  });
  detail::check_launch("random", stream);
}

}  // namespace ember::cuda
