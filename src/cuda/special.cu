// CUDA digamma and polygamma: the formulas shared with the CPU (src/kernels/special_math.h),
// evaluated in double for every floating dtype as the CPU does.
#include <cmath>

#include "src/cuda/loops.cuh"
#include "src/kernels/special_math.h"

namespace ember::cuda {
namespace {

template <class T>
struct PolygammaFn {
  int64_t n;
  __device__ T operator()(T x_) const {
    using M = opmath_t<T>;
    double v = polygamma_value(n, static_cast<double>(static_cast<M>(x_)));
    return T(static_cast<M>(v));  // rounded through the compute type, as the CPU kernel
  }
};

}  // namespace

void launch_polygamma(const ElementwiseArgs& a, int64_t n, ScalarType dt) {
  visit_device_types(
      dt, a.op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) launch_elementwise(a, PolygammaFn<T>{n});
      },
      true);
}

}  // namespace ember::cuda
