// CUDA softmax and log_softmax along the middle dim of a contiguous [outer, n, inner] tensor,
// accumulating in float for the 16-bit floats (double for double), as PyTorch's kernels.
// inner == 1 (the last dim, the common case): one block per row, an online max and sum
// (src/cuda/softmax_rows.cuh).
// inner > 1: one thread per (outer, inner) column, reading along n with stride inner (neighbouring
// threads read neighbouring columns, so loads stay coalesced).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "src/cuda/launch.cuh"
#include "src/cuda/loops.cuh"
#include "src/cuda/softmax_rows.cuh"

namespace ember::cuda {
namespace {

using softmax_rows::kSoftmaxThreads;

// EMBER_CUDA_SOFTMAX_REGS=0 keeps the two-pass vec4 kernel for every float row.
bool softmax_regs_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("EMBER_CUDA_SOFTMAX_REGS");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  return on;
}

template <class T, class A>
__global__ void softmax_columns_kernel(T* out, const T* in, int64_t outer, int64_t n, int64_t inner,
                                       bool log) {
  int64_t columns = outer * inner;
  for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < columns;
       c += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t o = c / inner, i = c % inner;
    const T* x = in + o * n * inner + i;
    T* y = out + o * n * inner + i;
    A m = -INFINITY;
    for (int64_t k = 0; k < n; ++k) m = nan_max(m, static_cast<A>(x[k * inner]));
    A s = 0;
    for (int64_t k = 0; k < n; ++k) s += ::exp(static_cast<A>(x[k * inner]) - m);
    A ls = ::log(s);
    for (int64_t k = 0; k < n; ++k) {
      A v = static_cast<A>(x[k * inner]) - m;
      y[k * inner] = static_cast<T>(log ? v - ls : ::exp(v) / s);
    }
  }
}

}  // namespace

void launch_softmax(void* out, const void* in, ScalarType dt, int64_t outer, int64_t n,
                    int64_t inner, bool log, CUstream_st* stream) {
  const char* op = log ? "log_softmax" : "softmax";
  visit_device_types(
      dt, op,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_floating_v<T>) {
          using A = opmath_t<T>;
          T* o = static_cast<T*>(out);
          const T* i = static_cast<const T*>(in);
          if (inner == 1) {
            softmax_rows::rows<T, A>(o, i, outer, n, log, softmax_regs_enabled(),
                                     StreamLaunch{stream, op});
          } else {
            int64_t columns = outer * inner;
            int blocks = static_cast<int>(
                std::min<int64_t>((columns + kSoftmaxThreads - 1) / kSoftmaxThreads, 65535 * 32));
            softmax_columns_kernel<T, A>
                <<<blocks, kSoftmaxThreads, 0, stream>>>(o, i, outer, n, inner, log);
            detail::check_launch(op, stream);
          }
        }
      },
      true);
}

}  // namespace ember::cuda
